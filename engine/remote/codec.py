"""Values across the daemon's socket: the facade's frozen values as JSON and back.

``encode`` is ``models.to_data``; ``decode(kind, data)`` rebuilds a value of the type ``kind``
(a frozen dataclass, an enum, a tuple, an optional, a path, a plain value) from it, so a value
that crossed the socket is equal to the one the engine returned.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import functools
import types
import typing
from pathlib import Path
from typing import Any

from engine import errors
from engine.models import PartialDate, to_data

encode = to_data


@functools.cache
def namespace() -> dict[str, Any]:
    """The names the engine's annotations use, some imported only for the type checker."""
    import engine.api
    import engine.config
    import engine.events
    import engine.models

    return {
        **vars(collections.abc),
        **vars(types),
        **vars(engine.config),
        **vars(engine.events),
        **vars(engine.models),
        **vars(engine.api),
    }


@functools.cache
def hints(owner: Any) -> dict[str, Any]:
    return typing.get_type_hints(owner, globalns=namespace())


_PLAIN = (str, int, float, bool, type(None))


@functools.cache
def _plain_fields(kind: type) -> tuple[str, ...] | None:
    """When every field of the dataclass ``kind`` holds a plain value (a str, a number, a bool
    or None), its float fields (JSON may give them as ints); else None. Such data is handed to
    the class as it is: a queue of 1,000 entries decodes at once."""
    fields = hints(kind)
    floats = []
    for field in dataclasses.fields(kind):
        kind_of = fields[field.name]
        union = typing.get_origin(kind_of) in (typing.Union, types.UnionType)
        options = typing.get_args(kind_of) if union else (kind_of,)
        if not all(o in _PLAIN for o in options):
            return None
        if float in options:
            floats.append(field.name)
    return tuple(floats)


def decode(kind: Any, data: Any) -> Any:
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        floats = _plain_fields(kind)
        if floats is not None and isinstance(data, dict):
            for name in floats:
                if type(data.get(name)) is int:
                    data[name] = float(data[name])
            return kind(**data)
    if kind is Any or kind is None or kind is type(None):
        return data
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        last: Exception | None = None
        for arg in (a for a in args if a is not type(None)):
            try:
                return decode(arg, data)
            except (TypeError, ValueError, KeyError) as error:
                last = error
        raise ValueError(f"{data!r} is none of {kind}") from last
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], item) for item in data)
        return tuple(decode(a, item) for a, item in zip(args, data, strict=True))
    if origin in (frozenset, set):
        return frozenset(decode(args[0], item) for item in data)
    if origin in (list, collections.abc.Sequence, collections.abc.Iterable):
        return [decode(args[0], item) for item in data] if args else list(data)
    if kind is PartialDate:
        return parse_partial_date(data)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(data)
    if kind is Path:
        return Path(data)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        fields = hints(kind)
        values = {
            f.name: decode(fields[f.name], data[f.name])
            for f in dataclasses.fields(kind)
            if f.init and f.name in data
        }
        return kind(**values)
    if kind is float and isinstance(data, int):
        return float(data)
    if kind in (int, float, str, bool) and not isinstance(data, kind):
        raise TypeError(f"{data!r} is not {kind.__name__}")
    return data


def parse_partial_date(text: str) -> PartialDate:
    year, month, day = [*text.split("-"), "", ""][:3]
    return PartialDate(
        int(year), int(month) if month.isdigit() else None, int(day) if day.isdigit() else None
    )


# --- errors ---------------------------------------------------------------------------------


def encode_error(error: BaseException) -> dict[str, Any]:
    """An engine error as data: its class, its words and its attributes."""
    encoded = {k: encode(v) for k, v in vars(error).items() if not k.startswith("_")}
    plain = (str, int, float, bool, list, type(None))
    attributes = {k: v for k, v in encoded.items() if isinstance(v, plain)}
    name = type(error).__name__
    if not isinstance(error, errors.EngineError):
        name = "EngineError"  # a bug in the daemon is still said, never a dead connection
    return {"type": name, "message": str(error), "attributes": attributes}


def decode_error(data: dict[str, Any]) -> errors.EngineError:
    """The engine error the daemon raised, of the same class, with the same words."""
    kind = getattr(errors, str(data.get("type")), errors.EngineError)
    if not (isinstance(kind, type) and issubclass(kind, errors.EngineError)):
        kind = errors.EngineError
    error = kind.__new__(kind)
    Exception.__init__(error, str(data.get("message", "")))
    for key, value in (data.get("attributes") or {}).items():
        setattr(error, key, tuple(value) if isinstance(value, list) else value)
    return error
