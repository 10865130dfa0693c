"""Listing classifiers and recognizers: the one filter a list call may use, and signed pagination tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .errors import InvalidFilterException
from .job import TrainingJob
from .requests import invalid, timestamp
from .shapes import shapes

__all__ = [
    "DEFAULT_MAX_RESULTS",
    "FILTER_KEYS",
    "MAX_RESULTS",
    "PageTokens",
    "filter_digest",
    "matches",
    "parse_filter",
]

MAX_RESULTS: int = shapes()["MaxResultsInteger"]["max"]  # 500, from botocore's model
DEFAULT_MAX_RESULTS = 100
#: The filter's time criteria; the other two are the status and the resource's name.
_TIME_KEYS = ("SubmitTimeBefore", "SubmitTimeAfter")
FILTER_KEYS = ("Status", "DocumentClassifierName", *_TIME_KEYS)


def parse_filter(
    value: Mapping[str, Any] | None,
    name_member: str = "DocumentClassifierName",
    status_member: str = "Status",
    time_keys: tuple[str, str] = _TIME_KEYS,
) -> tuple[str, Any] | None:
    """The one criterion of a ``Filter`` that passed validation (its name, status and time members are
    ``name_member``, ``status_member`` and ``time_keys``); ``InvalidFilterException`` for a filter that
    names more than one, or a time botocore would not send."""
    if value is None:
        return None
    keys = (status_member, name_member, *time_keys)
    given = [k for k in keys if value.get(k) is not None]
    if len(given) > 1:
        raise InvalidFilterException(
            f"Filter may use at most one of {', '.join(keys)}; got {', '.join(given)}"
        )
    if not given:
        return None
    key, raw = given[0], value[given[0]]
    if key in (status_member, name_member):
        return key, raw
    return key, timestamp(raw, key)


def matches(job: TrainingJob, request: Mapping[str, Any], criterion: tuple[str, Any] | None) -> bool:
    if criterion is None:
        return True
    key, value = criterion
    if key == "Status":
        return job.state == str(value)
    if key not in _TIME_KEYS:  # the resource's name
        return str(request[key]) == str(value)
    submitted: datetime = job.submit_time
    moment: datetime = value
    return submitted < moment if key == "SubmitTimeBefore" else submitted > moment


def filter_digest(criterion: tuple[str, Any] | None) -> str:
    if criterion is None:
        text = ""
    else:
        key, value = criterion
        text = f"{key}={value.isoformat() if isinstance(value, datetime) else value}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class PageTokens:
    """``NextToken`` values signed with ``key``, so that a token is accepted only by the service that
    issued it, and only for the filter it was issued for."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def make(self, after: int, digest: str) -> str:
        """A token for the page after sequence number ``after`` of the listing ``digest`` names."""
        payload = base64.urlsafe_b64encode(json.dumps([after, digest]).encode()).decode()
        signature = hmac.new(self.key, payload.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{payload}.{signature}"

    def read(self, token: Any, digest: str) -> int:
        """The sequence number a token continues after; ``InvalidRequestException`` for a token this
        service did not issue, or one issued for another filter."""
        if not isinstance(token, str) or not token:
            raise invalid("NextToken must be a non-empty string returned by an earlier list call")
        payload, _, signature = token.partition(".")
        expected = hmac.new(self.key, payload.encode(), hashlib.sha256).hexdigest()[:32]
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            raise invalid("NextToken is not a token this service issued; pass the NextToken of the last page")
        after, token_digest = json.loads(base64.urlsafe_b64decode(payload))
        if token_digest != digest:
            raise invalid("NextToken was issued for a different Filter; list again from the first page")
        return int(after)
