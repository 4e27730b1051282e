"""What counts as a credential in a header or query value (mockclaude.store.redaction): by name or by shape,
and what does not (the headers every SDK sends)."""

from __future__ import annotations

import pytest

from mockclaude.server.journal import redact_headers
from mockclaude.store.redaction import Redactor, looks_secret, redact_target


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("x-custom-token", "anything"),
        ("x-session-id", "abc"),
        ("x-my-apikey", "abc"),
        ("x-anything", "sk-ant-api03-0123456789abcdefghij"),
        ("x-anything", "AKIAABCDEFGHIJKLMNOP"),
        ("x-anything", "ghp_" + "a1B2" * 9),
        ("x-anything", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig"),
        ("x-anything", "Zq8xW2mN4vB7kL1pR5tY9uE3iO6aS0dF"),  # random-looking, no telltale prefix
    ],
)
def test_credentials_by_name_or_shape(name: str, value: str) -> None:
    assert looks_secret(name, value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("anthropic-version", "2023-06-01"),
        ("content-type", "application/json"),
        ("user-agent", "Anthropic/Python 2.16.0"),
        ("x-stainless-package-version", "2.16.0"),
        ("anthropic-beta", "prompt-caching-2024-07-31,files-api-2025-04-14"),
        ("x-mockclaude-fault", "529; probability=0.5"),
        ("x-request-label", "a-long-but-lowercase-label-that-is-not-random"),
    ],
)
def test_ordinary_headers_are_kept(name: str, value: str) -> None:
    assert not looks_secret(name, value)
    assert redact_headers({name: value}) == {name: value}


def test_query_values_are_redacted_by_name_and_shape() -> None:
    target = redact_target(
        "/v1/models?key=sk-ant-api03-0123456789abcdef&page=2&cursor=Zq8xW2mN4vB7kL1pR5tY9uE3iO6aS0dF"
    )
    assert target == "/v1/models?key=<redacted>&page=2&cursor=<redacted>"
    assert redact_target("/v1/models") == "/v1/models"


def test_a_key_in_a_body_is_redacted_without_being_asked() -> None:
    body = {"messages": [{"role": "user", "content": "my key is sk-ant-api03-0123456789abcdefXYZ ok"}]}
    redacted = Redactor().apply(body)
    assert "sk-ant" not in str(redacted) and "<redacted:secret:" in str(redacted)
    plain = {"messages": [{"role": "user", "content": "nothing secret here"}]}
    assert Redactor().apply(plain) is plain  # no copy when there is nothing to redact
