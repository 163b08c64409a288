"""Settings: defaults < file < environment < command line, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import ConfigError, load_settings


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_defaults_live_under_the_home_dir(isolated_home: Path) -> None:
    settings = load_settings(env={})
    assert settings.archive_url == "https://archive.org"
    assert settings.data_dir.is_relative_to(isolated_home)
    assert settings.music_dir.is_relative_to(isolated_home)
    assert settings.config_file.is_relative_to(isolated_home)
    assert settings.db_url == f"sqlite:///{settings.data_dir / 'liveset.db'}"
    assert settings.download_concurrency == 3
    assert settings.preferred_formats == ("Flac", "VBR MP3", "Ogg Vorbis")


def test_file_then_env_then_command_line(tmp_path: Path) -> None:
    config = write(
        tmp_path / "c.toml",
        'archive_url = "http://file.example"\ndata_dir = "/tmp/from-file"\n'
        '[downloads]\nconcurrency = 5\npreferred_formats = ["VBR MP3"]\n',
    )
    from_file = load_settings(config_file=config, env={})
    assert from_file.archive_url == "http://file.example" and from_file.download_concurrency == 5
    assert from_file.preferred_formats == ("VBR MP3",)
    env = {"LIVESET_ARCHIVE_URL": "http://env.example/", "LIVESET_DOWNLOAD_CONCURRENCY": "2"}
    from_env = load_settings(config_file=config, env=env)
    assert from_env.archive_url == "http://env.example" and from_env.download_concurrency == 2
    assert from_env.data_dir == Path("/tmp/from-file")
    from_cli = load_settings({"archive_url": "http://127.0.0.1:8080"}, config_file=config, env=env)
    assert from_cli.archive_url == "http://127.0.0.1:8080"


def test_liveset_config_env_names_the_file(tmp_path: Path) -> None:
    config = write(tmp_path / "other.toml", 'music_dir = "/tmp/m"\n')
    settings = load_settings(env={"LIVESET_CONFIG": str(config)})
    assert settings.config_file == config and settings.music_dir == Path("/tmp/m")


def test_postgresql_url_uses_psycopg() -> None:
    settings = load_settings({"db_url": "postgresql://u@h/db"}, env={})
    assert settings.db_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("[downloads]\nconcurrency = 0\n", "downloads.concurrency", "from 1 to 16"),
        ('[downloads]\nconcurrency = "lots"\n', "downloads.concurrency", "whole number"),
        ('[downloads]\npreferred_formats = ["WAV"]\n', "downloads.preferred_formats", "Flac"),
        ('archive_url = "ftp://x"\n', "archive_url", "http"),
        ('db_url = "mysql://x"\n', "db_url", "postgresql"),
        ("colour = 3\n", "colour", "known key"),
        ("not toml [\n", "config file", "TOML"),
    ],
)
def test_invalid_values_name_key_value_and_allowed(
    tmp_path: Path, text: str, key: str, words: str
) -> None:
    config = write(tmp_path / "c.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_settings(config_file=config, env={})
    assert caught.value.key == key
    assert words in str(caught.value)


def test_invalid_env_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="LIVESET_DOWNLOAD_CONCURRENCY"):
        load_settings(env={"LIVESET_DOWNLOAD_CONCURRENCY": "99"})
