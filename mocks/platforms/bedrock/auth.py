"""Credentials as Bedrock's clients send them, parsed and not verified: a SigV4 ``Authorization`` header
(``AWS4-HMAC-SHA256 Credential=AKID/20261203/us-east-1/bedrock/aws4_request, SignedHeaders=…,
Signature=…`` with ``X-Amz-Date``) or a Bedrock API key (``Authorization: Bearer …``).

The signature is not checked (the mock has no secret key to check it with). What stands for the caller is
the access key id, or the API key: the rate-limit buckets are kept per caller, and ``--api-key`` (when given)
names the ones accepted, as it does for the first-party routes.
"""

from __future__ import annotations

import re

from mockclaude.platforms.bedrock.errors import error

_SIGV4 = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)/aws4_request\s*,"
    r"\s*SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)


def caller(headers: dict[str, str], required: bool) -> str:
    """The caller's access key id or API key ("" when none is sent and none is ``required``); a missing or
    malformed credential is Bedrock's 403."""
    authorization = headers.get("authorization", "").strip()
    if not authorization:
        if required:
            raise error("MissingAuthenticationTokenException")
        return ""
    if authorization[:7].lower() == "bearer ":
        token = authorization[7:].strip()
        if not token:
            raise error("UnrecognizedClientException")
        return token
    match = _SIGV4.match(authorization)
    if match is None:
        raise error(
            "IncompleteSignatureException",
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters "
            "(AWS4-HMAC-SHA256), or a Bearer API key.",
        )
    if not (headers.get("x-amz-date") or headers.get("date")):
        raise error(
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    if "host" not in match["signed"].split(";"):
        raise error("IncompleteSignatureException", "'Host' must be a signed header.")
    return match["key"]
