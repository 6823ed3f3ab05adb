"""Per-session model parameters: their names, reading a typed value, where a session keeps them
(its metadata's "params", readable in the file) and the values one request uses. No I/O; the
pydantic model (agentry/params_schema.py) is imported only to check values.

The system prompt is a parameter to the person but not to a provider: it is the session's
system message (the first message, sent as each API wants it), so it is not stored here twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from agentry.errors import Refused

if TYPE_CHECKING:
    from agentry.sessions.session import AgentSession

PARAMS_KEY = "params"  # in a session's metadata
SYSTEM = "system"
# What a provider sends, in its own field names (see each provider's ``wire_params``).
WIRE_NAMES = ("temperature", "top_p", "max_tokens", "context_length", "seed", "stop")
NAMES = (SYSTEM, *WIRE_NAMES)
HELP = {
    SYSTEM: "the system prompt (the session's system message)",
    "temperature": "sampling temperature, 0 to 2",
    "top_p": "nucleus sampling, above 0 up to 1",
    "max_tokens": "the longest reply, in tokens",
    "context_length": "the context window to ask for, in tokens (Ollama, the local model)",
    "seed": "a whole number for repeatable sampling",
    "stop": 'text that ends the reply: one, or a JSON list such as ["END", "###"]',
}
_INTS = frozenset({"max_tokens", "context_length", "seed"})


class ParamValues(TypedDict, total=False):
    """The parameters ``Agent``, ``chat`` and ``stream`` take by name."""

    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    context_length: int | None
    seed: int | None
    stop: list[str] | None


class ParamsError(Refused, ValueError):
    """A parameter value that is not valid; the text names the parameter and the rule."""


def read_value(name: str, text: str) -> Any:
    """The value ``text`` (as typed after /set NAME, or into the form) stands for, unchecked:
    "" is None (the provider's default). ParamsError for an unknown name or text that is not
    a value of the parameter's kind."""
    if name not in NAMES:
        raise ParamsError(f"No parameter {name!r}. Parameters: {', '.join(NAMES)}.")
    text = text.strip()
    if name == SYSTEM or not text:
        return text or None
    if name == "stop":
        if text.startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                raise ParamsError(
                    f'stop: {text!r} is not a JSON list of strings, such as ["END", "###"].'
                ) from None
        return [text]
    try:
        return int(text) if name in _INTS else float(text)
    except ValueError:
        kind = "a whole number" if name in _INTS else "a number"
        raise ParamsError(f"{name}: {text!r} is not {kind}.") from None


def checked(values: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    """``values`` (the wire parameters) validated: the ones set, as stored. ParamsError naming
    the first wrong one, and ``where`` it came from."""
    from pydantic import ValidationError

    from agentry.params_schema import SessionParams

    try:
        model = SessionParams.model_validate(dict(values))
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error["loc"]) or "params"
        if error["type"] == "extra_forbidden":
            problem = f"there is no such parameter (parameters: {', '.join(WIRE_NAMES)})"
        else:
            problem = f"{error['msg'][0].lower()}{error['msg'][1:]} (got {error['input']!r})"
        raise ParamsError(f"{where}{name}: {problem}.") from None
    return model.model_dump(exclude_none=True)


def stored(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters a session's metadata holds, as they are (checked when used)."""
    value = metadata.get(PARAMS_KEY)
    return dict(value) if isinstance(value, Mapping) else {}


def session_params(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The session's parameters, checked. ParamsError saying the file holds a wrong one (a
    hand-edited file): the value stays in the file; the request is not sent."""
    raw = metadata.get(PARAMS_KEY)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ParamsError(f"The session's metadata {PARAMS_KEY!r} is not an object: {raw!r}.")
    return checked(raw, "The session's parameter ") if raw else {}


def with_param(metadata: Mapping[str, Any], name: str, value: Any) -> dict[str, Any]:
    """A copy of ``metadata`` with the wire parameter ``name`` set (None: taken away), the
    result checked first (ParamsError: nothing changes)."""
    params = {**stored(metadata), name: value}
    params = checked({k: v for k, v in params.items() if v is not None})
    out = {k: v for k, v in metadata.items() if k != PARAMS_KEY}
    if params:
        out[PARAMS_KEY] = params
    return out


def merged(*layers: Mapping[str, Any] | None) -> dict[str, Any]:
    """The values one request uses: later layers win (agent defaults, the session's, the
    call's); None in a layer leaves the earlier value."""
    out: dict[str, Any] = {}
    for layer in layers:
        out.update({k: v for k, v in (layer or {}).items() if v is not None})
    return out


def unsupported(supported: Iterable[str], params: Mapping[str, Any]) -> list[str]:
    """The parameters set that a provider cannot send."""
    allowed = set(supported)
    return [name for name in params if name not in allowed]


def unsupported_text(provider: str, names: Iterable[str]) -> str:
    names = list(names)
    they = "it is" if len(names) == 1 else "they are"
    return f"{provider} does not support {', '.join(names)}: {they} not sent."


def shown(name: str, value: Any) -> str:
    """A value as /set lists it and as it is typed back."""
    if value is None:
        return "(provider default)"
    if name == "stop":
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# -- /set and /continue, in both clients --------------------------------------------------------

# "continue" sends this as a new message: every API takes it (an assistant prefill is Anthropic's
# alone), and the file shows exactly what the model was asked.
CONTINUE_PROMPT = "Continue exactly where your last reply stopped, without repeating anything."
TRUNCATED_NOTE = "The reply stopped at the length limit (max_tokens)."


def split_setting(text: str) -> tuple[str, str]:
    """``/set`` text as (NAME, VALUE text); VALUE is "" for a NAME alone."""
    name, _, value = text.strip().partition(" ")
    return name.lower(), value


def current(metadata: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Each wire parameter's value for the session: its own, else the default, else None."""
    own = stored(metadata)
    return {name: own.get(name, defaults.get(name)) for name in WIRE_NAMES}


def listing_text(
    system: str | None,
    metadata: Mapping[str, Any],
    defaults: Mapping[str, Any],
    provider: str,
    supported: Iterable[str],
) -> str:
    """What ``/set`` alone shows: every parameter, where its value comes from, and those the
    provider cannot send."""
    own, allowed = stored(metadata), set(supported)
    lines = ["Parameters (/set NAME VALUE sets one; /set NAME alone clears it):"]
    lines.append(f"  {SYSTEM:<15} {_clip(system) if system else '(none)'}")
    for name in WIRE_NAMES:
        value = own.get(name, defaults.get(name))
        text = shown(name, value)
        if name not in own and value is not None:
            text += "  (default)"
        if value is not None and name not in allowed:
            text += f"  (not sent: {provider} does not support it)"
        lines.append(f"  {name:<15} {text}")
    return "\n".join(lines)


def _clip(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def set_text(name: str, value: Any, provider: str, supported: Iterable[str]) -> str:
    """What ``/set NAME VALUE`` answers."""
    if name == SYSTEM:
        return "System message set." if value else "System message cleared."
    said = f"{name} set to {shown(name, value)}." if value is not None else f"{name} cleared."
    if value is not None and name not in set(supported):
        said += " " + unsupported_text(provider, [name])
    return said


def system_prompt(messages: Iterable[Mapping[str, Any]]) -> str | None:
    """The session's system message text, if it has one."""
    first = next((m for m in messages if m.get("role") == SYSTEM), None)
    content = first.get("content") if first is not None else None
    return content if isinstance(content, str) else None


def apply_setting(session: AgentSession, text: str, provider: str, supported: Iterable[str]) -> str:
    """``/set NAME VALUE`` on ``session`` (VALUE "": back to the default); the answer to show.
    ParamsError, the session unchanged, for an unknown name or a wrong value."""
    name, value_text = split_setting(text)
    value = read_value(name, value_text)
    if name == SYSTEM:
        session.set_system(value or "")
    else:
        session.metadata = with_param(session.metadata, name, value)
    return set_text(name, value, provider, supported)


def check_continuable(messages: list[dict[str, Any]]) -> None:
    """Refused unless the session ends with a reply cut at the length limit ("continue" would
    otherwise send a stray message)."""
    from agentry.messages import is_truncated

    if not messages or not is_truncated(messages[-1]):
        raise Refused("The last reply was not cut at the length limit: there is nothing to go on.")


def value_problem(metadata: Mapping[str, Any], name: str, text: str) -> str | None:
    """Why ``text`` typed for ``name`` cannot be kept for the session, or None (the form checks
    as it is typed)."""
    try:
        value = read_value(name, text)
        if name != SYSTEM:
            with_param(metadata, name, value)
    except ParamsError as exc:
        return str(exc)
    return None


def typed(metadata: Mapping[str, Any], messages: Iterable[Mapping[str, Any]], name: str) -> str:
    """The session's own value of ``name`` as the form shows it for editing ("" if unset)."""
    if name == SYSTEM:
        return system_prompt(messages) or ""
    value = stored(metadata).get(name)
    return "" if value is None else shown(name, value)
