"""The beta surface: a request that names betas is validated against the beta schema, like the API.

A real mock on loopback; plain HTTP for the wire rules, the official SDK's beta client (strict response
validation) for the answers. The field walk sends every field of the installed SDK's beta
``MessageCreateParams`` with its beta named, so a field a new SDK adds fails here until the spec has it.
"""

from __future__ import annotations

import typing
from typing import Any

import anthropic
import orjson
import pytest

from tests.support.server import Server, raw_post

MODEL = "claude-opus-4-8"
# What Claude Code 2.1.332 names (facts §8.4).
CLAUDE_CODE_BETAS = (
    "claude-code-20250219,context-1m-2025-08-07,interleaved-thinking-2025-05-14,thinking-token-count-2026-05-13,"
    "context-management-2025-06-27,prompt-caching-scope-2026-01-05,mid-conversation-system-2026-04-07,"
    "effort-2025-11-24,per-turn-control-2026-07-01,mid-conversation-tool-changes-2026-07-01,"
    "advanced-tool-use-2025-11-20,thinking-display-updates-2026-08-18"
)
BASH_TOOL = {
    "name": "Bash",
    "description": "Run a shell command",
    "input_schema": {
        "type": "object",
        "properties": {"command": {"type": "string"}},
        "required": ["command"],
    },
}


def claude_code_body(**extra: Any) -> dict[str, Any]:
    """The shape of Claude Code's requests (facts §8.4), small."""
    return {
        "model": MODEL,
        "max_tokens": 128000,
        "stream": True,
        "thinking": {"type": "adaptive", "display": "updates"},
        "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
        "output_config": {"effort": "high"},
        "metadata": {"user_id": '{"device_id":"d","session_id":"s"}'},
        "system": [
            {"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}},
        ],
        "tools": [BASH_TOOL, {**BASH_TOOL, "name": "WebFetch", "defer_loading": True}],
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "<system-reminder>Today is Tuesday.</system-reminder>"},
                    {"type": "text", "text": "say hello"},
                ],
            },
            {"role": "system", "content": "Answer briefly.", "output_config": {"effort": "low"}},
        ],
        **extra,
    }


def error_message(response: Any) -> str:
    return str(response.json()["error"]["message"])


def test_claude_code_request_is_accepted_as_a_beta_request(mock_server: Server) -> None:
    response = raw_post(
        mock_server, "/v1/messages?beta=true", claude_code_body(), {"anthropic-beta": CLAUDE_CODE_BETAS}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "event: message_stop" in response.text


def older_claude_code_body(**extra: Any) -> dict[str, Any]:
    """As older releases sent it: no ``output_config`` on the mid-conversation system message, no
    ``thinking.display``."""
    body = claude_code_body(**{"thinking": {"type": "adaptive"}, **extra})
    body["messages"][1] = {"role": "system", "content": "Answer briefly."}
    return body


def test_the_same_request_without_betas_is_refused_like_the_stable_api(mock_server: Server) -> None:
    # The API's first complaint about what Claude Code sends, as reported in the issue.
    response = raw_post(mock_server, "/v1/messages", older_claude_code_body(stream=False))
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert error_message(response) == "context_management: Extra inputs are not permitted"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/v1/messages?beta=true", {}),  # the SDKs' beta client without betas
        ("/v1/messages", {"anthropic-beta": "context-management-2025-06-27"}),
        ("/v1/messages", {"anthropic-beta": "no-such-beta-2099-01-01"}),  # unknown names: accepted, ignored
    ],
)
def test_either_sign_of_a_beta_request_selects_the_beta_schema(
    mock_server: Server, path: str, headers: dict[str, str]
) -> None:
    response = raw_post(mock_server, path, claude_code_body(stream=False), headers)
    assert response.status_code == 200, response.text
    assert response.json()["type"] == "message"


def test_a_beta_request_is_still_validated(mock_server: Server) -> None:
    headers = {"anthropic-beta": CLAUDE_CODE_BETAS}
    bad_field = raw_post(mock_server, "/v1/messages?beta=true", claude_code_body(bogus=1), headers)
    assert (
        bad_field.status_code == 400 and error_message(bad_field) == "bogus: Extra inputs are not permitted"
    )
    bad_display = claude_code_body(thinking={"type": "adaptive", "display": "loud"})
    response = raw_post(mock_server, "/v1/messages?beta=true", bad_display, headers)
    assert response.status_code == 400
    assert (
        error_message(response)
        == "thinking.adaptive.display: Input should be 'summarized', 'omitted' or 'updates'"
    )


def test_unknown_beta_names_change_nothing_for_a_stable_body(mock_server: Server) -> None:
    body = {"model": MODEL, "max_tokens": 50, "messages": [{"role": "user", "content": "Hi"}]}
    plain = raw_post(mock_server, "/v1/messages", body)
    named = raw_post(mock_server, "/v1/messages", body, {"anthropic-beta": "made-up-2099-01-01"})
    assert plain.status_code == named.status_code == 200
    assert plain.json()["content"] == named.json()["content"]


def test_memo_does_not_let_a_beta_body_through_without_betas(mock_server: Server) -> None:
    body = claude_code_body(stream=False)
    first = raw_post(mock_server, "/v1/messages", body, {"anthropic-beta": "context-management-2025-06-27"})
    assert first.status_code == 200
    again = raw_post(mock_server, "/v1/messages", body)  # identical bytes, no betas: the stable schema
    assert again.status_code == 400


def test_count_tokens_takes_beta_fields_when_betas_are_named(mock_server: Server) -> None:
    drop = ("max_tokens", "stream", "metadata", "thinking")
    body = {k: v for k, v in older_claude_code_body().items() if k not in drop}
    stable = raw_post(mock_server, "/v1/messages/count_tokens", body)
    assert stable.status_code == 400
    assert error_message(stable) == "context_management: Extra inputs are not permitted"
    beta = raw_post(
        mock_server,
        "/v1/messages/count_tokens?beta=true",
        body,
        {"anthropic-beta": "token-counting-2024-11-01"},
    )
    assert beta.status_code == 200, beta.text
    assert beta.json()["input_tokens"] > 0


def test_sdk_beta_client_parses_the_answer_strictly(client: anthropic.Anthropic) -> None:
    body = claude_code_body(max_tokens=16000)  # the SDK refuses larger non-streamed requests itself
    del body["stream"]
    message = client.beta.messages.create(**body, betas=CLAUDE_CODE_BETAS.split(","))
    assert type(message).__name__ == "BetaMessage"
    assert message.role == "assistant" and message.content and message.stop_reason in ("end_turn", "tool_use")
    assert message.usage.input_tokens > 0


def test_sdk_beta_client_streams_strictly(client: anthropic.Anthropic) -> None:
    body = claude_code_body(stream=False)
    del body["stream"]
    with client.beta.messages.stream(**body, betas=CLAUDE_CODE_BETAS.split(",")) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert final.content and final.usage.output_tokens > 0


# -- every beta field of the installed SDK --------------------------------------------------------------

# A plausible value for each field of SDK 2.16's beta MessageCreateParams that the base request does not
# already carry, and a beta of the SDK's AnthropicBetaParam that goes with it (where no beta adds the field,
# e.g. service_tier, any real beta name: the request must be a beta request). A field a new SDK adds has no entry: the walk fails, naming it.
FIELD_SAMPLES: dict[str, tuple[str, Any]] = {
    "billing_policy": ("user-profiles-billing-2026-10-01", {"type": "billing_policy"}),
    "cache_control": ("extended-cache-ttl-2025-04-11", {"type": "ephemeral", "ttl": "1h"}),
    "compaction": ("compact-2026-01-12", {"type": "summarize", "instructions": "Keep the decisions."}),
    "container": ("skills-2025-10-02", "container_011CZkZaBF1tNoB5wlCeusgy"),
    "context_management": (
        "context-management-2025-06-27",
        {"edits": [{"type": "clear_tool_uses_20250919", "keep": {"type": "tool_uses", "value": 3}}]},
    ),
    "diagnostics": ("cache-diagnosis-2026-04-07", {"previous_message_id": "msg_011CZkZaBF1tNoB5wlCeusgy"}),
    "fallback_credit_token": ("fallback-credit-2026-07-01", {"token": "fct_abc", "mode": "best_effort"}),
    "fallbacks": ("server-side-fallback-2026-07-01", [{"model": "claude-sonnet-5"}]),
    "inference_geo": ("context-1m-2025-08-07", "us"),
    "mcp_servers": (
        "mcp-client-2025-11-20",
        [{"type": "url", "url": "https://mcp.example.com/sse", "name": "example"}],
    ),
    "metadata": ("claude-code-20250219", {"user_id": "user-1"}),
    "output_config": (
        "task-budgets-2026-03-13",
        {"effort": "medium", "task_budget": {"type": "tokens", "total": 20000}},
    ),
    "service_tier": ("output-300k-2026-03-24", "auto"),
    "speed": ("fast-mode-2026-02-01", "fast"),
    "stop_sequences": ("claude-code-20250219", ["\n\nHuman:"]),
    "system": ("claude-code-20250219", [{"type": "text", "text": "Be brief."}]),
    "thinking": ("thinking-display-updates-2026-08-18", {"type": "adaptive", "display": "updates"}),
    "thread": ("message-threads-2026-08-12", {"type": "create"}),
    "tool_choice": ("advanced-tool-use-2025-11-20", {"type": "auto"}),
    "tools": ("advanced-tool-use-2025-11-20", [{**BASH_TOOL, "defer_loading": True}]),
}
BASE_FIELDS = {"model", "max_tokens", "messages"}
HEADER_ARGS = {"betas", "workspace_id", "user_profile_id"}


def beta_create_fields() -> list[str]:
    version = tuple(int(p) for p in anthropic.__version__.split(".")[:2])
    if version < (2, 16):
        pytest.skip(
            f"the beta field walk reads SDK 2.16's types; installed anthropic is {anthropic.__version__}"
        )
    from anthropic.types.beta.message_create_params import MessageCreateParamsBase

    return sorted(set(typing.get_type_hints(MessageCreateParamsBase)) - BASE_FIELDS - HEADER_ARGS)


def test_every_beta_field_has_a_sample() -> None:
    missing = [f for f in beta_create_fields() if f not in FIELD_SAMPLES]
    assert not missing, f"beta fields of the SDK with no sample here (add one, and the spec): {missing}"


@pytest.mark.parametrize("field", sorted(FIELD_SAMPLES))
def test_beta_field_is_accepted_when_its_beta_is_named(client: anthropic.Anthropic, field: str) -> None:
    if field not in beta_create_fields():
        pytest.fail(f"{field} is no longer a field of the SDK's beta params: drop its sample")
    beta, value = FIELD_SAMPLES[field]
    base = {"model": MODEL, "max_tokens": 256, "messages": [{"role": "user", "content": "Say hello"}]}
    raw = client.beta.messages.with_raw_response.create(**{**base, field: value}, betas=[beta])
    message = raw.parse()  # strict: the answer parses as the SDK's BetaMessage
    assert raw.http_response.status_code == 200
    assert message.type == "message" and message.content
    sent = orjson.loads(raw.http_request.content)
    assert sent[field] == value and raw.http_request.headers["anthropic-beta"] == beta


# -- server-side message threads (beta `thread`) ---------------------------------------------------------

WEATHER = {
    "name": "get_weather",
    "description": "Get the current weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
THREADS = {"anthropic-beta": "message-threads-2026-08-12"}


def test_a_thread_continues_from_the_answer_it_holds(mock_server: Server) -> None:
    first = raw_post(
        mock_server,
        "/v1/messages?beta=true",
        {
            "model": MODEL,
            "max_tokens": 512,
            "system": "You report the weather.",
            "tools": [WEATHER],
            "tool_choice": {"type": "any"},
            "messages": [{"role": "user", "content": "Weather in Oslo?"}],
            "thread": {"type": "create"},
        },
        THREADS,
    )
    assert first.status_code == 200, first.text
    call = next(b for b in first.json()["content"] if b["type"] == "tool_use")
    # Only the new turn, no system and no tools: the thread holds them, and the tool_use this result answers.
    result = {"type": "tool_result", "tool_use_id": call["id"], "content": "Snow, -3°C"}
    second = raw_post(
        mock_server,
        "/v1/messages?beta=true",
        {
            "model": MODEL,
            "max_tokens": 512,
            "messages": [{"role": "user", "content": [result]}],
            "thread": {"type": "continue", "previous_message_id": first.json()["id"]},
        },
        THREADS,
    )
    assert second.status_code == 200, second.text
    assert "Snow, -3°C" in second.json()["content"][0]["text"]
    # The held conversation counts: more input than the new turn alone.
    assert second.json()["usage"]["input_tokens"] > first.json()["usage"]["input_tokens"]


def test_continuing_an_unknown_thread_is_thread_not_found(mock_server: Server) -> None:
    body = {
        "model": MODEL,
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "and then?"}],
        "thread": {"type": "continue", "previous_message_id": "msg_01NoSuchMessageHere000000"},
    }
    response = raw_post(mock_server, "/v1/messages?beta=true", body, THREADS)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["type"] == "not_found_error" and error["details"] == {"error_code": "thread_not_found"}
    assert error["message"].startswith("mockclaude: ") and response.headers["x-mockclaude-error"] == "true"
