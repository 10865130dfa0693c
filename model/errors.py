"""Errors raised by the model.

Every error derives from :class:`ModelError`. The errors a real Comprehend endpoint would answer are
subclasses of :class:`ServiceError`, one per AWS error code, named exactly like the code so that
``except InvalidRequestException`` reads like ``except client.exceptions.InvalidRequestException``.
Each carries ``code``, ``http_status``, ``message`` and a ``response`` dict shaped like botocore's
``ClientError.response``, so error handling written for boto3 works against the model unchanged.

>>> err = ResourceNotFoundException(operation_name="DescribeDocumentClassifier")
>>> err.response["Error"]["Code"], err.response["ResponseMetadata"]["HTTPStatusCode"]
('ResourceNotFoundException', 400)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, TypeVar

E = TypeVar("E", bound=BaseException)

__all__ = [
    "BOTOCORE_HTTP_STATUS",
    "ERRORS",
    "VALIDATION_ERRORS",
    "HttpStatuses",
    "InternalServerException",
    "InvalidFilterException",
    "InvalidRequestException",
    "InvalidTransitionError",
    "JobNotFoundException",
    "KmsKeyValidationException",
    "ModelError",
    "PolicyError",
    "ResourceInUseException",
    "ResourceLimitExceededException",
    "ResourceNotFoundException",
    "ResourceUnavailableException",
    "ServiceError",
    "TooManyRequestsException",
    "TooManyTagKeysException",
    "TooManyTagsException",
    "UnsupportedLanguageException",
    "ValidationException",
    "http_status_for",
    "released",
]


class HttpStatuses(StrEnum):
    """Which HTTP status codes client errors carry (evidence: ``stop-errors``): ``reference`` (the
    StopTrainingDocumentClassifier API reference page: every client error is 400) or ``botocore`` (the
    newest botocore service model, which annotates ResourceNotFound as 404 and TooManyRequests as 429).

    >>> HttpStatuses.named("botocore").status_of("TooManyRequestsException")
    429
    """

    REFERENCE = "reference"
    BOTOCORE = "botocore"

    @classmethod
    def named(cls, value: object, what: str = "http_statuses") -> HttpStatuses:
        """``value`` as a convention; a ``ValueError`` naming ``what`` and the choices otherwise."""
        if isinstance(value, cls):  # the common case, on every error answer: no search
            return value
        for member in cls:
            if value == member.value:
                return member
        choices = " or ".join(repr(c.value) for c in cls)
        raise ValueError(f"{what} must be {choices}, got {value!r}")

    def status_of(self, code: str) -> int:
        """The HTTP status of error ``code`` under this convention."""
        if code not in ERRORS:
            raise ValueError(f"unknown error code {code!r}; known codes: {', '.join(sorted(ERRORS))}")
        if self is HttpStatuses.BOTOCORE:
            return BOTOCORE_HTTP_STATUS.get(code, ERRORS[code].default_http_status)
        return ERRORS[code].default_http_status


#: The codes whose HTTP status differs in the newest botocore service model (evidence: ``stop-errors``).
BOTOCORE_HTTP_STATUS: dict[str, int] = {
    "ResourceNotFoundException": 404,
    "JobNotFoundException": 404,
    "TooManyRequestsException": 429,
}


class ModelError(Exception):
    """Root of every error the ``model`` package raises."""


class PolicyError(ModelError, ValueError):
    """A policy field or value that does not exist."""


class InvalidTransitionError(ModelError):
    """A trigger fired in a status where the lifecycle table (under the job's policy) has no edge."""

    def __init__(self, trigger: str, state: str, allowed_from: tuple[str, ...], reason: str = "") -> None:
        self.trigger = trigger
        self.state = state
        self.allowed_from = allowed_from
        where = ", ".join(allowed_from) if allowed_from else "no status under this policy"
        refusal = f"is refused in {state} ({reason})" if reason else f"has no edge from {state}"
        super().__init__(f"trigger {trigger!r} {refusal}; it is allowed from: {where}")


class ServiceError(ModelError):
    """An error answer of the Comprehend service, shaped like botocore's ``ClientError``."""

    code: ClassVar[str] = ""
    default_message: ClassVar[str] = ""
    default_http_status: ClassVar[int] = 400

    def __init__(
        self,
        message: str | None = None,
        *,
        operation_name: str = "",
        http_status: int | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.operation_name = operation_name
        self.http_status = http_status if http_status is not None else self.default_http_status
        super().__init__(self._text())

    def _text(self) -> str:
        op = self.operation_name or "unknown"
        return f"An error occurred ({self.code}) when calling the {op} operation: {self.message}"

    def __str__(self) -> str:
        return self._text()

    @property
    def response(self) -> dict[str, Any]:
        """The error as botocore's ``ClientError.response`` holds it."""
        return {
            "Error": {"Code": self.code, "Message": self.message},
            "Message": self.message,
            "ResponseMetadata": {"HTTPStatusCode": self.http_status},
        }

    def with_context(self, *, operation_name: str, http_statuses: HttpStatuses | str) -> ServiceError:
        """The same error, naming the operation and carrying the chosen HTTP status convention."""
        self.operation_name = operation_name
        self.http_status = HttpStatuses.named(http_statuses).status_of(self.code)
        self.args = (self._text(),)
        return self


class InvalidRequestException(ServiceError):
    code = "InvalidRequestException"
    default_message = "The request is invalid."


class ValidationException(ServiceError):
    """A request that breaks a constraint of the service model (a pattern, a length, an enum, a required
    member): one of the errors every AWS API can return, worded ``N validation error(s) detected: ...``."""

    code = "ValidationException"
    default_message = "The input fails to satisfy the constraints specified by an AWS service."


class JobNotFoundException(ServiceError):
    code = "JobNotFoundException"
    default_message = "The specified job was not found. Check the job ID and try again."


class ResourceNotFoundException(ServiceError):
    code = "ResourceNotFoundException"
    default_message = "The specified resource ARN was not found. Check the ARN and try your request again."


class TooManyRequestsException(ServiceError):
    code = "TooManyRequestsException"
    default_message = "The number of requests exceeds the limit. Resubmit your request later."


class InternalServerException(ServiceError):
    code = "InternalServerException"
    default_message = "An internal server error occurred. Retry your request."
    default_http_status = 500


class ResourceInUseException(ServiceError):
    code = "ResourceInUseException"
    default_message = "The specified resource name is already in use."


class ResourceUnavailableException(ServiceError):
    code = "ResourceUnavailableException"
    default_message = "The specified resource is not available."


class ResourceLimitExceededException(ServiceError):
    code = "ResourceLimitExceededException"
    default_message = "The maximum number of resources per account has been exceeded."


class InvalidFilterException(ServiceError):
    code = "InvalidFilterException"
    default_message = "The filter specified for the operation is invalid. Specify a different filter."


class TooManyTagsException(ServiceError):
    code = "TooManyTagsException"
    default_message = "The request contains more tags than can be associated with a resource."


class TooManyTagKeysException(ServiceError):
    code = "TooManyTagKeysException"
    default_message = (
        "The request contains more tag keys than can be associated with a resource "
        "(50 tag keys per resource)."
    )


class UnsupportedLanguageException(ServiceError):
    code = "UnsupportedLanguageException"
    default_message = "Amazon Comprehend can't process the language of the input text."


class KmsKeyValidationException(ServiceError):
    code = "KmsKeyValidationException"
    default_message = "The KMS customer managed key (CMK) entered cannot be validated."


#: Every service error class by its AWS error code.
ERRORS: dict[str, type[ServiceError]] = {
    cls.code: cls
    for cls in (
        InvalidRequestException,
        ValidationException,
        ResourceNotFoundException,
        JobNotFoundException,
        TooManyRequestsException,
        InternalServerException,
        ResourceInUseException,
        ResourceUnavailableException,
        ResourceLimitExceededException,
        InvalidFilterException,
        TooManyTagsException,
        TooManyTagKeysException,
        UnsupportedLanguageException,
        KmsKeyValidationException,
    )
}


#: The errors a request that breaks a constraint of the service model may get (a service option; evidence:
#: section 2): AWS's request validation answers ``ValidationException``; the API reference page's reading
#: is ``InvalidRequestException``.
VALIDATION_ERRORS = ("ValidationException", "InvalidRequestException")


def http_status_for(code: str, convention: HttpStatuses | str = HttpStatuses.REFERENCE) -> int:
    """The HTTP status of error ``code`` under ``convention`` (``"reference"`` or ``"botocore"``)."""
    return HttpStatuses.named(convention, "convention").status_of(code)


def released(error: E) -> E:
    """``error`` without its traceback, nor those of the errors it chains (``__context__``, ``__cause__``).

    A caught error's traceback holds the frames it passed through, and those frames hold the error: a
    reference cycle that only the garbage collector frees. A simulator that catches tens of thousands
    of refusals (a throttled fleet, the exhaustive search) would spend half its time collecting them;
    released where it is caught, each error is freed at once. For errors consumed as data, not shown
    to a person.
    """
    seen: set[int] = set()
    chained: BaseException | None = error
    while chained is not None and id(chained) not in seen:
        seen.add(id(chained))
        chained.__traceback__ = None
        chained = chained.__cause__ or chained.__context__
    return error
