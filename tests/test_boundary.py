"""The engine knows nothing of the screen; the TUI knows only the engine's front door."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from engine.remote.codec import namespace  # the names the engine's annotations use

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_TUI = {
    "mpv",
    "sqlalchemy",
    "internetarchive",
    "mutagen",
    "sklearn",
    "httpx",
    "aiofiles",
    "alembic",
}


def imported_modules(package: Path) -> list[tuple[Path, int, str]]:
    found = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(path, node.lineno, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found += [(path, node.lineno, node.module)]
                found += [
                    (path, node.lineno, f"{node.module}.{a.name}")
                    for a in node.names
                    if node.module == "engine"
                ]
    return found


def test_importing_engine_loads_no_textual_or_rich() -> None:
    code = "import sys, engine, engine.facade; print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual','rich')))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout


def test_engine_source_never_imports_textual_or_rich() -> None:
    bad = [
        (p, n, m)
        for p, n, m in imported_modules(ROOT / "engine")
        if m.split(".")[0] in ("textual", "rich", "tui")
    ]
    assert not bad, bad


def test_tui_imports_only_the_engine_root() -> None:
    problems = []
    for path, line, module in imported_modules(ROOT / "tui"):
        top = module.split(".")[0]
        if top == "engine" and module != "engine" and not _is_engine_root_name(module):
            problems.append(f"{path.name}:{line} imports {module}")
        if top in FORBIDDEN_IN_TUI:
            problems.append(f"{path.name}:{line} imports {module}")
    assert not problems, problems


def _is_engine_root_name(module: str) -> bool:
    """``from engine import X`` shows up as ``engine.X``: fine when X is exported by the root."""
    import engine

    name = module.split(".", 1)[1]
    return "." not in name and (name in engine.__all__ or name == "__version__")


def test_checker_catches_a_deep_import(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("from engine.library import schema\nimport httpx\n")
    modules = [m for _, _, m in imported_modules(tmp_path)]
    assert "engine.library" in modules and "httpx" in modules


def test_every_public_name_of_the_engine_resolves() -> None:
    """The engine root imports its names on first use; each one listed must be there."""
    import engine

    assert len(engine.__all__) > 40  # read from the one list, engine/__init__.pyi
    for name in engine.__all__:
        assert getattr(engine, name) is not None, name


def test_the_app_module_loads_without_the_engine_libraries() -> None:
    """The first screen is drawn before the database, HTTP and audio libraries load."""
    import subprocess
    import sys

    script = (
        "import sys, tui.cli, tui.app\n"
        "heavy = ('sqlalchemy', 'httpx', 'mutagen', 'alembic', 'engine.facade', 'engine.models')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


# --- the facade hands out plain values only ---------------------------------------------------

PLAIN = (type(None), bool, int, float, str, bytes)


def _plain(kind: object, seen: set[object]) -> list[str]:
    """What in the type ``kind`` is not a plain, unchangeable value (empty when all is)."""
    import collections.abc
    import dataclasses
    import enum
    import pathlib
    import types
    import typing

    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if kind in PLAIN or kind is pathlib.Path or kind in seen:
        return []
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return []
    if origin in (tuple, frozenset, typing.Union, types.UnionType):
        return [p for a in args if a is not Ellipsis for p in _plain(a, seen)]
    if origin is collections.abc.AsyncIterator:  # the event stream: frozen events
        return _plain(args[0], seen)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not kind.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            return [f"{kind.__name__} is not frozen"]
        seen.add(kind)
        hints = typing.get_type_hints(kind, globalns=namespace())
        problems = [p for f in dataclasses.fields(kind) for p in _plain(hints[f.name], seen)]
        # Event subclasses are plain too: each is checked where the stream hands it out.
        if kind.__name__ == "Event":
            import engine.events

            for sub in vars(engine.events).values():
                if isinstance(sub, type) and issubclass(sub, kind) and sub is not kind:
                    problems += _plain(sub, seen)
        return problems
    return [f"{kind!r} is not a plain value"]


def facade_members() -> dict[str, object]:
    """Every call of ``EngineAPI`` (what the TUI, the CLI and the socket use) with what it
    returns."""
    import typing

    from engine import EngineAPI
    from engine.api import api_calls

    names = namespace()
    members: dict[str, object] = {}
    for name in [*api_calls(), "events"]:
        member = getattr(EngineAPI, name)
        function = member.fget if isinstance(member, property) else member
        members[name] = typing.get_type_hints(function, globalns=names).get("return")
    return members


def test_the_engine_answers_every_call_of_the_protocol_as_the_protocol_says() -> None:
    """``Engine`` has each call of ``EngineAPI`` with the same arguments, and no public
    member the protocol leaves out (the daemon would not serve it)."""
    import inspect

    from engine import Engine, EngineAPI
    from engine.api import api_calls

    calls = api_calls()
    assert "play" in calls and "downloads_held" in calls and "archive_online" in calls
    for name, kind in calls.items():
        ours, theirs = getattr(EngineAPI, name), getattr(Engine, name)
        assert isinstance(theirs, property) == (kind == "property"), name
        if kind == "method":
            assert inspect.signature(theirs) == inspect.signature(ours), name
    public = {n for n, _ in inspect.getmembers(Engine) if not n.startswith("_")}
    assert public - set(calls) == {"start", "close", "events"}  # the connection's own


def test_the_facade_returns_only_plain_frozen_values() -> None:
    members = facade_members()
    assert len(members) > 50 and "play_queue" in members and "player_state" in members
    problems = {name: found for name, kind in members.items() if (found := _plain(kind, set()))}
    assert not problems, problems
    # The live engine objects are not reachable from outside.
    assert "player" not in members and "archive" not in members


def test_the_check_catches_a_mutable_return() -> None:
    from engine.playback.player import Player

    assert _plain(Player, set())
    assert _plain(list[int], set())
    assert _plain(dict[str, int], set())
    assert not _plain(tuple[int, ...], set())


def test_the_command_line_loads_no_textual() -> None:
    """Script commands start fast: the command line's modules import Textual only when the
    app opens."""
    import subprocess
    import sys

    script = (
        "import sys, tui.cli\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'sqlalchemy'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
    groups = sorted(p.stem for p in (ROOT / "tui" / "cli").glob("*.py"))
    assert {"browse", "control", "downloads", "library", "playback"} <= set(groups)


#: The module each runtime dependency is imported as, where the names differ.
MODULE_OF = {
    "python-mpv": "mpv",
    "scikit-learn": "sklearn",
    "lazy_loader": "lazy_loader",
}


def test_every_runtime_dependency_is_imported_by_the_product() -> None:
    """A dependency earns its place: the product (engine/ or tui/) imports it, or it belongs
    in the extra that uses it. sniffio is the one kept for another's sake (see pyproject)."""
    import re
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0] for d in declared]
    imported = {
        m.split(".")[0]
        for package in ("engine", "tui")
        for _, _, m in imported_modules(ROOT / package)
    }
    unused = [
        n
        for n in names
        if MODULE_OF.get(n, n.lower().replace("-", "_")) not in imported and n != "sniffio"
    ]
    assert not unused, unused
    assert "internetarchive" not in names and "aiofiles" not in names


def import_cycles(package: Path) -> list[list[str]]:
    """Circles among a package's own modules, counting every import (typing-only and inside
    functions too): each as the modules around it."""
    name = package.name
    graph: dict[str, set[str]] = {}
    for path, _line, module in imported_modules(package):
        parts = path.relative_to(package.parent).with_suffix("").parts
        own = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if module == name or module.startswith(name + "."):
            # tui.screens.all.ConcertScreen is not a module: keep the longest module named
            target = module
            while (
                target not in {own}
                and not (package.parent / Path(*target.split("."))).with_suffix(".py").exists()
                and "." in target
            ):
                target = target.rsplit(".", 1)[0]
            if target != own:
                graph.setdefault(own, set()).add(target)
    cycles: list[list[str]] = []

    def walk(node: str, trail: list[str]) -> None:
        for following in sorted(graph.get(node, ())):
            if following in trail:
                cycle = trail[trail.index(following) :]
                if min(cycle) == cycle[0] and cycle not in cycles:
                    cycles.append(cycle)
            elif len(trail) < 12:
                walk(following, [*trail, following])

    for start in sorted(graph):
        walk(start, [start])
    return cycles


def test_no_circle_in_the_tui_imports_typing_ones_included() -> None:
    assert import_cycles(ROOT / "tui") == []


def test_the_circle_check_finds_a_typing_only_circle(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("import pkg.b\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import A\n"
    )
    assert import_cycles(package) == [["pkg.a", "pkg.b"]]
