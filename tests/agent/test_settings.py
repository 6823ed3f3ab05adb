"""settings.json: known keys read, unknown ones ignored, a bad file never stops a start-up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentry.config import Settings, load_settings, save_settings


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AGENTRY_CONFIG_DIR", str(tmp_path))
    return tmp_path


def test_round_trip_leaves_unset_keys_out(config_dir: Path) -> None:
    save_settings(Settings(provider="ollama", theme="nord"))
    assert json.loads((config_dir / "settings.json").read_text()) == {
        "provider": "ollama",
        "theme": "nord",
    }
    assert load_settings() == Settings(provider="ollama", theme="nord")


def test_unknown_keys_are_ignored(config_dir: Path) -> None:
    (config_dir / "settings.json").write_text('{"theme": "nord", "future_option": [1, 2]}')
    assert load_settings() == Settings(theme="nord")


@pytest.mark.parametrize("text", ["", "{not json", "[]", '{"theme": 3}', '{"model": ["a"]}'])
def test_a_bad_file_gives_the_defaults(config_dir: Path, text: str) -> None:
    (config_dir / "settings.json").write_text(text)
    assert load_settings() == Settings()


def test_the_error_names_the_key() -> None:
    with pytest.raises(ValueError, match="'theme' must be a string"):
        Settings.from_json(b'{"theme": 3}')
