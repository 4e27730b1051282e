"""Authentication like the API (issue 13, item 6) and the rules of `anthropic-version: 2026-10-21` (item 2).

Real servers on 127.0.0.1, raw HTTP and the official SDK with strict response validation.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest

from mockclaude.config import ConfigError, MockConfig
from tests.support.server import Server, raw_post, sdk_options, start_server, stop_server

MODEL = "claude-haiku-4-5"
HI = [{"role": "user", "content": "Hi"}]
NEW, OLD = "2026-10-21", "2023-06-01"
NO_KEY = {"x-api-key": ""}  # raw_post drops empty headers: nothing identifies the caller


def body(**extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "max_tokens": 16, "messages": HI, **extra}


def error_of(response: httpx2.Response) -> tuple[int, str, str]:
    payload = response.json()
    return response.status_code, payload["error"]["type"], payload["error"]["message"]


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A mock that accepts two keys only."""
    server = start_server(
        tmp_path_factory.mktemp("keyed"),
        "--latency",
        "instant",
        "--api-key",
        "sk-ant-test",
        "--api-key",
        "sk-b",
    )
    yield server
    stop_server(server)


# -- authentication ---------------------------------------------------------------------------------------


def test_no_key_is_the_apis_401_and_any_key_is_accepted(mock_server: Server) -> None:
    for path, payload in (
        ("/v1/messages", body()),
        ("/v1/messages/count_tokens", {"model": MODEL, "messages": HI}),
    ):
        missing = raw_post(mock_server, path, payload, NO_KEY)
        assert error_of(missing) == (401, "authentication_error", "x-api-key header is required")
        assert missing.headers["x-should-retry"] == "false"
        assert "x-mockclaude-error" not in missing.headers  # the API's own error, not the mock's
    empty_bearer = raw_post(mock_server, "/v1/messages", body(), {**NO_KEY, "authorization": "Bearer"})
    assert error_of(empty_bearer)[0] == 401
    listed = httpx2.get(mock_server.base_url + "/v1/models", headers={"anthropic-version": OLD})
    assert error_of(listed) == (401, "authentication_error", "x-api-key header is required")
    for headers in ({"x-api-key": "anything-at-all"}, {**NO_KEY, "authorization": "Bearer whatever"}):
        answer = raw_post(mock_server, "/v1/messages", body(), headers)
        assert answer.status_code == 200 and answer.json()["type"] == "message"
    # The admin API keeps its own rules: no API key needed.
    assert httpx2.get(mock_server.base_url + "/_mock/health").status_code == 200


def test_api_key_narrows_the_set_and_x_api_key_wins_over_bearer(keyed: Server) -> None:
    assert raw_post(keyed, "/v1/messages", body(), {"x-api-key": "sk-b"}).status_code == 200
    wrong = raw_post(keyed, "/v1/messages", body(), {"x-api-key": "sk-wrong"})
    assert error_of(wrong) == (401, "authentication_error", "invalid x-api-key")
    both = {"x-api-key": "sk-ant-test", "authorization": "Bearer sk-wrong"}
    assert raw_post(keyed, "/v1/messages", body(), both).status_code == 200
    both = {"x-api-key": "sk-wrong", "authorization": "Bearer sk-ant-test"}
    assert error_of(raw_post(keyed, "/v1/messages", body(), both))[2] == "invalid x-api-key"
    missing = raw_post(keyed, "/v1/messages", body(), NO_KEY)
    assert error_of(missing) == (401, "authentication_error", "x-api-key header is required")


def test_the_sdk_sees_authentication_error(keyed: Server) -> None:
    client = anthropic.Anthropic(**{**sdk_options(keyed), "api_key": "sk-wrong"})
    with pytest.raises(anthropic.AuthenticationError) as caught:
        client.messages.create(**body())
    assert caught.value.status_code == 401 and caught.value.body["error"]["message"] == "invalid x-api-key"  # type: ignore[index]
    good = anthropic.Anthropic(**sdk_options(keyed))  # sends Authorization: Bearer sk-ant-test
    assert good.messages.create(**body()).content


def test_auth_off_accepts_requests_without_a_key(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--latency", "instant", "--auth", "off", "--api-key", "sk-ant-test")
    try:
        answer = raw_post(server, "/v1/messages", body(), NO_KEY)
        assert answer.status_code == 200 and answer.json()["content"][0]["text"]
        listed = httpx2.get(server.base_url + "/v1/models", headers={"anthropic-version": OLD})
        assert listed.status_code == 200 and listed.json()["data"]
        assert raw_post(server, "/v1/messages", body()).status_code == 200  # the key it names
        wrong = raw_post(server, "/v1/messages", body(), {"x-api-key": "sk-wrong"})  # a key sent is checked
        assert error_of(wrong) == (401, "authentication_error", "invalid x-api-key")
    finally:
        stop_server(server)


def test_auth_option_is_checked() -> None:
    with pytest.raises(ConfigError, match="auth: 'of' is not one of on, off; did you mean 'off'"):
        MockConfig(auth="of")  # type: ignore[arg-type]


# -- anthropic-version: 2026-10-21 ------------------------------------------------------------------------

TEXT_DOC = {
    "type": "document",
    "source": {"type": "text", "media_type": "text/plain", "data": "The sky is blue."},
}
CITED = {
    "type": "text",
    "text": "The sky is blue.",
    "citations": [
        {
            "type": "char_location",
            "cited_text": "The sky is blue.",
            "document_index": 0,
            "document_title": None,
            "start_char_index": 0,
            "end_char_index": 16,
        }
    ],
}
REMOVED = [
    ("temperature at its default", body(temperature=1.0), "temperature: Extra inputs are not permitted"),
    ("temperature", body(temperature=0.2), "temperature: Extra inputs are not permitted"),
    ("top_p", body(top_p=0.9), "top_p: Extra inputs are not permitted"),
    ("top_k", body(top_k=5), "top_k: Extra inputs are not permitted"),
    (
        "document in an assistant message",
        body(
            messages=[*HI, {"role": "assistant", "content": [TEXT_DOC]}, {"role": "user", "content": "And?"}]
        ),
        "messages.1.content.0: `document` blocks are not permitted in `assistant` messages",
    ),
    (
        "citations on a user text block",
        body(messages=[{"role": "user", "content": [CITED]}]),
        "messages.0.content.0.citations: citations are not permitted on `text` blocks in `user` messages",
    ),
]


@pytest.mark.parametrize(("name", "payload", "message"), REMOVED, ids=[r[0] for r in REMOVED])
def test_removed_fields_are_refused_under_2026_10_21_only(
    mock_server: Server, name: str, payload: dict[str, Any], message: str
) -> None:
    # The old version first: the answer memo must not carry its 200 over to the new version.
    old = raw_post(mock_server, "/v1/messages", payload, {"anthropic-version": OLD})
    assert old.status_code == 200, old.text
    new = raw_post(mock_server, "/v1/messages", payload, {"anthropic-version": NEW})
    assert error_of(new) == (400, "invalid_request_error", message)
    count = {k: v for k, v in payload.items() if k != "max_tokens"}
    if not {"temperature", "top_p", "top_k"} & set(payload):  # count_tokens never took sampling parameters
        old = raw_post(mock_server, "/v1/messages/count_tokens", count, {"anthropic-version": OLD})
        assert old.status_code == 200, old.text
    refused = raw_post(mock_server, "/v1/messages/count_tokens", count, {"anthropic-version": NEW})
    assert error_of(refused) == (400, "invalid_request_error", message)


def test_what_2026_10_21_still_accepts(mock_server: Server) -> None:
    uncited = {"type": "text", "text": "The sky is blue.", "citations": []}
    for payload in (
        body(),
        body(messages=[{"role": "user", "content": [TEXT_DOC, uncited]}]),
        body(messages=[{"role": "user", "content": "say temperature, top_p and document"}]),
    ):
        answer = raw_post(mock_server, "/v1/messages", payload, {"anthropic-version": NEW})
        assert answer.status_code == 200, answer.text


def test_the_sdk_sends_2026_10_21_and_gets_the_400(mock_server: Server) -> None:
    client = anthropic.Anthropic(**sdk_options(mock_server))
    assert client.default_headers["anthropic-version"] == NEW  # what the installed SDK sends by default
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(**body(), extra_body={"temperature": 1.0})
    assert caught.value.body["error"]["message"] == "temperature: Extra inputs are not permitted"  # type: ignore[index]
    cited = [{"role": "user", "content": [CITED]}]
    with pytest.raises(anthropic.BadRequestError, match="citations are not permitted"):
        client.messages.count_tokens(model=MODEL, messages=cited)  # type: ignore[arg-type]
    with (
        pytest.raises(anthropic.BadRequestError),
        client.messages.stream(**body(), extra_body={"top_p": 0.5}) as stream,
    ):
        stream.get_final_message()
    pinned = anthropic.Anthropic(**sdk_options(mock_server), default_headers={"anthropic-version": OLD})
    message = pinned.messages.create(**body(), extra_body={"temperature": 0.3, "top_p": 0.5, "top_k": 5})
    assert message.content and message.stop_reason is not None


def test_batch_requests_follow_the_batchs_version(mock_server: Server) -> None:
    requests = [
        {"custom_id": "plain", "params": body()},
        {"custom_id": "sampled", "params": body(temperature=0.5)},
    ]
    outcomes = {}
    for version in (OLD, NEW):
        client = anthropic.Anthropic(
            **sdk_options(mock_server), default_headers={"anthropic-version": version}
        )
        batch = client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
        for _ in range(600):
            if client.messages.batches.retrieve(batch.id).processing_status == "ended":
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"batch {batch.id} did not end in 30 s")
        results = {r.custom_id: r.result for r in client.messages.batches.results(batch.id)}
        outcomes[version] = {k: v.type for k, v in results.items()}
        if version == NEW:
            errored = results["sampled"]
            assert errored.type == "errored"
            assert errored.error.error.message == "temperature: Extra inputs are not permitted"  # type: ignore[union-attr]
    assert outcomes == {
        OLD: {"plain": "succeeded", "sampled": "succeeded"},
        NEW: {"plain": "succeeded", "sampled": "errored"},
    }


def test_permissive_mode_does_not_apply_version_rules(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--latency", "instant", "--validation", "permissive")
    try:
        answer = raw_post(server, "/v1/messages", body(temperature=1.0), {"anthropic-version": NEW})
        assert answer.status_code == 200, answer.text
    finally:
        stop_server(server)
