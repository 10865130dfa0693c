"""The input shapes of the modelled operations, as botocore's Comprehend service model states them.

``model/data/comprehend_inputs.json`` holds, for each operation the model implements, its input shape and
every shape reachable from it: type, length or value bounds, pattern, enum, required members. It is taken from
botocore (``python -m stoprace.model.shapes > model/data/comprehend_inputs.json``) and committed, so the model
needs no botocore at run time; ``tests/test_validation.py`` fails when the installed botocore's model says
otherwise.

>>> shapes()["DocumentClassifierArn"]["max"]
256
>>> input_shape("StopTrainingDocumentClassifier")["required"]
['DocumentClassifierArn']
"""

from __future__ import annotations

import importlib
import json
import sys
from functools import cache
from importlib import resources
from typing import Any

from .kinds import KINDS

__all__ = ["OPERATIONS", "extract", "input_shape", "shapes"]

#: The operations the model implements, by their API names: each kind's, and the tags'.
OPERATIONS = (
    *(operation for kind in KINDS.values() for operation in kind.operations.values()),
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
)
_DATA = "comprehend_inputs.json"


@cache
def _data() -> dict[str, Any]:
    text = resources.files("stoprace.model").joinpath("data", _DATA).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def shapes() -> dict[str, dict[str, Any]]:
    """Every shape the modelled operations' inputs reach, by its name in botocore's model."""
    found: dict[str, dict[str, Any]] = _data()["shapes"]
    return found


def input_shape(operation: str) -> dict[str, Any]:
    """The input shape of ``operation`` (one of :data:`OPERATIONS`)."""
    operations: dict[str, str] = _data()["operations"]
    if operation not in operations:
        raise KeyError(f"{operation!r} is not a modelled operation; they are: {', '.join(OPERATIONS)}")
    return shapes()[operations[operation]]


def extract(service_model: Any) -> dict[str, Any]:
    """The data file's content from a botocore ``ServiceModel`` of Comprehend."""
    found: dict[str, dict[str, Any]] = {}

    def walk(shape: Any) -> None:
        if shape.name in found:
            return
        entry: dict[str, Any] = {"type": shape.type_name}
        found[shape.name] = entry
        entry.update({k: shape.metadata[k] for k in ("min", "max", "pattern") if k in shape.metadata})
        if getattr(shape, "enum", None):
            entry["enum"] = list(shape.enum)
        if shape.type_name == "structure":
            entry["required"] = list(shape.required_members)
            entry["members"] = {name: member.name for name, member in shape.members.items()}
            for member in shape.members.values():
                walk(member)
        elif shape.type_name == "list":
            entry["member"] = shape.member.name
            walk(shape.member)

    operations = {}
    for operation in OPERATIONS:
        shape = service_model.operation_model(operation).input_shape
        operations[operation] = shape.name
        walk(shape)
    return {"operations": operations, "shapes": dict(sorted(found.items()))}


def main() -> None:  # pragma: no cover - regenerates the data file
    botocore = importlib.import_module("botocore.session")
    data = extract(botocore.get_session().get_service_model("comprehend"))
    version = importlib.import_module("botocore").__version__
    json.dump({"botocore": version, **data}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":  # pragma: no cover
    main()
