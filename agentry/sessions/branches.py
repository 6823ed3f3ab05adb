"""The branch tree of a session: pure functions over the active conversation and the others.

A session holds one conversation on screen, ``messages`` (the active branch), and any number of
others that fork from it: what an edit or an "answer again" replaced, what an undo took away.
Each other branch is stored once, from where it forks, as a dict (the session file's form):

    {"id": "3f9c01ab", "at": 5, "sibling": 1, "messages": [...]}
    {"id": "77d0e4c2", "at": 9, "sibling": 2, "parent": "3f9c01ab", "messages": [...]}

- ``at``: the index, in the branch's own conversation, of its first message; the messages
  before it are the first ``at`` of its parent's conversation (the active branch's when it has
  no ``parent``). So ``messages[0]`` of a branch without a parent stands where the active
  branch's ``messages[at]`` stands: they are siblings.
- ``parent``: the branch it forks from, when that is not the active one; always forked inside
  the parent's own messages (``at`` > the parent's ``at``), and listed before it.
- ``sibling``: its place (1, 2, ...) among the alternatives at its fork point. The active
  branch's place there is the lowest number no stored sibling has, so places survive switching
  without storing anything about the active branch.

Every function takes (messages, branches) and returns new ones; nothing is changed in place and
there is no I/O. Switching between branches copies list slices only (no message is copied).
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterable
from typing import Any

from agentry.messages import ERROR, INTERRUPTED

Message = dict[str, Any]
Branch = dict[str, Any]
Tree = tuple[list[Message], list[Branch]]


class BranchError(ValueError):
    """A branch operation that cannot be done; the text says why."""


def new_id() -> str:
    """A branch id: random, so branches made by two processes never take the same one."""
    return secrets.token_hex(4)


def _by_id(branches: Iterable[Branch]) -> dict[str, Branch]:
    return {b["id"]: b for b in branches}


def conversation(messages: list[Message], branches: list[Branch], branch_id: str) -> list[Message]:
    """The whole conversation a stored branch holds, from the first message."""
    found = _by_id(branches)
    if branch_id not in found:
        raise BranchError(f"There is no branch {branch_id!r} in this session.")
    path = _path(found, branch_id)
    return _joined(messages, path)


def _path(found: dict[str, Branch], branch_id: str) -> list[Branch]:
    """The branches from one forking off the active branch down to ``branch_id``."""
    path = [found[branch_id]]
    while (parent := path[-1].get("parent")) is not None:
        path.append(found[parent])
    path.reverse()
    return path


def _joined(messages: list[Message], path: list[Branch]) -> list[Message]:
    out = messages[: path[0]["at"]]
    for branch, child in itertools.pairwise(path):
        out += branch["messages"][: child["at"] - branch["at"]]
    out += path[-1]["messages"]
    return out


def _place(stored: Iterable[int]) -> int:
    """The active branch's place at a fork point: the lowest number no stored sibling has."""
    taken = set(stored)
    n = 1
    while n in taken:
        n += 1
    return n


def _forks(branches: list[Branch]) -> dict[int, list[Branch]]:
    """The branches forking off the active one, by the index they fork at."""
    out: dict[int, list[Branch]] = {}
    for b in branches:
        if b.get("parent") is None:
            out.setdefault(b["at"], []).append(b)
    return out


def _ranked(stored: list[Branch]) -> list[Branch | None]:
    """The siblings at one fork point in their order; None stands for the active branch."""
    active = _place(b["sibling"] for b in stored)
    keyed: list[tuple[int, str, Branch | None]] = [(b["sibling"], b["id"], b) for b in stored]
    keyed.append((active, "", None))
    keyed.sort(key=lambda k: (k[0], k[1]))
    return [b for _, _, b in keyed]


def alternatives(branches: list[Branch], index: int) -> tuple[int, int]:
    """(place 1-based, count) of the active message at ``index`` among its siblings."""
    stored = [b for b in branches if b.get("parent") is None and b["at"] == index]
    if not stored:
        return (1, 1)
    ranked = _ranked(stored)
    return (ranked.index(None) + 1, len(ranked))


def branch_points(messages: list[Message], branches: list[Branch]) -> list[tuple[int, int, int]]:
    """(index, place, count) of every message of the active branch that has siblings."""
    points = []
    for index, stored in sorted(_forks(branches).items()):
        if index < len(messages):
            ranked = _ranked(stored)
            points.append((index, ranked.index(None) + 1, len(ranked)))
    return points


def fork_off(messages: list[Message], branches: list[Branch], index: int) -> Tree:
    """The active branch cut before ``index``; what stood from there on is kept as a sibling
    (with the branches forking inside it). Nothing is kept when nothing stood there."""
    messages, branches, _ = _cut(messages, branches, index)
    return messages, branches


def _cut(
    messages: list[Message], branches: list[Branch], index: int
) -> tuple[list[Message], list[Branch], str | None]:
    tail = messages[index:]
    if not tail:
        return messages[:index], list(branches), None
    place = _place(b["sibling"] for b in branches if b.get("parent") is None and b["at"] == index)
    kept: Branch = {"id": new_id(), "at": index, "sibling": place, "messages": tail}
    moved = [
        {**b, "parent": kept["id"]} if b.get("parent") is None and b["at"] > index else b
        for b in branches
    ]
    return messages[:index], ordered([kept, *moved]), kept["id"]


def activate(messages: list[Message], branches: list[Branch], branch_id: str) -> Tree:
    """Make a stored branch the active one. The active branch's messages from where it parts
    from that branch are kept as a branch, and so is every other branch: only their parents and
    places change."""
    found = _by_id(branches)
    if branch_id not in found:
        raise BranchError(f"There is no branch {branch_id!r} in this session.")
    path = _path(found, branch_id)
    on_path = {b["id"] for b in path}
    root_at = path[0]["at"]
    made: list[Branch] = []
    # The active branch's own tail, in the place it held at the fork.
    tail_id = new_id()
    if old_tail := messages[root_at:]:
        place = _place(_places(branches, None, root_at))
        made.append({"id": tail_id, "at": root_at, "sibling": place, "messages": old_tail})
    # Each branch on the path keeps, under its own id, what follows the fork of the next one.
    next_at: dict[str, int] = {}
    for branch, child in itertools.pairwise(path):
        at = next_at[branch["id"]] = child["at"]
        if rest := branch["messages"][at - branch["at"] :]:
            place = _place(_places(branches, branch["id"], at))
            made.append({"id": branch["id"], "at": at, "sibling": place, "messages": rest})
    others = []
    for b in branches:
        if b["id"] in on_path:
            continue
        parent = b.get("parent")
        if parent is None:
            b = {**b, "parent": tail_id} if b["at"] > root_at else b
        elif parent == branch_id or (parent in next_at and b["at"] <= next_at[parent]):
            b = _without_parent(b)  # its fork point is in the new active branch now
        others.append(b)
    return _joined(messages, path), ordered([*made, *others])


def _places(branches: list[Branch], parent: str | None, at: int) -> list[int]:
    return [b["sibling"] for b in branches if b.get("parent") == parent and b["at"] == at]


def _without_parent(branch: Branch) -> Branch:
    return {k: v for k, v in branch.items() if k != "parent"}


def ordered(branches: list[Branch]) -> list[Branch]:
    """Parents before their children (the file's order), otherwise as given."""
    out: list[Branch] = []
    placed: set[str | None] = {None}
    waiting = branches
    while waiting:
        later = []
        for b in waiting:
            if b.get("parent") in placed:
                out.append(b)
                placed.add(b["id"])
            else:
                later.append(b)
        if len(later) == len(waiting):
            raise BranchError(f"branch {later[0]['id']!r} forks from a branch that is not there")
        waiting = later
    return out


def _dropped(branches: list[Branch], branch_id: str) -> list[Branch]:
    """Without that branch and the branches forking from it (``branches`` in file order)."""
    gone = {branch_id}
    out = []
    for b in branches:
        if b["id"] in gone or b.get("parent") in gone:
            gone.add(b["id"])
        else:
            out.append(b)
    return out


def switch(messages: list[Message], branches: list[Branch], index: int, step: int) -> Tree:
    """Make the sibling ``step`` places from the active message at ``index`` active (wrapping)."""
    stored = [b for b in branches if b.get("parent") is None and b["at"] == index]
    if not stored:
        return messages, branches
    ranked = _ranked(stored)
    target = ranked[(ranked.index(None) + step) % len(ranked)]
    if target is None:
        return messages, branches
    return activate(messages, branches, target["id"])


def delete(messages: list[Message], branches: list[Branch], index: int) -> Tree:
    """Delete the message at ``index`` with everything after it in the active branch (what
    followed depends on it) and the branches forking after it. If it has siblings, the next
    one (else the one before) takes its place."""
    if not 0 <= index < len(messages):
        raise BranchError(f"There is no message {index} in this session.")
    messages, branches, gone = _cut(messages, branches, index)
    assert gone is not None
    ranked = _ranked([b for b in branches if b.get("parent") is None and b["at"] == index])
    ids = [b["id"] for b in ranked if b is not None]
    if len(ids) > 1:
        heir = ids[(ids.index(gone) + 1) % len(ids)]
        messages, branches = activate(messages, branches, heir)
    return messages, _dropped(branches, gone)


def reply_start(messages: list[Message], index: int) -> int:
    """Where the reply holding the message at ``index`` starts: the first assistant or tool
    message after the person's message it answers."""
    start = index
    while start > 0 and messages[start - 1].get("role") in ("assistant", "tool"):
        start -= 1
    return start


def last_turn(messages: list[Message]) -> int | None:
    """The index of the person's last message, or None if there is none."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == "user":
            return i
    return None


def unanswered_turn(messages: list[Message], text: str) -> int | None:
    """The index of the person's last message if it says ``text`` and its reply failed or was
    stopped (nothing answered it, or what did ends in an error or a stop); else None."""
    start = last_turn(messages)
    if start is None or messages[start].get("content") != text:
        return None
    if start == len(messages) - 1:
        return start
    last = messages[-1]
    return start if last.get(ERROR) or last.get(INTERRUPTED) else None


def anchored(
    old: list[Message], new: list[Message], branches: list[Branch], *, lossless: bool
) -> list[Branch]:
    """The branches forking off ``old``, made to fork off ``new`` (the active branch changed
    under them: a save with another list, a merge). A branch whose messages before its fork are
    the same in both stays as it is; one whose fork point is elsewhere in ``new`` moves there.
    Any other is dropped, or with ``lossless`` kept whole: it forks where ``new`` and its own
    conversation part, holding the messages from there."""
    if not branches or old is new:
        return branches
    same = common_prefix(old, new)
    out: list[Branch] = []
    gone: set[str] = set()
    for b in branches:
        parent, at = b.get("parent"), b["at"]
        if parent is not None or at <= same:
            if parent in gone:
                gone.add(b["id"])
            else:
                out.append(b)
        elif lossless:
            part = common_prefix(old[:at], new)
            out.append({**b, "at": part, "messages": old[part:at] + b["messages"]})
        elif (moved := _find(new, old[at - 1], at - 1)) is not None:
            out.append({**b, "at": moved + 1})
        else:
            gone.add(b["id"])
    return out


def _find(messages: list[Message], message: Message, near: int) -> int | None:
    if near < len(messages) and messages[near] == message:
        return near
    return next((i for i, m in enumerate(messages) if m == message), None)


def common_prefix(a: list[Message], b: list[Message]) -> int:
    """How many messages ``a`` and ``b`` start with in common."""
    n = min(len(a), len(b))
    if a[:n] == b[:n]:  # one C comparison (identity first) in the usual case
        return n
    i = 0
    while a[i] == b[i]:
        i += 1
    return i


def carried(
    messages: list[Message], branches: list[Branch], kept: list[Branch], onto: list[Message]
) -> list[Branch]:
    """``kept`` (some of ``branches``, which fork off ``messages``) made to fork off ``onto``
    without losing a message: a branch whose parent is not kept, or whose fork point ``onto``
    does not have, becomes a branch of its own from where its conversation and ``onto`` part.
    For merging two processes' branches."""
    ids = {b["id"] for b in kept}
    order = {b["id"]: n for n, b in enumerate(branches)}  # parents first
    out: list[Branch] = []
    moved: dict[str, int] = {}  # id -> where a branch now forks off ``onto``
    for b in sorted(kept, key=lambda b: order[b["id"]]):
        parent = b.get("parent")
        if parent in moved and b["at"] <= moved[parent]:
            out.append(_without_parent(b))  # its fork point is now in ``onto`` itself
        elif parent is not None and parent not in ids:
            whole = conversation(messages, branches, b["id"])
            at = common_prefix(whole, onto)
            if whole[at:]:
                moved[b["id"]] = at
                out.append({**_without_parent(b), "at": at, "messages": whole[at:]})
        else:
            out.append(b)
    return anchored(messages, onto, out, lossless=True)


def as_branch(whole: list[Message], onto: list[Message]) -> Branch | None:
    """A whole conversation as a branch forking off ``onto`` (None if ``onto`` holds it)."""
    at = common_prefix(whole, onto)
    if not whole[at:]:
        return None
    return {"id": new_id(), "at": at, "sibling": 1, "messages": whole[at:]}


def without_repeats(messages: list[Message], branches: list[Branch]) -> list[Branch]:
    """Without the branches whose whole conversation is the start of another's (or of the
    active one's), which keeps every message: what two merged sides both had."""
    wholes = {b["id"]: conversation(messages, branches, b["id"]) for b in branches}
    kept = []
    for b in branches:
        whole, others = wholes[b["id"]], [w for i, w in wholes.items() if i != b["id"]]
        if any(len(w) >= len(whole) and w[: len(whole)] == whole for w in [messages, *others]):
            wholes.pop(b["id"])
            continue
        kept.append(b)
    return carried(messages, branches, kept, messages)


def holds(messages: list[Message], branches: list[Branch], whole: list[Message]) -> bool:
    """Whether some branch's conversation starts with all of ``whole``."""
    return any(conversation(messages, branches, b["id"])[: len(whole)] == whole for b in branches)
