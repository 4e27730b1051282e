"""Bedrock's own errors: the exceptions of ``bedrock-runtime`` (statuses from botocore's service model),
their body ``{"message": ...}`` and the ``x-amzn-errortype`` header the AWS SDKs read the code from.

Every error the pipeline raises in the API's envelope is answered in Bedrock's form by :func:`from_api`: the
status picks the exception (a 429 is a ``ThrottlingException``, a 529 a ``ServiceUnavailableException``, …),
the API's message is kept where Bedrock passes the model's message on (validation) and replaced by Bedrock's
own text where Bedrock answers for itself (throttling, unavailability).
"""

from __future__ import annotations

from dataclasses import dataclass

from mockclaude.errors import ApiError
from mockclaude.wire.reply import Headers, JsonReply, Shaping

ERRORTYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazon.bedrock/"
HINT = "x-mockclaude-bedrock-exception"  # a Bedrock-named fault, carried from the request to its answer


@dataclass(frozen=True)
class BedrockException:
    name: str
    status: int
    message: str | None  # Bedrock's own text, or None: the pipeline's message is passed on
    stream_member: str  # its name in a stream's exception frame

    def reply(self, message: str | None = None, headers: Headers = ()) -> BedrockErrorReply:
        text = message if self.message is None and message else self.message or message or self.name
        errortype = ("x-amzn-errortype", self.name + ERRORTYPE_SUFFIX)
        return BedrockErrorReply(
            status=self.status, payload={"message": text}, headers=(errortype, *headers), exception=self.name
        )


def _exc(name: str, status: int, message: str | None = None) -> BedrockException:
    return BedrockException(name, status, message, name[0].lower() + name[1:])


# Statuses: botocore's bedrock-runtime service model. Texts: ⚠ as clients and issue threads quote them.
EXCEPTIONS = {
    e.name: e
    for e in (
        _exc("ValidationException", 400),
        _exc("AccessDeniedException", 403, "You don't have access to the model with the specified model ID."),
        _exc("ResourceNotFoundException", 404),
        _exc(
            "ModelTimeoutException",
            408,
            "Model has timed out in processing the request. Try your request again.",
        ),
        _exc("ModelErrorException", 424),
        _exc("ThrottlingException", 429, "Too many requests, please wait before trying again."),
        _exc(
            "ModelNotReadyException",
            429,
            "The model specified in the request is not ready to serve inference requests.",
        ),
        _exc("ServiceQuotaExceededException", 400),
        _exc(
            "InternalServerException",
            500,
            "The server encountered an internal error while processing the request.",
        ),
        _exc("ServiceUnavailableException", 503, "Bedrock is unable to process your request."),
        _exc("ModelStreamErrorException", 424),
        # Not in the service model: the AWS front door's answers about credentials.
        _exc("UnrecognizedClientException", 403, "The security token included in the request is invalid."),
        _exc("MissingAuthenticationTokenException", 403, "Missing Authentication Token"),
        _exc("IncompleteSignatureException", 403),
    )
}

# The API's status -> the exception Bedrock answers with.
BY_STATUS = {
    400: "ValidationException",
    401: "UnrecognizedClientException",
    402: "AccessDeniedException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    413: "ValidationException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
    504: "ModelTimeoutException",
    529: "ServiceUnavailableException",
}
KEPT_HEADERS = ("retry-after", "x-should-retry", "x-mockclaude-fault", "x-mockclaude-error", "allow")


@dataclass(kw_only=True, eq=False)
class BedrockErrorReply(JsonReply):
    """An error in Bedrock's shape. No ``x-should-retry`` unless a fault set it: Bedrock sends none, so
    clients decide by status and exception name, as they do against Bedrock."""

    exception: str = ""

    @property
    def error_type(self) -> str | None:
        return self.exception

    def wire_headers(self, shaping: Shaping | None) -> Headers:
        return self.headers if shaping is None else (*self.headers, shaping.header)


def exception_for(status: int, kind: str | None = None) -> BedrockException:
    """The exception for an error of the API's ``status``, or ``kind`` when that names one of Bedrock's."""
    if kind in EXCEPTIONS:
        return EXCEPTIONS[kind]
    name = BY_STATUS.get(status) or ("ValidationException" if status < 500 else "InternalServerException")
    return EXCEPTIONS[name]


def from_api(status: int, kind: str | None, message: str, headers: Headers) -> BedrockErrorReply:
    """An error the pipeline answered in the API's envelope (``kind``: its error type, or the name of the
    Bedrock exception the Bedrock routes raised), as Bedrock answers it."""
    kept = tuple((k, v) for k, v in headers if k in KEPT_HEADERS)
    own = kind in EXCEPTIONS or any(k == "x-mockclaude-error" for k, _ in headers)
    exception = exception_for(status, kind)
    return exception.reply(message if own or exception.message is None else None, kept)


def error(name: str, message: str | None = None, *, invented: bool = False) -> ApiError:
    """An ApiError that the Bedrock routes answer as exception ``name`` (raised before the pipeline runs)."""
    exception = EXCEPTIONS[name]
    return ApiError(
        exception.status,
        message or exception.message or name,
        type=name,
        invented=invented,
    )
