"""The control API under ``/_stoprace/``: what a test does to the server that no client of AWS can.

=======  ===========================  =====================================================================
method   path                         does
=======  ===========================  =====================================================================
GET      ``health``                   ``{"ok": true, "requests": N}``
POST     ``reset``                    forget every job, action and limit; the clock back to its start
GET      ``clock``                    ``{"elapsed": seconds, "now": ISO time}``
POST     ``clock/advance``            ``{"seconds": N}``: move the clock on
POST     ``clock/run-until-final``    ``{"id": JOB, "step": S, "max_seconds": M}``: move it until the job ends
GET      ``jobs``                     every job: account, region, id, status and the statuses it went through
POST     ``schedule``                 an action at a time (``"at"``, or ``"after"`` seconds from now):
                                      ``{"action": "stop", "id": JOB}`` stops the job as a client would;
                                      ``{"action": "fault", "operation": OP, "error": CODE, "count": N}``
                                      makes the next N calls of OP fail with CODE
GET      ``schedule``                 the scheduled actions and what became of them
=======  ===========================  =====================================================================

Every route is an exact path: anything else (``..`` included) is 404. Bad bodies are 400
``ValidationException`` naming what is allowed.
"""

from __future__ import annotations

import json
import math
from typing import Any

from stoprace.model.errors import ERRORS
from stoprace.model.family import FAMILIES
from stoprace.model.shapes import OPERATIONS

from .app import ServerApp, control_error, json_reply
from .wire import Reply

__all__ = ["route", "scheduled"]

_FINISHED = FAMILIES["training"].finished | FAMILIES["text"].finished


class BadControl(ValueError):
    """A control request's body that cannot be used (its message says what is allowed)."""


def route(app: ServerApp, method: str, path: str, body: bytes) -> Reply:
    """The control API's answer to ``method path`` (without the ``/_stoprace/`` prefix)."""
    handlers = {
        ("GET", "health"): lambda: json_reply({"ok": True, "requests": app.requests}),
        ("POST", "reset"): lambda: _reset(app),
        ("GET", "clock"): lambda: json_reply({"elapsed": app.clock.elapsed, "now": app.clock().isoformat()}),
        ("POST", "clock/advance"): lambda: _advance(app, _body(body)),
        ("POST", "clock/run-until-final"): lambda: _run_until_final(app, _body(body)),
        ("GET", "jobs"): lambda: json_reply({"jobs": _jobs(app)}),
        ("POST", "schedule"): lambda: json_reply({"scheduled": app.schedule(scheduled(app, _body(body)))}),
        ("GET", "schedule"): lambda: json_reply({"actions": app.actions}),
    }
    handler = handlers.get((method, path))
    if handler is None:
        return control_error(404, "NotFound", f"no control route {method} /_stoprace/{path}")
    try:
        return handler()
    except BadControl as err:
        return control_error(400, "ValidationException", str(err))


def _body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError):
        raise BadControl("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadControl("the body must be a JSON object")
    return body


def _seconds(
    body: dict[str, Any], name: str, default: float | None = None, *, positive: bool = False
) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadControl(f"{name} must be a finite number of seconds, got {json.dumps(value)}")
    if value < 0 or (positive and value == 0):
        raise BadControl(f"{name} must be {'above' if positive else 'at least'} 0, got {value}")
    return float(value)


def _reset(app: ServerApp) -> Reply:
    app.reset()
    return json_reply({"reset": True})


def _advance(app: ServerApp, body: dict[str, Any]) -> Reply:
    seconds = _seconds(body, "seconds")
    app.advance(seconds)
    return json_reply({"elapsed": app.clock.elapsed})


def _run_until_final(app: ServerApp, body: dict[str, Any]) -> Reply:
    """Advance the clock a ``step`` at a time until job ``id`` has finished, at most ``max_seconds``."""
    handle = body.get("id")
    if not isinstance(handle, str):
        raise BadControl('run-until-final takes {"id": JOB, "step": S, "max_seconds": M}')
    step = _seconds(body, "step", 60.0, positive=True)
    most = _seconds(body, "max_seconds", 7 * 86400.0)
    service = app.find(handle)
    if service is None:
        return control_error(404, "NotFound", f"no job {handle!r}")
    moved = 0.0
    while str(service.status(handle)) not in _FINISHED and moved < most:
        app.clock.advance(min(step, most - moved))
        moved += min(step, most - moved)
        if handle not in service.arns():
            break
    app.record({"to": app.clock.elapsed})
    status = str(service.status(handle)) if handle in service.arns() else None
    return json_reply({"id": handle, "status": status, "finished": status in _FINISHED, "advanced": moved})


def _jobs(app: ServerApp) -> list[dict[str, Any]]:
    found = []
    for (account, region), service in app.services():
        for handle in service.arns():
            path = [str(s) for s in service.path(handle)]
            found.append(
                {"account": account, "region": region, "id": handle, "status": path[-1], "path": path}
            )
    return found


def scheduled(app: ServerApp, body: dict[str, Any]) -> dict[str, Any]:
    """A checked action from a ``POST schedule`` body: ``action``, ``at`` (seconds since the clock's start)
    and the action's members."""
    if "at" in body and "after" in body:
        raise BadControl("give the time as at (since the clock's start) or after (from now), not both")
    at = _seconds(body, "at") if "at" in body else app.clock.elapsed + _seconds(body, "after", 0.0)
    kind = body.get("action")
    if kind == "stop":
        if not isinstance(body.get("id"), str) or app.find(body["id"]) is None:
            raise BadControl(f"a stop needs the id of an existing job, got {json.dumps(body.get('id'))}")
        return {"action": "stop", "at": at, "id": body["id"]}
    if kind == "fault":
        operation, code, count = (
            body.get("operation"),
            body.get("error", "InternalServerException"),
            body.get("count", 1),
        )
        if operation not in OPERATIONS:
            raise BadControl(f"a fault needs an operation, one of: {', '.join(OPERATIONS)}")
        if code not in ERRORS:
            raise BadControl(f"error must be one of: {', '.join(sorted(ERRORS))}; got {json.dumps(code)}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise BadControl(f"count must be a whole number of calls, at least 1; got {json.dumps(count)}")
        return {"action": "fault", "at": at, "operation": operation, "error": code, "count": count}
    raise BadControl(f'action must be "stop" or "fault", got {json.dumps(kind)}')
