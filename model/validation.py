"""Request validation as Comprehend's front end does it: every constraint of the operation's input shape
(:mod:`stoprace.model.shapes`, from botocore's service model) checked, every violation collected, and
the answer worded as AWS words it (evidence: ``validation-exception``).

A member is named in lowerCamelCase along its path; a member of a list of structures is
``tags.1.member.key`` (counted from 1); a list of strings whose items break a constraint is named once,
with every constraint of its items (``Member must satisfy constraint: [...]``).

>>> problems = violations("StopTrainingDocumentClassifier", {"DocumentClassifierArn": "arn:x"})
>>> print(describe(problems))  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
1 validation error detected: Value 'arn:x' at 'documentClassifierArn' failed to satisfy constraint:
Member must satisfy regular expression pattern: arn:aws(-[^:]+)?:comprehend:...
>>> print(describe(violations("DescribeDocumentClassifier", {})))  # doctest: +NORMALIZE_WHITESPACE
1 validation error detected: Value null at 'documentClassifierArn' failed to satisfy constraint:
Member must not be null

Two things botocore refuses before a request leaves the client, a member of the wrong type and a member
the shape does not have, are refused here in the same form (the model is also called directly).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from .shapes import input_shape, shapes

__all__ = ["Violation", "describe", "violations"]

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "list": (list, tuple),
    "structure": (Mapping,),
    "timestamp": (datetime, int, float, str),
}


@dataclass(frozen=True, slots=True)
class Violation:
    """One violated constraint: where (``vpcConfig.subnets``), the value as AWS shows it, and the
    constraint in AWS's words."""

    path: str
    shown: str
    constraint: str

    def __str__(self) -> str:
        return f"Value {self.shown} at '{self.path}' failed to satisfy constraint: {self.constraint}"


def describe(found: tuple[Violation, ...] | list[Violation]) -> str:
    """The message AWS answers a request with these violations (at least one) with."""
    count = len(found)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(map(str, found))


def violations(
    operation: str, params: Mapping[str, Any], patterns: Mapping[str, str] | None = None
) -> tuple[Violation, ...]:
    """Every constraint of ``operation``'s input shape that ``params`` break, in member order.

    ``patterns`` replaces the pattern of shapes by name (the service's ``arn_pattern="newer"`` option
    replaces ``DocumentClassifierArn``'s).
    """
    found: list[Violation] = []
    _structure(input_shape(operation), params, "", found, patterns or {})
    return tuple(found)


def _structure(
    shape: Mapping[str, Any], value: Any, path: str, found: list[Violation], patterns: Mapping[str, str]
) -> None:
    members: dict[str, str] = shape["members"]
    required = shape["required"]
    for name, member in members.items():
        item = value.get(name)
        if item is not None:
            _member(member, item, _join(path, name), found, patterns)
        elif name in required:
            found.append(Violation(_join(path, name), "null", "Member must not be null"))
    for name, item in value.items():
        if name not in members:
            allowed = f"Member must be one of: {', '.join(members)}"
            found.append(Violation(_join(path, str(name)), _shown(item), allowed))


def _member(name: str, value: Any, path: str, found: list[Violation], patterns: Mapping[str, str]) -> None:
    shape = shapes()[name]
    kind = shape["type"]
    expected = _PYTHON_TYPES.get(kind, (object,))
    if not isinstance(value, expected) or (isinstance(value, bool) and kind != "boolean"):
        found.append(Violation(path, _shown(value), f"Member must be of type {kind}"))
    elif kind == "structure":
        _structure(shape, value, path, found, patterns)
    elif kind == "list":
        _list(shape, value, path, found, patterns)
    else:
        found.extend(Violation(path, _shown(value), c) for c in _broken(name, value, patterns))


def _list(
    shape: Mapping[str, Any], value: Any, path: str, found: list[Violation], patterns: Mapping[str, str]
) -> None:
    found.extend(Violation(path, _shown(value), c) for c in _length(shape, len(value)))
    item_name = shape["member"]
    if shapes()[item_name]["type"] in ("structure", "list"):
        for i, item in enumerate(value, start=1):
            _member(item_name, item, f"{path}.{i}.member", found, patterns)
        return
    kind = shapes()[item_name]["type"]
    typed = [item for item in value if isinstance(item, _PYTHON_TYPES[kind]) and not isinstance(item, bool)]
    if len(typed) < len(value):
        every = f"Member must be of type {kind}"
        found.append(Violation(path, _shown(value), f"Member must satisfy constraint: [{every}]"))
    elif any(_broken(item_name, item, patterns) for item in typed):
        every = ", ".join(_constraints(item_name, patterns))
        found.append(Violation(path, _shown(value), f"Member must satisfy constraint: [{every}]"))


def _broken(name: str, value: Any, patterns: Mapping[str, str]) -> list[str]:
    """The constraints of scalar shape ``name`` that ``value`` (of the right type) breaks."""
    shape = shapes()[name]
    if shape["type"] == "integer":
        return [c for c, ok in _bounds(shape, value) if not ok]
    if shape["type"] != "string":
        return []
    broken = list(_length(shape, len(value)))
    pattern = patterns.get(name, shape.get("pattern"))
    if pattern is not None and _regex(pattern).fullmatch(value) is None:
        broken.append(f"Member must satisfy regular expression pattern: {pattern}")
    if "enum" in shape and value not in shape["enum"]:
        broken.append(f"Member must satisfy enum value set: [{', '.join(shape['enum'])}]")
    return broken


def _constraints(name: str, patterns: Mapping[str, str]) -> list[str]:
    """Every constraint of scalar shape ``name``, in the order AWS lists them."""
    shape = shapes()[name]
    listed = []
    if "max" in shape:
        listed.append(f"Member must have length less than or equal to {shape['max']}")
    if "min" in shape:
        listed.append(f"Member must have length greater than or equal to {shape['min']}")
    pattern = patterns.get(name, shape.get("pattern"))
    if pattern is not None:
        listed.append(f"Member must satisfy regular expression pattern: {pattern}")
    if "enum" in shape:
        listed.append(f"Member must satisfy enum value set: [{', '.join(shape['enum'])}]")
    return listed


def _length(shape: Mapping[str, Any], length: int) -> list[str]:
    broken = []
    if "max" in shape and length > shape["max"]:
        broken.append(f"Member must have length less than or equal to {shape['max']}")
    if "min" in shape and length < shape["min"]:
        broken.append(f"Member must have length greater than or equal to {shape['min']}")
    return broken


def _bounds(shape: Mapping[str, Any], value: int) -> list[tuple[str, bool]]:
    checks = []
    if "max" in shape:
        high = shape["max"]
        checks.append((f"Member must have value less than or equal to {high}", value <= high))
    if "min" in shape:
        low = shape["min"]
        checks.append((f"Member must have value greater than or equal to {low}", value >= low))
    return checks


#: The characters of Unicode's category Z (space, line and paragraph separators), as a regex class's body.
_SEPARATORS = "".join(
    f"\\u{code:04x}"
    for code in (0x20, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000)
)


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """A pattern of the service model (Java syntax) in Python's; the whole value must match."""
    translated = pattern.replace(r"\p{ASCII}", r"[\x00-\x7F]")
    # A class of letters, numbers and separators (Translate's tags): letters and numbers are Python's word
    # characters but the underscore; the separators (category Z) are listed.
    translated = re.sub(
        r"\[\\p\{L\}\\p\{Z\}\\p\{N\}([^\]]*)\]",
        lambda m: rf"(?:[^\W_]|[{_SEPARATORS}{m.group(1)}])",
        translated,
    )
    if r"\p{" in translated:
        raise ValueError(
            f"the service model's pattern {pattern!r} uses a class stoprace.model.validation cannot read"
        )
    return re.compile(translated)


def _join(path: str, name: str) -> str:
    camel = name[:1].lower() + name[1:]
    return f"{path}.{camel}" if path else camel


def _shown(value: Any) -> str:
    """A value as AWS's messages show it: ``null``, or the text between single quotes."""
    return "null" if value is None else f"'{_text(value)}'"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
