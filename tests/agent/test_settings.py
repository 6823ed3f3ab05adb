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


def test_saving_one_setting_keeps_every_other_key(config_dir: Path) -> None:
    from agentry.config import save_setting

    path = config_dir / "settings.json"
    # What a person, another Agentry process or a newer version wrote since this one read it.
    other = {"tool_approvals": {"always": {"files": ["read"]}}, "future_option": [1, 2]}
    path.write_text(json.dumps({"theme": "nord", **other}))
    save_setting("theme", "gruvbox")
    assert json.loads(path.read_text()) == {"theme": "gruvbox", **other}
    save_setting("theme", None)
    assert json.loads(path.read_text()) == other


def test_a_settings_file_being_edited_is_never_overwritten(config_dir: Path) -> None:
    from agentry.config import save_setting

    path = config_dir / "settings.json"
    half_edited = '{"provider": "anthropic", "mcpServers": {"fetch": {"command": "uvx",'
    path.write_text(half_edited)
    with pytest.raises(ValueError, match="not valid JSON.*left as it is"):
        save_setting("theme", "nord")
    with pytest.raises(ValueError, match="not valid JSON"):
        save_settings(Settings(theme="nord"))
    assert path.read_text() == half_edited
