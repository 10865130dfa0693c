"""The wire: a request's protocol, operation, members and credentials in; the model's answer out.

Two protocols, as SDKs speak them:

- **AWS JSON 1.1** (Comprehend, and Translate for older SDKs): ``POST /`` with ``X-Amz-Target:
  <prefix>.<Operation>`` and a JSON object; answers are JSON, timestamps epoch seconds, errors
  ``{"__type": code, "message"}`` with ``x-amzn-ErrorType``.
- **Smithy RPC v2 CBOR** (Translate for the newest SDKs):
  ``POST /service/<ServiceName>/operation/<Operation>`` with ``smithy-protocol: rpc-v2-cbor`` and a CBOR
  map (or no body); answers are CBOR with the same header, timestamps CBOR tag 1 (epoch seconds), errors a
  map with ``__type`` (the error's shape ID) and ``message``.

A body that does not decode to a map is ``SerializationException``, an operation the service does not have
``UnknownOperationException`` (both 400), each in the protocol the request spoke.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from urllib.parse import quote, unquote

from stoprace.model.bridge import _wire as json_values
from stoprace.model.shapes import SERVICE_OPERATIONS

__all__ = [
    "Call",
    "Reply",
    "WireError",
    "check_signature",
    "credential",
    "encode",
    "error",
    "parse",
    "protocol_of",
]

#: The JSON protocol's target prefix of each service, and the RPC v2 CBOR service name (the same).
PREFIXES = {"Comprehend_20171127": "comprehend", "AWSShineFrontendService_20170701": "translate"}
#: The Smithy namespace of each service's error shapes (RPC v2 CBOR's ``__type`` is the shape ID).
NAMESPACES = {"comprehend": "com.amazonaws.comprehend", "translate": "com.amazonaws.translate"}
#: Which services each protocol is answered for (Comprehend's model lists only JSON).
CBOR_SERVICES = frozenset({"translate"})
JSON_TYPE = "application/x-amz-json-1.1"
CBOR_TYPE = "application/cbor"
_JSON_TYPES = (JSON_TYPE, "application/x-amz-json-1.0", "application/json")
_CBOR_PATH = re.compile(r"/service/([^/]+)/operation/([^/]+)")
_SCOPE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
_SIGNED = re.compile(r"SignedHeaders=([^,\s]+)")
_SIGNATURE = re.compile(r"Signature=([0-9a-f]+)")


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, headers, body."""

    status: int
    headers: dict[str, str]
    body: bytes


class WireError(Exception):
    """A request the model never sees: answered with ``status`` and ``code`` in ``protocol``."""

    def __init__(self, status: int, code: str, message: str, protocol: str = "json") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.protocol = status, code, message, protocol

    def reply(self, service_name: str = "comprehend") -> Reply:
        return error(self.protocol, self.status, self.code, self.message, service_name)


@dataclass(frozen=True)
class Call:
    """A decoded API call."""

    service_name: str
    operation: str
    params: dict[str, Any]
    protocol: str
    key: str | None
    region: str


def credential(authorization: str) -> tuple[str | None, str]:
    """The access key and region of a SigV4 ``Authorization`` header (``us-east-1`` without one)."""
    match = _SCOPE.search(authorization)
    return (match.group(1), match.group(3)) if match else (None, "us-east-1")


def protocol_of(path: str, headers: Mapping[str, str]) -> str:
    """``"cbor"`` for an RPC v2 CBOR request (its path or its ``smithy-protocol`` header), else ``"json"``."""
    cbor = _CBOR_PATH.fullmatch(path) or headers.get("smithy-protocol") == "rpc-v2-cbor"
    return "cbor" if cbor else "json"


def parse(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Call:
    """The call a request makes, or :class:`WireError` (``headers`` keys are lower case)."""
    cbor_path = _CBOR_PATH.fullmatch(path)
    protocol = protocol_of(path, headers)
    if protocol == "cbor":
        prefix, operation = cbor_path.groups() if cbor_path else ("", "")
    else:
        prefix, _, operation = headers.get("x-amz-target", "").partition(".")
    service_name = PREFIXES.get(prefix, "")
    known = service_name in SERVICE_OPERATIONS and operation in SERVICE_OPERATIONS[service_name]
    if method != "POST" or (protocol == "json" and path != "/"):
        raise WireError(404, "UnknownOperationException", f"no operation at {method} {path}", protocol)
    if not known or (protocol == "cbor" and service_name not in CBOR_SERVICES):
        raise WireError(400, "UnknownOperationException", f"unknown operation {prefix}.{operation}", protocol)
    _check_content_type(protocol, headers.get("content-type"))
    params = _decode_cbor(body) if protocol == "cbor" else _decode_json(body)
    key, region = credential(headers.get("authorization", ""))
    return Call(service_name, operation, params, protocol, key, region)


def _check_content_type(protocol: str, content_type: str | None) -> None:
    """A request's media type must be its protocol's (parameters ignored; none at all is taken)."""
    if content_type is None:  # (Smithy's malformed-request tests answer a wrong one 415)
        return
    media = content_type.partition(";")[0].strip().lower()
    allowed = (CBOR_TYPE,) if protocol == "cbor" else _JSON_TYPES
    if media not in allowed:
        raise WireError(
            415,
            "UnsupportedMediaTypeException",
            f"Content-Type {media!r} is not {' or '.join(allowed)}",
            protocol,
        )


def _decode_json(body: bytes) -> dict[str, Any]:
    try:
        params = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        raise WireError(400, "SerializationException", "the request body is not valid JSON") from None
    if not isinstance(params, dict):
        raise WireError(400, "SerializationException", "the request body must be a JSON object")
    return params


def _decode_cbor(body: bytes) -> dict[str, Any]:
    import cbor2  # noqa: PLC0415 - the server extra

    try:
        params = cbor2.loads(body) if body else {}
    except (cbor2.CBORDecodeError, ValueError, RecursionError, MemoryError):
        raise WireError(400, "SerializationException", "the request body is not valid CBOR", "cbor") from None
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        raise WireError(400, "SerializationException", "the request body must be a CBOR map", "cbor")
    return params


def encode(protocol: str, status: int, payload: dict[str, Any], code: str | None, service_name: str) -> Reply:
    """The model's answer in ``protocol``."""
    if code is not None:
        return error(protocol, status, code, str(payload.get("message", "")), service_name)
    if protocol == "cbor":
        return _cbor_reply(status, payload)
    return Reply(status, {"Content-Type": JSON_TYPE}, json.dumps(json_values(payload)).encode())


def error(protocol: str, status: int, code: str, message: str, service_name: str = "comprehend") -> Reply:
    """An error as ``protocol`` carries it."""
    if protocol == "cbor":
        namespace = NAMESPACES.get(service_name, NAMESPACES["translate"])
        reply = _cbor_reply(status, {"__type": f"{namespace}#{code}", "message": message})
        return Reply(status, {**reply.headers, "x-amzn-ErrorType": code}, reply.body)
    body = json.dumps({"__type": code, "message": message}).encode()
    return Reply(status, {"Content-Type": JSON_TYPE, "x-amzn-ErrorType": code}, body)


def _cbor_reply(status: int, payload: dict[str, Any]) -> Reply:
    import cbor2  # noqa: PLC0415 - the server extra

    body = cbor2.dumps(payload, datetime_as_timestamp=True, timezone=UTC)
    return Reply(status, {"Content-Type": CBOR_TYPE, "smithy-protocol": "rpc-v2-cbor"}, body)


def check_signature(  # noqa: PLR0917 - the parts of a request, as they are signed
    method: str, path: str, query: str, headers: Mapping[str, str], body: bytes, secrets: Mapping[str, str]
) -> None:
    """Check a request's SigV4 signature against ``secrets`` (access key to secret key), as AWS does:
    :class:`WireError` ``MissingAuthenticationTokenException`` without one (403),
    ``UnrecognizedClientException`` for an unknown key, ``InvalidSignatureException`` for a wrong
    signature (both 400). The request's time is not checked against the clock."""
    authorization = headers.get("authorization", "")
    scope, signed = _SCOPE.search(authorization), _SIGNED.search(authorization)
    signature = _SIGNATURE.search(authorization)
    if not authorization.startswith("AWS4-HMAC-SHA256 ") or not (scope and signed and signature):
        raise WireError(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    key, day, region, service = scope.groups()
    if key not in secrets:
        raise WireError(
            400, "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    names = signed.group(1).split(";")
    amz_date = headers.get("x-amz-date", "")
    canonical = "\n".join(
        [
            method,
            quote(unquote(path), safe="/-_.~"),
            _canonical_query(query),
            *(f"{name}:{' '.join(headers.get(name, '').split())}" for name in names),
            "",
            ";".join(names),
            headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest(),
        ]
    )
    scope_text = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope_text, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    signing_key = f"AWS4{secrets[key]}".encode()
    for part in (day, region, service, "aws4_request"):
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.group(1)):
        raise WireError(
            400,
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
        )


def _canonical_query(query: str) -> str:
    pairs = [part.partition("=") for part in query.split("&") if part]
    encoded = sorted((quote(unquote(k), safe="-_.~"), quote(unquote(v), safe="-_.~")) for k, _, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)
