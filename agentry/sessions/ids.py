"""The session id rule. Ids become file names, so the rule is what keeps them inside the folder."""

from __future__ import annotations

import re

from agentry.errors import InvalidSessionIdError

ID_RULE = (
    "a session id is 1 to 128 characters of letters, digits, '.', '_' and '-', "
    "and does not start with '.'"
)
_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}", re.ASCII)
FILE_SUFFIX = "_chat.toon"


def validate_session_id(session_id: object) -> str:
    """Return the id unchanged if it follows the rule, else raise InvalidSessionIdError."""
    if not isinstance(session_id, str) or not _ID.fullmatch(session_id):
        raise InvalidSessionIdError(f"Invalid session id {session_id!r}: {ID_RULE}.")
    return session_id


def is_valid_session_id(session_id: object) -> bool:
    return isinstance(session_id, str) and _ID.fullmatch(session_id) is not None


def file_name(session_id: str) -> str:
    return validate_session_id(session_id) + FILE_SUFFIX


def session_id_from_file_name(name: str) -> str | None:
    """The id a session file name stands for, or None if the name is not a session file."""
    if not name.endswith(FILE_SUFFIX):
        return None
    session_id = name[: -len(FILE_SUFFIX)]
    return session_id if is_valid_session_id(session_id) else None
