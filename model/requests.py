"""What the service's logic refuses in a request that passed validation (:mod:`stoprace.model.validation`):
the members a data format needs, a language custom classification does not support, a tag key given
twice, too many tags; and filter times as botocore sends them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    "MAX_ENTITY_TYPES",
    "MAX_TAGS",
    "check_create",
    "check_input",
    "check_recognizer_input",
    "check_tags",
    "invalid",
    "timestamp",
]

#: The languages custom classification and custom entity recognition support (botocore's LanguageCode
#: enum has more).
CLASSIFIER_LANGUAGES = ("en", "es", "fr", "de", "it", "pt")
MAX_TAGS = 50
#: The most entity types one recognizer is trained on (evidence: ``entity-recognizers``).
MAX_ENTITY_TYPES = 25


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


def check_create(
    params: Mapping[str, Any],
    name_member: str = "DocumentClassifierName",
    inputs: Callable[[Mapping[str, Any]], None] | None = None,
    task: str = "custom classification",
) -> tuple[str, str | None]:
    """What the service's logic refuses in a create request (of a classifier, or of the resource whose
    name is ``name_member`` and whose input ``inputs`` checks) that passed validation; return its name and
    version."""
    (inputs or check_input)(params["InputDataConfig"])
    language = params["LanguageCode"]
    if language not in CLASSIFIER_LANGUAGES:
        raise UnsupportedLanguageException(
            f"LanguageCode {language!r} is not supported for {task}; "
            f"supported: {', '.join(CLASSIFIER_LANGUAGES)}"
        )
    if "Tags" in params:
        check_tags(params["Tags"])
    return params[name_member], params.get("VersionName")


def check_input(config: Mapping[str, Any]) -> None:
    """The members an input's data format needs (the service model cannot say so)."""
    data_format = config.get("DataFormat", "COMPREHEND_CSV")
    if data_format == "COMPREHEND_CSV" and "S3Uri" not in config:
        raise invalid("InputDataConfig.S3Uri is required when DataFormat is COMPREHEND_CSV")
    if data_format == "AUGMENTED_MANIFEST" and not config.get("AugmentedManifests"):
        raise invalid("InputDataConfig.AugmentedManifests is required when DataFormat is AUGMENTED_MANIFEST")


def check_recognizer_input(config: Mapping[str, Any]) -> None:
    """An entity recognizer's input: its entity types, each once and at most :data:`MAX_ENTITY_TYPES`;
    with ``COMPREHEND_CSV`` (the default) the documents and either annotations or an entity list, not
    both; with ``AUGMENTED_MANIFEST`` the manifests."""
    types = [t["Type"] for t in config["EntityTypes"]]
    if len(types) > MAX_ENTITY_TYPES:
        raise invalid(
            f"{len(types)} entity types given; a recognizer is trained on at most {MAX_ENTITY_TYPES}"
        )
    twice = sorted({t for t in types if types.count(t) > 1})
    if twice:
        raise invalid(f"InputDataConfig.EntityTypes names {', '.join(twice)} more than once")
    if config.get("DataFormat", "COMPREHEND_CSV") == "AUGMENTED_MANIFEST":
        if not config.get("AugmentedManifests"):
            raise invalid(
                "InputDataConfig.AugmentedManifests is required when DataFormat is AUGMENTED_MANIFEST"
            )
        return
    if "Documents" not in config:
        raise invalid("InputDataConfig.Documents is required when DataFormat is COMPREHEND_CSV")
    given = [k for k in ("Annotations", "EntityList") if k in config]
    if len(given) != 1:
        raise invalid(
            "InputDataConfig needs Annotations or an EntityList (one of them) when DataFormat is "
            f"COMPREHEND_CSV; got {', '.join(given) or 'neither'}"
        )


def check_tags(tags: list[Mapping[str, Any]]) -> None:
    """Tags of a request that passed validation: each key once, at most :data:`MAX_TAGS`."""
    keys: set[str] = set()
    for i, tag in enumerate(tags):
        if tag["Key"] in keys:
            raise invalid(f"Tags[{i}].Key {tag['Key']!r} appears twice")
        keys.add(tag["Key"])
    if len(tags) > MAX_TAGS:
        raise TooManyTagsException(f"{len(tags)} tags given; a resource can have at most {MAX_TAGS}")
