"""Three-way merge of a session's messages, for two processes writing one session.

``base`` is what this process last knew to be in the file, ``ours`` what it holds now, and
``theirs`` what the file holds now (another process wrote it since). A diff3 over the message
lists: where only one side changed a stretch of the conversation, that change is taken; where
both changed the same stretch, both versions are kept (the file's first) and the merge says so.
A message is lost only when one side deleted it (a clear, a retry) and the other left it as it
was. Pure: no I/O, and the inputs are not changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from agentry.sessions import branches as tree
from agentry.sessions.branches import Branch, Tree

Message = dict[str, Any]

_KEY = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=repr)


@dataclass(frozen=True)
class MergeResult:
    messages: list[Message]
    # Stretches both sides changed differently: both versions were kept, one after the other.
    conflicts: int = 0


def _keys(messages: list[Message]) -> list[str]:
    return [_KEY.encode(m) for m in messages]


def _matched(base: list[str], other: list[str]) -> dict[int, int]:
    """base index -> other index, for the messages the two share in order."""
    pairs: dict[int, int] = {}
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    for block in matcher.get_matching_blocks():
        for n in range(block.size):
            pairs[block.a + n] = block.b + n
    return pairs


def merge(base: list[Message], ours: list[Message], theirs: list[Message]) -> MergeResult:
    if theirs == base or ours == theirs:
        return MergeResult(list(ours))
    if ours == base:
        return MergeResult(list(theirs))
    kb, ko, kt = _keys(base), _keys(ours), _keys(theirs)
    in_ours, in_theirs = _matched(kb, ko), _matched(kb, kt)
    out: list[Message] = []
    conflicts = 0
    b0 = o0 = t0 = 0

    def stretch(b1: int, o1: int, t1: int) -> None:
        nonlocal conflicts
        b, o, t = kb[b0:b1], ko[o0:o1], kt[t0:t1]
        o_msgs, t_msgs = ours[o0:o1], theirs[t0:t1]
        n = len(b)
        if o == b:
            out.extend(t_msgs)
        elif t == b:
            out.extend(o_msgs)
        elif o[:n] == b and t[:n] == b:  # both only added after it
            ao, at = o[n:], t[n:]
            out.extend(t_msgs[:n])
            if at[: len(ao)] == ao:  # they hold our additions and more (a stale base)
                out.extend(t_msgs[n:])
            elif ao[: len(at)] == at:
                out.extend(o_msgs[n:])
            else:  # the file's first, then ours
                out.extend(t_msgs[n:] + o_msgs[n:])
        elif o[:n] == b:  # they rewrote it, we only added: theirs, then our additions
            out.extend(t_msgs + o_msgs[n:])
        elif t[:n] == b:
            out.extend(o_msgs + t_msgs[n:])
        else:  # both rewrote it: both versions, the file's first
            conflicts += 1
            seen = set(t)
            out.extend(t_msgs + [msg for msg, k in zip(o_msgs, o, strict=True) if k not in seen])

    for i in range(len(base)):
        if i in in_ours and i in in_theirs:  # kept by both: an anchor
            j, k = in_ours[i], in_theirs[i]
            if j < o0 or k < t0:
                continue  # out of order with an earlier anchor (a move): not an anchor
            stretch(i, j, k)
            out.append(theirs[k])
            b0, o0, t0 = i + 1, j + 1, k + 1
    stretch(len(base), len(ours), len(theirs))
    return MergeResult(out, conflicts)


def merge_metadata(
    base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]
) -> dict[str, Any]:
    """Theirs, with the keys we changed, added or removed since ``base`` changed likewise."""
    if ours == base:
        return dict(theirs)
    merged = dict(theirs)
    for key in base.keys() | ours.keys():
        if key not in ours:
            merged.pop(key, None)
        elif key not in base or ours[key] != base[key]:
            merged[key] = ours[key]
    return merged


def count_new(merged: list[Message], ours: list[Message]) -> int:
    """How many of the merged messages are not among ours (came from the other side)."""
    have = set(_keys(ours))
    return sum(key not in have for key in _keys(merged))


def merge_tree(base: Tree, ours: Tree, theirs: Tree) -> tuple[MergeResult, list[Branch]]:
    """Merge two sides' active branches and other branches (each a (messages, branches) pair).

    Usually both sides went on in the same conversation: the active branches merge as above and
    the branches are merged by id (a branch either side added is kept; one deleted on one side
    and unchanged on the other goes; one both changed is kept in both versions). When a side
    moved the conversation it had into a branch (an edit, a switch, an answer again) the active
    branches are not merged message by message: ours stays the active one, and the other side's
    becomes a branch. Branches are then moved onto the merged messages without losing any
    message, and a branch that only repeats the start of another is left out.
    """
    (bm, bb), (om, ob), (tm, tb) = base, ours, theirs
    if (tm, tb) == (bm, bb) or (om, ob) == (tm, tb):
        return MergeResult(list(om)), list(ob)
    if (om, ob) == (bm, bb):
        return MergeResult(list(tm)), list(tb)
    moved = _moved_on(bm, om, ob) or _moved_on(bm, tm, tb)
    result = MergeResult(list(om)) if moved else merge(bm, om, tm)
    kept_ours, kept_theirs, copied = _merge_by_id(bb, ob, tb)
    branches = [
        *tree.carried(om, ob, kept_ours, result.messages),
        *tree.carried(tm, tb, kept_theirs, result.messages),
    ]
    wholes = [tree.conversation(om, ob, branch_id) for branch_id in copied]
    if moved:
        wholes.append(tm)
    for whole in wholes:
        if (branch := tree.as_branch(whole, result.messages)) is not None:
            branches.append(branch)
    if wholes or (kept_ours and kept_theirs):
        branches = tree.without_repeats(result.messages, tree.ordered(branches))
    return result, tree.ordered(branches)


def _moved_on(base: list[Message], messages: list[Message], branches: list[Branch]) -> bool:
    """Whether this side no longer goes on from ``base`` but keeps it in a branch."""
    return messages[: len(base)] != base and tree.holds(messages, branches, base)


def _merge_by_id(
    base: list[Branch], ours: list[Branch], theirs: list[Branch]
) -> tuple[list[Branch], list[Branch], list[str]]:
    """The branches to keep from each side, matched by id, and the ids of ours that both sides
    changed (theirs is kept under the id; ours is to be kept whole under a new one)."""
    if ours == base:
        return [], list(theirs), []
    if theirs == base:
        return list(ours), [], []
    b, o, t = ({x["id"]: x for x in side} for side in (base, ours, theirs))
    kept_ours: list[Branch] = []
    kept_theirs: list[Branch] = []
    copied: list[str] = []
    for branch_id, branch in t.items():
        if branch_id not in o:  # new there, or deleted here: gone only if unchanged there
            if branch_id not in b or branch != b[branch_id]:
                kept_theirs.append(branch)
        elif o[branch_id] == branch or (branch_id in b and branch == b[branch_id]):
            kept_ours.append(o[branch_id])  # the same, or changed only here
        elif branch_id in b and o[branch_id] == b[branch_id]:
            kept_theirs.append(branch)  # changed only there
        else:  # changed on both sides: both versions
            kept_theirs.append(branch)
            copied.append(branch_id)
    for branch_id, branch in o.items():
        if branch_id not in t and (branch_id not in b or branch != b[branch_id]):
            kept_ours.append(branch)
    return kept_ours, kept_theirs, copied
