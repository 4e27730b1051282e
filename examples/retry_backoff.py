"""Retries with exponential backoff, meeting a 429 (rate limited) and a 529 (overloaded).

The SDK retries by itself (``max_retries``, default 2); this is the same policy written out, for code
that wants its own: retry 429 and 5xx (529 included), wait what ``retry-after`` says or
``base * 2**attempt`` (capped, with jitter), give up after ``attempts``.
Against the mock, ``main()`` first asks it (admin API) to fail the first two attempts.
"""

from __future__ import annotations

import json
import os
import random
import time
import urllib.request
from typing import Any

import anthropic

RETRYABLE = (anthropic.RateLimitError, anthropic.InternalServerError)  # 429; 500, 529 overloaded, ...


def wait_for(error: anthropic.APIStatusError, attempt: int, base: float, cap: float) -> float:
    retry_after = error.response.headers.get("retry-after")
    if retry_after is not None:
        return min(float(retry_after), cap)
    return min(base * 2**attempt, cap) * random.uniform(0.75, 1.0)


def create_with_backoff(
    client: anthropic.Anthropic, *, attempts: int = 5, base: float = 0.5, cap: float = 8.0, **request: Any
) -> anthropic.types.Message:
    for attempt in range(attempts):
        try:
            # Number the attempts the way the SDK's own retries do; the mock's `times=` faults count them.
            return client.messages.create(**request, extra_headers={"x-stainless-retry-count": str(attempt)})
        except RETRYABLE as error:
            if attempt == attempts - 1:
                raise
            delay = wait_for(error, attempt, base, cap)
            print(
                f"attempt {attempt + 1}: {error.status_code} {type(error).__name__}; retrying in {delay:.2f} s"
            )
            time.sleep(delay)
    raise AssertionError("unreachable")


def arm_mock_faults(base_url: str) -> None:
    """Ask the mock to answer attempt 1 with a 429 and attempt 2 with a 529 (retry-after 0.1 s each)."""
    for fault in ("429; times=1; retry_after=0.1", "529; times=2; retry_after=0.1"):
        request = urllib.request.Request(
            base_url.rstrip("/") + "/_mock/faults",
            data=json.dumps({"fault": fault, "path": "/v1/messages"}).encode(),
            headers={"content-type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=10).close()


def main(client: anthropic.Anthropic | None = None) -> anthropic.types.Message:
    if client is None:
        client = anthropic.Anthropic(max_retries=0)  # our loop does the retrying
        base_url = os.environ.get("ANTHROPIC_BASE_URL", "")
        if base_url.startswith("http://127.0.0.1"):  # the mock: make it fail twice first
            arm_mock_faults(base_url)
    message = create_with_backoff(
        client,
        model="claude-haiku-4-5",
        max_tokens=1024,
        messages=[{"role": "user", "content": "Hello, Claude"}],
    )
    print(message.content[0].text)  # type: ignore[union-attr]
    return message


if __name__ == "__main__":
    main()
