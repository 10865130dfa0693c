"""The jobs that process text, as data: what each of the seven Comprehend analysis jobs and Translate's
batch translation job is to the API, and what its work costs.

They share one lifecycle (:mod:`stoprace.model.analysis`) and differ in their operations' names, their
properties' members, their required inputs (checked from botocore's shapes), the name of the submission
time, their client token's name, and how their work is billed (evidence: ``analysis-job-records``,
``analysis-pricing``). Written here once, as a :class:`TextKind`; the service, the bridge and the
simulators read it.

>>> SENTIMENT.operations["stop"], TRANSLATION.properties
('StopSentimentDetectionJob', 'TextTranslationJobProperties')
>>> SENTIMENT.units(250), SENTIMENT.units(1001), TRANSLATION.units(250)
(3, 11, 250)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .analysis import COMPREHEND_JOB_STATES, JOB_STATES

__all__ = ["ANALYSIS_KINDS", "SENTIMENT", "TEXT_KINDS", "TRANSLATION", "TextKind", "text_kind_named"]

#: The actions of a text job, and the verbs of its operations' names ("create" is the start).
ACTIONS = ("create", "describe", "list", "stop")


@dataclass(frozen=True, repr=False)
class TextKind:
    """One kind of job that processes text (see the module's documentation). Its work is billed in
    units of ``unit_chars`` characters with ``min_units`` a document, at ``price_per_unit`` USD."""

    name: str  # as in its ARN: sentiment-detection-job
    noun: str  # in messages: sentiment detection job
    service: str  # the boto3 client's service: comprehend or translate
    operation_noun: str  # SentimentDetectionJob
    abbreviation: str  # in its output folder: ACCOUNT-ABBREVIATION-JOBID
    order: tuple[str, ...]  # the properties' members, in botocore's order
    example: Mapping[str, Any]  # the members of a valid start request besides name, role and data
    statuses: tuple[str, ...] = COMPREHEND_JOB_STATES
    submit_member: str = "SubmitTime"
    filter_times: tuple[str, str] = ("SubmitTimeBefore", "SubmitTimeAfter")
    token_member: str = "ClientRequestToken"
    not_found: str = "JobNotFoundException"
    unit_chars: int = 100
    min_units: int = 3
    price_per_unit: float = 0.0001
    arn_member: str = field(default="JobId", init=False)
    name_member: str = field(default="JobName", init=False)
    status_member: str = field(default="JobStatus", init=False)

    def __repr__(self) -> str:
        return f"TextKind({self.name!r})"

    @property
    def operations(self) -> dict[str, str]:
        """The operations by action: ``{"create": "StartSentimentDetectionJob", ...}``."""
        noun = self.operation_noun
        return {
            "create": f"Start{noun}",
            "describe": f"Describe{noun}",
            "list": f"List{noun}s",
            "stop": f"Stop{noun}",
        }

    @property
    def properties(self) -> str:
        return f"{self.operation_noun}Properties"

    @property
    def properties_list(self) -> str:
        return f"{self.operation_noun}PropertiesList"

    @property
    def has_arn(self) -> bool:
        """Whether the job has an ARN (Comprehend's do; Translate reports none)."""
        return "JobArn" in self.order

    def method(self, action: str) -> str:
        """The service's (and boto3's) method for ``action``: ``stop_sentiment_detection_job``."""
        from .kinds import method_name  # noqa: PLC0415 - kinds imports nothing of this family

        return method_name(self.operations[action])

    def call(self, client: Any, action: str, job_id: str | None = None, **params: Any) -> dict[str, Any]:
        """Call this kind's operation for ``action`` through ``client`` (a model service or a boto3
        client), on job ``job_id`` when given."""
        if job_id is not None:
            params["JobId"] = job_id
        answer: dict[str, Any] = getattr(client, self.method(action))(**params)
        return answer

    def example_request(self, name: str, role: str) -> dict[str, Any]:
        """A valid start request for a job called ``name`` with the data access role ``role``."""
        return {
            "JobName": name,
            "DataAccessRoleArn": role,
            "InputDataConfig": {"S3Uri": f"s3://text-data/{name}/", "InputFormat": "ONE_DOC_PER_FILE"}
            if self.service == "comprehend"
            else {"S3Uri": f"s3://text-data/{name}/", "ContentType": "text/plain"},
            "OutputDataConfig": {"S3Uri": f"s3://text-results/{name}/"},
            **self.example,
        }

    def units(self, characters: int) -> int:
        """The billed units of one document of ``characters`` characters."""
        return max(self.min_units, math.ceil(characters / self.unit_chars))


_DETECTION_ORDER = (
    "JobId",
    "JobArn",
    "JobName",
    "JobStatus",
    "Message",
    "SubmitTime",
    "EndTime",
    "InputDataConfig",
    "OutputDataConfig",
    "LanguageCode",
    "DataAccessRoleArn",
    "VolumeKmsKeyId",
    "VpcConfig",
)
_EN = {"LanguageCode": "en"}


def _detection(name: str, noun: str, abbreviation: str, example: Mapping[str, Any], **order: Any) -> TextKind:
    words = name.removesuffix("-detection-job").split("-")
    return TextKind(
        name=name,
        noun=noun,
        service="comprehend",
        operation_noun="".join(w.capitalize() for w in words) + "DetectionJob",
        abbreviation=abbreviation,
        order=order.get("order", _DETECTION_ORDER),
        example=example,
    )


SENTIMENT = _detection("sentiment-detection-job", "sentiment detection job", "SENTIMENT", _EN)
ENTITIES = _detection(
    "entities-detection-job",
    "entities detection job",
    "NER",
    _EN,
    order=(*_DETECTION_ORDER[:7], "EntityRecognizerArn", *_DETECTION_ORDER[7:], "FlywheelArn"),
)
KEY_PHRASES = _detection("key-phrases-detection-job", "key phrases detection job", "KP", _EN)
DOMINANT_LANGUAGE = _detection(
    "dominant-language-detection-job",
    "dominant language detection job",
    "LANGUAGE",
    {},
    order=tuple(m for m in _DETECTION_ORDER if m != "LanguageCode"),
)
TARGETED_SENTIMENT = _detection(
    "targeted-sentiment-detection-job", "targeted sentiment detection job", "TS", _EN
)
PII_ENTITIES = _detection(
    "pii-entities-detection-job",
    "PII entities detection job",
    "PII",
    {**_EN, "Mode": "ONLY_OFFSETS"},
    order=(*_DETECTION_ORDER[:9], "RedactionConfig", "LanguageCode", "DataAccessRoleArn", "Mode"),
)
EVENTS = _detection(
    "events-detection-job",
    "events detection job",
    "EVENTS",
    {**_EN, "TargetEventTypes": ["BANKRUPTCY"]},
    order=(*_DETECTION_ORDER[:11], "TargetEventTypes"),
)
TRANSLATION = TextKind(
    name="text-translation-job",
    noun="text translation job",
    service="translate",
    operation_noun="TextTranslationJob",
    abbreviation="TranslateText",
    order=(
        "JobId",
        "JobName",
        "JobStatus",
        "JobDetails",
        "SourceLanguageCode",
        "TargetLanguageCodes",
        "TerminologyNames",
        "ParallelDataNames",
        "Message",
        "SubmittedTime",
        "EndTime",
        "InputDataConfig",
        "OutputDataConfig",
        "DataAccessRoleArn",
        "Settings",
    ),
    example={"SourceLanguageCode": "en", "TargetLanguageCodes": ["fr"]},
    statuses=JOB_STATES,
    submit_member="SubmittedTime",
    filter_times=("SubmittedBeforeTime", "SubmittedAfterTime"),
    token_member="ClientToken",
    not_found="ResourceNotFoundException",
    unit_chars=1,
    min_units=0,
    price_per_unit=15e-6,
)

#: The seven Comprehend analysis jobs, by the name in their ARNs.
ANALYSIS_KINDS: dict[str, TextKind] = {
    k.name: k
    for k in (SENTIMENT, ENTITIES, KEY_PHRASES, DOMINANT_LANGUAGE, TARGETED_SENTIMENT, PII_ENTITIES, EVENTS)
}
#: Every kind of job that processes text.
TEXT_KINDS: dict[str, TextKind] = {**ANALYSIS_KINDS, TRANSLATION.name: TRANSLATION}


def text_kind_named(name: str) -> TextKind:
    """The kind called ``name``; ``ValueError`` naming the kinds there are."""
    if name not in TEXT_KINDS:
        raise ValueError(f"no job kind {name!r}; kinds: {', '.join(TEXT_KINDS)}")
    return TEXT_KINDS[name]
