"""The read and tagging operations of :class:`~stoprace.model.ComprehendService`: describe, the two lists
(for each kind of resource that trains), and the tags (``TagResource``, ``UntagResource``,
``ListTagsForResource``, on either kind), with botocore's limits and errors. A mixin: the service supplies
the records, the lock and the call machinery."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from .errors import ResourceNotFoundException, TooManyTagKeysException, TooManyTagsException
from .job import TrainingJob
from .kinds import CLASSIFIER, RECOGNIZER, ResourceKind
from .listing import DEFAULT_MAX_RESULTS, PageTokens, filter_digest, matches, parse_filter
from .requests import MAX_TAGS, check_tags, invalid
from .responses import echoed, properties

__all__ = ["Catalog", "Record"]

_SUMMARIES = "summaries"


@dataclass(slots=True)
class Record:
    """One classifier or recognizer (``kind``): its job, the create request (without the token), its
    tags and what its training reported."""

    arn: str
    seq: int
    job: TrainingJob
    request: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] | None = None
    kind: Any = CLASSIFIER  # a ResourceKind, or a TextKind (stoprace.model.analysis_kinds)
    echo: dict[str, Any] | None = None  # the echoed members, made on the first describe (they never change)

    def properties(self, fresh: bool = True) -> dict[str, Any]:
        """The resource's properties (``fresh`` False: sharing what never changes, for a reader that
        changes nothing)."""
        if self.echo is None:
            self.echo = echoed(self.request, self.kind)
        return properties(
            self.arn, self.job, self.request, self.metadata, self.kind, echo=self.echo, fresh=fresh
        )


class Catalog:
    """Describe, list, summaries and tags, for a service that provides the attributes below."""

    _jobs: dict[str, Record]
    _pages: PageTokens
    _call: Callable[[str, dict[str, Any], Callable[[dict[str, Any]], dict[str, Any]]], dict[str, Any]]
    _record: Callable[[str, str], Record]

    def describe_document_classifier(self, **params: Any) -> dict[str, Any]:
        """``DescribeDocumentClassifier``: ``{"DocumentClassifierProperties": {...}}``."""
        return self._read(CLASSIFIER, "describe", params)

    def list_document_classifiers(self, **params: Any) -> dict[str, Any]:
        """``ListDocumentClassifiers``: one page of classifiers in creation order, and a ``NextToken``
        when more remain."""
        return self._read(CLASSIFIER, "list", params)

    def list_document_classifier_summaries(self, **params: Any) -> dict[str, Any]:
        """``ListDocumentClassifierSummaries``: per classifier name, in order of its first version:
        the number of versions and the latest version's name, status and creation time."""
        return self._read(CLASSIFIER, "summaries", params)

    def describe_entity_recognizer(self, **params: Any) -> dict[str, Any]:
        """``DescribeEntityRecognizer``: ``{"EntityRecognizerProperties": {...}}``."""
        return self._read(RECOGNIZER, "describe", params)

    def list_entity_recognizers(self, **params: Any) -> dict[str, Any]:
        """``ListEntityRecognizers``: as :meth:`list_document_classifiers`, for recognizers."""
        return self._read(RECOGNIZER, "list", params)

    def list_entity_recognizer_summaries(self, **params: Any) -> dict[str, Any]:
        """``ListEntityRecognizerSummaries``: as :meth:`list_document_classifier_summaries`."""
        return self._read(RECOGNIZER, "summaries", params)

    def tag_resource(self, **params: Any) -> dict[str, Any]:
        """``TagResource``: add or overwrite tags (at most 50 on a classifier); ``{}``."""
        return self._call("TagResource", params, self._tag)

    def untag_resource(self, **params: Any) -> dict[str, Any]:
        """``UntagResource``: remove tags by key (keys it does not have are ignored); ``{}``."""
        return self._call("UntagResource", params, self._untag)

    def list_tags_for_resource(self, **params: Any) -> dict[str, Any]:
        """``ListTagsForResource``: ``{"ResourceArn": ..., "Tags": [...]}``."""
        return self._call("ListTagsForResource", params, self._list_tags)

    def _read(self, kind: ResourceKind, action: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = {"describe": self._describe, "list": self._list, "summaries": self._summaries}[action]
        return self._call(kind.operations[action], params, partial(handler, kind))

    # -- handlers (called under the service's lock) -----------------------------------------------

    def _describe(self, kind: ResourceKind, params: dict[str, Any]) -> dict[str, Any]:
        record = self._record(params[kind.arn_member], kind.operations["describe"])
        return {kind.properties: record.properties()}

    def _list(self, kind: ResourceKind, params: dict[str, Any]) -> dict[str, Any]:
        criterion = parse_filter(params.get("Filter"), kind.name_member)
        max_results = _max_results(params)
        digest = _digest(kind, filter_digest(criterion))
        after = self._pages.read(params["NextToken"], digest) if "NextToken" in params else -1
        matching = [
            r
            for r in self._jobs.values()
            if r.kind is kind and r.seq > after and matches(r.job, r.request, criterion)
        ]
        page = matching[:max_results]
        response: dict[str, Any] = {kind.properties_list: [r.properties() for r in page]}
        if len(matching) > max_results:
            response["NextToken"] = self._pages.make(page[-1].seq, digest)
        return response

    def _summaries(self, kind: ResourceKind, params: dict[str, Any]) -> dict[str, Any]:
        max_results = _max_results(params)
        digest = _digest(kind, _SUMMARIES)
        after = self._pages.read(params["NextToken"], digest) if "NextToken" in params else -1
        names: dict[str, list[Record]] = {}
        for record in self._jobs.values():
            if record.kind is kind:
                names.setdefault(record.request[kind.name_member], []).append(record)
        versions = [v for v in names.values() if v[0].seq > after]
        page = versions[:max_results]
        response: dict[str, Any] = {kind.summaries_list: [_summary(v) for v in page]}
        if len(versions) > max_results:
            response["NextToken"] = self._pages.make(page[-1][0].seq, digest)
        return response

    def _tag(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._resource(params, "TagResource")
        check_tags(params["Tags"])
        given = {t["Key"]: t.get("Value", "") for t in params["Tags"]}
        _no_reserved(given)
        merged = {**record.tags, **given}
        if len(merged) > MAX_TAGS:
            raise TooManyTagsException(
                f"the {record.kind.noun} would have {len(merged)} tags; a resource can have at most "
                f"{MAX_TAGS}"
            )
        record.tags = merged
        return {}

    def _untag(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._resource(params, "UntagResource")
        keys = params["TagKeys"]
        if len(keys) > MAX_TAGS:
            raise TooManyTagKeysException(f"{len(keys)} tag keys given; at most {MAX_TAGS} per request")
        _no_reserved(dict.fromkeys(keys, ""))
        record.tags = {k: v for k, v in record.tags.items() if k not in keys}
        return {}

    def _list_tags(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._resource(params, "ListTagsForResource")
        return {"ResourceArn": record.arn, "Tags": [{"Key": k, "Value": v} for k, v in record.tags.items()]}

    def _resource(self, params: Mapping[str, Any], operation: str) -> Record:
        arn = params["ResourceArn"]
        if arn not in self._jobs:
            raise ResourceNotFoundException(
                f"The specified resource ARN was not found: {arn!r}. Check the ARN and try your "
                "request again."
            )
        return self._record(arn, operation)


def _max_results(params: Mapping[str, Any]) -> int:
    value: int = params.get("MaxResults", DEFAULT_MAX_RESULTS)
    return value


def _digest(kind: ResourceKind, listing: str) -> str:
    """What a page token is bound to: the kind listed and the listing (a filter's digest, or the
    summaries), so that one kind's token is refused by the other's list."""
    return f"{kind.name}:{listing}"


def _summary(versions: list[Record]) -> dict[str, Any]:
    latest = versions[-1]
    name = latest.kind.name_member
    summary: dict[str, Any] = {
        name: latest.request[name],
        "NumberOfVersions": len(versions),
        "LatestVersionCreatedAt": latest.job.submit_time,
    }
    if "VersionName" in latest.request:
        summary["LatestVersionName"] = latest.request["VersionName"]
    summary["LatestVersionStatus"] = latest.job.state
    return summary


def _no_reserved(tags: Mapping[str, str]) -> None:
    reserved = sorted(k for k in tags if k.lower().startswith("aws:"))
    if reserved:
        raise invalid(f"tag keys beginning with 'aws:' are reserved for AWS: {', '.join(reserved)}")
