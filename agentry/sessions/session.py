"""AgentSession: one conversation in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from agentry.attachments.model import Pending
from agentry.messages import CREATED_AT
from agentry.sessions import branches as tree
from agentry.sessions.index import StatKey
from agentry.sessions.titles import given_title, validate_title, with_title


def now() -> datetime:
    """Local wall-clock time to the second, naive, as the spec's files and examples show it."""
    return datetime.now().replace(microsecond=0)


@dataclass(frozen=True)
class DiskState:
    """What a session object knows of its file: the messages and metadata it last read or wrote
    there (the base of a merge with what another process wrote since), and the file's stat key
    then. ``current``: the file held exactly these, so an unchanged key means nothing to read."""

    key: StatKey | None
    created_at: str
    messages: list[dict[str, Any]]
    metadata: dict[str, Any]
    current: bool
    branches: list[dict[str, Any]] = field(default_factory=list)


@dataclass(eq=False)
class AgentSession:
    session_id: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    created_at: datetime = field(default_factory=now)
    last_activity: datetime = field(default_factory=now)
    metadata: dict[str, Any] = field(default_factory=dict)
    # The other branches, in the session file's form (see agentry.sessions.branches); they fork
    # off ``messages``, the active branch.
    branches: list[dict[str, Any]] = field(default_factory=list)
    # Set by SessionManager.load and .sync; None for a session never read from or written to disk.
    disk: DiskState | None = field(default=None, init=False, repr=False)
    # Attachments of its messages whose bytes may not be stored yet, by sha256: the agent adds
    # them, SessionManager.save and .sync write them beside the session file. Kept after that
    # (the bytes stay at hand for the requests of this object's life).
    pending_attachments: dict[str, Pending] = field(default_factory=dict, init=False, repr=False)
    # The folder SessionManager keeps its file in, once it has read or written it there (where
    # its stored attachments are found).
    history_dir: Path | None = field(default=None, init=False, repr=False)
    # The messages ``branches`` fork off as they were when last looked at (None: ``messages``):
    # ``messages`` is a plain list anyone may change or replace, so each branch call first
    # moves the branches onto what it holds now (or drops those whose fork point is gone).
    _anchor: list[dict[str, Any]] | None = field(default=None, init=False, repr=False)

    @property
    def title(self) -> str:
        """The title a person gave it ("" for none); kept in ``metadata``, saved with it."""
        return given_title(self.metadata)

    @title.setter
    def title(self, title: str) -> None:
        """Give it a title ("" takes it away). Raises InvalidTitleError naming the rule."""
        self.metadata = with_title(self.metadata, validate_title(title) if title.strip() else "")

    def add_message(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        self.last_activity = now()

    def set_system(self, text: str) -> None:
        """Make ``text`` the system message: the first message if it is one, else a new first.
        Every branch goes on with it."""
        branches = self.current_branches()
        if self.messages and self.messages[0].get("role") == "system":
            self.messages[0] = {**self.messages[0], "content": text}
        else:
            self.messages.insert(0, {"role": "system", "content": text})
            branches = [{**b, "at": b["at"] + 1} for b in branches]
        self.set_tree(self.messages, branches)

    def clear_history(self, keep_system: bool = True) -> None:
        """Drop the conversation and its other branches; with keep_system the system messages
        stay."""
        if keep_system:
            self.messages = [m for m in self.messages if m.get("role") == "system"]
        else:
            self.messages = []
        self.set_tree(self.messages, [])
        self.last_activity = now()

    # -- branches ---------------------------------------------------------------------------
    # Indexes are positions in ``messages``, the active branch.

    def set_tree(self, messages: list[dict[str, Any]], branches: list[dict[str, Any]]) -> None:
        """Hold these messages as the active branch and these branches forking off them."""
        self.messages = messages
        self.branches = branches
        self._anchor = list(messages[: _reach(branches)]) if branches else None

    def current_branches(self) -> list[dict[str, Any]]:
        """``branches``, moved onto ``messages`` as it stands now (see set_tree)."""
        anchor = self._anchor
        if self.branches and anchor is not None and self.messages[: len(anchor)] != anchor:
            self.set_tree(
                self.messages, tree.anchored(anchor, self.messages, self.branches, lossless=False)
            )
        elif self.branches and anchor is None:
            self._anchor = list(self.messages[: _reach(self.branches)])
        return self.branches

    def _apply(self, result: tree.Tree) -> None:
        self.set_tree(*result)
        self.last_activity = now()

    def _at(self, index: int) -> dict[str, Any]:
        if not 0 <= index < len(self.messages):
            raise tree.BranchError(
                f"There is no message {index} in session {self.session_id!r} "
                f"(it has {len(self.messages)})."
            )
        return self.messages[index]

    def alternatives(self, index: int) -> tuple[int, int]:
        """(place 1-based, count) of the message at ``index`` among its siblings (the messages
        that have stood there after the same conversation); (1, 1) when it has none."""
        self._at(index)
        return tree.alternatives(self.current_branches(), index)

    def branch_points(self) -> list[tuple[int, int, int]]:
        """(index, place, count) for every message of the active branch that has siblings."""
        return tree.branch_points(self.messages, self.current_branches())

    def branch_count(self) -> int:
        """How many distinct conversations the session holds (1 with no other branches)."""
        return 1 + len(self.current_branches())

    def switch_alternative(self, index: int, step: int) -> None:
        """Make the sibling ``step`` places on (+1, -1; wrapping) of the message at ``index``
        active; the conversation below it becomes that sibling's, as it was last seen."""
        self._at(index)
        self._apply(tree.switch(self.messages, self.current_branches(), index, step))

    def switch_to_branch(self, branch_id: str) -> None:
        """Make the stored branch of that id the active one (BranchError if there is none)."""
        self._apply(tree.activate(self.messages, self.current_branches(), branch_id))

    def edit_message(self, index: int, content: str) -> None:
        """The active branch becomes messages[:index] and the message with this content (and
        the old one's attachments); the old message and everything after it are kept as a
        sibling branch."""
        old = self._at(index)
        if old.get("role") == "tool":
            raise tree.BranchError(f"Message {index} is a tool's output, which cannot be edited.")
        messages, branches = tree.fork_off(self.messages, self.current_branches(), index)
        edited = {"role": old["role"], "content": content, CREATED_AT: now().isoformat()}
        if "attachments" in old:  # the files go with the words that were edited
            edited["attachments"] = old["attachments"]
        self._apply(([*messages, edited], branches))

    def prepare_answer_again(self, index: int) -> None:
        """Get ready for another answer to the reply holding message ``index`` (an assistant or
        tool message; for the person's own message, the reply after it): the old reply and
        everything after it are kept as a sibling branch, and the active branch ends before
        it, for ``Agent.answer``."""
        role = self._at(index).get("role")
        if role == "system":
            raise tree.BranchError(f"Message {index} is the system message: nothing answered it.")
        start = index + 1 if role == "user" else tree.reply_start(self.messages, index)
        self._apply(tree.fork_off(self.messages, self.current_branches(), start))

    def delete_message(self, index: int) -> None:
        """Delete the message at ``index`` and everything after it in the active branch (the
        replies that followed depend on it), with the branches forking after it. If it has
        siblings, the next one takes its place with its own conversation; other branches stay."""
        self._at(index)
        self._apply(tree.delete(self.messages, self.current_branches(), index))

    def undo_turn(self) -> int:
        """Step back one turn: the person's last message and what followed it are kept as a
        branch and the active branch ends before it. Returns how many messages moved (0: none)."""
        start = tree.last_turn(self.messages)
        if start is None:
            return 0
        moved = len(self.messages) - start
        self._apply(tree.fork_off(self.messages, self.current_branches(), start))
        return moved


def _reach(branches: list[dict[str, Any]]) -> int:
    """How many messages of the active branch the branches fork after, at most."""
    return max((b["at"] for b in branches if b.get("parent") is None), default=0)
