"""``stoprace serve`` on the wire: Translate's RPC v2 CBOR as botocore's own serializer and parser speak it,
bad wire input of every kind answered as AWS answers it (the server serving on), and SigV4 checking."""

from __future__ import annotations

import http.client
import json
import socket
import time

import pytest

pytest.importorskip("uvicorn", reason="stoprace serve needs the server extra")
cbor2 = pytest.importorskip("cbor2", reason="stoprace serve needs the server extra")
boto3 = pytest.importorskip("boto3", reason="the clients need the aws extra")

from botocore.parsers import create_parser  # noqa: E402
from botocore.serialize import create_serializer  # noqa: E402

from stoprace.sim.serve import MAX_BODY, Server  # noqa: E402
from stoprace.sim.serve.server import DRAIN_LIMIT  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/translate"
CBOR_HEADERS = {
    "smithy-protocol": "rpc-v2-cbor",
    "Content-Type": "application/cbor",
    "Accept": "application/cbor",
}


def _http(server, method, path, body=b"", headers=None):
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    connection.request(method, path, body, headers or {})
    answer = connection.getresponse()
    return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()


def _cbor_call(server, operation, params):
    """``operation`` serialized and its answer parsed by botocore's RPC v2 CBOR code for Translate."""
    model = boto3.session.Session().client("translate", region_name="us-east-1").meta.service_model
    operation_model = model.operation_model(operation)
    request = create_serializer("smithy-rpc-v2-cbor").serialize_to_request(params, operation_model)
    status, headers, body = _http(
        server,
        "POST",
        request["url_path"],
        request["body"],
        {**request["headers"], "Accept": "application/cbor"},
    )
    parsed = create_parser("smithy-rpc-v2-cbor").parse(
        {"status_code": status, "headers": headers, "body": body}, operation_model.output_shape
    )
    return status, headers, parsed


def test_translate_answers_rpc_v2_cbor_as_botocore_parses_it():
    with Server() as server:
        status, headers, started = _cbor_call(
            server,
            "StartTextTranslationJob",
            {
                "JobName": "docs",
                "InputDataConfig": {"S3Uri": "s3://input-docs/", "ContentType": "text/plain"},
                "OutputDataConfig": {"S3Uri": "s3://output-docs/"},
                "DataAccessRoleArn": ROLE,
                "SourceLanguageCode": "en",
                "TargetLanguageCodes": ["fr"],
                "ClientToken": "token-1",
            },
        )
        assert status == 200
        assert started["JobStatus"] == "SUBMITTED"
        assert headers["smithy-protocol"] == "rpc-v2-cbor"
        assert headers["content-type"] == "application/cbor"
        status, _, described = _cbor_call(server, "DescribeTextTranslationJob", {"JobId": started["JobId"]})
        properties = described["TextTranslationJobProperties"]
        assert properties["JobStatus"] == "SUBMITTED"
        assert properties["SubmittedTime"].year >= 2025  # a CBOR tag 1 timestamp, parsed
        status, _, missing = _cbor_call(server, "DescribeTextTranslationJob", {"JobId": "nope"})
        assert status == 400
        assert missing["Error"]["Code"] == "ResourceNotFoundException"
        _, _, raw = _http(
            server,
            "POST",
            "/service/AWSShineFrontendService_20170701/operation/DescribeTextTranslationJob",
            cbor2.dumps({"JobId": "nope"}),
            CBOR_HEADERS,
        )
        assert cbor2.loads(raw)["__type"] == "com.amazonaws.translate#ResourceNotFoundException"


CBOR_PATH = "/service/AWSShineFrontendService_20170701/operation/ListTextTranslationJobs"
JSON = {
    "X-Amz-Target": "Comprehend_20171127.ListDocumentClassifiers",
    "Content-Type": "application/x-amz-json-1.1",
}


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status", "code"),
    [
        ("POST", CBOR_PATH, b"\xff\x00garbage", CBOR_HEADERS, 400, "SerializationException"),
        ("POST", CBOR_PATH, cbor2.dumps([1, 2]), CBOR_HEADERS, 400, "SerializationException"),
        ("POST", CBOR_PATH, cbor2.dumps({1: 2}), CBOR_HEADERS, 400, "SerializationException"),
        ("POST", CBOR_PATH, b"\x9f" * 100_000, CBOR_HEADERS, 400, "SerializationException"),  # deep nesting
        (
            "POST",
            "/service/Comprehend_20171127/operation/ListDocumentClassifiers",
            b"",
            CBOR_HEADERS,
            400,
            "UnknownOperationException",
        ),
        (
            "POST",
            "/service/AWSShineFrontendService_20170701/operation/Nope",
            b"",
            CBOR_HEADERS,
            400,
            "UnknownOperationException",
        ),
        (
            "POST",
            CBOR_PATH,
            b"{}",
            {**CBOR_HEADERS, "Content-Type": "application/json"},
            415,
            "UnsupportedMediaTypeException",
        ),
        ("POST", "/", b"{}", {**JSON, "Content-Type": "text/plain"}, 415, "UnsupportedMediaTypeException"),
        (
            "POST",
            "/",
            b"{}",
            {**JSON, "Content-Type": "application/x-amz-json-1.1; charset=utf-8"},
            200,
            None,
        ),
        ("POST", "/", b"\xff\xfe", JSON, 400, "SerializationException"),
        ("POST", "/", b"[" * 100_000, JSON, 400, "SerializationException"),
        ("GET", "/", b"", JSON, 404, "UnknownOperationException"),
        ("POST", "/elsewhere", b"{}", JSON, 404, "UnknownOperationException"),
        ("GET", "/_stoprace/../../etc/passwd", b"", {}, 404, "NotFound"),
        ("GET", "/_stoprace/%2e%2e/%2e%2e/etc/passwd", b"", {}, 404, "NotFound"),
        ("POST", "/_stoprace/clock/advance", b"{not json", {}, 400, "ValidationException"),
        ("POST", "/_stoprace/clock/advance", b'{"seconds": 1e999}', {}, 400, "ValidationException"),
    ],
)
def test_bad_wire_input_is_answered_in_its_protocol_and_the_server_serves_on(
    stoprace_server, method, path, body, headers, status, code
):
    got, answer_headers, raw = _http(stoprace_server, method, path, body, headers)
    assert got == status, raw
    if code is not None:
        decoded = (
            cbor2.loads(raw) if answer_headers.get("content-type") == "application/cbor" else json.loads(raw)
        )
        assert decoded["__type"].rpartition("#")[2] == code
    assert answer_headers["x-amzn-requestid"].startswith("stoprace-")
    assert _http(stoprace_server, "GET", "/_stoprace/health")[0] == 200


def test_huge_bodies_are_refused_before_they_are_read(stoprace_server):
    for declared, status in ((DRAIN_LIMIT + 1, b"413"), (10**15, b"413"), (-1, b"400")):
        with socket.create_connection((stoprace_server.host, stoprace_server.port), timeout=10) as sock:
            sock.sendall(f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {declared}\r\n\r\n".encode())
            assert sock.recv(65536).startswith(b"HTTP/1.1 " + status)  # at once: nothing is read
    for chunked in (False, True):  # over the limit, under the drain: read, dropped, answered 413
        connection = http.client.HTTPConnection(stoprace_server.host, stoprace_server.port, timeout=10)
        body = b"x" * (MAX_BODY + 1)
        chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
        connection.request("POST", "/", chunks if chunked else body, JSON, encode_chunked=chunked)
        assert connection.getresponse().status == 413
    assert _http(stoprace_server, "GET", "/_stoprace/health")[0] == 200


def test_a_browsers_preflight_is_answered_for_any_page(stoprace_server):
    status, headers, body = _http(stoprace_server, "OPTIONS", "/", b"", {"Origin": "http://localhost:3000"})
    assert status == 200
    assert body == b""
    assert headers["access-control-allow-origin"] == "*"
    assert "POST" in headers["access-control-allow-methods"]
    status, headers, _ = _http(stoprace_server, "POST", "/", b"{}", JSON)
    assert status == 200
    assert "x-amzn-RequestId" in headers["access-control-expose-headers"]


def test_a_slow_client_holds_up_no_one(stoprace_server):
    slow = socket.create_connection((stoprace_server.host, stoprace_server.port), timeout=10)
    slow.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nX-Amz-Target: Comprehend_20171127.")
    started = time.monotonic()
    for _ in range(20):  # others are answered while the slow one dawdles
        assert _http(stoprace_server, "POST", "/", b"{}", JSON)[0] == 200
    answered_in = time.monotonic() - started
    slow.sendall(b"ListDocumentClassifiers\r\n\r\n{")
    time.sleep(0.05)
    slow.sendall(b"}")
    assert slow.recv(65536).startswith(b"HTTP/1.1 200")
    slow.close()
    assert answered_in < 5  # not waiting out any timeout behind the slow client


def _signed(server, key, secret):
    return boto3.client(
        "comprehend",
        endpoint_url=server.url,
        region_name="eu-west-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )


def test_signatures_are_checked_against_the_keys_given():
    with Server(secrets={"AKIDGOOD": "right-secret"}) as server:
        assert (
            _signed(server, "AKIDGOOD", "right-secret").list_document_classifiers()[
                "DocumentClassifierPropertiesList"
            ]
            == []
        )
        for key, secret, code in (
            ("AKIDGOOD", "wrong-secret", "InvalidSignatureException"),
            ("AKIDOTHER", "right-secret", "UnrecognizedClientException"),
        ):
            with pytest.raises(boto3.session.botocore.exceptions.ClientError) as refused:
                _signed(server, key, secret).list_document_classifiers()
            assert refused.value.response["Error"]["Code"] == code
        status, _, body = _http(server, "POST", "/", b"{}", JSON)  # not signed at all
        assert (status, json.loads(body)["__type"]) == (403, "MissingAuthenticationTokenException")
        status, _, body = _http(server, "POST", CBOR_PATH, b"\xff", CBOR_HEADERS)  # the signature first
        assert status == 403
        assert cbor2.loads(body)["__type"] == "com.amazonaws.translate#MissingAuthenticationTokenException"
        translate = boto3.client(
            "translate",
            endpoint_url=server.url,
            region_name="eu-west-1",
            aws_access_key_id="AKIDGOOD",
            aws_secret_access_key="right-secret",
        )
        assert translate.list_text_translation_jobs()["TextTranslationJobPropertiesList"] == []
