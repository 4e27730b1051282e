"""Each validation rule answers with the API's status, error type and exact message (facts §5.4),
and bad input never breaks the server: the next request is answered normally."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.support.server import Server, raw_post

MODEL = "claude-haiku-4-5"
HI = [{"role": "user", "content": "Hi"}]


def body(**fields: Any) -> dict[str, Any]:
    return {"model": MODEL, "max_tokens": 100, "messages": HI, **fields}


TOOL_TURNS = [
    {"role": "user", "content": "What is 2+2?"},
    {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "calc", "input": {}}]},
]

CASES: list[tuple[str, dict[str, Any], int, str, str]] = [
    (
        "missing max_tokens",
        {"model": MODEL, "messages": HI},
        400,
        "invalid_request_error",
        "max_tokens: Field required",
    ),
    (
        "extra field",
        body(response_format={}),
        400,
        "invalid_request_error",
        "response_format: Extra inputs are not permitted",
    ),
    (
        "extra message field",
        body(messages=[{"role": "user", "content": "Hi", "name": "bob"}]),
        400,
        "invalid_request_error",
        "messages.0.name: Extra inputs are not permitted",
    ),
    (
        "wrong type",
        body(max_tokens="ten"),
        400,
        "invalid_request_error",
        "max_tokens: Input should be a valid integer",
    ),
    (
        "temperature range",
        body(temperature=1.5),
        400,
        "invalid_request_error",
        "temperature: Input should be less than or equal to 1",
    ),
    (
        "no messages",
        body(messages=[]),
        400,
        "invalid_request_error",
        "messages: at least one message is required",
    ),
    (
        "bad tool name",
        body(tools=[{"name": "get weather", "input_schema": {"type": "object"}}]),
        400,
        "invalid_request_error",
        "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'",
    ),
    (
        "budget below 1024",
        body(max_tokens=2000, thinking={"type": "enabled", "budget_tokens": 100}),
        400,
        "invalid_request_error",
        "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024",
    ),
    (
        "unknown model",
        body(model="claude-3-7-sonnet-latest"),
        404,
        "not_found_error",
        "model: claude-3-7-sonnet-latest",
    ),
    (
        "max_tokens over cap",
        body(max_tokens=64001),
        400,
        "invalid_request_error",
        "max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5-20251001",
    ),
    (
        "empty user content",
        body(messages=[{"role": "user", "content": []}]),
        400,
        "invalid_request_error",
        "messages.0: user messages must have non-empty content",
    ),
    (
        "empty text block",
        body(messages=[{"role": "user", "content": [{"type": "text", "text": ""}]}]),
        400,
        "invalid_request_error",
        "messages: text content blocks must be non-empty",
    ),
    (
        "whitespace text",
        body(messages=[{"role": "user", "content": "   "}]),
        400,
        "invalid_request_error",
        "messages: text content blocks must contain non-whitespace text",
    ),
    (
        "empty system block",
        body(system=[{"type": "text", "text": ""}]),
        400,
        "invalid_request_error",
        "system: text content blocks must be non-empty",
    ),
    (
        "tool_use without result",
        body(messages=[*TOOL_TURNS, {"role": "user", "content": "and?"}]),
        400,
        "invalid_request_error",
        "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1. Each "
        "`tool_use` block must have a corresponding `tool_result` block in the next message.",
    ),
    (
        "orphan tool_result",
        body(
            messages=[
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "content": "4"}],
                }
            ]
        ),
        400,
        "invalid_request_error",
        "messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_9. Each `tool_result` "
        "block must have a corresponding `tool_use` block in the previous message.",
    ),
    (
        "budget >= max_tokens",
        body(max_tokens=2000, thinking={"type": "enabled", "budget_tokens": 2000}),
        400,
        "invalid_request_error",
        "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at "
        "https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size",
    ),
    (
        "thinking with forced tool",
        body(
            max_tokens=3000,
            thinking={"type": "enabled", "budget_tokens": 1024},
            tools=[{"name": "calc", "input_schema": {"type": "object"}}],
            tool_choice={"type": "any"},
        ),
        400,
        "invalid_request_error",
        "Thinking may not be enabled when tool_choice forces tool use.",
    ),
    (
        "thinking with temperature",
        body(max_tokens=3000, thinking={"type": "enabled", "budget_tokens": 1024}, temperature=0.5),
        400,
        "invalid_request_error",
        "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at "
        "https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#important-considerations-when-using-extended-thinking",
    ),
    (
        "thinking enabled on Opus 4.8",
        body(model="claude-opus-4-8", max_tokens=3000, thinking={"type": "enabled", "budget_tokens": 1024}),
        400,
        "invalid_request_error",
        '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and '
        '"output_config.effort" to control thinking behavior.',
    ),
    (
        "thinking tool loop without thinking block",
        body(
            max_tokens=3000,
            thinking={"type": "enabled", "budget_tokens": 1024},
            messages=[
                *TOOL_TURNS,
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "4"}],
                },
            ],
        ),
        400,
        "invalid_request_error",
        "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When "
        "`thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the "
        "lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from "
        "previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation at "
        "https://docs.claude.com/en/docs/build-with-claude/extended-thinking",
    ),
    (
        "five cache breakpoints",
        body(
            system=[
                {"type": "text", "text": f"part {i}", "cache_control": {"type": "ephemeral"}}
                for i in range(5)
            ]
        ),
        400,
        "invalid_request_error",
        "A maximum of 4 blocks with cache_control may be provided. Found 5.",
    ),
    (
        "temperature on Opus 4.8",
        body(model="claude-opus-4-8", temperature=0.2),
        400,
        "invalid_request_error",
        "`temperature` is deprecated for this model.",
    ),
    (
        "temperature and top_p",
        body(model="claude-sonnet-4-6", temperature=0.2, top_p=0.9),
        400,
        "invalid_request_error",
        "`temperature` and `top_p` cannot both be specified for this model. Please use only one.",
    ),
    (
        "prefill on Sonnet 4.6",
        body(model="claude-sonnet-4-6", messages=[*HI, {"role": "assistant", "content": "Sure"}]),
        400,
        "invalid_request_error",
        "This model does not support assistant message prefill. The conversation must end with a user message.",
    ),
    (
        "prompt too long",
        body(messages=[{"role": "user", "content": "word " * 210_000}]),
        400,
        "invalid_request_error",
        "prompt is too long: 210008 tokens > 200000 maximum",
    ),
]


def assert_error(response: httpx2.Response, status: int, kind: str, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    payload = response.json()
    assert payload["type"] == "error"
    assert payload["error"] == {"type": kind, "message": message}
    assert payload["request_id"] == response.headers["request-id"]


@pytest.mark.parametrize(
    ("name", "request_body", "status", "kind", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_rule(
    mock_server: Server, name: str, request_body: dict[str, Any], status: int, kind: str, message: str
) -> None:
    assert_error(raw_post(mock_server, "/v1/messages", request_body), status, kind, message)


def test_prefill_allowed_on_haiku(mock_server: Server) -> None:
    response = raw_post(
        mock_server, "/v1/messages", body(messages=[*HI, {"role": "assistant", "content": "Sure"}])
    )
    assert response.status_code == 200


def test_count_tokens_validates_too(mock_server: Server) -> None:
    response = raw_post(
        mock_server, "/v1/messages/count_tokens", {"model": MODEL, "messages": HI, "max_tokens": 5}
    )
    assert_error(response, 400, "invalid_request_error", "max_tokens: Extra inputs are not permitted")


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"anthropic-version": ""}, "anthropic-version: header is required"),
        ({"anthropic-version": "2024-01-01"}, 'anthropic-version: "2024-01-01" is not a valid version'),
    ],
)
def test_version_header(mock_server: Server, headers: dict[str, str], message: str) -> None:
    assert_error(
        raw_post(mock_server, "/v1/messages", body(), headers), 400, "invalid_request_error", message
    )


def test_both_sdk_versions_accepted(mock_server: Server) -> None:
    for version in ("2023-06-01", "2026-10-21"):
        assert (
            raw_post(mock_server, "/v1/messages", body(), {"anthropic-version": version}).status_code == 200
        )


def test_beta_header_and_query_ignored(mock_server: Server) -> None:
    response = raw_post(
        mock_server,
        "/v1/messages?beta=true",
        body(),
        {"anthropic-beta": "made-up-beta-2099-01-01,context-1m-2025-08-07"},
    )
    assert response.status_code == 200


BAD_INPUTS = [
    (
        "malformed JSON",
        b'{"model": "claude-haiku-4-5", "max_tokens": 10,',
        400,
        "invalid_request_error",
        "The request body is not valid JSON",
    ),
    (
        "invalid UTF-8",
        b'{"model": "claude-haiku-4-5\xff\xfe", "max_tokens": 10}',
        400,
        "invalid_request_error",
        "The request body is not valid JSON",
    ),
    (
        "deeply nested",
        b"[" * 100_000 + b"]" * 100_000,
        400,
        "invalid_request_error",
        "The request body is not valid JSON",
    ),
    ("empty body", b"", 400, "invalid_request_error", "The request body is not valid JSON"),
    ("not an object", b"[1, 2, 3]", 400, "invalid_request_error", "Input should be a valid dictionary"),
]


@pytest.mark.parametrize(
    ("name", "raw", "status", "kind", "prefix"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS]
)
def test_bad_input_then_server_fine(
    mock_server: Server, name: str, raw: bytes, status: int, kind: str, prefix: str
) -> None:
    response = raw_post(mock_server, "/v1/messages", raw)
    assert response.status_code == status
    assert response.json()["error"]["type"] == kind
    assert response.json()["error"]["message"].startswith(prefix)
    assert raw_post(mock_server, "/v1/messages", body()).status_code == 200
    assert mock_server.alive()


def test_oversized_body(mock_server: Server) -> None:
    huge = (
        b'{"model": "claude-haiku-4-5", "max_tokens": 10, "messages": [{"role": "user", "content": "'
        + b"a" * (33 * 1024 * 1024)
        + b'"}]}'
    )
    response = raw_post(mock_server, "/v1/messages", huge)
    assert_error(response, 413, "request_too_large", "Request exceeds the maximum size")
    assert raw_post(mock_server, "/v1/messages", body()).status_code == 200


def test_unknown_path_and_wrong_method(mock_server: Server) -> None:
    missing = raw_post(mock_server, "/v1/nope", body(), check=False)
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found_error"
    wrong = httpx2.get(
        mock_server.base_url + "/v1/messages", headers={"anthropic-version": "2023-06-01", "x-api-key": "k"}
    )
    assert wrong.status_code == 405 and wrong.json()["error"]["type"] == "invalid_request_error"
    assert raw_post(mock_server, "/v1/messages", body()).status_code == 200


def test_error_headers(mock_server: Server) -> None:
    response = raw_post(mock_server, "/v1/messages", body(max_tokens=-1))
    assert response.status_code == 400
    assert response.headers["x-should-retry"] == "false"
    assert response.headers["request-id"].startswith("req_")


def test_permissive_mode_accepts_placeholder_model(tmp_path: Any) -> None:
    from tests.support.server import start_server, stop_server

    server = start_server(tmp_path, "--latency", "instant", "--validation", "permissive")
    try:
        ok = raw_post(server, "/v1/messages", body(model="placeholder-model", temperature=0.3, top_p=0.5))
        assert ok.status_code == 200 and ok.json()["model"] == "placeholder-model"
        still_schema_checked = raw_post(server, "/v1/messages", body(max_tokens="x"))
        assert still_schema_checked.status_code == 400
    finally:
        stop_server(server)


def test_batch_request_without_params_is_a_400(mock_server: Server) -> None:
    response = raw_post(mock_server, "/v1/messages/batches", {"requests": [{"custom_id": "a"}]})
    assert_error(response, 400, "invalid_request_error", "requests.0.params: Field required")
    bad_params = {"requests": [{"custom_id": "a", "params": {"model": MODEL, "messages": HI}}]}
    accepted = raw_post(
        mock_server, "/v1/messages/batches", bad_params
    )  # bad params: an errored result later
    assert accepted.status_code == 200


def test_wrong_method_is_405_with_allow(mock_server: Server) -> None:
    r = httpx2.request(
        "PUT",
        mock_server.base_url + "/v1/messages",
        headers={"anthropic-version": "2023-06-01", "x-api-key": "k"},
    )
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.json()["error"]["type"] == "invalid_request_error"


def test_response_shaped_block_with_odd_cache_control_is_no_500(mock_server: Server) -> None:
    """Found by the contract fuzzing: a text block whose cache_control is not an object."""
    odd = {"type": "text", "text": "Hello", "citations": None, "cache_control": ["x"]}
    messages = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": [odd]},
        {"role": "user", "content": "Again"},
    ]
    response = raw_post(mock_server, "/v1/messages", body(messages=messages))
    assert response.status_code in (200, 400)
