"""Reading an account's history as AWS hands it out (evidence: ``history-listing``, ``cloudtrail-records``).

Each file's kind is detected from its content (gzip or not):

- ``aws comprehend list-document-classifiers`` output (``DocumentClassifierPropertiesList``, one page a
  file, as many files as pages) and ``describe-document-classifier`` output
  (``DocumentClassifierProperties``): the jobs;
- ``aws cloudtrail lookup-events`` output (``Events``, each record a JSON string in ``CloudTrailEvent``)
  and CloudTrail log files (``Records``): the stop calls. A stop is the first successful
  ``StopTrainingDocumentClassifier`` call for an ARN; a failed one (``errorCode``, throttling say) is
  counted, not taken.

The jobs that process text are read the same way: their list and describe output
(``SentimentDetectionJobPropertiesList``, ``TextTranslationJobProperties``...; a job is its ``JobId``, its
status its ``JobStatus``) and their stop calls (``StopSentimentDetectionJob``, and Translate's
``StopTextTranslationJob`` from ``translate.amazonaws.com``).

Records of other resources or events are skipped and counted; a job seen in several files is merged
(the record furthest along its lifecycle wins); a malformed record is refused with its file and
position, and nothing is kept from a history that has one.

>>> import json, pathlib, tempfile
>>> page = {"DocumentClassifierPropertiesList": [{
...     "DocumentClassifierArn": "arn:aws:comprehend:us-east-1:111122223333:document-classifier/a",
...     "Status": "TRAINED", "SubmitTime": "2023-06-13T19:04:15.735000+00:00",
...     "TrainingStartTime": "2023-06-13T19:10:02.1+00:00", "TrainingEndTime": 1686688502.5,
...     "EndTime": "2023-06-13T20:36:10Z"}]}
>>> path = pathlib.Path(tempfile.mkdtemp()) / "page.json"
>>> _ = path.write_text(json.dumps(page))
>>> history = read_history([path])
>>> job = history.jobs["arn:aws:comprehend:us-east-1:111122223333:document-classifier/a"]
>>> job.status, round(job.training_start - job.submit, 3)
('TRAINED', 346.365)
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stoprace.model.analysis import JOB_FINISHED, JOB_STOP_REQUEST_STEP
from stoprace.model.analysis_kinds import TEXT_KINDS
from stoprace.model.family import family_of
from stoprace.model.kinds import CLASSIFIER, KINDS, ResourceKind
from stoprace.model.numbers import is_number
from stoprace.model.statuses import FINISHED_ORDER, Status
from stoprace.sim.files import open_regular, parse_json

__all__ = ["MAX_BYTES", "History", "HistoryError", "Job", "read_history"]

#: The most bytes a history file may hold (after gunzipping).
MAX_BYTES = 256 * 2**20
#: The stop operations CloudTrail records, and the kind each stops: the resources that train, and the
#: jobs that process text (whose stops name a ``jobId``; Translate's come from its own service).
_ALL: list[Any] = [*KINDS.values(), *TEXT_KINDS.values()]
_STOPS: dict[str, Any] = {kind.operations["stop"]: kind for kind in _ALL}
_SOURCES = {"comprehend": "comprehend.amazonaws.com", "translate": "translate.amazonaws.com"}
_TIMES = ("SubmitTime", "TrainingStartTime", "TrainingEndTime", "EndTime")
# How far along its lifecycle a status is: a later record of a job replaces an earlier one.
_PROGRESS = {
    s.value: i
    for i, s in enumerate(
        (Status.SUBMITTED, Status.TRAINING, Status.STOP_REQUESTED, *FINISHED_ORDER, Status.DELETING)
    )
}
# A text job's statuses in the same order: working, stop requested, then its finished ones.
_PROGRESS |= {JOB_STOP_REQUEST_STEP[0]: 1} | {s.value: 3 for s in JOB_FINISHED if s.value not in _PROGRESS}


class HistoryError(ValueError):
    """A history file that cannot be read: the message names the file and the record."""


@dataclass(slots=True)
class Job:
    """One classifier as list or describe reported it: status and times (seconds since the epoch)."""

    arn: str
    status: str
    submit: float
    training_start: float | None = None
    training_end: float | None = None
    end: float | None = None
    resource: str = CLASSIFIER.name  # the kind of resource (as in its ARN)


@dataclass(slots=True)
class History:
    """The jobs by ARN, the first accepted stop of each (seconds since the epoch), the failed stop calls
    by error code, what was skipped and why, and the files read."""

    jobs: dict[str, Job] = field(default_factory=dict)
    stops: dict[str, float] = field(default_factory=dict)
    failed_stops: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    files: list[str] = field(default_factory=list)
    has_cloudtrail: bool = False
    events: set[str] = field(default_factory=set)  # CloudTrail eventIDs read (a record in two files)
    resource: str = CLASSIFIER.name  # the kind its jobs are, once narrowed to one (History.of)

    def resources(self) -> Counter[str]:
        """How many jobs of each kind of resource (by the name in its ARN) the history holds."""
        return Counter(job.resource for job in self.jobs.values())

    def of(self, resource: str) -> History:
        """The history of one kind of resource: its jobs and their stops (the rest as read)."""
        jobs = {arn: job for arn, job in self.jobs.items() if job.resource == resource}
        stops = {arn: moment for arn, moment in self.stops.items() if arn in jobs}
        return dataclasses.replace(self, jobs=jobs, stops=stops, resource=resource)


#: The most history files a directory given to :func:`read_history` may hold.
MAX_FILES = 100_000


def read_history(paths: Iterable[Path | str]) -> History:
    """Read every file, and every ``.json`` or ``.json.gz`` file below a directory (as ``stoprace fleet
    --export-history`` or an S3 sync of CloudTrail's ``AWSLogs/`` writes them); a record read twice (a
    lookup-events page and the log file it came from) counts once. ``HistoryError`` (naming the file and
    record) for one that cannot be read."""
    history = History()
    for path in (file for given in map(Path, paths) for file in _files(given)):
        _read_file(path, history)
        history.files.append(str(path))
    return history


def _files(path: Path) -> list[Path]:
    """``path``, or the history files below it in name order."""
    if not path.is_dir():
        return [path]
    found = []
    for file in sorted(path.rglob("*")):
        if file.name.endswith((".json", ".json.gz")) and file.is_file():
            found.append(file)
            if len(found) > MAX_FILES:
                raise HistoryError(f"{path}: more than {MAX_FILES:,} history files; give fewer")
    if not found:
        raise HistoryError(f"{path}: no history files (.json or .json.gz) in this directory or below")
    return found


def _load(path: Path) -> Any:
    try:
        with open_regular(path, "a history file") as raw:
            head = raw.read(2)
            raw.seek(0)
            stream = gzip.open(raw) if head == b"\x1f\x8b" else raw  # noqa: SIM115 - closed with raw
            data = stream.read(MAX_BYTES + 1)  # at most this much, however far the file grows
    except ValueError as err:  # not a regular file
        raise HistoryError(str(err)) from None
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise HistoryError(f"{path}: cannot be read: {getattr(err, 'strerror', None) or err}") from None
    if len(data) > MAX_BYTES:
        raise HistoryError(f"{path}: larger than {MAX_BYTES // 2**20} MiB; split it (one page a file)")
    try:
        return parse_json(data, path, "a history file")
    except ValueError as err:  # not JSON, or nested too deeply
        raise HistoryError(str(err)) from None


def _read_file(path: Path, history: History) -> None:
    data = _load(path)
    listed = next(
        (k for k in KINDS.values() if isinstance(data, Mapping) and k.properties_list in data), None
    )
    described = next((k for k in KINDS.values() if isinstance(data, Mapping) and k.properties in data), None)
    text = next(
        (
            k
            for k in TEXT_KINDS.values()
            if isinstance(data, Mapping) and {k.properties, k.properties_list} & set(data)
        ),
        None,
    )
    if text is not None:
        items = data.get(text.properties_list)
        many = isinstance(items, list)
        for i, item in enumerate(items if many else [data.get(text.properties)]):
            where = f"{path}: {text.properties_list}[{i}]" if many else f"{path}: {text.properties}"
            _add_job(_text_job(item, where, text), history)
    elif listed is not None and isinstance(data[listed.properties_list], list):
        for i, item in enumerate(data[listed.properties_list]):
            _add_job(_job(item, f"{path}: {listed.properties_list}[{i}]", listed), history)
    elif described is not None and isinstance(data[described.properties], Mapping):
        _add_job(_job(data[described.properties], f"{path}: {described.properties}", described), history)
    elif isinstance(data, Mapping) and isinstance(data.get("Events"), list):
        history.has_cloudtrail = True
        for i, event in enumerate(data["Events"]):
            where = f"{path}: Events[{i}]"
            if not isinstance(event, Mapping) or not isinstance(event.get("CloudTrailEvent"), str):
                raise HistoryError(f"{where}: a lookup-events event carries its record in CloudTrailEvent")
            try:
                record = json.loads(event["CloudTrailEvent"])
            except json.JSONDecodeError as err:
                raise HistoryError(f"{where}: CloudTrailEvent is not JSON ({err})") from None
            except RecursionError:
                raise HistoryError(f"{where}: CloudTrailEvent is nested too deeply for a record") from None
            _add_record(record, where, history)
    elif isinstance(data, Mapping) and isinstance(data.get("Records"), list):
        history.has_cloudtrail = True
        for i, record in enumerate(data["Records"]):
            _add_record(record, f"{path}: Records[{i}]", history)
    else:
        raise HistoryError(
            f"{path}: not a history file: expected the JSON of `aws comprehend list-document-classifiers` "
            "(DocumentClassifierPropertiesList), list-entity-recognizers (EntityRecognizerPropertiesList) or "
            "a describe of either, of `aws cloudtrail lookup-events` (Events) or a CloudTrail log file "
            "(Records)"
        )


def _job(item: Any, where: str, kind: ResourceKind = CLASSIFIER) -> Job:
    if not isinstance(item, Mapping):
        raise HistoryError(f"{where}: a {kind.noun}'s properties are an object, not {type(item).__name__}")
    arn, status = item.get(kind.arn_member), item.get("Status")
    if not isinstance(arn, str) or not isinstance(status, str) or status not in _PROGRESS:
        raise HistoryError(f"{where}: needs {kind.arn_member} and a Status of {', '.join(_PROGRESS)}")
    times = {}
    for key in _TIMES:
        if item.get(key) is not None:
            times[key] = _seconds(item[key], f"{where}.{key}")
    if "SubmitTime" not in times:
        raise HistoryError(f"{where}: has no SubmitTime")
    return Job(
        arn,
        status,
        times["SubmitTime"],
        times.get("TrainingStartTime"),
        times.get("TrainingEndTime"),
        times.get("EndTime"),
        kind.name,
    )


def _text_job(item: Any, where: str, kind: Any) -> Job:
    """A job that processes text, as list or describe reported it (its JobId in place of an ARN)."""
    if not isinstance(item, Mapping):
        raise HistoryError(f"{where}: a {kind.noun}'s properties are an object, not {type(item).__name__}")
    job_id, status = item.get("JobId"), item.get("JobStatus")
    if not isinstance(job_id, str) or not isinstance(status, str) or status not in kind.statuses:
        raise HistoryError(f"{where}: needs JobId and a JobStatus of {', '.join(kind.statuses)}")
    if item.get(kind.submit_member) is None:
        raise HistoryError(f"{where}: has no {kind.submit_member}")
    submit = _seconds(item[kind.submit_member], f"{where}.{kind.submit_member}")
    end = _seconds(item["EndTime"], f"{where}.EndTime") if item.get("EndTime") is not None else None
    return Job(job_id, status, submit, None, None, end, kind.name)


def _add_job(job: Job, history: History) -> None:
    earlier = history.jobs.get(job.arn)
    if earlier is not None:
        history.skipped[f"duplicate {family_of(job.resource)[1].noun} record"] += 1
        if _PROGRESS[earlier.status] >= _PROGRESS[job.status]:
            return
    history.jobs[job.arn] = job


def _add_record(record: Any, where: str, history: History) -> None:
    if not isinstance(record, Mapping) or not isinstance(record.get("eventName"), str):
        raise HistoryError(f"{where}: a CloudTrail record is an object with eventName")
    event_id = record.get("eventID")
    if isinstance(event_id, str):
        if event_id in history.events:
            history.skipped["duplicate CloudTrail record"] += 1
            return
        history.events.add(event_id)
    kind = _STOPS.get(record["eventName"])
    if kind is None or record.get("eventSource") != _SOURCES.get(getattr(kind, "service", "comprehend")):
        history.skipped[f"CloudTrail {record.get('eventSource')} {record['eventName']}"] += 1
        return
    stop, member = kind.operations["stop"], kind.arn_member
    parameters = record.get("requestParameters")
    arn = None
    if isinstance(parameters, Mapping):  # JSON APIs' members, first letter in lower case
        arn = parameters.get(parameter_name(member), parameters.get(member))
    if not isinstance(arn, str):
        raise HistoryError(f"{where}: a {stop} record without requestParameters.{parameter_name(member)}")
    if "eventTime" not in record:
        raise HistoryError(f"{where}: a {stop} record without eventTime")
    moment = _seconds(record["eventTime"], f"{where}.eventTime")
    if record.get("errorCode"):
        history.failed_stops[str(record["errorCode"])] += 1
        return
    earlier = history.stops.get(arn)
    if earlier is not None:
        history.skipped["repeated stop (the first accepted one counts)"] += 1
    history.stops[arn] = moment if earlier is None else min(earlier, moment)


def parameter_name(member: str) -> str:
    """A request member as CloudTrail's ``requestParameters`` names it (JSON APIs: first letter in lower
    case): ``EntityRecognizerArn`` -> ``entityRecognizerArn``."""
    return member[0].lower() + member[1:]


def _seconds(value: Any, where: str) -> float:
    """A time as the AWS CLI prints it (ISO 8601 with an offset or Z, any fraction) or as epoch seconds."""
    seconds = math.nan
    if is_number(value):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            with contextlib.suppress(ValueError):
                seconds = float(value)
        else:
            seconds = (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).timestamp()
    if math.isfinite(seconds):
        return seconds
    raise HistoryError(f"{where}: {value!r} is not a time (ISO 8601 or seconds since the epoch)")
