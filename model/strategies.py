"""Hypothesis strategies and a reusable stateful test for code that talks to Comprehend.

Needs the ``hypothesis`` extra (``pip install 'stoprace[hypothesis]'``); ``import model`` does not.

Strategies: :func:`names`, :func:`valid_arns`, :func:`invalid_arns`, :func:`create_requests`,
:func:`invalid_create_requests`, :func:`list_filters` and :func:`service_events`; for the jobs that
process text, :func:`job_start_requests`.

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

from collections.abc import Callable
from typing import Any

try:
    from hypothesis import event
    from hypothesis import strategies as st
    from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, multiple, rule
except ImportError as err:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "stoprace.model.strategies needs hypothesis: pip install 'stoprace[hypothesis]'"
    ) from err

from .analysis import JOB_RACE_LOST_STEPS, edges_for
from .analysis_kinds import ANALYSIS_KINDS, TextKind
from .clock import ManualClock
from .errors import InvalidTransitionError, ServiceError
from .kinds import CLASSIFIER, KINDS, ResourceKind, kind_of_arn
from .lifecycle import EDGES, SERVICE_TRIGGERS, STOP_REQUEST_STEP, Actor, race_lost
from .policy import JobPolicy, Policy
from .service import ComprehendService
from .strategies_data import (
    create_requests,
    invalid_arns,
    invalid_create_requests,
    job_start_requests,
    list_filters,
    names,
    service_events,
    valid_arns,
)

__all__ = [
    "ComprehendStateMachine",
    "create_requests",
    "invalid_arns",
    "invalid_create_requests",
    "job_start_requests",
    "list_filters",
    "names",
    "service_events",
    "valid_arns",
]

#: Where a stop that takes effect leaves a job (for the statistics' labels).
_STOPPED = frozenset(e.dest for e in EDGES if e.trigger == "finish_stop")


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
    #: The analysis jobs the run starts beside them (all seven by default; ``()`` for none), and the
    #: :class:`JobPolicy` they run under (``None`` draws one for each run).
    job_kinds: tuple[TextKind, ...] = tuple(ANALYSIS_KINDS.values())
    fixed_job_policy: JobPolicy | None = None
    arns = Bundle("arns")
    jobs = Bundle("jobs")

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.policy = Policy()
        self.service = ComprehendService(clock=self.clock)
        self.known: list[str] = []
        self.job_kind: dict[str, TextKind] = {}  # every analysis job started so far, by JobId
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

    def on_job_step(
        self,
        action: str,
        job_id: Any,
        *,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        answer: dict[str, Any] | None,
        error: str | None,
    ) -> None:
        """Called after every call and event on an analysis job, with its describe before and after."""

    # -- machinery ---------------------------------------------------------------------------------

    def call(self, kind: ResourceKind, action: str, **params: Any) -> Any:
        """Call ``kind``'s operation for ``action`` (``create``, ``describe``, ``list``, ``stop``...)."""
        return kind.call(self.service, action, **params)

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

    @initialize(
        policy=st.sampled_from(list(Policy.combinations())),
        job_policy=st.sampled_from(list(JobPolicy.combinations())),
    )
    def start(self, policy: Policy, job_policy: JobPolicy) -> None:
        self.policy = self.fixed_policy if self.fixed_policy is not None else policy
        self.service = self.make_service(self.policy)
        self.service.job_policy = self.fixed_job_policy if self.fixed_job_policy is not None else job_policy

    # -- the analysis jobs -----------------------------------------------------------------------

    def _job(self, job_id: str) -> dict[str, Any] | None:
        kind = self.job_kind.get(job_id)
        if kind is None:
            return None
        props: dict[str, Any] = kind.call(self.service, "describe", job_id)[kind.properties]
        return props

    def _job_step(self, action: str, job_id: Any, call: Callable[[], Any]) -> Any:
        before = self._job(job_id) if isinstance(job_id, str) else None
        try:
            answer, error = call(), None
        except ServiceError as err:
            answer, error = None, err.code
        except InvalidTransitionError:
            answer, error = None, "refused"
        if action == "create" and error is None:
            job_id = answer["JobId"]
        after = self._job(job_id) if isinstance(job_id, str) else None
        if (
            before is not None
            and after is not None
            and (before["JobStatus"], after["JobStatus"]) in (JOB_RACE_LOST_STEPS)
        ):
            event(f"race lost: {before['JobStatus']} -> {after['JobStatus']}")
        self.on_job_step(action, job_id, before=before, after=after, answer=answer, error=error)
        return answer, error

    @rule(target=jobs, data=st.data())
    def start_job(self, data: st.DataObject) -> Any:
        if not self.job_kinds:
            return multiple()
        kind = data.draw(st.sampled_from(self.job_kinds), label="job kind")
        request = kind.example_request(
            data.draw(names(), label="job name"), "arn:aws:iam::123456789012:role/jobs"
        )
        if data.draw(st.booleans(), label="with a token"):
            request[kind.token_member] = data.draw(st.sampled_from(["t1", "t2"]), label="token")

        def start() -> dict[str, Any]:
            answer = kind.call(self.service, "create", **request)
            self.job_kind[answer["JobId"]] = kind
            return answer

        answer, error = self._job_step("create", None, start)
        return multiple() if error is not None else answer["JobId"]

    @rule(job_id=jobs)
    def stop_job(self, job_id: str) -> None:
        kind = self.job_kind[job_id]
        self._job_step("stop", job_id, lambda: kind.call(self.service, "stop", job_id))

    @rule(job_id=jobs, data=st.data())
    def progress_job(self, job_id: str, data: st.DataObject) -> None:
        """A service event on an analysis job: mostly one it can take, sometimes any."""
        edges = edges_for(self.job_kind[job_id].statuses)
        triggers = tuple(dict.fromkeys(e.trigger for e in edges if e.actor is Actor.SERVICE))
        possible = [t for t in triggers if self.service.can_fire(job_id, t)]
        anything = not possible or data.draw(st.integers(0, 3), label="any job trigger") == 0
        trigger = data.draw(st.sampled_from(triggers if anything else possible), label="trigger")
        self._job_step(trigger, job_id, lambda: self.service.fire(job_id, trigger))

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
