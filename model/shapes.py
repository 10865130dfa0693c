"""The input shapes of the modelled operations, as botocore's Comprehend service model states them.

``model/data/comprehend_inputs.json`` holds, for each operation the model implements (Comprehend's, and
Translate's batch jobs', whose shape names are prefixed ``translate.``), its input shape and every shape
reachable from it: type, length or value bounds, pattern, enum, required members. It is taken from
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

from .analysis_kinds import TEXT_KINDS
from .kinds import KINDS

__all__ = ["OPERATIONS", "SERVICE_OPERATIONS", "extract", "extract_all", "input_shape", "shapes"]

#: The operations the model implements for each service, by their API names: each kind's, and the tags'.
SERVICE_OPERATIONS: dict[str, tuple[str, ...]] = {
    "comprehend": (
        *(operation for kind in KINDS.values() for operation in kind.operations.values()),
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
        *(
            op
            for kind in TEXT_KINDS.values()
            if kind.service == "comprehend"
            for op in kind.operations.values()
        ),
    ),
    "translate": tuple(
        op for kind in TEXT_KINDS.values() if kind.service == "translate" for op in kind.operations.values()
    ),
}
#: Every operation the model implements, of either service.
OPERATIONS = tuple(op for ops in SERVICE_OPERATIONS.values() for op in ops)
#: What the names of a service's shapes are prefixed with in the data file (two services may use one name).
_PREFIX = {"comprehend": "", "translate": "translate."}
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
    """A service's part of the data file from its botocore ``ServiceModel`` (Comprehend or Translate)."""
    found: dict[str, dict[str, Any]] = {}
    prefix = _PREFIX[service_model.service_name]

    def walk(shape: Any) -> None:
        if prefix + shape.name in found:
            return
        entry: dict[str, Any] = {"type": shape.type_name}
        found[prefix + shape.name] = entry
        entry.update({k: shape.metadata[k] for k in ("min", "max", "pattern") if k in shape.metadata})
        if getattr(shape, "enum", None):
            entry["enum"] = list(shape.enum)
        if shape.type_name == "structure":
            entry["required"] = list(shape.required_members)
            entry["members"] = {name: prefix + member.name for name, member in shape.members.items()}
            for member in shape.members.values():
                walk(member)
        elif shape.type_name == "list":
            entry["member"] = prefix + shape.member.name
            walk(shape.member)

    operations = {}
    for operation in SERVICE_OPERATIONS[service_model.service_name]:
        shape = service_model.operation_model(operation).input_shape
        operations[operation] = prefix + shape.name
        walk(shape)
    return {"operations": operations, "shapes": dict(sorted(found.items()))}


def extract_all(session: Any) -> dict[str, Any]:
    """The data file's content (operations and shapes of both services) from a botocore session."""
    parts = [extract(session.get_service_model(name)) for name in SERVICE_OPERATIONS]
    return {key: {k: v for part in parts for k, v in part[key].items()} for key in ("operations", "shapes")}


def main() -> None:  # pragma: no cover - regenerates the data file
    botocore = importlib.import_module("botocore.session")
    data = extract_all(botocore.get_session())
    version = importlib.import_module("botocore").__version__
    json.dump({"botocore": version, **data}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":  # pragma: no cover
    main()
