import pytest

from stoprace.model import (
    ArnError,
    ArnPattern,
    ClassifierArn,
    format_arn,
    parse_arn,
    validate_arn,
    validate_name,
)

GOOD = [
    "arn:aws:comprehend:us-east-1:123456789012:document-classifier/news",
    "arn:aws:comprehend:us-east-1:123456789012:document-classifier/news/version/v-1",
    "arn:aws-cn:comprehend:cn-north-1:123456789012:document-classifier/a--b",
    "arn:aws-us-gov:comprehend::123456789012:document-classifier/X9",
]
BAD = [
    "",
    "arn:aws:comprehend:us-east-1:123456789012:document-classifier/",
    "arn:aws:comprehend:us-east-1:12345678901:document-classifier/news",
    "arn:aws:comprehend:us-east-1:1234567890123:document-classifier/news",
    "arn:aws:s3:us-east-1:123456789012:document-classifier/news",
    "arn:aws:comprehend:us-east-1:123456789012:entity-recognizer/news",
    "arn:aws:comprehend:us-east-1:123456789012:document-classifier/news_1",
    "arn:aws:comprehend:us-east-1:123456789012:document-classifier/-news",
    "arn:aws:comprehend:us-east-1:123456789012:document-classifier/news-",
    "arn:aws:comprehend:us-east-1:123456789012:document-classifier/news/version/",
    "arn:aws:comprehend:us-east-1:123456789012:document-classifier/news ",
    " arn:aws:comprehend:us-east-1:123456789012:document-classifier/news",
    "arn:aws:comprehend:us-east-1:123456789012:document-classifier/nëws",
    "xarn:aws:comprehend:us-east-1:123456789012:document-classifier/news",
    "arn:aws:comprehend:us-east-1:123456789012:document-classifier/news\n",
]


@pytest.mark.parametrize("arn", GOOD)
def test_valid_arns_pass(arn):
    assert validate_arn(arn) == arn


@pytest.mark.parametrize("arn", BAD)
def test_invalid_arns_fail_with_the_pattern_named(arn):
    with pytest.raises(ArnError, match="does not match the reference pattern"):
        validate_arn(arn)


def test_the_pattern_is_anchored_at_both_ends():
    good = GOOD[0]
    with pytest.raises(ArnError):
        validate_arn(good + "/extra")
    with pytest.raises(ArnError):
        validate_arn("prefix-" + good)


def test_length_limit_is_256_characters():
    prefix = "arn:aws:comprehend:us-east-1:123456789012:document-classifier/"
    at_limit = prefix + "a" * (256 - len(prefix))
    assert len(at_limit) == 256
    assert validate_arn(at_limit) == at_limit
    with pytest.raises(ArnError, match="257 characters long; at most 256"):
        validate_arn(at_limit + "a")


@pytest.mark.parametrize("value", [None, 42, b"arn:aws:comprehend", ["x"]])
def test_non_strings_are_refused_by_type(value):
    with pytest.raises(ArnError, match="must be a string"):
        validate_arn(value)


def test_newer_pattern_is_looser_and_selectable():
    loose = "arn:aws:comprehend:us-east-1:aws:document-classifier/-odd-"
    with pytest.raises(ArnError):
        validate_arn(loose)
    assert validate_arn(loose, ArnPattern.NEWER) == loose
    assert validate_arn(loose, "newer") == loose
    with pytest.raises(ArnError, match="newer pattern"):
        validate_arn("arn:aws:comprehend:us-east-1:123456789012:document-classifier/a_b", "newer")


def test_parse_and_format_round_trip():
    arn = format_arn(region="us-west-2", account="123456789012", name="news", version="v2")
    parts = parse_arn(arn)
    assert parts == ClassifierArn("aws", "us-west-2", "123456789012", "news", "v2")
    assert str(parts) == arn
    assert parse_arn(GOOD[0]).version is None
    assert parse_arn(GOOD[2]).partition == "aws-cn"


def test_format_validates_what_it_builds():
    with pytest.raises(ArnError, match="DocumentClassifierName"):
        format_arn(region="us-east-1", account="123456789012", name="bad_name")
    with pytest.raises(ArnError):
        format_arn(region="us-east-1", account="12345", name="ok")


def test_names_follow_the_create_rules():
    assert validate_name("a" * 63) == "a" * 63
    for bad in ("", "a" * 64, "-a", "a-", "a_b", "a b"):
        with pytest.raises(ArnError):
            validate_name(bad)
    assert validate_name("a---b") == "a---b"
