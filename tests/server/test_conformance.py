"""The spec check the SDK fixtures apply to every answer is real: it runs, and it catches bad answers."""

from __future__ import annotations

import anthropic
import pytest

from tests.support.conformance import ResponseConformance


def test_every_answer_is_checked(client: anthropic.Anthropic, conformance: ResponseConformance) -> None:
    before = conformance.checked
    client.messages.create(
        model="claude-haiku-4-5", max_tokens=20, messages=[{"role": "user", "content": "Hi"}]
    )
    list(client.models.list())
    assert conformance.checked >= before + 2


@pytest.mark.parametrize(
    ("method", "path", "status", "content_type", "body", "problem"),
    [
        ("POST", "/v1/messages", 200, "application/json", b'{"type": "message"}', "Message"),
        (
            "POST",
            "/v1/messages",
            200,
            "text/event-stream",
            b'event: ping\ndata: {"type": "ping"}\n\n',
            "message_start",
        ),
        ("POST", "/v1/messages", 200, "text/plain", b"hello", "not documented"),
        ("GET", "/v1/models/x", 404, "application/json", b'{"error": {}}', "ErrorResponse"),
        ("GET", "/v1/nowhere", 200, "application/json", b"{}", "no operation"),
    ],
)
def test_bad_answers_are_caught(
    conformance: ResponseConformance,
    method: str,
    path: str,
    status: int,
    content_type: str,
    body: bytes,
    problem: str,
) -> None:
    with pytest.raises(AssertionError, match=problem):
        conformance.check(method, path, status, content_type, body)
