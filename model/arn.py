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
from .kinds import CLASSIFIER, KINDS
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
    "newer_pattern",
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


#: Each kind's two patterns: the reference one from its own ARN shape in botocore's model (a classifier's
#: is :data:`REFERENCE_PATTERN`), the newer one with its resource type.
_RESOURCES = {
    kind.name: {
        ArnPattern.REFERENCE: re.compile(shapes()[kind.arn_member]["pattern"]),
        ArnPattern.NEWER: re.compile(NEWER_PATTERN.replace(CLASSIFIER.name, kind.name)),
    }
    for kind in KINDS.values()
}


def newer_pattern(resource: str) -> str:
    """The newer, looser ARN pattern of ``resource``."""
    pattern: str = _RESOURCES[resource][ArnPattern.NEWER].pattern
    return pattern


_NAME = re.compile(NAME_PATTERN)


class ArnError(ModelError, ValueError):
    """An ARN, name or version that the service would refuse; the message says why."""


@dataclass(frozen=True, slots=True)
class ClassifierArn:
    """The parts of the ARN of a resource that trains (``resource``: ``document-classifier`` or
    ``entity-recognizer``)."""

    partition: str
    region: str
    account: str
    name: str
    version: str | None = None
    resource: str = CLASSIFIER.name

    def __str__(self) -> str:
        suffix = f"/version/{self.version}" if self.version is not None else ""
        return (
            f"arn:{self.partition}:comprehend:{self.region}:{self.account}:"
            f"{self.resource}/{self.name}{suffix}"
        )


def validate_arn(
    value: object, pattern: ArnPattern | str = ArnPattern.REFERENCE, resource: str = CLASSIFIER.name
) -> str:
    """Return ``value`` if it is a valid ARN of a ``resource`` (a classifier by default), else raise
    ``ArnError`` saying why.

    The whole string must match (the pattern is anchored) and be at most 256 characters.
    """
    if not isinstance(value, str):
        raise ArnError(f"must be a string, not {type(value).__name__}")
    if len(value) > MAX_ARN_LENGTH:
        raise ArnError(f"is {len(value)} characters long; at most {MAX_ARN_LENGTH} are allowed")
    kind = ArnPattern(pattern)
    compiled = _RESOURCES[resource][kind]
    if compiled.fullmatch(value) is None:
        raise ArnError(
            f"{value!r} does not match the {kind.value} pattern "
            f"arn:PARTITION:comprehend:REGION:ACCOUNT:{resource}/NAME[/version/VERSION] ({compiled.pattern})"
        )
    return value


def parse_arn(value: object, pattern: ArnPattern | str = ArnPattern.REFERENCE) -> ClassifierArn:
    """Split a valid ARN of a resource that trains into its parts; raise ``ArnError`` for an invalid one."""
    text = value.split(":", 5)[-1] if isinstance(value, str) else ""
    resource = text.partition("/")[0] if text.partition("/")[0] in _RESOURCES else CLASSIFIER.name
    valid = validate_arn(value, pattern, resource)
    _, partition, _, region, account, rest = valid.split(":", 5)
    name, sep, version = rest.partition("/")[2].partition("/version/")
    return ClassifierArn(partition, region, account, name, version if sep else None, resource)


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
    resource: str = CLASSIFIER.name,
    name_member: str = CLASSIFIER.name_member,
) -> str:
    """The ARN of the ``resource`` (a classifier by default) ``name`` (and ``version``), validated before it
    is returned; ``name_member`` names the name in an error."""
    validate_name(name, name_member)
    if version is not None:
        validate_name(version, "VersionName")
    arn = ClassifierArn(partition, region, account, name, version, resource)
    return validate_arn(str(arn), pattern, resource)


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
