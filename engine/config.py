"""Settings: embedded defaults < TOML file < environment variables < command-line options.

The file is ``config.toml`` in the platform's config dir, or the file named by ``--config`` or
``LIVESET_CONFIG``. Every invalid value raises ``ConfigError`` naming the key, the value and what
is allowed.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import platformdirs

from engine import profile
from engine.errors import ConfigError
from engine.formats import FORMAT_HELP, format_name
from engine.profile import login_name

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

APP_NAME = "liveset"


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved settings. Paths are absolute."""

    config_file: Path
    data_dir: Path
    music_dir: Path
    db_url: str
    archive_url: str = "https://archive.org"
    download_concurrency: int = 3
    preferred_formats: tuple[str, ...] = ("Flac", "VBR MP3", "Ogg Vorbis")
    request_concurrency: int = 4
    request_timeout: float = 20.0
    request_retries: int = 4
    download_retries: int = 5
    keep_free: int = 512 * 1024 * 1024
    library_folders: tuple[Path, ...] = ()
    mpv_options: tuple[tuple[str, str], ...] = ()
    replaygain: str = "album"
    radio: bool = False
    """When the queue runs out, go on with the best recommended concert."""
    keys: tuple[tuple[str, str], ...] = ()  # binding id -> keys, e.g. ("play-pause", "space,k")
    catalog_refresh_hours: float = 24.0
    """How often the app refreshes the local catalog in the background; 0 is never."""
    detach: bool = False
    """The app starts a daemon (when none runs) and attaches to it: quitting the app leaves
    playback and downloads running."""
    profile: str = ""
    """The person whose listening this is (plays, likes, the queue...): the login name unless
    set. The music, the catalog and the downloads are shared by everyone of one database."""

    @property
    def database_path(self) -> Path | None:
        """The SQLite file when the database is SQLite on disk."""
        prefix = "sqlite:///"
        if self.db_url.startswith(prefix) and self.db_url != "sqlite:///:memory:":
            return Path(self.db_url[len(prefix) :])
        return None

    def make_data_dir(self) -> None:
        """Make the data dir (and its parents) if it is not there yet."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(
                "data_dir",
                str(self.data_dir),
                f"a folder liveset can make and write ({error.strerror or error})",
            ) from error


def _path(key: str, value: object) -> Path:
    if not isinstance(value, (str, os.PathLike)) or not str(value):
        raise ConfigError(key, value, "a path")
    return Path(value).expanduser().resolve()


def _db_url(key: str, value: object) -> str:
    if not isinstance(value, str) or not value.startswith(("sqlite:", "postgresql")):
        raise ConfigError(key, value, "an sqlite:/// or postgresql:// URL")
    if value.startswith("postgresql://"):
        # SQLAlchemy's default PostgreSQL driver is psycopg2; ship with psycopg 3.
        value = "postgresql+psycopg://" + value[len("postgresql://") :]
    return value


def _http_url(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(key, value, "an http:// or https:// URL")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(key, value, "an http:// or https:// URL")
    return value.rstrip("/")


def _int_range(low: int, high: int) -> Callable[[str, object], int]:
    def parse(key: str, value: object) -> int:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(key, value, f"a whole number from {low} to {high}")
        return value

    return parse


def _float_range(low: float, high: float) -> Callable[[str, object], float]:
    def parse(key: str, value: object) -> float:
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = float("nan")
        if isinstance(value, bool) or not low <= number <= high:
            raise ConfigError(key, value, f"a number from {low} to {high}")
        return number

    return parse


_SIZE = re.compile(r"(?i)\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*")
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def _size(key: str, value: object) -> int:
    """Bytes, as a number or text like ``500MB`` or ``2 GiB``."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and (match := _SIZE.fullmatch(value)):
        return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])
    raise ConfigError(key, value, "a size in bytes, or with a unit: 500MB, 2GB")


def _paths(key: str, value: object) -> tuple[Path, ...]:
    items = value.split(os.pathsep) if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ConfigError(key, value, "a list of folders")
    return tuple(_path(key, item) for item in items if item)


def _table(example: str, sep: str) -> Callable[[str, object], tuple[tuple[str, str], ...]]:
    """A TOML table of names to values, or ``name=value`` pairs joined by ``sep`` from the
    environment."""

    def parse(key: str, value: object) -> tuple[tuple[str, str], ...]:
        if isinstance(value, str):
            pairs = [p.partition("=") for p in value.split(sep) if p.strip()]
            value = {name.strip(): item.strip() for name, _, item in pairs}
        if not isinstance(value, dict):
            raise ConfigError(key, value, f"a table, e.g. {example}")
        options = []
        for name, item in value.items():
            if isinstance(item, bool):
                item = "yes" if item else "no"
            if not isinstance(item, (str, int, float)) or not str(name).strip():
                raise ConfigError(f"{key}.{name}", item, "a text, number or true/false")
            options.append((str(name), str(item)))
        return tuple(options)

    return parse


def _choice(*allowed: str) -> Callable[[str, object], str]:
    def parse(key: str, value: object) -> str:
        if value not in allowed:
            raise ConfigError(key, value, "one of " + ", ".join(allowed))
        return str(value)

    return parse


def _switch(key: str, value: object) -> bool:
    """true/false in the config file; 1/0, yes/no, on/off, true/false in the environment."""
    if isinstance(value, bool):
        return value
    words = {"1": True, "yes": True, "on": True, "true": True}
    words |= {"0": False, "no": False, "off": False, "false": False}
    if isinstance(value, str) and value.strip().lower() in words:
        return words[value.strip().lower()]
    raise ConfigError(key, value, "true or false")


def _formats(key: str, value: object) -> tuple[str, ...]:
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
    allowed = "a list of formats: " + FORMAT_HELP
    if not isinstance(items, list) or not items:
        raise ConfigError(key, value, allowed)
    names: list[str] = []
    for item in items:
        name = format_name(item) if isinstance(item, str) else None
        if name is None:
            raise ConfigError(key, item, allowed)
        if name not in names:
            names.append(name)
    return tuple(names)


@dataclass(frozen=True, slots=True)
class _Option:
    field: str
    key: str
    env: str
    parse: Callable[[str, object], Any]


_OPTIONS = (
    _Option("data_dir", "data_dir", "LIVESET_DATA_DIR", _path),
    _Option("music_dir", "music_dir", "LIVESET_MUSIC_DIR", _path),
    _Option("db_url", "db_url", "LIVESET_DB_URL", _db_url),
    _Option("archive_url", "archive_url", "LIVESET_ARCHIVE_URL", _http_url),
    _Option(
        "download_concurrency",
        "downloads.concurrency",
        "LIVESET_DOWNLOAD_CONCURRENCY",
        _int_range(1, 16),
    ),
    _Option(
        "preferred_formats", "downloads.preferred_formats", "LIVESET_PREFERRED_FORMATS", _formats
    ),
    _Option(
        "request_concurrency",
        "archive.concurrency",
        "LIVESET_ARCHIVE_CONCURRENCY",
        _int_range(1, 16),
    ),
    _Option(
        "request_timeout", "archive.timeout", "LIVESET_ARCHIVE_TIMEOUT", _float_range(0.1, 600)
    ),
    _Option("request_retries", "archive.retries", "LIVESET_ARCHIVE_RETRIES", _int_range(0, 10)),
    _Option("download_retries", "downloads.retries", "LIVESET_DOWNLOAD_RETRIES", _int_range(0, 20)),
    _Option("keep_free", "downloads.keep_free", "LIVESET_KEEP_FREE", _size),
    _Option("library_folders", "library.folders", "LIVESET_LIBRARY_FOLDERS", _paths),
    _Option("mpv_options", "player.mpv", "LIVESET_MPV_OPTIONS", _table('ao = "alsa"', ",")),
    _Option(
        "replaygain", "player.replaygain", "LIVESET_REPLAYGAIN", _choice("album", "track", "off")
    ),
    _Option("radio", "player.radio", "LIVESET_RADIO", _switch),
    _Option("keys", "keys", "LIVESET_KEYS", _table('play-pause = "space,k"', ";")),
    _Option("detach", "daemon.detach", "LIVESET_DETACH", _switch),
    _Option("profile", "profile", "LIVESET_PROFILE", profile.checked),
    _Option(
        "catalog_refresh_hours",
        "catalog.refresh_hours",
        "LIVESET_CATALOG_REFRESH_HOURS",
        _float_range(0, 24 * 365),
    ),
)
_BY_KEY = {o.key: o for o in _OPTIONS}
_BY_FIELD = {o.field: o for o in _OPTIONS}


def default_config_file(env: Mapping[str, str]) -> Path:
    return profile.config_file(env)


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and key not in _BY_KEY:
            flat.update(_flatten(value, key + "."))
        else:
            flat[key] = value
    return flat


def read_config_file(path: Path, *, required: bool = False) -> dict[str, Any]:
    """The file's settings by dotted key; a missing file is an empty one, unless the user
    named it (``required``)."""
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle)
    except FileNotFoundError:
        if required:
            raise ConfigError("config file", str(path), "a file that exists") from None
        return {}
    except UnicodeDecodeError as error:
        raise ConfigError("config file", str(path), f"UTF-8 text ({error.reason})") from error
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError("config file", str(path), f"a readable TOML file ({error})") from error
    flat = _flatten(table)
    for key in flat:
        if key not in _BY_KEY:
            raise ConfigError(key, flat[key], "a known key: " + ", ".join(sorted(_BY_KEY)))
    return flat


def load_settings(
    overrides: Mapping[str, object] | None = None,
    *,
    config_file: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    named_config: bool = False,
) -> Settings:
    """Resolve settings from defaults, the config file, the environment and ``overrides``.

    A config file the user named (``LIVESET_CONFIG``, or ``named_config`` for ``--config``)
    must exist; the default one may be missing.

    ``overrides`` are command-line values by field name (``data_dir``, ``db_url`` ...); ``None``
    values are ignored.
    """
    env = os.environ if env is None else env
    path = Path(config_file).expanduser().resolve() if config_file else default_config_file(env)
    named = bool(env.get("LIVESET_CONFIG")) if config_file is None else named_config
    raw: dict[str, tuple[str, object]] = {}
    for key, value in read_config_file(path, required=named).items():
        raw[_BY_KEY[key].field] = (key, value)
    for option in _OPTIONS:
        if env.get(option.env):
            raw[option.field] = (option.env, env[option.env])
    for name, value in (overrides or {}).items():
        if value is not None:
            if name not in _BY_FIELD:
                raise ConfigError(name, value, "a known setting")
            raw[name] = ("--" + name.replace("_", "-"), value)
    values = {name: _BY_FIELD[name].parse(key, value) for name, (key, value) in raw.items()}

    data_dir = values.pop("data_dir", None) or Path(platformdirs.user_data_dir(APP_NAME))
    music_dir = values.pop("music_dir", None) or _default_music_dir(data_dir)
    db_url = values.pop("db_url", None) or f"sqlite:///{data_dir / 'liveset.db'}"
    for key, folder in (("data_dir", data_dir), ("music_dir", music_dir)):
        _check_folder(key, folder)
    person = values.pop("profile", None) or login_name()
    settings = Settings(
        config_file=path, data_dir=data_dir, music_dir=music_dir, db_url=db_url, profile=person
    )
    known = {f.name for f in fields(Settings)}
    return replace(settings, **{k: v for k, v in values.items() if k in known})


def _check_folder(key: str, folder: Path) -> None:
    """A folder liveset will make if need be: refused when it, or a folder it would be made
    in, is a file."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        where = "it is a file" if probe == folder else f"{probe} is a file"
        raise ConfigError(key, str(folder), f"a folder ({where})")


def _default_music_dir(data_dir: Path) -> Path:
    music = platformdirs.user_music_dir()
    # Without a real home (a service account, a test), keep music beside the data.
    if not music or not Path(music).parent.exists():
        return data_dir / "music"
    return Path(music) / APP_NAME
