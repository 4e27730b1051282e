"""The mock's exceptions: one tree, and the API's error envelope.

::

    MockClaudeError                  everything the mock raises on purpose
    ├── ConfigError (ValueError)     a bad option value: flag, MOCKCLAUDE_* variable or MockConfig field
    │   ├── FaultSyntaxError         a fault text (--fault, --faults FILE, POST /_mock/faults, header)
    │   └── RateLimitSpecError       a --rate-limits value
    ├── RuleError (ValueError)       a rule file (mockclaude.sources.rules)
    ├── RecordingError (ValueError)  a recording file (mockclaude.store.recordings)
    ├── ApiError                     an HTTP status and the API's envelope; only the HTTP side renders it
    ├── AdminError (RuntimeError)    the admin API refused a call (mockclaude.testing.admin_client)
    └── NetworkBlocked               a test reached for a non-loopback host (mockclaude.testing.netguard)

Parsers raise the domain errors (the first four); where an HTTP request brought the text, the HTTP
side turns them into a mock-marked 400 with :meth:`ApiError.from_domain`. ``MockClaudeError`` itself
derives from ``BaseException`` only so that ``NetworkBlocked`` can stay out of ``except Exception``
(as ``pytest.fail`` does); every other error in the tree is also an ``Exception``.

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


class MockClaudeError(BaseException):
    """The root of the mock's exceptions; catch a subclass, or this to catch them all."""


class ConfigError(MockClaudeError, ValueError):
    """A configuration value is wrong; the message names the key, the value and the choices."""


class FaultSyntaxError(ConfigError):
    """A fault text is wrong; the message names where it came from, the text and what is wrong."""


class RateLimitSpecError(ConfigError):
    """A rate-limit value is neither a tier nor ``rpm=N,itpm=N,otpm=N``."""


class RuleError(MockClaudeError, ValueError):
    """A rule file is wrong; the message names the file and the field."""


class RecordingError(MockClaudeError, ValueError):
    """A recording file cannot be used; the message names the file (and line when known)."""


@dataclass
class ApiError(MockClaudeError, Exception):
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

    def __str__(self) -> str:
        return self.message

    @classmethod
    def from_domain(cls, error: MockClaudeError) -> ApiError:
        """A domain error that an HTTP request brought (a fault text, ...) as the mock's own 400."""
        return error if isinstance(error, ApiError) else cls(400, str(error), invented=True)

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
