"""The model of a session: /model NAME for this session only, kept in its file; /model PROVIDER
switches the provider; /model alone opens a picker of the provider's models."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList

from agentry.sessions import SessionManager
from agentry_tui.model_choice import ModelChoice, parse_model_choice
from agentry_tui.screens.models import ModelPicker
from tests.tui.conftest import SIZE
from tests.tui.helpers import active, idle, notices, ready, send, status_text, wait_until


async def command(pilot, line: str) -> None:
    await send(pilot, line)
    await pilot.pause(0.2)


@pytest.mark.parametrize(
    ("typed", "choice"),
    [
        ("qwen3:0.6b", ModelChoice(None, "qwen3:0.6b")),  # an Ollama tag, not a provider
        ("local", ModelChoice("local", None)),
        ("Ollama", ModelChoice("ollama", None)),
        ("ollama:llama3.2:latest", ModelChoice("ollama", "llama3.2:latest")),
        ("openai:gpt-4.1", ModelChoice("openai", "gpt-4.1")),
        ("openai:", ModelChoice("openai", None)),
    ],
)
def test_what_model_names_mean(typed: str, choice: ModelChoice) -> None:
    assert parse_model_choice(typed) == choice


async def test_a_model_is_the_sessions_own_and_is_remembered(
    app, make_app, ollama_server, history: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        chosen = active(app)
        await command(pilot, "/model qwen3:0.6b")
        await wait_until(pilot, lambda: "qwen3:0.6b" in status_text(app))
        await send(pilot, "first")
        await idle(pilot, chosen)
        assert ollama_server.requests[-1].body["model"] == "qwen3:0.6b"
        await pilot.press("ctrl+n")  # another session keeps the provider's model
        await wait_until(pilot, lambda: active(app) is not chosen)
        assert "llama3.2:latest" in status_text(app) and "qwen3" not in status_text(app)
        await send(pilot, "second")
        await idle(pilot, active(app))
        assert ollama_server.requests[-1].body["model"] == "llama3.2:latest"
        app.store.open(chosen.id)  # back: its own model again
        await wait_until(pilot, lambda: "qwen3:0.6b" in status_text(app))
    stored = SessionManager(history).load(chosen.id)
    assert stored is not None
    assert stored.metadata == {"model": "qwen3:0.6b", "provider": "ollama"}

    again = make_app(session_id=chosen.id)  # a restart reads it back
    async with again.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_until(pilot, lambda: "qwen3:0.6b" in status_text(again))
        await send(pilot, "third")
        await idle(pilot, active(again))
        assert ollama_server.requests[-1].body["model"] == "qwen3:0.6b"


async def test_the_picker_lists_the_models_and_enter_picks_one(app, ollama_server) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await command(pilot, "/model")
        await wait_until(pilot, lambda: isinstance(app.screen, ModelPicker))
        options = app.screen.query_one(OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert shown == ["● llama3.2:latest", "  qwen3:0.6b"]  # the one in use marked
        assert options.highlighted == 0 and options.has_focus
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: "qwen3:0.6b" in status_text(app))
        assert not isinstance(app.screen, ModelPicker)
        assert "Model for this session set to 'qwen3:0.6b'" in notices(app)[-1]
        await command(pilot, "/model")  # the session's own is marked now
        await wait_until(pilot, lambda: isinstance(app.screen, ModelPicker))
        options = app.screen.query_one(OptionList)
        assert options.highlighted == 1
        assert str(options.get_option_at_index(1).prompt) == "● qwen3:0.6b"
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ModelPicker))
        assert active(app).session.metadata["model"] == "qwen3:0.6b"


async def test_a_provider_name_switches_the_provider(
    app, ollama_server, openai_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await command(pilot, "/model openai:gpt-4.1")
        await wait_until(pilot, lambda: "openai · gpt-4.1" in status_text(app))
        await send(pilot, "hello")
        await idle(pilot, active(app))
        assert openai_server.requests[-1].body["model"] == "gpt-4.1"
        await command(pilot, "/model ollama")  # a bare provider name: its first model
        await wait_until(pilot, lambda: "Switched to ollama" in notices(app)[-1])
        assert "ollama · llama3.2:latest" in status_text(app)  # gpt-4.1 was for openai


async def test_an_unknown_model_is_refused_naming_the_choices(app, ollama_server) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await command(pilot, "/model gpt-9")
        await wait_until(pilot, lambda: "no model 'gpt-9'" in notices(app)[-1])
        said = notices(app)[-1]
        assert "llama3.2:latest, qwen3:0.6b" in said and "local" in said
        assert "model" not in active(app).session.metadata


async def test_model_local_switches_to_the_offline_provider(app, ollama_server) -> None:
    """It once set a model named "local" on Ollama."""
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await command(pilot, "/model local")
        await wait_until(pilot, lambda: app.store.connection.provider == "local", timeout=30)
        await wait_until(pilot, lambda: "Switched to local" in notices(app)[-1], timeout=30)
        assert "model" not in active(app).session.metadata
        assert "local" in status_text(app) and "ollama" not in status_text(app)
