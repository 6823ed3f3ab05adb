"""agentry/params.py: reading typed values, checking them, keeping them in a session's
metadata, and the layers a request's values come from (pure; no server)."""

from __future__ import annotations

import pytest

from agentry import params
from agentry.errors import Refused
from agentry.params import ParamsError
from agentry.sessions.session import AgentSession


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("temperature", "0.7", 0.7),
        ("temperature", " 1 ", 1.0),
        ("top_p", "0.95", 0.95),
        ("max_tokens", "256", 256),
        ("context_length", "8192", 8192),
        ("seed", "42", 42),
        ("stop", "END", ["END"]),
        ("stop", '["a b", "###"]', ["a b", "###"]),
        ("system", "Be brief.", "Be brief."),
        ("seed", "", None),  # back to the default
    ],
)
def test_typed_values_are_read_as_their_kind(name: str, text: str, value: object) -> None:
    assert params.read_value(name, text) == value


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        ("max_tokens", "12.5", "max_tokens: '12.5' is not a whole number."),
        ("temperature", "warm", "temperature: 'warm' is not a number."),
        ("stop", "[oops", 'stop: \'[oops\' is not a JSON list of strings, such as ["END", "###"].'),
        ("tempo", "1", "No parameter 'tempo'. Parameters: system, temperature, top_p"),
    ],
)
def test_text_that_is_no_value_is_named(name: str, text: str, said: str) -> None:
    with pytest.raises(ParamsError) as caught:
        params.read_value(name, text)
    assert str(caught.value).startswith(said)


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ({"temperature": 2.5}, "temperature: input should be less than or equal to 2 (got 2.5)."),
        ({"top_p": 0}, "top_p: input should be greater than 0 (got 0)."),
        ({"max_tokens": 0}, "max_tokens: input should be greater than or equal to 1 (got 0)."),
        ({"context_length": 100}, "context_length: input should be greater than or equal to 256"),
        ({"seed": True}, "seed: input should be a valid integer (got True)."),
        ({"temperature": "0.5"}, "temperature: input should be a valid number (got '0.5')."),
        ({"stop": ["ok", ""]}, "stop.1: string should have at least 1 character (got '')."),
        ({"stop": "END"}, "stop: input should be a valid list (got 'END')."),
        ({"colour": 1}, "colour: there is no such parameter"),
    ],
)
def test_wrong_values_are_refused_naming_the_parameter(values: dict, said: str) -> None:
    with pytest.raises(ParamsError) as caught:
        params.checked(values)
    assert str(caught.value).startswith(said)
    assert isinstance(caught.value, Refused)


def test_setting_keeps_the_metadata_readable_and_a_wrong_value_changes_nothing() -> None:
    session = AgentSession("s", [{"role": "system", "content": "old"}], metadata={"title": "T"})
    said = params.apply_setting(session, "temperature 0.5", "anthropic", {"temperature"})
    assert said == "temperature set to 0.5."
    said = params.apply_setting(session, "seed 3", "anthropic", {"temperature"})
    assert said == "seed set to 3. anthropic does not support seed: it is not sent."
    assert session.metadata == {"title": "T", "params": {"temperature": 0.5, "seed": 3}}
    with pytest.raises(ParamsError):
        params.apply_setting(session, "temperature 7", "anthropic", {"temperature"})
    assert session.metadata["params"] == {"temperature": 0.5, "seed": 3}
    params.apply_setting(session, "seed", "anthropic", {"temperature"})
    params.apply_setting(session, "temperature", "anthropic", {"temperature"})
    assert session.metadata == {"title": "T"}  # nothing set: no "params" at all
    assert params.apply_setting(session, "system New one", "x", ()) == "System message set."
    assert session.messages[0] == {"role": "system", "content": "New one"}


def test_a_request_takes_the_call_over_the_session_over_the_agent() -> None:
    assert params.merged(
        {"temperature": 1.0, "seed": 1}, {"temperature": 0.5, "top_p": None}, {"top_p": 0.2}
    ) == {"temperature": 0.5, "seed": 1, "top_p": 0.2}


def test_a_hand_edited_file_is_named_and_not_changed() -> None:
    metadata = {"params": {"temperature": "hot"}}
    with pytest.raises(ParamsError, match="The session's parameter temperature"):
        params.session_params(metadata)
    with pytest.raises(ParamsError, match="'params' is not an object"):
        params.session_params({"params": [1]})
    assert metadata == {"params": {"temperature": "hot"}}


def test_the_form_is_told_why_as_it_is_typed() -> None:
    assert params.value_problem({}, "top_p", "0.5") is None
    assert params.value_problem({}, "top_p", "2") == (
        "top_p: input should be less than or equal to 1 (got 2.0)."
    )
    assert params.value_problem({}, "system", "anything") is None
