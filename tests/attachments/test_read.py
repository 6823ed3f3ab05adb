"""Reading a file to attach: typed by its bytes, capped before it is read, kept inside the
working folder; each refusal names the file and says why."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

from agentry.attachments import (
    IMAGE_CAP,
    TEXT_CAP,
    AttachmentError,
    attachment_from_bytes,
    read_attachment,
)
from tests.attachments.files import GIF, JPEG, WEBP, png


def test_a_text_file_is_read_with_its_reference_and_first_lines(tmp_path: Path) -> None:
    text = "".join(f"line {n}\n" for n in range(1, 20))
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "log.txt").write_text(text)
    pending = read_attachment("src/log.txt", root=tmp_path)
    assert pending.ref == {
        "kind": "text",
        "name": "src/log.txt",
        "media_type": "text/plain",
        "size": len(text),
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
    }
    assert pending.data == text.encode()
    assert pending.preview == "line 1\nline 2\nline 3\nline 4\nline 5"


@pytest.mark.parametrize(
    ("data", "media_type"),
    [(png(), "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp"), (GIF, "image/gif")],
)
def test_images_are_typed_by_their_bytes_not_their_name(
    tmp_path: Path, data: bytes, media_type: str
) -> None:
    (tmp_path / "picture.txt").write_bytes(data)
    pending = read_attachment(tmp_path / "picture.txt", root=tmp_path)
    assert (pending.ref["kind"], pending.ref["media_type"]) == ("image", media_type)
    assert pending.preview == ""


def test_text_named_like_an_image_is_text(tmp_path: Path) -> None:
    (tmp_path / "fake.png").write_text("not a picture")
    assert read_attachment("fake.png", root=tmp_path).ref["kind"] == "text"


def test_a_file_that_vanished_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").write_text("x")
    (tmp_path / "gone.txt").unlink()
    with pytest.raises(AttachmentError, match=r"Cannot attach gone\.txt: there is no such file"):
        read_attachment("gone.txt", root=tmp_path)


def test_a_200_mb_file_is_refused_by_its_size_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "huge.log"
    with open(big, "wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: no 200 MB written
    with pytest.raises(AttachmentError) as caught:
        read_attachment("huge.log", root=tmp_path)
    assert str(caught.value) == (
        "Cannot attach huge.log: it is 200 MB, and a text file may be at most 256 KB."
    )


def test_caps_are_each_kinds_own(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_bytes(b"a" * (TEXT_CAP + 1))
    with pytest.raises(AttachmentError, match="a text file may be at most 256 KB"):
        read_attachment("notes.txt", root=tmp_path)
    (tmp_path / "exact.txt").write_bytes(b"a" * TEXT_CAP)
    assert read_attachment("exact.txt", root=tmp_path).ref["size"] == TEXT_CAP
    with open(tmp_path / "big.png", "wb") as f:
        f.write(png())
        f.truncate(IMAGE_CAP + 1)
    with pytest.raises(AttachmentError, match="an image may be at most 20 MB"):
        read_attachment("big.png", root=tmp_path)


def test_a_binary_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    (tmp_path / "tool.bin").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(100))
    with pytest.raises(AttachmentError) as caught:
        read_attachment("tool.bin", root=tmp_path)
    assert "Cannot attach tool.bin: it is a binary file" in str(caught.value)
    assert "PNG, JPEG, WebP and GIF" in str(caught.value)


def test_invalid_utf8_is_binary(tmp_path: Path) -> None:
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))
    with pytest.raises(AttachmentError, match="binary file"):
        read_attachment("latin1.txt", root=tmp_path)


def test_a_path_outside_the_working_folder_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("key")
    for path in ("../secret.txt", str(tmp_path / "secret.txt")):
        with pytest.raises(AttachmentError, match="it is outside the working folder"):
            read_attachment(path, root=root)


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_a_symlink_out_of_the_working_folder_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("key")
    os.symlink(tmp_path / "secret.txt", root / "innocent.txt")
    with pytest.raises(AttachmentError) as caught:
        read_attachment("innocent.txt", root=root)
    assert "outside the working folder" in str(caught.value)
    assert f"it leads to {tmp_path / 'secret.txt'}" in str(caught.value)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    with pytest.raises(AttachmentError, match="Cannot attach docs: it is a folder, not a file"):
        read_attachment("docs", root=tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(AttachmentError, match="it is not a regular file"):
        read_attachment("pipe", root=tmp_path)


def test_bytes_from_elsewhere_are_checked_as_files_are() -> None:
    pending = attachment_from_bytes(b"# readme\n", "readme.md", "text/markdown", "mcp:docs")
    assert pending.ref["kind"] == "text"
    assert pending.ref["source"] == "mcp:docs"
    assert attachment_from_bytes(GIF, "a", None).ref["media_type"] == "image/gif"
    with pytest.raises(AttachmentError, match="it says it is image/png but its bytes are not"):
        attachment_from_bytes(b"plain words", "shot.png", "image/png")
    with pytest.raises(AttachmentError, match="binary file"):
        attachment_from_bytes(b"\0\1\2", "blob", "application/octet-stream")
    with pytest.raises(AttachmentError, match="a text file may be at most 256 KB"):
        attachment_from_bytes(b"a" * (TEXT_CAP + 1), "big.txt", None)
