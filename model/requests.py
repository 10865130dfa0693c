"""Checking a request's parameters as the service does: names, types, lengths and patterns, with a
message that names the parameter and what is allowed (``InvalidRequestException`` unless AWS answers
another error)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .arn import ArnError, validate_name
from .errors import (
    InvalidFilterException,
    InvalidRequestException,
    TooManyTagsException,
    UnsupportedLanguageException,
)

__all__ = [
    "CLASSIFIER_LANGUAGES", "DATA_FORMATS", "LANGUAGE_CODES", "MAX_TAGS", "MODES", "check_create",
    "check_input", "check_keys", "check_optional", "check_tags", "choice", "invalid", "mapping", "s3_uri",
    "string", "string_list", "timestamp",
]

# botocore's LanguageCode enum, and the languages custom classification supports.
LANGUAGE_CODES = ("en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW")
CLASSIFIER_LANGUAGES = ("en", "es", "fr", "de", "it", "pt")
MODES = ("MULTI_CLASS", "MULTI_LABEL")
DATA_FORMATS = ("COMPREHEND_CSV", "AUGMENTED_MANIFEST")
MAX_TAGS = 50

_ROLE_ARN = re.compile(r"arn:aws(-[^:]+)?:iam::[0-9]{12}:role/.+")
_S3_URI = re.compile(r"s3://[a-z0-9][\.\-a-z0-9]{1,61}[a-z0-9](/.*)?")
_TOKEN = re.compile(r"[a-zA-Z0-9-]+")
_VPC_ID = re.compile(r"[-0-9a-zA-Z]+")
_ATTRIBUTE_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*")
_LABEL_DELIMITERS = " ~!@#$%^*-_+=|\\:;\t>?/"
_LABEL_DELIMITER = re.compile(r"[ ~!@#$%^*\-_+=|\\:;\t>?/]")
_POLICY_TEXT = re.compile(r"[\t\n\r\x20-\xff]+")
DOCUMENT_TYPES = ("PLAIN_TEXT_DOCUMENT", "SEMI_STRUCTURED_DOCUMENT")
_CREATE_REQUIRED = ("DocumentClassifierName", "DataAccessRoleArn", "InputDataConfig", "LanguageCode")
_CREATE_OPTIONAL = (
    "VersionName", "Tags", "OutputDataConfig", "ClientRequestToken", "VolumeKmsKeyId", "VpcConfig",
    "Mode", "ModelKmsKeyId", "ModelPolicy",
)
_INPUT_KEYS = (
    "DataFormat", "S3Uri", "TestS3Uri", "LabelDelimiter", "AugmentedManifests", "DocumentType",
    "Documents", "DocumentReaderConfig",
)
_OUTPUT_KEYS = ("S3Uri", "KmsKeyId", "FlywheelStatsS3Prefix")


def invalid(message: str) -> InvalidRequestException:
    return InvalidRequestException(message)


def check_keys(
    params: Mapping[str, Any], required: tuple[str, ...], optional: tuple[str, ...], where: str
) -> None:
    missing = [k for k in required if k not in params]
    if missing:
        raise invalid(f"{where} is missing required parameter(s): {', '.join(missing)}")
    allowed = (*required, *optional)
    unknown = sorted(k for k in params if k not in allowed)
    if unknown:
        raise invalid(
            f"{where} got unknown parameter(s): {', '.join(map(str, unknown))}; "
            f"allowed: {', '.join(allowed)}"
        )


def string(value: Any, field: str, *, low: int = 0, high: int | None = None) -> str:
    if not isinstance(value, str):
        raise invalid(f"{field} must be a string, not {type(value).__name__}")
    if len(value) < low or (high is not None and len(value) > high):
        limit = f"{low} to {high}" if high is not None else f"at least {low}"
        raise invalid(f"{field} must be {limit} characters long, got {len(value)}")
    return value


def choice(value: Any, field: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise invalid(f"{field} must be one of {', '.join(choices)}; got {value!r}")
    return value


def mapping(value: Any, field: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise invalid(f"{field} must be a structure (dict), not {type(value).__name__}")
    unknown = sorted(str(k) for k in value if k not in keys)
    if unknown:
        raise invalid(f"{field} has unknown member(s) {', '.join(unknown)}; allowed: {', '.join(keys)}")
    return value


def s3_uri(value: Any, field: str) -> str:
    text = string(value, field, high=1024)
    if _S3_URI.fullmatch(text) is None:
        raise invalid(f"{field} {text!r} is not an S3 URI of the form s3://bucket/key")
    return text


def string_list(value: Any, field: str, low: int, high: int) -> None:
    if not isinstance(value, list) or not low <= len(value) <= high:
        raise invalid(f"{field} must be a list of {low} to {high} strings")
    for i, item in enumerate(value):
        string(item, f"{field}[{i}]", low=1, high=32)


def timestamp(value: Any, field: str) -> datetime:
    """A filter time as botocore accepts it: a datetime (naive means UTC), epoch seconds, or ISO 8601."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    elif isinstance(value, str):
        try:
            return timestamp(datetime.fromisoformat(value), field)
        except ValueError:
            pass
    raise InvalidFilterException(
        f"Filter.{field} must be a datetime, epoch seconds or an ISO 8601 string; got {value!r}"
    )


def check_create(params: Mapping[str, Any]) -> tuple[str, str | None]:
    """Check a ``CreateDocumentClassifier`` request; return its name and version."""
    check_keys(params, _CREATE_REQUIRED, _CREATE_OPTIONAL, "CreateDocumentClassifier")
    try:
        name = validate_name(params["DocumentClassifierName"], "DocumentClassifierName")
        version = params.get("VersionName")
        if version is not None:
            validate_name(version, "VersionName")
    except ArnError as err:
        raise invalid(str(err)) from None
    role = string(params["DataAccessRoleArn"], "DataAccessRoleArn", low=20, high=2048)
    if _ROLE_ARN.fullmatch(role) is None:
        raise invalid(f"DataAccessRoleArn {role!r} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
    check_input(params["InputDataConfig"])
    language = choice(params["LanguageCode"], "LanguageCode", LANGUAGE_CODES)
    if language not in CLASSIFIER_LANGUAGES:
        raise UnsupportedLanguageException(
            f"LanguageCode {language!r} is not supported for custom classification; "
            f"supported: {', '.join(CLASSIFIER_LANGUAGES)}"
        )
    check_optional(params)
    return name, version


def check_optional(params: Mapping[str, Any]) -> None:
    if "Mode" in params:
        choice(params["Mode"], "Mode", MODES)
    if "OutputDataConfig" in params:
        output = mapping(params["OutputDataConfig"], "OutputDataConfig", _OUTPUT_KEYS)
        if "S3Uri" in output:
            s3_uri(output["S3Uri"], "OutputDataConfig.S3Uri")
        if "KmsKeyId" in output:
            ascii_text(output["KmsKeyId"], "OutputDataConfig.KmsKeyId", 2048)
        if "FlywheelStatsS3Prefix" in output:
            s3_uri(output["FlywheelStatsS3Prefix"], "OutputDataConfig.FlywheelStatsS3Prefix")
    for key in ("VolumeKmsKeyId", "ModelKmsKeyId"):
        if key in params:
            ascii_text(params[key], key, 2048)
    if "ModelPolicy" in params:
        policy_text = string(params["ModelPolicy"], "ModelPolicy", low=1, high=20000)
        if _POLICY_TEXT.fullmatch(policy_text) is None:
            raise invalid("ModelPolicy may hold tabs, line breaks and characters from U+0020 to U+00FF only")
    if "VpcConfig" in params:
        vpc = mapping(params["VpcConfig"], "VpcConfig", ("SecurityGroupIds", "Subnets"))
        check_keys(vpc, ("SecurityGroupIds", "Subnets"), (), "VpcConfig")
        for key, most in (("SecurityGroupIds", 5), ("Subnets", 16)):
            string_list(vpc[key], f"VpcConfig.{key}", 1, most)
            for i, item in enumerate(vpc[key]):
                if _VPC_ID.fullmatch(item) is None:
                    raise invalid(f"VpcConfig.{key}[{i}] {item!r} may hold letters, digits and hyphens only")
    if "Tags" in params:
        check_tags(params["Tags"])
    token = params.get("ClientRequestToken")
    if token is not None:
        string(token, "ClientRequestToken", low=1, high=64)
        if _TOKEN.fullmatch(token) is None:
            raise invalid("ClientRequestToken may hold only letters, digits and hyphens")

def check_input(value: Any) -> None:
    config = mapping(value, "InputDataConfig", _INPUT_KEYS)
    data_format = choice(config.get("DataFormat", "COMPREHEND_CSV"), "InputDataConfig.DataFormat",
                          DATA_FORMATS)
    if data_format == "COMPREHEND_CSV" and "S3Uri" not in config:
        raise invalid("InputDataConfig.S3Uri is required when DataFormat is COMPREHEND_CSV")
    if data_format == "AUGMENTED_MANIFEST" and not config.get("AugmentedManifests"):
        raise invalid(
            "InputDataConfig.AugmentedManifests is required when DataFormat is AUGMENTED_MANIFEST"
        )
    for key in ("S3Uri", "TestS3Uri"):
        if key in config:
            s3_uri(config[key], f"InputDataConfig.{key}")
    if "LabelDelimiter" in config:
        string(config["LabelDelimiter"], "InputDataConfig.LabelDelimiter", low=1, high=1)
        if _LABEL_DELIMITER.fullmatch(config["LabelDelimiter"]) is None:
            raise invalid(f"InputDataConfig.LabelDelimiter must be one of {_LABEL_DELIMITERS!r}")
    if "AugmentedManifests" in config:
        manifests = config["AugmentedManifests"]
        if not isinstance(manifests, list):
            raise invalid("InputDataConfig.AugmentedManifests must be a list")
        for i, manifest in enumerate(manifests):
            _check_manifest(manifest, f"InputDataConfig.AugmentedManifests[{i}]")
    if "DocumentType" in config:
        choice(config["DocumentType"], "InputDataConfig.DocumentType", DOCUMENT_TYPES)
    if "Documents" in config:
        documents = mapping(config["Documents"], "InputDataConfig.Documents", ("S3Uri", "TestS3Uri"))
        check_keys(documents, ("S3Uri",), ("TestS3Uri",), "InputDataConfig.Documents")
        for key in documents:
            s3_uri(documents[key], f"InputDataConfig.Documents.{key}")
    if "DocumentReaderConfig" in config:
        _check_reader(config["DocumentReaderConfig"])


def _check_manifest(value: Any, where: str) -> None:
    keys = ("S3Uri", "Split", "AttributeNames", "AnnotationDataS3Uri", "SourceDocumentsS3Uri", "DocumentType")
    manifest = mapping(value, where, keys)
    check_keys(manifest, ("S3Uri", "AttributeNames"), keys[1:2] + keys[3:], where)
    for key in ("S3Uri", "AnnotationDataS3Uri", "SourceDocumentsS3Uri"):
        if key in manifest:
            s3_uri(manifest[key], f"{where}.{key}")
    if "Split" in manifest:
        choice(manifest["Split"], f"{where}.Split", ("TRAIN", "TEST"))
    if "DocumentType" in manifest:
        choice(manifest["DocumentType"], f"{where}.DocumentType", DOCUMENT_TYPES)
    names = manifest["AttributeNames"]
    if not isinstance(names, list):
        raise invalid(f"{where}.AttributeNames must be a list of strings")
    for i, name in enumerate(names):
        text = string(name, f"{where}.AttributeNames[{i}]", low=1, high=63)
        if _ATTRIBUTE_NAME.fullmatch(text) is None:
            raise invalid(f"{where}.AttributeNames[{i}] {text!r} may hold letters, digits and inner hyphens")


def _check_reader(value: Any) -> None:
    where = "InputDataConfig.DocumentReaderConfig"
    reader = mapping(value, where, ("DocumentReadAction", "DocumentReadMode", "FeatureTypes"))
    check_keys(reader, ("DocumentReadAction",), ("DocumentReadMode", "FeatureTypes"), where)
    choice(reader["DocumentReadAction"], f"{where}.DocumentReadAction",
           ("TEXTRACT_DETECT_DOCUMENT_TEXT", "TEXTRACT_ANALYZE_DOCUMENT"))
    if "DocumentReadMode" in reader:
        choice(reader["DocumentReadMode"], f"{where}.DocumentReadMode",
               ("SERVICE_DEFAULT", "FORCE_DOCUMENT_READ_ACTION"))
    if "FeatureTypes" in reader:
        features = reader["FeatureTypes"]
        if not isinstance(features, list) or not 1 <= len(features) <= 2:
            raise invalid(f"{where}.FeatureTypes must be a list of 1 or 2 of TABLES, FORMS")
        for i, feature in enumerate(features):
            choice(feature, f"{where}.FeatureTypes[{i}]", ("TABLES", "FORMS"))


def ascii_text(value: Any, field: str, high: int) -> str:
    """A non-empty ASCII string of at most ``high`` characters (botocore's KMS key id pattern)."""
    text = string(value, field, low=1, high=high)
    if not text.isascii():
        raise invalid(f"{field} must be ASCII text")
    return text

def check_tags(value: Any) -> None:
    if not isinstance(value, list):
        raise invalid(f"Tags must be a list of {{'Key': ..., 'Value': ...}}, not {type(value).__name__}")
    keys: set[str] = set()
    for i, item in enumerate(value):
        tag = mapping(item, f"Tags[{i}]", ("Key", "Value"))
        check_keys(tag, ("Key",), ("Value",), f"Tags[{i}]")
        key = string(tag["Key"], f"Tags[{i}].Key", low=1, high=128)
        if "Value" in tag:
            string(tag["Value"], f"Tags[{i}].Value", high=256)
        if key in keys:
            raise invalid(f"Tags[{i}].Key {key!r} appears twice")
        keys.add(key)
    if len(value) > MAX_TAGS:
        raise TooManyTagsException(f"{len(value)} tags given; a classifier can have at most {MAX_TAGS}")
