"""Reading a user's file: only a regular file, and with a size limit, so that a file too large for what
it claims to be is refused before it is read whole.

A path that names something else is refused when it is opened, not read: a FIFO would block the read
for ever (or, with no writer, the open itself), a device such as ``/dev/zero`` never ends, and a
directory is no file.

>>> read_limited(Path("/dev/null"), 10, "a scenario file")
Traceback (most recent call last):
...
ValueError: /dev/null: a character device, not a regular file: not a scenario file
"""

from __future__ import annotations

import datetime
import json
import os
import stat
import tomllib
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["open_regular", "parse_json", "parse_toml", "read_limited", "toml_value"]

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def open_regular(path: Path, what: str) -> BinaryIO:
    """``path`` opened for reading in binary; ``ValueError`` naming the file when it cannot be opened or
    is not a regular file (``what`` names the kind of file expected). Opened without blocking, so a FIFO
    with no writer is refused at once."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise ValueError(f"{path}: cannot be read: {err.strerror or err}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a file")
            raise ValueError(f"{path}: {kind}, not a regular file: not {what}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_limited(path: Path, limit: int, what: str) -> bytes:
    """The bytes of ``path``, at most ``limit``; ``ValueError`` naming the file when it cannot be read, is
    not a regular file or is larger (``what`` names the kind of file expected). A file that grows while
    it is read is read up to the limit, no further."""
    with open_regular(path, what) as raw:
        try:
            data = raw.read(limit + 1)
        except OSError as err:
            raise ValueError(f"{path}: cannot be read: {err.strerror or err}") from None
    if len(data) > limit:
        raise ValueError(f"{path}: larger than {limit / 2**20:g} MiB: not {what}")
    return data


def parse_json(data: bytes | str, path: Path, what: str) -> Any:
    """``data`` (read from ``path``) as JSON; ``ValueError`` naming the file when it is not JSON or nests
    deeper than the parser's recursion allows (``[[[[...]]]]`` a megabyte deep)."""
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: not JSON ({err}): not {what}") from None
    except RecursionError:
        raise ValueError(f"{path}: nested too deeply: not {what}") from None


def parse_toml(text: str, path: Path, what: str) -> dict[str, Any]:
    """``text`` (read from ``path``) as TOML; ``ValueError`` naming the file when it is not TOML or nests
    too deeply."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path}: not valid TOML ({err}): not {what}") from None
    except RecursionError:
        raise ValueError(f"{path}: nested too deeply: not {what}") from None


def toml_value(value: Any) -> str:
    """A TOML value as a user wrote it, for an error message: its TOML type, and the value cut short
    (``a date (1979-05-27)``, ``an array of 3``, ``a table (x, y)``, ``the integer 5``)."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, datetime.datetime):
        return f"a date-time ({value.isoformat()})"
    if isinstance(value, datetime.date):
        return f"a date ({value.isoformat()})"
    if isinstance(value, datetime.time):
        return f"a time ({value.isoformat()})"
    if isinstance(value, list):
        return f"an array of {len(value)}"
    if isinstance(value, dict):
        keys = ", ".join(list(map(str, value))[:5])
        return f"a table ({keys}{', ...' if len(value) > 5 else ''})"
    if isinstance(value, int):
        text = str(value) if abs(value) < 10**30 else f"of {len(str(abs(value)))} digits"
        return f"the integer {text}"
    if isinstance(value, float):
        return f"the float {value!r}"
    text = repr(value)
    return f"the string {text[:60]}{'...' if len(text) > 60 else ''}"
