"""The Autopilot: a model service that progresses by itself, from a race scenario, in virtual time.

The model has no clock or randomness of its own (``model/``); this is what gives a bridged service
both. Each job created through the service gets a course from :func:`stoprace.sim.jobs.draw_courses` (queue
delay, provisioning, training, finalization, how it ends) and each stop it accepts a stop latency; the
events fall due as the service's :class:`~stoprace.model.ManualClock` passes them and are fired in time order
(ties in the rank order of :data:`stoprace.sim.draws.EVENTS`); events the policy lacks are dropped. The
Autopilot learns of creates, stops and deletes from the service's observers, so it works whoever calls
the service.

:func:`attach` puts such a service behind a real boto3 Comprehend client (``stoprace.model.bridge``)::

    client = boto3.client("comprehend", region_name="us-east-1")
    bridge = attach(client, ComprehendService(clock=ManualClock()), RaceScenario())
    ...  # the code under test uses client; bridge.sleep(seconds) moves time on
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np

from stoprace.model import ManualClock
from stoprace.model.analysis_kinds import TEXT_KINDS
from stoprace.model.bridge import Bridge
from stoprace.model.bridge import attach as attach_bridge
from stoprace.model.kinds import KINDS
from stoprace.model.observers import ApiCall, StateChange
from stoprace.model.service import ServiceCore

from .draws import END, EVENTS
from .jobs import END_TRIGGERS, QUANTITIES, draw_courses
from .scenario import RaceScenario
from .text.engines import EVENTS as TEXT_EVENTS
from .text.scenario import TextScenario

__all__ = ["Autopilot", "attach"]

# Ranks of the events at one instant (the tie rule of stoprace.sim.draws), and of a delete's completion.
_RANK = {event: rank for rank, event in enumerate(EVENTS)}
#: The create operation of each kind of resource that trains, and its kind.
_CREATES = {kind.operations["create"]: kind for kind in KINDS.values()}
_DELETE = len(EVENTS)
#: The start operation of each kind of job that processes text, and the ranks of its events at one instant.
_STARTS = {kind.operations["create"]: kind for kind in TEXT_KINDS.values()}
_TEXT_RANK = {event: rank for rank, event in enumerate(TEXT_EVENTS)}


class Autopilot:
    """Drives ``service``'s own progress from ``scenario`` as its :class:`ManualClock` moves.

    ``scenario``'s ``stop_at`` and ``replications`` are not used: the code under test decides when to
    stop. ``seed`` defaults to the scenario's. ``text`` drives the jobs that process text (their queue,
    documents, rate, stop latency and cycle; :class:`~stoprace.sim.text.scenario.TextScenario`'s defaults
    unless given). Call :meth:`catch_up` to fire the events due by now (the bridge does before answering
    each request).
    """

    def __init__(
        self,
        service: ServiceCore,
        scenario: RaceScenario,
        seed: int | None = None,
        text: TextScenario | None = None,
    ) -> None:
        if not isinstance(service.clock, ManualClock):
            raise TypeError("the autopilot needs a service whose clock is a stoprace.model.ManualClock")
        if text is not None and not isinstance(text, TextScenario):
            raise TypeError(
                f"text must be a stoprace.sim.text.scenario.TextScenario, not {type(text).__name__}"
            )
        self.service, self.scenario, self.clock = service, scenario, service.clock
        self.text = text if text is not None else TextScenario()
        self.rng = np.random.default_rng(scenario.seed if seed is None else seed)
        self._seen: set[str] = set()
        self._submitted: dict[str, float] = {}  # the text jobs, by JobId: when each was submitted
        service.on_call(self._called)
        service.on_change(self._changed)

    def _at(self, when: float, rank: int, arn: str, trigger: str) -> None:
        self.clock.call_at(when, partial(self._fire, arn, trigger), rank=rank)

    def _fire(self, arn: str, trigger: str) -> None:
        if arn not in self.service.arns() or not self.service.can_fire(arn, trigger):
            return
        details = self._messages.get(trigger)
        self.service.fire(arn, trigger, **({"message": details} if details is not None else {}))

    @property
    def _messages(self) -> dict[str, str]:
        return {
            "finish_training_with_warning": self.scenario.warning_message,
            "fail_training": self.scenario.failure_message,
        }

    def _called(self, call: ApiCall) -> None:
        kind = _CREATES.get(call.operation)
        if call.error is None and kind is not None and call.response:
            self.created(call.response[kind.arn_member])
        if call.error is None and call.operation in _STARTS and call.response:
            self.started(call.response["JobId"])

    def _changed(self, change: StateChange) -> None:
        if change.trigger == "stop" and change.arn in self._submitted:
            self.stopped_text(change.arn)
        elif change.trigger == "stop":
            self.stopped(change.arn)
        elif change.trigger == "delete":
            self.deleted(change.arn)

    def created(self, arn: str) -> None:
        """Schedule a new job's training events (once per ARN: a repeated create with the same token is
        the same job)."""
        if arn in self._seen:
            return
        self._seen.add(arn)
        course = draw_courses(self.scenario, dict.fromkeys(QUANTITIES, self.rng), 1)
        end = END_TRIGGERS[int(course.end_trigger[0])]
        when = self.clock.elapsed
        phases = (course.queue, course.provisioning, course.training, course.finalization)
        for rank, seconds in enumerate(phases):
            when += float(seconds[0])
            self._at(when, rank, arn, end if rank == END else EVENTS[rank])

    def _tick(self, job_id: str, when: float) -> float:
        """``when`` moved to the service's next tick after the job's submission (the text cycle)."""
        cycle, submitted = self.text.cycle, self._submitted[job_id]
        if cycle is None:
            return when
        return submitted + math.ceil((when - submitted) / cycle - 1e-12) * cycle

    def started(self, job_id: str) -> None:
        """Schedule a new text job's processing: it starts after its queue delay and completes when its
        documents are done (once per job: a repeated start with the same token is the same job)."""
        if job_id in self._submitted:
            return
        self._submitted[job_id] = self.clock.elapsed
        text = self.text
        queue = float(text.queue_delay.sample(self.rng, 1)[0])
        sizes = np.maximum(np.ceil(text.document_size.sample(self.rng, text.documents)), 1)
        start = self._tick(job_id, self.clock.elapsed + queue)
        self._at(start, _TEXT_RANK["start_processing"], job_id, "start_processing")
        finish = self._tick(job_id, start + float(sizes.sum()) / text.rate)
        self._at(finish, _TEXT_RANK["finish_processing"], job_id, "finish_processing")

    def stopped_text(self, job_id: str) -> None:
        """Schedule the effect of an accepted stop of a text job."""
        latency = float(self.text.stop_latency.sample(self.rng, 1)[0])
        when = self._tick(job_id, self.clock.elapsed + latency)
        self._at(when, _TEXT_RANK["finish_stop"], job_id, "finish_stop")

    def stopped(self, arn: str) -> None:
        """Schedule the effect of an accepted stop."""
        latency = float(self.scenario.stop_latency.sample(self.rng, 1)[0])
        self._at(self.clock.elapsed + latency, _RANK["finish_stop"], arn, "finish_stop")

    def deleted(self, arn: str) -> None:
        """A delete completes at once (the next call no longer finds the resource)."""
        self._at(self.clock.elapsed, _DELETE, arn, "finish_delete")

    def catch_up(self) -> None:
        """Fire every event due by now (the clock does as it moves; this is for a clock moved by
        hand before the Autopilot was attached)."""
        self.clock.run_due()


def attach(
    client: Any,
    service: ServiceCore,
    scenario: RaceScenario,
    *,
    seed: int | None = None,
    text: TextScenario | None = None,
) -> Bridge:
    """Answer every call of the boto3 Comprehend (or Translate) ``client`` from ``service``, which an
    :class:`Autopilot` drives from ``scenario`` (and ``text``, for the jobs that process text) as virtual
    time passes (``service`` needs a :class:`~stoprace.model.ManualClock`). Without a scenario, use
    :func:`stoprace.model.bridge.attach`."""
    autopilot = Autopilot(service, scenario, seed, text)
    return attach_bridge(client, service, before_request=autopilot.catch_up)
