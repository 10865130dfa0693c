import pytest

from stoprace.model import (
    ERRORS,
    InternalServerException,
    InvalidRequestException,
    ModelError,
    ResourceNotFoundException,
    ServiceError,
    TooManyRequestsException,
)
from stoprace.model.errors import http_status_for

# The StopTrainingDocumentClassifier reference page's codes and messages (evidence: stop-errors).
REFERENCE = {
    "InternalServerException": (500, "An internal server error occurred. Retry your request."),
    "InvalidRequestException": (400, "The request is invalid."),
    "ResourceNotFoundException": (
        400,
        "The specified resource ARN was not found. Check the ARN and try your request again.",
    ),
    "TooManyRequestsException": (
        400,
        "The number of requests exceeds the limit. Resubmit your request later.",
    ),
}


@pytest.mark.parametrize(("code", "expected"), REFERENCE.items())
def test_seed_codes_statuses_and_messages(code, expected):
    err = ERRORS[code]()
    assert (err.http_status, err.message) == expected
    assert err.code == code == type(err).__name__


def test_every_error_used_by_the_classifier_operations_exists():
    assert set(ERRORS) >= {
        "InvalidRequestException",
        "ResourceNotFoundException",
        "TooManyRequestsException",
        "InternalServerException",
        "ResourceInUseException",
        "ResourceUnavailableException",
        "ResourceLimitExceededException",
        "InvalidFilterException",
        "TooManyTagsException",
        "UnsupportedLanguageException",
        "KmsKeyValidationException",
    }


def test_one_root_exception():
    for cls in ERRORS.values():
        assert issubclass(cls, ServiceError)
        assert issubclass(cls, ModelError)


def test_response_is_shaped_like_botocore_client_error():
    err = ResourceNotFoundException("gone", operation_name="DescribeDocumentClassifier")
    assert err.response["Error"] == {"Code": "ResourceNotFoundException", "Message": "gone"}
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert str(err) == (
        "An error occurred (ResourceNotFoundException) when calling the "
        "DescribeDocumentClassifier operation: gone"
    )


def test_botocore_convention_changes_only_not_found_and_throttling():
    assert http_status_for("ResourceNotFoundException", "botocore") == 404
    assert http_status_for("TooManyRequestsException", "botocore") == 429
    assert http_status_for("InvalidRequestException", "botocore") == 400
    assert http_status_for("InternalServerException", "botocore") == 500
    for code in ERRORS:
        assert http_status_for(code, "reference") == ERRORS[code].default_http_status


def test_with_context_names_operation_and_status():
    err = TooManyRequestsException().with_context(
        operation_name="StopTrainingDocumentClassifier", http_statuses="botocore"
    )
    assert err.http_status == 429
    assert "StopTrainingDocumentClassifier" in str(err)


def test_unknown_code_or_convention_is_refused():
    with pytest.raises(ValueError, match="unknown error code"):
        http_status_for("NopeException")
    with pytest.raises(ValueError, match="convention"):
        http_status_for("InvalidRequestException", "aws")


def test_errors_are_catchable_as_their_aws_names():
    with pytest.raises(InvalidRequestException):
        raise InvalidRequestException()
    with pytest.raises(InternalServerException):
        raise InternalServerException()
