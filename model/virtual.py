"""Virtual time for a whole process: ``time.sleep``, ``time.monotonic``, ``time.time``, ``asyncio.sleep``
and the event loop's clock follow a :class:`~stoprace.model.clock.ManualClock` instead of the wall clock.

Under :func:`virtual_time`, a sleep advances the clock (running what is scheduled on it, such as the
Autopilot's training events) and returns at once, so botocore's waiters and retries, aiobotocore's, and
any hand-written polling loop run through hours of a job's life in milliseconds, unchanged:

>>> import time
>>> from stoprace.model import ManualClock
>>> clock = ManualClock()
>>> with virtual_time(clock):
...     start = time.monotonic()
...     time.sleep(3600)
...     round(time.monotonic() - start), clock.elapsed
(3600, 3600.0)

What is patched: the functions of the ``time`` module (``sleep``, ``monotonic``, ``monotonic_ns``,
``time``, ``time_ns``), the same functions wherever a module outside the standard library imported them
by name (``from time import sleep``), ``asyncio.sleep`` and ``asyncio.BaseEventLoop.time``. The standard
library's own by-name copies (``threading``, ``queue``, ``subprocess``) time real waits and stay real.
What it cannot reach: C extensions that read the system clock, ``datetime.now()``, waits on locks,
conditions and events (``threading.Event.wait(timeout)`` waits in real time; so does botocore's
adaptive-mode rate limiter, which waits on a condition), defaults bound before the block began
(``def f(sleep=time.sleep)``), and timers scheduled on an event loop other than through
``asyncio.sleep`` (measured on the virtual clock, but the loop does not jump ahead to them). Threads
share the one virtual clock. Everything is restored on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from .clock import ManualClock
from .numbers import is_number

__all__ = ["virtual_time"]

_TIME_FUNCTIONS = ("sleep", "monotonic", "monotonic_ns", "time", "time_ns")
_STDLIB = sysconfig.get_paths()["stdlib"]
_lock = threading.Lock()
_active: list[ManualClock] = []
# Where each module, as last scanned, held the real time functions by name: (the module, how many names
# its namespace had, those names). Entering a block scans only modules that are new or whose namespace
# changed size since; the rest are patched at the names found before (about 3 ms less an entry with
# a few thousand modules loaded, which an audit pays once a job).
_scanned: dict[int, tuple[Any, int, tuple[str, ...]]] = {}


def _replacements(clock: ManualClock) -> dict[str, Callable[..., Any]]:
    # A whole second, not ahead of nothing seen before: differences of the virtual monotonic clock are
    # then exactly the clock's own (a 120 s sleep measures 120.0, not 119.99999999999909 as it would on
    # top of a fractional uptime).
    base = float(math.ceil(time.monotonic()))

    def sleep(seconds: float) -> None:
        if not is_number(seconds):
            raise TypeError(f"'{type(seconds).__name__}' object cannot be interpreted as a number")
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        clock.advance(float(seconds))

    def monotonic() -> float:
        return base + clock.elapsed

    def wall() -> float:
        return clock().timestamp()

    return {
        "sleep": sleep,
        "monotonic": monotonic,
        "monotonic_ns": lambda: int(monotonic() * 1e9),
        "time": wall,
        "time_ns": lambda: int(wall() * 1e9),
    }


@contextlib.contextmanager
def virtual_time(clock: ManualClock) -> Iterator[ManualClock]:
    """Within this block the process's clocks are ``clock`` (see the module's documentation). Blocks do
    not nest: a second one while one is active raises ``RuntimeError``."""
    if not isinstance(clock, ManualClock):
        raise TypeError(f"virtual_time needs a stoprace.model.ManualClock, not {type(clock).__name__}")
    with _lock:
        if _active:
            raise RuntimeError("virtual_time is already active in this process; blocks do not nest")
        _active.append(clock)
    originals = {name: getattr(time, name) for name in _TIME_FUNCTIONS}
    fakes = _replacements(clock)
    by_original = {id(originals[name]): fakes[name] for name in _TIME_FUNCTIONS}
    patched: list[tuple[Any, str, Any]] = []
    try:
        for module in list(sys.modules.values()):
            patched.extend(_patch_module(module, by_original, _names_of(module, by_original)))
        real_sleep = asyncio.sleep

        async def virtual_sleep(delay: float, result: Any = None) -> Any:
            fakes["sleep"](delay)
            return await real_sleep(0, result)

        for owner, name, value in (
            (asyncio, "sleep", virtual_sleep),
            (asyncio.tasks, "sleep", virtual_sleep),
            (asyncio.BaseEventLoop, "time", lambda _loop: fakes["monotonic"]()),
        ):
            patched.append((owner, name, getattr(owner, name)))
            setattr(owner, name, value)
        yield clock
    finally:
        for owner, name, value in reversed(patched):
            setattr(owner, name, value)
        with _lock:
            _active.clear()


def _is_standard_library(module: Any) -> bool:
    """The standard library's own by-name references (``threading``, ``queue``, ``subprocess``...) time
    real waits on locks and pipes: they stay real, or a ``queue.get(timeout=5)`` would never time out."""
    path = getattr(module, "__file__", None)
    return isinstance(path, str) and path.startswith(_STDLIB) and "-packages" not in path


def _names_of(module: Any, by_original: dict[int, Callable[..., Any]]) -> tuple[str, ...]:
    """The names at which ``module`` holds a real time function (from the last scan while its namespace
    keeps its size); none for the standard library and for what has no namespace."""
    try:
        namespace = vars(module)
    except TypeError:
        return ()
    known = _scanned.get(id(module))
    if known is not None and known[0] is module and known[1] == len(namespace):
        return known[2]
    names = ()
    if not _is_standard_library(module):
        names = tuple(name for name, value in list(namespace.items()) if id(value) in by_original)
    _scanned[id(module)] = (module, len(namespace), names)
    return names


def _patch_module(
    module: Any, by_original: dict[int, Callable[..., Any]], names: tuple[str, ...]
) -> list[tuple[Any, str, Any]]:
    """Replace the module's references to the real time functions at ``names``; return what to
    restore."""
    done = []
    namespace = vars(module) if names else {}
    for name in names:
        value = namespace.get(name)
        fake = by_original.get(id(value))
        if fake is not None and not isinstance(value, type):
            try:
                setattr(module, name, fake)
            except (AttributeError, TypeError):
                continue
            done.append((module, name, value))
    return done
