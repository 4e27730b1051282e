"""API errors: the exception the pipeline raises and the envelope it renders to.

Errors that imitate the API use its exact envelope, status and message. Errors the mock invents
(its own configuration, unknown fault names, ...) carry ``invented=True`` and are marked with the
``x-mockclaude-error`` header and a ``mockclaude:`` message prefix so nobody mistakes them for the API's.
"""

from __future__ import annotations

from dataclasses import dataclass

# HTTP status -> error.type, as the API pairs them (facts §5.2).
ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


@dataclass
class ApiError(Exception):
    status: int
    message: str
    type: str = ""
    invented: bool = False
    headers: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.type:
            self.type = ERROR_TYPES.get(self.status, "api_error")
        if self.invented:
            if not self.message.startswith("mockclaude:"):
                self.message = f"mockclaude: {self.message}"
            self.headers = (*self.headers, ("x-mockclaude-error", "true"))

    def envelope(self, request_id: str) -> dict[str, object]:
        return {
            "type": "error",
            "error": {"type": self.type, "message": self.message},
            "request_id": request_id,
        }


def invalid(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str = "Not found") -> ApiError:
    return ApiError(404, message)
