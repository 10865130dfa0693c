"""What the service's logic refuses in a request that passed validation (:mod:`stoprace.model.validation`):
the members a data format needs, a language custom classification does not support, a tag key given
twice, too many tags; and filter times as botocore sends them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .errors import (
    InvalidFilterException,
    InvalidRequestException,
    TooManyTagsException,
    UnsupportedLanguageException,
)
from .numbers import is_number

__all__ = [
    "CLASSIFIER_LANGUAGES",
    "MAX_TAGS",
    "check_create",
    "check_input",
    "check_tags",
    "invalid",
    "timestamp",
]

#: The languages custom classification supports (botocore's LanguageCode enum has more).
CLASSIFIER_LANGUAGES = ("en", "es", "fr", "de", "it", "pt")
MAX_TAGS = 50


def invalid(message: str) -> InvalidRequestException:
    return InvalidRequestException(message)


def timestamp(value: Any, field: str) -> datetime:
    """A filter time as botocore accepts it: a datetime (naive means UTC), epoch seconds, or ISO 8601."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if is_number(value):
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
    """What the service's logic refuses in a ``CreateDocumentClassifier`` request that passed
    validation; return its name and version."""
    check_input(params["InputDataConfig"])
    language = params["LanguageCode"]
    if language not in CLASSIFIER_LANGUAGES:
        raise UnsupportedLanguageException(
            f"LanguageCode {language!r} is not supported for custom classification; "
            f"supported: {', '.join(CLASSIFIER_LANGUAGES)}"
        )
    if "Tags" in params:
        check_tags(params["Tags"])
    return params["DocumentClassifierName"], params.get("VersionName")


def check_input(config: Mapping[str, Any]) -> None:
    """The members an input's data format needs (the service model cannot say so)."""
    data_format = config.get("DataFormat", "COMPREHEND_CSV")
    if data_format == "COMPREHEND_CSV" and "S3Uri" not in config:
        raise invalid("InputDataConfig.S3Uri is required when DataFormat is COMPREHEND_CSV")
    if data_format == "AUGMENTED_MANIFEST" and not config.get("AugmentedManifests"):
        raise invalid("InputDataConfig.AugmentedManifests is required when DataFormat is AUGMENTED_MANIFEST")


def check_tags(tags: list[Mapping[str, Any]]) -> None:
    """Tags of a request that passed validation: each key once, at most :data:`MAX_TAGS`."""
    keys: set[str] = set()
    for i, tag in enumerate(tags):
        if tag["Key"] in keys:
            raise invalid(f"Tags[{i}].Key {tag['Key']!r} appears twice")
        keys.add(tag["Key"])
    if len(tags) > MAX_TAGS:
        raise TooManyTagsException(f"{len(tags)} tags given; a classifier can have at most {MAX_TAGS}")
