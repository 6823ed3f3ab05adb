"""Where ``/export [md|json] [PATH]`` writes, checked, and the writing: one rule for both clients.

- No PATH: the current folder. A PATH that is an existing folder: into it. Either way the files
  are named after the session (``<id>.md``, ``<id>.json``); if one is taken, the next free
  ``<id>-2.md``... is used (the answer names the files), so an earlier export is never lost.
- Any other PATH is one file. Its folder must exist (it is never created: a typo would make
  folders nobody asked for). Without a format, its suffix says which (``notes.md``). A file
  that exists is refused, not overwritten: the person named it, and it may be anything.
- An unknown format (``/export pdf``, ``/export notes.pdf``) is refused, naming the known ones.

Files are created exclusively (``open(..., "x")``), so a file made between the check and the
write is refused too rather than overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from agentry import export
from agentry.errors import Refused
from agentry.sessions import AgentSession

RENDERS: Mapping[str, Callable[[AgentSession], str]] = {
    "md": export.to_markdown,
    "json": export.to_json,
}
FORMATS = tuple(RENDERS)


class ExportRefused(Refused):
    """The format or the target is not one an export can be written to; nothing was written."""


def _unknown(fmt: str) -> ExportRefused:
    return ExportRefused(f"Unknown export format '{fmt}'. The formats are {', '.join(FORMATS)}.")


def export_session(
    session: AgentSession, fmt: str | None, target: str | None, cwd: Path | None = None
) -> list[Path]:
    """Write ``session`` as ``fmt`` (None: every format) to ``target`` (see the module's rules);
    returns the files written. Raises ExportRefused before writing anything if the format or
    the target will not do, and OSError if the writing fails."""
    if fmt is not None and fmt not in RENDERS:
        raise _unknown(fmt)
    base = cwd or Path.cwd()
    place = base / Path(target).expanduser() if target else base
    if place.is_dir():
        kinds = [fmt] if fmt else list(FORMATS)
        return _write_into(place, session, kinds)
    if target and target.endswith(("/", "\\")):
        raise ExportRefused(f"There is no folder '{target}'; it is not created for an export.")
    kind = fmt or _format_of(place, target or "")
    if not place.parent.is_dir():
        raise ExportRefused(
            f"The folder '{place.parent}' does not exist; it is not created for an export. "
            "Name a folder that exists."
        )
    if place.exists():
        raise _taken(place)
    try:
        _write(place, RENDERS[kind](session))
    except FileExistsError:
        raise _taken(place) from None
    return [place]


def _format_of(place: Path, target: str) -> str:
    """The format a file's suffix names; a PATH without one is taken for a format typed wrong
    (``/export pdf``), since it is no folder either."""
    suffix = place.suffix[1:].lower()
    if not suffix:
        raise ExportRefused(
            f"Unknown export format '{target}'. The formats are {', '.join(FORMATS)}; "
            f"'{target}' is not a folder either (folders are not created for an export)."
        )
    if suffix not in RENDERS:
        raise _unknown(suffix)
    return suffix


def _taken(path: Path) -> ExportRefused:
    return ExportRefused(
        f"'{path}' already exists; it is not overwritten. Name another file, or a folder."
    )


def _write_into(folder: Path, session: AgentSession, kinds: list[str]) -> list[Path]:
    """``<id>.<kind>`` for each kind, or the first ``<id>-N`` free for all of them."""
    texts = {kind: RENDERS[kind](session) for kind in kinds}
    n = 0
    while True:
        n += 1
        stem = session.session_id if n == 1 else f"{session.session_id}-{n}"
        paths = [folder / f"{stem}.{kind}" for kind in kinds]
        if any(path.exists() for path in paths):
            continue
        written: list[Path] = []
        try:
            for path in paths:
                _write(path, texts[path.suffix[1:]])
                written.append(path)
        except FileExistsError:  # made meanwhile: take the next name for all of them
            for path in written:
                path.unlink(missing_ok=True)
            continue
        return written


def _write(path: Path, text: str) -> None:
    with path.open("x", encoding="utf-8") as file:
        file.write(text)
