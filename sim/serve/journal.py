"""``--state-file``: the server's state kept across a restart, losing no acknowledged call.

The model has no randomness of its own and the scenario's draws follow the seed and the order of the
creates, so the state is a function of what changed it: the calls that succeeded (creates, stops,
deletes, tags), the clock's moves and the scheduled actions. The state file is a journal of those, one
JSON line each, appended (and flushed to the disk, ``fsync``) *before* the answer is sent; reads are not
written. A restart replays it on a fresh server with the same options, which gives back the same jobs, the
same histories and the same clock. A kill can cut only the line being written, whose call was never
answered: that torn last line is dropped on load. The first line records the options that shape the
state (scenario, seed); a restart with other options is refused rather than replayed into another world.
Rate-limit buckets and the fault draws start afresh.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["Journal", "JournalError"]

_VERSION = 1


class JournalError(ValueError):
    """A state file that cannot be used: named, with what is wrong."""


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"cannot journal a {type(value).__name__}")


def _flat(options: Any, prefix: str = "") -> dict[str, Any]:
    """``options`` as dotted names: a distribution is its spec."""
    if isinstance(options, dict) and "spec" not in options:
        flat: dict[str, Any] = {}
        for key, value in options.items():
            flat.update(_flat(value, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): options}


def _spec(value: Any) -> str:
    return str(value["spec"]) if isinstance(value, dict) and "spec" in value else json.dumps(value)


class Journal:
    """An append-only journal at ``path`` for a server whose options are ``options`` (JSON values)."""

    def __init__(self, path: str | os.PathLike[str], options: dict[str, Any]) -> None:
        self.path = Path(path)
        self.options = json.loads(json.dumps(options, default=str))
        self._fd: int | None = None

    def load(self) -> Iterator[dict[str, Any]]:
        """The journal's entries, after checking its header against this server's options; a file that
        does not exist yet is started. A torn last line (a kill mid-write) is cut off."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            self._start()
            return iter(())
        if not self.path.is_file():
            raise JournalError(f"state file {self.path} is not a regular file")
        entries, good = self._read()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        os.truncate(self.path, good)  # drop a torn last line
        return iter(entries)

    def _read(self) -> tuple[list[dict[str, Any]], int]:
        lines = self.path.read_bytes().split(b"\n")
        entries, good = [], 0
        for number, line in enumerate(lines, 1):
            if not line:
                continue
            try:
                entry = json.loads(line)
                if not isinstance(entry, dict):
                    raise ValueError
            except ValueError:
                if number == len(lines):  # the last line, unterminated: a write the kill cut short
                    break
                raise JournalError(
                    f"state file {self.path} is not a stoprace serve journal (line {number})"
                ) from None
            entries.append(entry)
            good += len(line) + 1
        if not entries or entries[0].get("stoprace-serve") != _VERSION:
            raise JournalError(f"state file {self.path} is not a stoprace serve journal (no header)")
        if entries[0].get("options") != self.options:
            theirs, ours = _flat(entries[0].get("options")), _flat(self.options)
            differ = [k for k in sorted(set(theirs) | set(ours)) if theirs.get(k) != ours.get(k)]
            said = "; ".join(
                f"{k}: {_spec(theirs.get(k))} there, {_spec(ours.get(k))} here" for k in differ[:4]
            )
            raise JournalError(
                f"state file {self.path} was written by a server with other options ({said}); start with "
                "those, or another --state-file"
            )
        return entries[1:], good

    def _start(self) -> None:
        """Write a fresh journal holding only the header (atomically: a kill leaves the old or the new)."""
        if self._fd is not None:
            os.close(self._fd)
        temporary = self.path.with_name(f".{self.path.name}.new")
        temporary.write_text(json.dumps({"stoprace-serve": _VERSION, "options": self.options}) + "\n")
        os.replace(temporary, self.path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)

    def reset(self) -> None:
        self._start()

    def write(self, entry: dict[str, Any]) -> None:
        """Append ``entry`` and flush it to the disk before returning."""
        assert self._fd is not None, "load() the journal first"
        os.write(self._fd, json.dumps(entry, default=_default, separators=(",", ":")).encode() + b"\n")
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
