"""The resources that train, as data: what a document classifier and an entity recognizer are to the API.

Both train through the same lifecycle (the eight ``ModelStatus`` values, the same timestamps, the same
stop that answers ``{}`` and the same race; evidence: ``entity-recognizers``), so they share the edge
table. What differs is written here once, as a :class:`ResourceKind`: the name in its ARN, its
operations, the members of its requests, properties and metadata, the languages it trains in, and what
a trained one reports. The service, the validator, the listing and the responses read it; nothing else
asks which kind it has.

>>> RECOGNIZER.operations["stop"], RECOGNIZER.arn_member
('StopTrainingEntityRecognizer', 'EntityRecognizerArn')
>>> kind_of_arn("arn:aws:comprehend:us-east-1:111122223333:entity-recognizer/people").name
'entity-recognizer'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from .numbers import is_number, is_whole
from .requests import check_input, check_recognizer_input

__all__ = ["CLASSIFIER", "KINDS", "RECOGNIZER", "ResourceKind", "kind_named", "kind_of_arn", "method_name"]

#: The actions every training resource has, and the verbs of their operations' names.
ACTIONS = ("create", "describe", "list", "summaries", "stop", "delete")


@dataclass(frozen=True, repr=False)
class ResourceKind:
    """One kind of resource that trains (see the module's documentation).

    ``metrics`` and ``metric_range`` are the ``EvaluationMetrics`` members and the range AWS reports them
    in (a classifier's from 0 to 1, a recognizer's in percent); ``default_metadata(request)`` is what a
    trained resource reports when whoever finished its training gave no figures."""

    name: str  # as in its ARN: document-classifier
    noun: str  # in messages: classifier
    task: str  # what it is trained for, as AWS names it: custom classification
    operations: Mapping[str, str]  # action -> API operation
    arn_member: str
    name_member: str
    properties: str  # describe's member
    properties_list: str
    summaries_list: str
    metadata_member: str
    order: tuple[str, ...]  # the properties' members, in botocore's order
    echoed: tuple[str, ...]  # request members describe echoes
    filled: Mapping[str, Any]  # members the service fills in when the request left them out
    metadata_keys: tuple[str, ...]
    metrics: tuple[str, ...]
    metric_range: tuple[float, float]
    default_metadata: Callable[[Mapping[str, Any]], dict[str, Any]]
    inputs: Callable[[Mapping[str, Any]], None]  # what the service refuses in an InputDataConfig
    example_input: Callable[[str], dict[str, Any]]  # a valid InputDataConfig for training data NAME
    choices: Mapping[str, tuple[str, ...]]  # optional request members with an enum: their values
    #: The simulators' default distributions of a job's course (specs; the sources are in the docs'
    #: evidence): time queued, billed training, and the finalization after it.
    timings: Mapping[str, str]
    #: The race's default stop times (START:END:STEP seconds), around its training time, and the fleet's
    #: default deadline after submission (halfway through a typical training).
    stop_range: str
    stop_after: float

    def __repr__(self) -> str:
        return f"ResourceKind({self.name!r})"

    def method(self, action: str) -> str:
        """The service's (and boto3's) method for ``action``: ``stop_training_entity_recognizer``."""
        return method_name(self.operations[action])

    def call(self, client: Any, action: str, arn: str | None = None, **params: Any) -> dict[str, Any]:
        """Call this kind's operation for ``action`` through ``client`` (a
        :class:`~stoprace.model.ComprehendService` or a boto3 client), on the resource ``arn`` when given:
        ``RECOGNIZER.call(service, "stop", arn)`` is ``service.stop_training_entity_recognizer(
        EntityRecognizerArn=arn)``."""
        if arn is not None:
            params[self.arn_member] = arn
        answer: dict[str, Any] = getattr(client, self.method(action))(**params)
        return answer

    def example_request(self, name: str, role: str) -> dict[str, Any]:
        """A valid create request for a resource called ``name`` with the data access role ``role``: in
        English, on :attr:`example_input`'s training data for ``name``."""
        return {
            self.name_member: name,
            "DataAccessRoleArn": role,
            "InputDataConfig": self.example_input(name),
            "LanguageCode": "en",
        }

    def metadata(self, request: Mapping[str, Any], given: Any = None) -> dict[str, Any]:
        """The metadata a trained resource reports: ``given`` (from ``fire(..., metadata=...)``), checked
        against botocore's shape and completed from :attr:`default_metadata`; ``ValueError`` naming what is
        wrong."""
        merged = self.default_metadata(request)
        if given is None:
            return merged
        if not isinstance(given, Mapping):
            raise ValueError(
                f"metadata must be a dict of {', '.join(self.metadata_keys)}, not {type(given).__name__}"
            )
        unknown = sorted(str(k) for k in given if k not in self.metadata_keys)
        if unknown:
            raise ValueError(
                f"metadata has unknown member(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(self.metadata_keys)}"
            )
        for key, value in given.items():
            if key == "EvaluationMetrics":
                merged[key].update(self._metrics(value, "EvaluationMetrics"))
            elif key == "EntityTypes":
                merged[key] = self._entity_types(value)
            elif not is_whole(value) or value < 0:
                raise ValueError(f"metadata {key} must be a whole number of at least 0, got {value!r}")
            else:
                merged[key] = value
        return merged

    def _metrics(self, value: Any, where: str) -> dict[str, float]:
        low, high = self.metric_range
        if not isinstance(value, Mapping) or any(k not in self.metrics for k in value):
            raise ValueError(f"metadata {where} must be a dict of {', '.join(self.metrics)}")
        for key, number in value.items():
            if not is_number(number) or not low <= number <= high:
                raise ValueError(
                    f"metadata {where} {key} must be a number from {low:g} to {high:g}, got {number!r}"
                )
        return {k: float(v) for k, v in value.items()}

    def _entity_types(self, value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(t, Mapping) and "Type" in t for t in value):
            raise ValueError("metadata EntityTypes must be a list of dicts with a Type")
        found = []
        for i, item in enumerate(value):
            unknown = sorted(
                str(k) for k in item if k not in ("Type", "EvaluationMetrics", "NumberOfTrainMentions")
            )
            if unknown:
                raise ValueError(f"metadata EntityTypes[{i}] has unknown member(s) {', '.join(unknown)}")
            entry: dict[str, Any] = {"Type": str(item["Type"])}
            if "EvaluationMetrics" in item:
                entry["EvaluationMetrics"] = self._metrics(item["EvaluationMetrics"], f"EntityTypes[{i}]")
            if "NumberOfTrainMentions" in item:
                mentions = item["NumberOfTrainMentions"]
                if not is_whole(mentions) or mentions < 0:
                    raise ValueError(
                        f"metadata EntityTypes[{i}] NumberOfTrainMentions must be a whole number >= 0"
                    )
                entry["NumberOfTrainMentions"] = mentions
            found.append(entry)
        return found


def json_copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (mappings, lists, scalars), several times cheaper than
    ``copy.deepcopy``: what a response hands out must not be the record's own."""
    if isinstance(value, str | int | float) or value is None:  # the most common, checked first
        return value
    if isinstance(value, dict | Mapping):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    return value


def _operations(noun: str) -> dict[str, str]:
    """The operations of the resource ``noun`` (``EntityRecognizer``), by action."""
    return {
        "create": f"Create{noun}",
        "describe": f"Describe{noun}",
        "list": f"List{noun}s",
        "summaries": f"List{noun}Summaries",
        "stop": f"StopTraining{noun}",
        "delete": f"Delete{noun}",
    }


#: What a trained classifier reports when whoever finished its training gave no figures: the AWS CLI's
#: recorded ``list-document-classifiers`` output (a 3-label classifier; evidence: ``recorded-outputs``).
_CLASSIFIER_METADATA: Mapping[str, Any] = {
    "NumberOfLabels": 3,
    "NumberOfTrainedDocuments": 5016,
    "NumberOfTestDocuments": 557,
    "EvaluationMetrics": {
        "Accuracy": 0.9856,
        "Precision": 0.9919,
        "Recall": 0.9459,
        "F1Score": 0.9673,
        "MicroPrecision": 0.9856,
        "MicroRecall": 0.9856,
        "MicroF1Score": 0.9856,
        "HammingLoss": 0.0144,
    },
}

#: A trained recognizer's figures from the AWS CLI's recorded ``list-entity-recognizers`` output (its
#: one-type recognizer; metrics in percent), given to every entity type the request named (evidence:
#: ``entity-recognizers``).
_RECOGNIZER_FIGURES = {
    "NumberOfTrainedDocuments": 4616,
    "NumberOfTestDocuments": 3489,
    "EvaluationMetrics": {"Precision": 98.54227405247813, "Recall": 100.0, "F1Score": 99.26578560939794},
    "NumberOfTrainMentions": 2764,
}


def _recognizer_metadata(request: Mapping[str, Any]) -> dict[str, Any]:
    figures = _RECOGNIZER_FIGURES
    types = [t["Type"] for t in request.get("InputDataConfig", {}).get("EntityTypes", [])]
    return {
        "NumberOfTrainedDocuments": figures["NumberOfTrainedDocuments"],
        "NumberOfTestDocuments": figures["NumberOfTestDocuments"],
        "EvaluationMetrics": dict(figures["EvaluationMetrics"]),  # type: ignore[call-overload]
        "EntityTypes": [
            {
                "Type": name,
                "EvaluationMetrics": dict(figures["EvaluationMetrics"]),  # type: ignore[call-overload]
                "NumberOfTrainMentions": figures["NumberOfTrainMentions"],
            }
            for name in types
        ],
    }


CLASSIFIER = ResourceKind(
    name="document-classifier",
    noun="classifier",
    task="custom classification",
    operations=_operations("DocumentClassifier"),
    arn_member="DocumentClassifierArn",
    name_member="DocumentClassifierName",
    properties="DocumentClassifierProperties",
    properties_list="DocumentClassifierPropertiesList",
    summaries_list="DocumentClassifierSummariesList",
    metadata_member="ClassifierMetadata",
    order=(
        "DocumentClassifierArn",
        "LanguageCode",
        "Status",
        "Message",
        "SubmitTime",
        "EndTime",
        "TrainingStartTime",
        "TrainingEndTime",
        "InputDataConfig",
        "OutputDataConfig",
        "ClassifierMetadata",
        "DataAccessRoleArn",
        "VolumeKmsKeyId",
        "VpcConfig",
        "Mode",
        "ModelKmsKeyId",
        "VersionName",
        "SourceModelArn",  # set by ImportModel and flywheels, which the model does not have
        "FlywheelArn",
    ),
    echoed=(
        "InputDataConfig",
        "OutputDataConfig",
        "DataAccessRoleArn",
        "VolumeKmsKeyId",
        "VpcConfig",
        "Mode",
        "ModelKmsKeyId",
        "VersionName",
    ),
    filled={"InputDataConfig.DataFormat": "COMPREHEND_CSV", "OutputDataConfig": {}, "Mode": "MULTI_CLASS"},
    metadata_keys=(
        "NumberOfLabels",
        "NumberOfTrainedDocuments",
        "NumberOfTestDocuments",
        "EvaluationMetrics",
    ),
    metrics=tuple(_CLASSIFIER_METADATA["EvaluationMetrics"]),
    metric_range=(0.0, 1.0),
    default_metadata=lambda _request: json_copy(_CLASSIFIER_METADATA),
    inputs=check_input,
    example_input=lambda name: {"S3Uri": f"s3://training-data/{name}.csv"},
    choices={"Mode": ("MULTI_CLASS", "MULTI_LABEL")},
    # training-times (an hour's median, 40 to 80 minutes in the middle); finalization as recorded.
    timings={
        "queue_delay": "exponential:mean=120",
        "training_duration": "lognormal:median=3600,sigma=0.35",
        "finalization": "fixed:65",
    },
    stop_range="600:7200:600",
    stop_after=1800.0,
)

RECOGNIZER = ResourceKind(
    name="entity-recognizer",
    noun="entity recognizer",
    task="custom entity recognition",
    operations=_operations("EntityRecognizer"),
    arn_member="EntityRecognizerArn",
    name_member="RecognizerName",
    properties="EntityRecognizerProperties",
    properties_list="EntityRecognizerPropertiesList",
    summaries_list="EntityRecognizerSummariesList",
    metadata_member="RecognizerMetadata",
    order=(
        "EntityRecognizerArn",
        "LanguageCode",
        "Status",
        "Message",
        "SubmitTime",
        "EndTime",
        "TrainingStartTime",
        "TrainingEndTime",
        "InputDataConfig",
        "RecognizerMetadata",
        "DataAccessRoleArn",
        "VolumeKmsKeyId",
        "VpcConfig",
        "ModelKmsKeyId",
        "VersionName",
        "SourceModelArn",
        "FlywheelArn",
        "OutputDataConfig",
    ),
    echoed=(
        "InputDataConfig",
        "DataAccessRoleArn",
        "VolumeKmsKeyId",
        "VpcConfig",
        "ModelKmsKeyId",
        "VersionName",
    ),
    filled={
        "InputDataConfig.DataFormat": "COMPREHEND_CSV",
        "InputDataConfig.Documents.InputFormat": "ONE_DOC_PER_LINE",
    },
    metadata_keys=("NumberOfTrainedDocuments", "NumberOfTestDocuments", "EvaluationMetrics", "EntityTypes"),
    metrics=("Precision", "Recall", "F1Score"),
    metric_range=(0.0, 100.0),
    default_metadata=_recognizer_metadata,
    inputs=check_recognizer_input,
    example_input=lambda name: {
        "EntityTypes": [{"Type": "DEVICE"}, {"Type": "ENGINEER"}],
        "Documents": {"S3Uri": f"s3://training-data/{name}/documents.txt"},
        "EntityList": {"S3Uri": f"s3://training-data/{name}/entities.csv"},
    },
    choices={},
    # entity-recognizers: the AWS CLI's two recorded recognizers queued 233 and 223 s, trained (billed)
    # 559 and 689 s, and ended 68 and 71 s after training; the means, the geometric mean and the spread
    # the classifier's default assumes.
    timings={
        "queue_delay": "exponential:mean=228",
        "training_duration": "lognormal:median=620,sigma=0.35",
        "finalization": "fixed:70",
    },
    stop_range="60:1200:60",
    stop_after=480.0,
)

#: Every kind by the name in its ARN.
KINDS: dict[str, ResourceKind] = {kind.name: kind for kind in (CLASSIFIER, RECOGNIZER)}


@cache
def method_name(operation: str) -> str:
    """An API operation's method name, as botocore makes it: ``CreateEntityRecognizer`` ->
    ``create_entity_recognizer``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def kind_named(name: str) -> ResourceKind:
    """The kind called ``name`` (as in its ARN); ``ValueError`` naming the kinds there are."""
    if name not in KINDS:
        raise ValueError(f"no resource kind {name!r}; kinds: {', '.join(KINDS)}")
    return KINDS[name]


def kind_of_arn(arn: str) -> ResourceKind:
    """The kind whose ARNs ``arn`` is shaped like (the resource type after the account); ``ValueError``
    for an ARN of neither."""
    resource = arn.split(":", 5)[-1].partition("/")[0] if arn.count(":") >= 5 else ""
    return kind_named(resource)
