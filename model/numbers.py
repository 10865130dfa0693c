"""What counts as a number in a request, a setting or a file: one rule, used by every check.

``True`` is an ``int`` to Python, but never a count or a number of seconds to a user, so both
predicates refuse booleans.

>>> is_number(1.5), is_number(True), is_whole(3), is_whole(3.0)
(True, False, True, False)
"""

from __future__ import annotations

from typing import TypeGuard

__all__ = ["is_number", "is_whole"]


def is_number(value: object) -> TypeGuard[int | float]:
    """An ``int`` or a ``float``, not a ``bool`` (finite or not: callers that need finite say so)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_whole(value: object) -> TypeGuard[int]:
    """An ``int``, not a ``bool``."""
    return isinstance(value, int) and not isinstance(value, bool)
