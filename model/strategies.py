"""Hypothesis strategies and a reusable stateful test for code that talks to Comprehend.

Needs the ``hypothesis`` extra (``pip install 'stoprace[hypothesis]'``); ``import model`` does not.

Strategies: :func:`names`, :func:`valid_arns`, :func:`invalid_arns`, :func:`create_requests`,
:func:`invalid_create_requests`, :func:`list_filters` and :func:`service_events`.

:class:`ComprehendStateMachine` drives a :class:`~stoprace.model.service.ComprehendService` with every
API call (create, describe, list with each filter and pagination, stop, delete) and every service event,
under a policy drawn from every combination (or the one you fix). Subclass it to run your own code (an
orchestrator, a cleanup script) against the model, between whatever the service and other clients do:

>>> from hypothesis import settings
>>> from hypothesis.stateful import rule, run_state_machine_as_test
>>> def stop_all_training(client):          # the code under test, given a Comprehend client
...     params = {"Filter": {"Status": "TRAINING"}, "MaxResults": 2}
...     while True:
...         page = client.list_document_classifiers(**params)
...         for props in page["DocumentClassifierPropertiesList"]:
...             client.stop_training_document_classifier(DocumentClassifierArn=props["DocumentClassifierArn"])
...         if "NextToken" not in page:
...             return
...         params["NextToken"] = page["NextToken"]
>>> class StopAllTest(ComprehendStateMachine):
...     @rule()
...     def run_the_script(self):
...         stop_all_training(self.service)
...         left = self.service.list_document_classifiers(Filter={"Status": "TRAINING"})
...         assert left["DocumentClassifierPropertiesList"] == [], "a job is still training"
>>> run_state_machine_as_test(StopAllTest, settings=settings(max_examples=10, database=None))

In a test module, ``TestStopAll = StopAllTest.TestCase`` lets pytest run it.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

try:
    from hypothesis import event
    from hypothesis import strategies as st
    from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, multiple, rule
except ImportError as err:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "stoprace.model.strategies needs hypothesis: pip install 'stoprace[hypothesis]'"
    ) from err

from .arn import MAX_NAME_LENGTH
from .clock import EPOCH, ManualClock
from .errors import InvalidTransitionError, ServiceError
from .kinds import CLASSIFIER, KINDS, ResourceKind, kind_of_arn
from .lifecycle import EDGES, SERVICE_TRIGGERS, STOP_REQUEST_STEP, race_lost
from .policy import Policy
from .requests import CLASSIFIER_LANGUAGES
from .service import ComprehendService
from .statuses import Status

__all__ = [
    "ComprehendStateMachine",
    "create_requests",
    "invalid_arns",
    "invalid_create_requests",
    "list_filters",
    "names",
    "service_events",
    "valid_arns",
]

#: Where a stop that takes effect leaves a job (for the statistics' labels).
_STOPPED = frozenset(e.dest for e in EDGES if e.trigger == "finish_stop")

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


# Small pools, so that names collide, tokens repeat and ARNs are met again.
_NAMES = ("alpha", "beta", "gamma")
_VERSIONS = (None, "v1")
_TOKENS = (None, "token-1", "token-2")
# Each kind's strategies, built once (a strategy built in a rule is built again at every step).
_BY_KIND: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    kind.name: {
        "create": create_requests(
            st.sampled_from(_NAMES), st.sampled_from(_VERSIONS), st.sampled_from(_TOKENS), kind=kind
        ),
        "invalid create": invalid_create_requests(kind),
        "filter": list_filters(st.sampled_from(_NAMES), kind),
        "invalid arn": invalid_arns(kind),
    }
    for kind in KINDS.values()
}


class ComprehendStateMachine(RuleBasedStateMachine):
    """Drives a :class:`ComprehendService` with every API call and service event.

    Attributes for subclasses: ``service`` (use it as your code's Comprehend client), ``clock`` (a
    :class:`ManualClock`), ``policy``, ``known`` (every ARN created so far, of either kind),
    ``last_request`` (the last create's keyword arguments), ``listed_kind`` (the kind the last
    :meth:`on_list` was of). Class attributes: ``fixed_policy`` (``None`` draws a policy from every
    combination for each run; set a :class:`Policy` to fix it) and ``kinds`` (the resources the run
    creates, classifiers and entity recognizers mixed by default; ``(CLASSIFIER,)`` for classifiers
    only). :meth:`call` calls a kind's operation by action.

    Hooks, called after every step (no-ops here; override to check things):
    ``on_step(action, arn, before=, after=, result=, error=)`` with every known classifier's description
    before and after (``None`` where it does not exist), and ``on_list(filter, pages, error)``.
    Rare outcomes are reported as hypothesis events (see ``--hypothesis-show-statistics``).
    """

    fixed_policy: Policy | None = None
    #: The kinds of resource the run creates and calls (both by default; a user's account can mix them).
    kinds: tuple[ResourceKind, ...] = tuple(KINDS.values())
    arns = Bundle("arns")

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.policy = Policy()
        self.service = ComprehendService(clock=self.clock)
        self.known: list[str] = []
        self.last_request: dict[str, Any] | None = None  # the last create's keyword arguments
        self.listed_kind: ResourceKind = CLASSIFIER  # the kind the last paginated list was of

    # -- hooks -------------------------------------------------------------------------------------

    def make_service(self, policy: Policy) -> ComprehendService:
        """The service the run drives; override to add an admission hook or a quota."""
        return ComprehendService(clock=self.clock, policy=policy)

    def on_step(
        self,
        action: str,
        arn: Any,
        *,
        before: dict[str, dict[str, Any] | None],
        after: dict[str, dict[str, Any] | None],
        result: dict[str, Any] | None,
        error: str | None,
    ) -> None:
        """Called after every call and event (``error``: its AWS code, or ``refused``)."""

    def on_list(self, filter_: dict[str, Any] | None, pages: list[dict[str, Any]], error: str | None) -> None:
        """Called after a paginated list (``pages``: every page returned, in order)."""

    # -- machinery ---------------------------------------------------------------------------------

    def call(self, kind: ResourceKind, action: str, **params: Any) -> Any:
        """Call ``kind``'s operation for ``action`` (``create``, ``describe``, ``list``, ``stop``...)."""
        return getattr(self.service, kind.method(action))(**params)

    def observe(self) -> dict[str, dict[str, Any] | None]:
        """Every known ARN's describe output (None where the resource does not exist)."""
        seen: dict[str, dict[str, Any] | None] = {}
        for arn in self.known:
            kind = kind_of_arn(arn)
            try:
                seen[arn] = self.call(kind, "describe", **{kind.arn_member: arn})[kind.properties]
            except ServiceError:
                seen[arn] = None
        return seen

    def _step(self, action: str, arn: Any, call: Callable[[], Any]) -> tuple[Any, str | None]:
        before = self.observe()
        try:
            result, error = call(), None
        except ServiceError as err:
            result, error = None, err.code
        except InvalidTransitionError:
            result, error = None, "refused"
        created = next(iter(result.values())) if action == "create" and error is None else None
        if created is not None and created not in self.known:
            self.known.append(created)
        after = self.observe()
        self._label(action, arn, before, after, error)
        self.on_step(
            action,
            arn,
            before=before,
            after=after,
            result=result if isinstance(result, dict) else None,
            error=error,
        )
        return result, error

    @staticmethod
    def _label(
        action: str, arn: Any, before: dict[str, Any], after: dict[str, Any], error: str | None
    ) -> None:
        old = (before.get(arn) or {}).get("Status") if isinstance(arn, str) else None
        new = (after.get(arn) or {}).get("Status") if isinstance(arn, str) else None
        if action == "list" and error is not None:
            event(f"forged NextToken refused: {error}")
        elif error is not None:
            event(f"{action}: {error}")
        elif race_lost((str(old), str(new))):
            event(f"race lost: {old} -> {new}")
        elif action == "finish_stop":
            event(f"race won: {old} -> {new}")
        elif action == "stop" and old == new == STOP_REQUEST_STEP[1]:
            event("repeated stop accepted")
        elif action == "delete" and old in _STOPPED:
            event("delete after stop")
        elif action == "create" and old is not None:
            event("create repeated a token")

    # -- rules -------------------------------------------------------------------------------------

    @initialize(policy=st.sampled_from(list(Policy.combinations())))
    def start(self, policy: Policy) -> None:
        self.policy = self.fixed_policy if self.fixed_policy is not None else policy
        self.service = self.make_service(self.policy)

    @rule(target=arns, data=st.data())
    def create(self, data: st.DataObject) -> Any:
        kind = data.draw(st.sampled_from(self.kinds), label="kind")
        request = data.draw(_BY_KIND[kind.name]["create"], label="request")
        version = f"/version/{request['VersionName']}" if "VersionName" in request else ""
        arn = (
            f"arn:aws:comprehend:{self.service.region}:{self.service.account_id}:{kind.name}/"
            f"{request[kind.name_member]}{version}"
        )
        self.last_request = request
        result, error = self._step("create", arn, lambda: self.call(kind, "create", **request))
        return multiple() if error is not None else result[kind.arn_member]

    @rule(data=st.data())
    def create_invalid(self, data: st.DataObject) -> None:
        kind = data.draw(st.sampled_from(self.kinds), label="kind")
        request = data.draw(_BY_KIND[kind.name]["invalid create"], label="request")
        self.last_request = request
        self._step("create", None, lambda: self.call(kind, "create", **request))

    @rule(arn=arns)
    def describe(self, arn: str) -> None:
        kind = kind_of_arn(arn)
        self._step("describe", arn, lambda: self.call(kind, "describe", **{kind.arn_member: arn}))

    @rule(data=st.data(), page_size=st.integers(1, 4))
    def list_all(self, data: st.DataObject, page_size: int) -> None:
        kind = data.draw(st.sampled_from(self.kinds), label="kind")
        filter_ = data.draw(_BY_KIND[kind.name]["filter"], label="filter")
        pages: list[dict[str, Any]] = []
        params: dict[str, Any] = {"MaxResults": page_size}
        if filter_ is not None:
            params["Filter"] = filter_
        error = None
        try:
            while True:
                page = self.call(kind, "list", **params)
                pages.append(page)
                if "NextToken" not in page:
                    break
                params["NextToken"] = page["NextToken"]
        except ServiceError as err:
            error = err.code
        if len(pages) > 1:
            event("list paginated")
        self.listed_kind = kind
        self.on_list(filter_, pages, error)

    @rule(kind=st.sampled_from(tuple(KINDS.values())), token=st.text(min_size=1, max_size=40))
    def list_with_a_forged_token(self, kind: ResourceKind, token: str) -> None:
        self._step("list", None, lambda: self.call(kind, "list", NextToken=token))

    @rule(arn=arns)
    def stop(self, arn: str) -> None:
        kind = kind_of_arn(arn)
        self._step("stop", arn, lambda: self.call(kind, "stop", **{kind.arn_member: arn}))

    @rule(arn=arns)
    def delete(self, arn: str) -> None:
        kind = kind_of_arn(arn)
        self._step("delete", arn, lambda: self.call(kind, "delete", **{kind.arn_member: arn}))

    @rule(action=st.sampled_from(["stop", "delete", "describe"]), data=st.data())
    def call_with_an_invalid_arn(self, action: str, data: st.DataObject) -> None:
        kind = data.draw(st.sampled_from(self.kinds), label="kind")
        arn = data.draw(_BY_KIND[kind.name]["invalid arn"], label="arn")
        self._step(action, arn, lambda: self.call(kind, action, **{kind.arn_member: arn}))

    @rule(
        arn=arns,
        tags=st.lists(
            st.fixed_dictionaries(
                {"Key": st.text(max_size=3) | st.just("aws:x")}, optional={"Value": st.text(max_size=3)}
            ),
            max_size=51,
        ),
        remove=st.lists(st.text(max_size=3), max_size=3),
    )
    def tag_and_untag(self, arn: str, tags: list[dict[str, str]], remove: list[str]) -> None:
        """TagResource, then UntagResource: each does all it says or, refused, nothing."""
        steps: list[tuple[str, Callable[[], Any], Callable[[dict[str, str]], dict[str, str]]]] = [
            (
                "tag",
                lambda: self.service.tag_resource(ResourceArn=arn, Tags=tags),
                lambda old: {**old, **{t["Key"]: t.get("Value", "") for t in tags}},
            ),
            (
                "untag",
                lambda: self.service.untag_resource(ResourceArn=arn, TagKeys=remove),
                lambda old: {k: v for k, v in old.items() if k not in remove},
            ),
        ]
        for action, call, change in steps:
            before = self._tags(arn)
            _, error = self._step(action, arn, call)
            expected = before if error is not None or before is None else change(before)
            assert self._tags(arn) == expected, (action, error)

    def _tags(self, arn: str) -> dict[str, str] | None:
        try:
            listed = self.service.list_tags_for_resource(ResourceArn=arn)["Tags"]
        except ServiceError:
            return None
        return {t["Key"]: t["Value"] for t in listed}

    @rule(arn=arns, data=st.data())
    def progress(self, arn: str, data: st.DataObject) -> None:
        """A service event: mostly one the job can take (so runs go somewhere), sometimes any."""
        exists = arn in self.service.arns()
        possible = [t for t in SERVICE_TRIGGERS if exists and self.service.can_fire(arn, t)]
        anything = not possible or data.draw(st.integers(0, 3), label="any trigger") == 0
        trigger = data.draw(st.sampled_from(SERVICE_TRIGGERS if anything else possible), label="trigger")
        self._step(trigger, arn, lambda: self.service.fire(arn, trigger))

    @rule(seconds=st.integers(0, 7200))
    def wait(self, seconds: int) -> None:
        self.clock.advance(seconds)
