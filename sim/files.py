"""Reading a user's file with a size limit: a file too large for what it claims to be is refused before
it is read whole."""

from __future__ import annotations

from pathlib import Path

__all__ = ["read_limited"]


def read_limited(path: Path, limit: int, what: str) -> bytes:
    """The bytes of ``path``, at most ``limit``; ``ValueError`` naming the file when it cannot be read or
    is larger (``what`` names the kind of file expected)."""
    try:
        with path.open("rb") as raw:
            data = raw.read(limit + 1)
    except OSError as err:
        raise ValueError(f"{path}: cannot be read: {err.strerror or err}") from None
    if len(data) > limit:
        raise ValueError(f"{path}: larger than {limit / 2**20:g} MiB: not {what}")
    return data
