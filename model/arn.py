"""Document-classifier ARNs: parse, format and validate them as the service does (evidence: ``stop-request``,
``no-client-validation``).

botocore checks neither the length nor the pattern of an ARN on the client side, so a bad ARN reaches
the service; here it is the model's job to refuse it.

>>> arn = format_arn(region="us-east-1", account="111122223333", name="news", version="v2")
>>> arn
'arn:aws:comprehend:us-east-1:111122223333:document-classifier/news/version/v2'
>>> parse_arn(arn).version
'v2'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .errors import ModelError
from .shapes import shapes

__all__ = [
    "MAX_ARN_LENGTH",
    "MAX_NAME_LENGTH",
    "NAME_PATTERN",
    "NEWER_PATTERN",
    "REFERENCE_PATTERN",
    "ArnError",
    "ArnPattern",
    "ClassifierArn",
    "check_owner",
    "format_arn",
    "parse_arn",
    "validate_arn",
    "validate_name",
]

#: The pattern of the StopTrainingDocumentClassifier reference page and of botocore's model (read from
#: the committed shapes, :mod:`stoprace.model.shapes`, so there is one copy).
REFERENCE_PATTERN: str = shapes()["DocumentClassifierArn"]["pattern"]
#: The looser pattern that newer AWS pages show.
NEWER_PATTERN = (
    r"arn:aws[A-Za-z0-9-]{0,63}:comprehend:[A-Za-z0-9-]{0,63}:([0-9]{12}|aws):document-classifier/"
    r"[A-Za-z0-9-]{0,63}(/version/[A-Za-z0-9-]{0,63})?"
)
MAX_ARN_LENGTH: int = shapes()["DocumentClassifierArn"]["max"]

#: Classifier names and version names (``ComprehendArnName``, ``VersionName``), without the anchors.
NAME_PATTERN: str = shapes()["ComprehendArnName"]["pattern"].removeprefix("^").removesuffix("$")
MAX_NAME_LENGTH: int = shapes()["ComprehendArnName"]["max"]


class ArnPattern(StrEnum):
    """Which published ARN pattern to enforce."""

    REFERENCE = "reference"
    NEWER = "newer"


_COMPILED = {
    ArnPattern.REFERENCE: re.compile(REFERENCE_PATTERN),
    ArnPattern.NEWER: re.compile(NEWER_PATTERN),
}
_NAME = re.compile(NAME_PATTERN)


class ArnError(ModelError, ValueError):
    """An ARN, name or version that the service would refuse; the message says why."""


@dataclass(frozen=True, slots=True)
class ClassifierArn:
    """The parts of a document-classifier ARN."""

    partition: str
    region: str
    account: str
    name: str
    version: str | None = None

    def __str__(self) -> str:
        suffix = f"/version/{self.version}" if self.version is not None else ""
        return (
            f"arn:{self.partition}:comprehend:{self.region}:{self.account}:"
            f"document-classifier/{self.name}{suffix}"
        )


def validate_arn(value: object, pattern: ArnPattern | str = ArnPattern.REFERENCE) -> str:
    """Return ``value`` if it is a valid classifier ARN, else raise ``ArnError`` saying why.

    The whole string must match (the pattern is anchored) and be at most 256 characters.
    """
    if not isinstance(value, str):
        raise ArnError(f"must be a string, not {type(value).__name__}")
    if len(value) > MAX_ARN_LENGTH:
        raise ArnError(f"is {len(value)} characters long; at most {MAX_ARN_LENGTH} are allowed")
    kind = ArnPattern(pattern)
    if _COMPILED[kind].fullmatch(value) is None:
        raise ArnError(
            f"{value!r} does not match the {kind.value} pattern "
            f"arn:PARTITION:comprehend:REGION:ACCOUNT:document-classifier/NAME[/version/VERSION] "
            f"({_COMPILED[kind].pattern})"
        )
    return value


def parse_arn(value: object, pattern: ArnPattern | str = ArnPattern.REFERENCE) -> ClassifierArn:
    """Split a valid classifier ARN into its parts; raise ``ArnError`` for an invalid one."""
    text = validate_arn(value, pattern)
    _, partition, _, region, account, resource = text.split(":", 5)
    _, _, rest = resource.partition("/")
    name, sep, version = rest.partition("/version/")
    return ClassifierArn(partition, region, account, name, version if sep else None)


def validate_name(value: object, what: str = "name") -> str:
    """Return ``value`` if it is a valid classifier or version name, else raise ``ArnError``."""
    if not isinstance(value, str):
        raise ArnError(f"{what} must be a string, not {type(value).__name__}")
    if not value or len(value) > MAX_NAME_LENGTH:
        raise ArnError(f"{what} must be 1 to {MAX_NAME_LENGTH} characters, got {len(value)}")
    if _NAME.fullmatch(value) is None:
        raise ArnError(
            f"{what} {value!r} is not allowed: use letters, digits and hyphens, starting and ending "
            f"with a letter or digit ({NAME_PATTERN})"
        )
    return value


def format_arn(
    *,
    region: str,
    account: str,
    name: str,
    version: str | None = None,
    partition: str = "aws",
    pattern: ArnPattern | str = ArnPattern.REFERENCE,
) -> str:
    """The ARN of classifier ``name`` (and ``version``), validated before it is returned."""
    validate_name(name, "DocumentClassifierName")
    if version is not None:
        validate_name(version, "VersionName")
    return validate_arn(str(ClassifierArn(partition, region, account, name, version)), pattern)


# A region as botocore accepts one (``validate_region_name``): 1 to 63 letters, digits and hyphens, not
# beginning or ending with a hyphen; a partition as the ARN pattern has it, without a colon or a slash.
_ACCOUNT = re.compile(r"[0-9]{12}")
_REGION = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")
_PARTITION = re.compile(r"aws(-[a-zA-Z0-9-]+)?")


def check_owner(partition: str, region: str, account_id: str) -> None:
    """Refuse a partition, region and account that cannot form a classifier's ARN: ``TypeError`` for a
    value that is not a string, ``ValueError`` naming the value otherwise (with the longest name and
    version, the ARN must fit :data:`MAX_ARN_LENGTH`)."""
    for name, value in (("account_id", account_id), ("region", region), ("partition", partition)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if _ACCOUNT.fullmatch(account_id) is None:
        raise ValueError(f"account_id must be 12 digits, got {account_id!r}")
    if _REGION.fullmatch(region) is None:
        raise ValueError(
            "region must be 1 to 63 letters, digits and hyphens, not beginning or ending with a hyphen "
            f"(such as us-east-1), got {region!r}"
        )
    if _PARTITION.fullmatch(partition) is None:
        raise ValueError(
            f"partition must be 'aws' or 'aws-<name>' (letters, digits, hyphens), got {partition!r}"
        )
    longest = len(
        str(ClassifierArn(partition, region, account_id, "n" * MAX_NAME_LENGTH, "v" * MAX_NAME_LENGTH))
    )
    if longest > MAX_ARN_LENGTH:
        raise ValueError(
            f"partition {partition!r} and region {region!r} are too long to form a classifier ARN: with the "
            f"longest name and version it would have {longest} characters, and an ARN has at most "
            f"{MAX_ARN_LENGTH}"
        )
