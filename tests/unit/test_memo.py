"""The answer memo stays within its byte budget, whatever the request sizes; it keeps only what may be
answered again (small, reusable, not asking for the prompt cache). Tested on the memo alone: no app."""

from __future__ import annotations

import orjson

from mockclaude.api.memo import MEMO_BYTES, MEMO_MAX_BODY, AnswerMemo, Stored
from mockclaude.config import MockConfig
from mockclaude.protocol.catalog import ModelCatalog
from mockclaude.sources.base import Answer, MessageAnswer
from mockclaude.wire.request import Request

MODEL = ModelCatalog.load(MockConfig().catalog_path).models[0]
ANSWER = MessageAnswer(message={"content": [{"type": "text", "text": "hi"}], "usage": {"input_tokens": 3}})


def request(text: str, headers: dict[str, str] | None = None, **extra: object) -> Request:
    body = {"model": "claude-haiku-4-5", "max_tokens": 20, "messages": [{"role": "user", "content": text}]}
    return Request("POST", "/v1/messages", {}, headers or {}, orjson.dumps({**body, **extra}))


def remember(memo: AnswerMemo, req: Request, answer: Answer = ANSWER) -> bool:
    """What the Messages route does on a miss: keep the answer if the memo keeps it."""
    if not memo.keeps(req, answer):
        return False
    memo.keep(memo.key(req, ()), Stored(orjson.loads(req.body), MODEL, answer, usage=answer.usage()))
    return True


def test_memo_is_bounded_in_bytes() -> None:
    memo = AnswerMemo(size=1000)
    big = "word " * (240 * 1024 // 5)  # just under the size limit for kept bodies
    for i in range(100):
        assert remember(memo, request(f"{i} {big}"))
        assert memo.bytes <= MEMO_BYTES
    assert 0 < len(memo) < 100
    assert memo.get(memo.key(request("0 " + big), ())) is None  # evicted long ago: answered afresh
    assert memo.get(memo.key(request("99 " + big), ())) is not None  # the newest stays


def test_memo_is_bounded_in_entries_oldest_first() -> None:
    memo = AnswerMemo(size=2)
    for text in ("a", "b", "c"):
        remember(memo, request(text))
    assert len(memo) == 2
    assert [memo.get(memo.key(request(t), ())) is not None for t in ("a", "b", "c")] == [False, True, True]
    memo.forget()
    assert len(memo) == 0 and memo.bytes == 0


def test_large_bodies_are_not_kept() -> None:
    memo = AnswerMemo(size=10)
    assert not remember(memo, request("x " * (MEMO_MAX_BODY // 2 + 10)))
    assert len(memo) == 0
    assert remember(memo, request("small"))
    assert len(memo) == 1


def test_only_reusable_answers_without_prompt_caching_are_kept() -> None:
    memo = AnswerMemo(size=10)
    assert not remember(memo, request("once"), MessageAnswer(message=ANSWER.message, reusable=False))
    assert not remember(memo, request("cached", cache_control={"type": "ephemeral"}))
    assert not remember(AnswerMemo(size=0), request("off"))  # --answer-cache-size 0
    assert len(memo) == 0


def test_the_key_includes_the_headers_a_rule_looks_at() -> None:
    names = ("x-tenant",)
    one, two = request("same", {"x-tenant": "a"}), request("same", {"x-tenant": "b"})
    assert AnswerMemo.key(one, names) != AnswerMemo.key(two, names)
    assert AnswerMemo.key(one, ()) == AnswerMemo.key(two, ()) == one.body
