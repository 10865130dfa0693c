"""The data strategies of :mod:`stoprace.model.strategies`: names, ARNs, create requests, list filters and
service events, valid and invalid, for each kind of resource that trains. Import them from there."""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from hypothesis import strategies as st

from .arn import MAX_NAME_LENGTH
from .clock import EPOCH
from .kinds import CLASSIFIER, KINDS, ResourceKind
from .lifecycle import SERVICE_TRIGGERS
from .requests import CLASSIFIER_LANGUAGES
from .statuses import Status

__all__ = [
    "create_requests",
    "invalid_arns",
    "invalid_create_requests",
    "job_start_requests",
    "list_filters",
    "names",
    "service_events",
    "valid_arns",
]

_ALNUM = string.ascii_letters + string.digits
_PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso-b")
_REGIONS = ("us-east-1", "eu-west-2", "cn-north-1", "ap-southeast-2", "", "local-1")


def names(max_size: int = MAX_NAME_LENGTH) -> st.SearchStrategy[str]:
    """Valid classifier or version names: letters and digits, joined by runs of hyphens."""
    return st.tuples(
        st.sampled_from(_ALNUM), st.text(_ALNUM + "-", max_size=max_size - 1), st.sampled_from(_ALNUM)
    ).map(lambda t: (t[0] + t[1]).rstrip("-") if len(t[1]) == max_size - 1 else (t[0] + t[1] + t[2]))


def _arn(
    partition: str,
    region: str,
    account: str,
    name: str,
    version: str | None,
    *,
    kind: ResourceKind = CLASSIFIER,
) -> str:
    suffix = f"/version/{version}" if version is not None else ""
    return f"arn:{partition}:comprehend:{region}:{account}:{kind.name}/{name}{suffix}"


@st.composite
def valid_arns(
    draw: st.DrawFn,
    *,
    region: str | None = None,
    account: str | None = None,
    versions: bool | None = None,
    kind: ResourceKind = CLASSIFIER,
) -> str:
    """Valid ARNs of ``kind`` (a classifier by default; the API reference's pattern, at most 256
    characters), in every partition.

    ``region`` and ``account`` fix those parts; ``versions`` True or False forces or forbids
    ``/version/``.
    """
    partition = draw(st.sampled_from(_PARTITIONS))
    region = region if region is not None else draw(st.sampled_from(_REGIONS))
    account = account if account is not None else f"{draw(st.integers(0, 10**12 - 1)):012d}"
    with_version = draw(st.booleans()) if versions is None else versions
    name = draw(names(max_size=40))
    version = draw(names(max_size=40)) if with_version else None
    return _arn(partition, region, account, name, version, kind=kind)


def invalid_arns(kind: ResourceKind = CLASSIFIER) -> st.SearchStrategy[Any]:
    """Values the service must refuse as an ARN of ``kind`` (a classifier by default), each for a known
    reason."""
    good = valid_arns(versions=False, kind=kind)
    prefix = f"arn:aws:comprehend:us-east-1:123456789012:{kind.name}/"
    other = next(k for k in KINDS.values() if k is not kind)
    return st.one_of(
        st.integers(257 - len(prefix), 320 - len(prefix)).map(lambda n: prefix + "a" * n),  # too long
        good.map(lambda a: a.replace(":comprehend:", ":sagemaker:")),  # wrong service
        good.map(lambda a: a.replace(f"{kind.name}/", f"{other.name}/")),  # the other kind's
        st.sampled_from(["12345678901", "1234567890123", "12345678901a"]).map(
            lambda acct: f"arn:aws:comprehend:us-east-1:{acct}:{kind.name}/news"
        ),  # 11 or 13 digits, a letter
        good.map(lambda a: a + "_x"),  # underscore
        good.map(lambda a: a + "-"),  # trailing hyphen
        st.just(prefix + "-news"),  # leading hyphen
        good.map(lambda a: a + "/version/"),  # empty version
        st.just(prefix),  # empty name
        st.tuples(good, st.sampled_from([" ", "\t", "\n", "\u00a0"]), st.booleans()).map(
            lambda t: t[1] + t[0] if t[2] else t[0] + t[1]
        ),  # whitespace
        good.map(lambda a: a + "é"),  # non-ASCII
        st.just(""),
        st.one_of(
            st.none(), st.integers(), st.floats(), st.binary(max_size=10), st.lists(st.text(), max_size=2)
        ),
    )


def create_requests(
    names_: st.SearchStrategy[str] | None = None,
    versions: st.SearchStrategy[str | None] | None = None,
    tokens: st.SearchStrategy[str | None] | None = None,
    kind: ResourceKind = CLASSIFIER,
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid create requests of ``kind`` (keyword arguments of ``CreateDocumentClassifier`` by default,
    or of ``CreateEntityRecognizer``)."""
    names_ = names_ if names_ is not None else names()
    versions = versions if versions is not None else st.none() | names(max_size=20)
    if tokens is None:
        tokens = st.none() | st.text(_ALNUM + "-", min_size=1, max_size=64)
    choices = st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in kind.choices.items()})

    def build(parts: tuple[Any, ...]) -> dict[str, Any]:
        name, version, token, language, chosen, tags = parts
        request: dict[str, Any] = {
            kind.name_member: name,
            "DataAccessRoleArn": "arn:aws:iam::123456789012:role/comprehend",
            "InputDataConfig": kind.example_input(name),
            "LanguageCode": language,
        }
        for key, value in (("VersionName", version), ("ClientRequestToken", token)):
            if value is not None:
                request[key] = value
        request.update(chosen)
        if tags:
            request["Tags"] = [{"Key": f"k{i}", "Value": "v"} for i in range(tags)]
        return request

    return st.tuples(
        names_, versions, tokens, st.sampled_from(CLASSIFIER_LANGUAGES), choices, st.integers(0, 3)
    ).map(build)


def invalid_create_requests(kind: ResourceKind = CLASSIFIER) -> st.SearchStrategy[dict[str, Any]]:
    """Requests that break exactly one rule of ``kind``'s create (a classifier's by default)."""
    name = kind.name_member
    breakages: list[Callable[[dict[str, Any]], dict[str, Any]]] = [
        lambda r: {k: v for k, v in r.items() if k != name},
        lambda r: {k: v for k, v in r.items() if k != "LanguageCode"},
        lambda r: {**r, name: "bad_name"},
        lambda r: {**r, name: "a" * (MAX_NAME_LENGTH + 1)},
        lambda r: {**r, "VersionName": "-v"},
        lambda r: {**r, "LanguageCode": "xx"},
        lambda r: {**r, "LanguageCode": "ja"},
        lambda r: {**r, "ClientRequestToken": "has space"},
        lambda r: {**r, "Tags": [{"Key": f"k{i}"} for i in range(51)]},
        lambda r: {**r, "InputDataConfig": {}},
        lambda r: {**r, "DataAccessRoleArn": "role"},
        lambda r: {**r, "Unknown": 1},
    ]
    for member in kind.choices:  # an enum member given a value outside it
        breakages.append(partial(_with, member, "BINARY"))
    return st.tuples(create_requests(kind=kind), st.sampled_from(breakages)).map(lambda t: t[1](t[0]))


def _with(member: str, value: Any, request: dict[str, Any]) -> dict[str, Any]:
    return {**request, member: value}


def list_filters(
    names_: st.SearchStrategy[str] | None = None, kind: ResourceKind = CLASSIFIER
) -> st.SearchStrategy[dict[str, Any] | None]:
    """Filters of ``kind``'s list (``ListDocumentClassifiers`` by default): none, or one of each kind of
    criterion."""
    names_ = names_ if names_ is not None else names()
    moments = st.integers(0, 30 * 86400).map(lambda s: EPOCH + timedelta(seconds=s))
    return st.one_of(
        st.none(),
        st.sampled_from(list(Status)).map(lambda s: {"Status": s.value}),
        names_.map(lambda n: {kind.name_member: n}),
        moments.map(lambda t: {"SubmitTimeBefore": t}),
        moments.map(lambda t: {"SubmitTimeAfter": t}),
    )


def service_events(max_size: int = 20) -> st.SearchStrategy[list[str]]:
    """Sequences of the service's own triggers (any order: most will be refused)."""
    return st.lists(st.sampled_from(SERVICE_TRIGGERS), max_size=max_size)


def job_start_requests(kind: Any = None) -> st.SearchStrategy[dict[str, Any]]:
    """Valid start requests of a job that processes text (a :class:`~stoprace.model.analysis_kinds.TextKind`;
    any of the eight when None): a drawn name, with or without a client token, and the kind's required
    members (a Translate job's token is always there: botocore fills it in)."""
    from .analysis_kinds import TEXT_KINDS  # noqa: PLC0415 - the text family is optional here

    kinds = list(TEXT_KINDS.values()) if kind is None else [kind]

    def build(chosen: Any, name: str, token: str | None) -> dict[str, Any]:
        request: dict[str, Any] = chosen.example_request(name, "arn:aws:iam::123456789012:role/jobs")
        if token is not None or chosen.token_member == "ClientToken":
            request[chosen.token_member] = token or name
        return request

    return st.builds(
        build,
        st.sampled_from(kinds),
        names(),
        st.none() | st.text(string.ascii_letters, min_size=1, max_size=20),
    )
