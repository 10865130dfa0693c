"""Responses as AWS sends them (evidence: ``describe-times``, ``recorded-outputs``, ``entity-recognizers``).

A describe or list entry carries every member AWS returns for a resource in its status, as the AWS CLI's
recorded outputs show (``tests/data/aws_cli_outputs.json``): the request's members describe echoes, with
what the service fills in where the request left it out (a classifier's ``DataFormat``,
``OutputDataConfig`` and ``Mode``; a recognizer's ``DataFormat`` and its documents' ``InputFormat``), the
timestamps the job has reached, ``Message`` on a warning or a failure, and the metadata
(``ClassifierMetadata``, ``RecognizerMetadata``) once training has completed. Each kind's members and
their order are its :class:`~stoprace.model.kinds.ResourceKind`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .job import TrainingJob
from .kinds import CLASSIFIER, ResourceKind, json_copy
from .lifecycle import REPORTED_STAMPS
from .statuses import WITH_MODEL

__all__ = ["echoed", "properties"]

_TRAINED = frozenset(s.value for s in WITH_MODEL)


def _fill(props: dict[str, Any], dotted: str, value: Any) -> None:
    """Set the dotted member the response lacks, inside members that are there: a ``DataFormat`` first
    (its place in every input shape of botocore's model), any other last (a recognizer's
    ``Documents.InputFormat`` follows ``S3Uri``, as in the recorded outputs)."""
    *path, last = dotted.split(".")
    where: Any = props
    for key in path:
        where = where.get(key) if isinstance(where, dict) else None
    if isinstance(where, dict) and last not in where:
        rest = dict(where)
        where.clear()
        if last == "DataFormat":
            where.update({last: json_copy(value), **rest})
        else:
            where.update({**rest, last: json_copy(value)})


def echoed(request: Mapping[str, Any], kind: ResourceKind = CLASSIFIER) -> dict[str, Any]:
    """The members of a create ``request`` that describe echoes, with what the service fills in where the
    request left it out: the part of a resource's properties that never changes."""
    props: dict[str, Any] = {}
    for key in kind.echoed:
        if key in request:
            props[key] = json_copy(request[key])
    for dotted, value in kind.filled.items():
        if "." not in dotted:
            props.setdefault(dotted, json_copy(value))
        else:
            _fill(props, dotted, value)
    return props


def properties(
    arn: str,
    job: TrainingJob,
    request: Mapping[str, Any],
    metadata: Mapping[str, Any] | None = None,
    kind: ResourceKind = CLASSIFIER,
    *,
    echo: Mapping[str, Any] | None = None,
    fresh: bool = True,
) -> dict[str, Any]:
    """A describe's or a list's properties of one resource of ``kind``: the job's status, message and
    timestamps, the request's members as AWS echoes them (``echo``, when :func:`echoed` made them
    already), and the metadata (``metadata``, or the kind's default) once the job has trained. ``fresh``
    False shares the echoed members and the metadata instead of copying them, for a reader that changes
    nothing (the exhaustive checker)."""
    props: dict[str, Any] = {
        kind.arn_member: arn,
        "LanguageCode": request["LanguageCode"],
        "Status": job.state,
    }
    if job.message is not None:
        props["Message"] = job.message
    for stamp in REPORTED_STAMPS:
        if job.times.get(stamp) is not None:
            props[stamp.value] = job.times[stamp]
    echo = echo if echo is not None else echoed(request, kind)
    props.update(json_copy(echo) if fresh else echo)
    if _TRAINED.intersection(job.path):  # the kind's default is a fresh copy already
        if metadata is None:
            props[kind.metadata_member] = kind.default_metadata(request)
        else:
            props[kind.metadata_member] = json_copy(metadata) if fresh else metadata
    return {key: props[key] for key in kind.order if key in props}
