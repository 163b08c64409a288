"""Whose listening this is: the profile's rule (a name of letters, digits, '.', '_', '-'), the
login name it defaults to, and the profile as a command that only steers a daemon finds it
(``--profile``, ``LIVESET_PROFILE``, the config file's ``profile``, the login name) without
loading the rest of the settings."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping

APP_NAME = "liveset"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")


def checked(key: str, value: object) -> str:
    if not isinstance(value, str) or not NAME.fullmatch(value.strip()):
        raise ConfigError(key, value, "a name of letters, digits, '.', '_' or '-' (up to 63)")
    return value.strip()


def login_name() -> str:
    """The login name of the user running liveset: the person by default."""
    import getpass

    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return f"uid{os.getuid()}"
    return name if NAME.fullmatch(name) else f"uid{os.getuid()}"


def config_file(env: Mapping[str, str]) -> Path:
    """The config file read when none is named on the command line."""
    if env.get("LIVESET_CONFIG"):
        return Path(env["LIVESET_CONFIG"]).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def profile_of(named: str | None, config: str | None, env: Mapping[str, str]) -> str:
    """The profile as the settings resolve it, reading nothing of the config but its
    ``profile`` (and the file only when it is there)."""
    if named:
        return checked("--profile", named)
    if env.get("LIVESET_PROFILE"):
        return checked("LIVESET_PROFILE", env["LIVESET_PROFILE"])
    path = Path(config).expanduser() if config else config_file(env)
    if path.is_file():
        from engine.config import read_config_file

        value = read_config_file(path).get("profile")
        if value:
            return checked("profile", value)
    return login_name()
