"""Session storage: list_sessions() cold and warm, and saving a large session, alone and
merged with another writer's save (sync).

Run: python bench/sessions.py [--files 10000] [--messages 50] [--runs 5]
Also the issue-2 figure: python bench/sessions.py --files 2000 --messages 50
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import common

from agentry.sessions import SessionManager, fileformat
from agentry.sessions.fileformat import SessionRecord


def conversation(n: int, seed: int = 0) -> list[dict]:
    messages = [{"role": "system", "content": "You are a helpful AI assistant."}]
    for i in range(n - 1):
        role = "user" if i % 2 == 0 else "assistant"
        messages.append({"role": role, "content": f"Message {seed}-{i}: " + "lorem ipsum " * 20})
    return messages


def populate(folder: Path, files: int, messages: int) -> None:
    # Write the files directly in our format: the benchmark is about listing, not saving.
    for i in range(files):
        record = SessionRecord(
            f"s{i:05d}",
            "2026-01-01T10:00:00",
            f"2026-01-{1 + i % 28:02d}T10:00:00",
            {},
            conversation(messages, i),
        )
        (folder / f"s{i:05d}_chat.toon").write_bytes(fileformat.encode(record))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--save-messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    common.header("session storage")
    folder = Path(tempfile.mkdtemp(prefix="agentry-bench-"))
    try:
        populate(folder, args.files, args.messages)
        cold, warm, touched, fresh = [], [], [], []
        for run in range(args.runs):
            (folder / ".index.json").unlink(missing_ok=True)
            sm = SessionManager(folder)
            cold.append(common.timed(sm.list_sessions))  # parses every file, writes the index
            warm.append(common.timed(sm.list_sessions))  # same process: nothing parsed
            sm.save_session("s00000", conversation(args.messages + run))
            touched.append(common.timed(sm.list_sessions))  # one file changed: sorted again
            sm.close()  # as at the process's exit: the index learns the save
            fresh.append(common.timed(SessionManager(folder).list_sessions))  # new process's view
        big = conversation(args.save_messages)
        sm = SessionManager(folder)
        sm.save_session("big", big)
        saves = [common.timed(lambda: sm.save_session("big", big)) for _ in range(args.runs)]
        size = sm.path_for("big").stat().st_size
        loads = [common.timed(lambda: sm.load_session("big")) for _ in range(args.runs)]
        ours, theirs = sm.load("big"), SessionManager(folder).load("big")
        alone, merged = [], []
        for run in range(args.runs):
            ours.add_message({"role": "user", "content": f"ours {run}"})
            alone.append(common.timed(lambda: sm.sync(ours)))  # the file is as we left it
            theirs.add_message({"role": "user", "content": f"theirs {run}"})
            SessionManager(folder).sync(theirs)  # another process saves meanwhile (untimed)
            ours.add_message({"role": "user", "content": f"ours again {run}"})
            merged.append(common.timed(lambda: sm.sync(ours)))  # read, merged, written
        common.report(
            f"{args.files} sessions of {args.messages} messages, median of {args.runs}",
            [
                ("list_sessions() first call (no index)", f"{common.median(cold) * 1000:.0f} ms"),
                ("list_sessions() second call", f"{common.median(warm) * 1000:.1f} ms"),
                (
                    "list_sessions() after one session was saved",
                    f"{common.median(touched) * 1000:.1f} ms",
                ),
                (
                    "list_sessions() new manager, index on disk",
                    f"{common.median(fresh) * 1000:.1f} ms",
                ),
                (
                    f"save_session() of {args.save_messages} messages ({size / 1e6:.1f} MB)",
                    f"{common.median(saves) * 1000:.1f} ms",
                ),
                (
                    f"load_session() of {args.save_messages} messages",
                    f"{common.median(loads) * 1000:.1f} ms",
                ),
                (
                    f"sync() of {args.save_messages} messages + 1, file unchanged since",
                    f"{common.median(alone) * 1000:.1f} ms",
                ),
                (
                    f"sync() of {args.save_messages} messages + 1, another process saved one",
                    f"{common.median(merged) * 1000:.1f} ms",
                ),
            ],
        )
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
