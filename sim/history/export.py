"""What AWS would have given for a simulated fleet's jobs (``stoprace fleet --export-history DIR``): the
files ``stoprace fit`` reads, to check a fit against the distributions that made the history.

Written into DIR:

- ``list-document-classifiers-NNN.json``: the output of ``aws comprehend list-document-classifiers``,
  100 classifiers a page, ``NextToken`` on every page but the last, times as the CLI prints them;
- ``lookup-events-NNN.json``: the output of ``aws cloudtrail lookup-events`` for the Comprehend calls,
  newest first, 50 events a page, each record a JSON string in ``CloudTrailEvent``;
- ``AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHMMZ_ID.json.gz``: the
  same records as CloudTrail delivers them to S3, one gzip file an hour.

The records are the creates and every stop attempt, throttled or failed ones included (with their
``errorCode``); CloudTrail's ``eventTime`` has whole seconds, as AWS's has.
"""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from stoprace.model import EPOCH, parse_arn
from stoprace.model.kinds import CLASSIFIER, KINDS, method_name

from .read import parameter_name

__all__ = ["HistoryRecorder"]

_PAGE, _EVENTS_PAGE = 100, 50
_USER = {
    "type": "AssumedRole",
    "principalId": "AROAEXAMPLEPIPELINE:training-pipeline",
    "arn": "arn:aws:sts::{account}:assumed-role/training-pipeline/run",
    "accountId": "{account}",
}


class HistoryRecorder:
    """Collects each finished job's describe output and its API calls; :meth:`write` writes the files."""

    def __init__(
        self, seed: int, account: str, region: str, botocore: str, resource: str = CLASSIFIER.name
    ) -> None:
        self.rng = np.random.default_rng([seed, 20230613])  # ids only: not one of the simulation's streams
        self.account, self.region, self.botocore = account, region, botocore
        self.kind = KINDS[resource]
        self.classifiers: list[tuple[int, dict[str, Any]]] = []
        self.calls: list[tuple[float, str, str, str | None, dict[str, Any]]] = []

    def add(self, index: int, props: Mapping[str, Any], stop_calls: list[tuple[float, str | None]]) -> None:
        """Job ``index``'s describe output, and the times and error codes of its stop calls."""
        self.classifiers.append((index, dict(props)))
        kind = self.kind
        arn = props[kind.arn_member]
        submit = (props["SubmitTime"] - EPOCH).total_seconds()
        request = {  # CloudTrail's requestParameters: the request's members, first letter in lower case
            parameter_name(kind.name_member): parse_arn(arn).name,
            "dataAccessRoleArn": props["DataAccessRoleArn"],
            "inputDataConfig": _lowered(kind.example_input(parse_arn(arn).name)),
            "languageCode": "en",
        }
        self.calls.append((submit, kind.operations["create"], arn, None, request))
        for moment, code in stop_calls:
            stop = {parameter_name(kind.arn_member): arn}
            self.calls.append((moment, kind.operations["stop"], arn, code, stop))

    def write(self, directory: Path) -> list[Path]:
        """Write the files into ``directory`` (made if missing); return their paths."""
        directory.mkdir(parents=True, exist_ok=True)
        written = self._write_lists(directory)
        records = [self._record(*call) for call in sorted(self.calls, key=lambda c: c[0])]
        written += self._write_lookup(directory, records)
        written += self._write_logs(directory, records)
        return written

    def _write_lists(self, directory: Path) -> list[Path]:
        ordered = [props for _, props in sorted(self.classifiers, key=lambda c: c[0])]
        listed, name = self.kind.properties_list, self.kind.operations["list"]
        written = []
        for page, start in enumerate(range(0, max(len(ordered), 1), _PAGE), start=1):
            body: dict[str, Any] = {listed: ordered[start : start + _PAGE]}
            if start + _PAGE < len(ordered):
                body["NextToken"] = self._token()
            written.append(_dump(directory / f"{_dashed(name)}-{page:03d}.json", body))
        return written

    def _write_lookup(self, directory: Path, records: list[dict[str, Any]]) -> list[Path]:
        newest_first = records[::-1]
        written = []
        for page, start in enumerate(range(0, max(len(newest_first), 1), _EVENTS_PAGE), start=1):
            events = [_event(r) for r in newest_first[start : start + _EVENTS_PAGE]]
            body: dict[str, Any] = {"Events": events}
            if start + _EVENTS_PAGE < len(newest_first):
                body["NextToken"] = self._token()
            written.append(_dump(directory / f"lookup-events-{page:03d}.json", body))
        return written

    def _write_logs(self, directory: Path, records: list[dict[str, Any]]) -> list[Path]:
        hours: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            hours.setdefault(record["eventTime"][:13], []).append(record)
        written = []
        for hour, batch in hours.items():
            moment = datetime.fromisoformat(hour + ":00:00+00:00")
            day = moment.strftime("%Y/%m/%d")
            folder = directory / "AWSLogs" / self.account / "CloudTrail" / self.region / day
            folder.mkdir(parents=True, exist_ok=True)
            name = (
                f"{self.account}_CloudTrail_{self.region}_{moment:%Y%m%dT%H%M}Z_"
                f"{self._id().replace('-', '')[:16]}.json.gz"
            )
            path = folder / name
            with gzip.GzipFile(path, "wb", mtime=0) as out:  # mtime 0: the same bytes for the same seed
                out.write(json.dumps({"Records": batch}).encode())
            written.append(path)
        return written

    def _record(
        self, moment: float, name: str, arn: str, code: str | None, request: dict[str, Any]
    ) -> dict[str, Any]:
        when = (EPOCH + timedelta(seconds=moment)).strftime("%Y-%m-%dT%H:%M:%SZ")  # whole seconds
        created = name.startswith("Create") and not code
        record: dict[str, Any] = {
            "eventVersion": "1.09",
            "userIdentity": {k: v.format(account=self.account) for k, v in _USER.items()},
            "eventTime": when,
            "eventSource": "comprehend.amazonaws.com",
            "eventName": name,
            "awsRegion": self.region,
            "sourceIPAddress": "203.0.113.7",
            "userAgent": f"Boto3/1.35.0 md/Botocore#{self.botocore} ua/2.0 os/linux lang/python#3.11",
            "requestParameters": request,
            "responseElements": {parameter_name(self.kind.arn_member): arn} if created else None,
            "requestID": self._id(),
            "eventID": self._id(),
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": self.account,
            "eventCategory": "Management",
        }
        if code:
            record["errorCode"] = code
            throttled = code == "TooManyRequestsException"
            record["errorMessage"] = "Rate exceeded" if throttled else "Internal error"
        return record

    def _id(self) -> str:
        return str(uuid.UUID(bytes=self.rng.bytes(16), version=4))

    def _token(self) -> str:
        return self.rng.bytes(48).hex()


def _lowered(value: Any) -> Any:
    """A request's members as CloudTrail records them, first letters in lower case at every depth."""
    if isinstance(value, Mapping):
        return {parameter_name(k): _lowered(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lowered(v) for v in value]
    return value


def _dashed(operation: str) -> str:
    """``ListEntityRecognizers`` -> ``list-entity-recognizers``, the AWS CLI's command."""
    return method_name(operation).replace("_", "-")


def _event(record: dict[str, Any]) -> dict[str, Any]:
    response = record["responseElements"] or {}
    kind = next(k for k in KINDS.values() if record["eventName"] in k.operations.values())
    member = parameter_name(kind.arn_member)
    arn = record["requestParameters"].get(member) or response.get(member)
    return {
        "EventId": record["eventID"],
        "EventName": record["eventName"],
        "ReadOnly": "false",
        "AccessKeyId": "ASIAEXAMPLEPIPELINE",
        "EventTime": record["eventTime"].replace("Z", "+00:00"),
        "EventSource": record["eventSource"],
        "Username": "training-pipeline",
        "Resources": [{"ResourceType": f"AWS::Comprehend::{_camel(kind.name)}", "ResourceName": arn or ""}],
        "CloudTrailEvent": json.dumps(record),
    }


def _camel(resource: str) -> str:
    """A resource's type as CloudTrail names it: ``entity-recognizer`` -> ``EntityRecognizer``."""
    return "".join(part.capitalize() for part in resource.split("-"))


def _dump(path: Path, body: Any) -> Path:
    path.write_text(json.dumps(body, indent=4, default=_time) + "\n")
    return path


def _time(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")  # as the AWS CLI prints times
    raise TypeError(f"cannot write {type(value).__name__}")
