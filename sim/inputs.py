"""Untrusted input: files read with limits, and text shown to the user escaped and short.

Every file the program reads on a user's say-so (a scenario, a file it `extends`, a results
folder's manifest and tables) is read through `read_bytes` or `read_text`: only a regular file
is opened (a FIFO, a device such as /dev/zero or a folder is refused before a byte is read,
and opening never blocks), and only up to a size limit, so no input can hang the program or
exhaust its memory. Every piece of an input quoted back in a message goes through `shown`:
control characters are escaped, never written raw to a terminal, and a long text is cut to
an excerpt that says how long it was.
"""

from __future__ import annotations

import errno
import os
import stat

MiB = 1 << 20

SCENARIO_BYTES = 1 * MiB
"""The largest scenario file read (about 20 000 lines; the shipped ones are under 20 KiB)."""

EXCERPT = 60
"""The most characters of a found value quoted in a message."""


class InputError(ValueError):
    """A file that cannot be read as input; the message says why, in a few words."""


def read_bytes(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them.

    Raises:
        InputError: if `path` is missing, unreadable, not a regular file, or over `limit`.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        descriptor = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise InputError(_reason(error)) from None
    except ValueError:  # a NUL character in the name
        raise InputError("a file name with a NUL character") from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"not a regular file but {_kind(mode)}")
        chunks, left = [], limit + 1
        while left > 0 and (chunk := os.read(descriptor, min(left, MiB))):
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as error:
        raise InputError(_reason(error)) from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > limit:
        raise InputError(f"larger than the limit of {_size(limit)}")
    return data


def read_text(path: str | os.PathLike[str], limit: int) -> str:
    """The UTF-8 text of the regular file `path` (see `read_bytes`).

    Raises:
        InputError: as `read_bytes` does, or if the bytes are not UTF-8.
    """
    return decoded(read_bytes(path, limit))


def decoded(data: bytes) -> str:
    """`data` as UTF-8 text.

    Raises:
        InputError: saying which byte, on which line, is not UTF-8.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{data[error.start]:02x} on line {line})"
        ) from None


def shown(text: str, limit: int | None = EXCERPT) -> str:
    r"""`text` safe to print: control characters escaped, at most `limit` characters.

    A line break, tab, escape or other character that is not printable (including a lone
    surrogate) is shown as its Python escape (`\n`, `\x1b`, `\udcff`); a longer text is
    cut, and the cut says how many characters the whole had. `limit=None` escapes only.
    """
    head = text if limit is None else text[: limit + 1]  # a 250 MB text is not escaped whole
    escaped = "".join(c if c.isprintable() else _escape(c) for c in head)
    if limit is None or (len(escaped) <= limit and len(text) == len(head)):
        return escaped
    return f"{escaped[: max(limit - 1, 1)]}… ({len(text):,} characters)"


def printable(message: str) -> str:
    """A message for the terminal: every control character escaped except line breaks."""
    return "\n".join(shown(line, None) for line in message.split("\n"))


def shown_path(path: str | os.PathLike[str], limit: int = 200) -> str:
    """A file name safe to print (see `shown`); long paths keep their end, the file's name."""
    text = shown(os.fspath(path), None)
    if len(text) <= limit:
        return text
    return f"…{text[-(limit - 1) :]}"


def _reason(error: OSError) -> str:
    """Why a file cannot be read; opening a socket fails with ENXIO, which says nothing."""
    if error.errno == errno.ENXIO:
        return "not a regular file but a socket or a device with nothing behind it"
    return error.strerror or str(error)


def _escape(character: str) -> str:
    return repr(character)[1:-1]


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _size(count: int) -> str:
    return f"{count / MiB:g} MiB" if count >= MiB else f"{count:,} bytes"


__all__ = [
    "EXCERPT",
    "SCENARIO_BYTES",
    "InputError",
    "decoded",
    "printable",
    "read_bytes",
    "read_text",
    "shown",
    "shown_path",
]
