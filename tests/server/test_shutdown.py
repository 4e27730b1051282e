"""SIGTERM with streams in flight (issue 15, defect 6): every stream ends with the API's overloaded error
event and closes, the server exits within its grace period, and the log has no traceback."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import httpx2
import orjson
import yaml

from tests.support.server import PROBE_HEADERS, start_server

STREAMS = 40
ASK = {
    "model": "claude-haiku-4-5",
    "max_tokens": 8000,
    "stream": True,
    "messages": [{"role": "user", "content": "long essay"}],
}
# A rule's 3,000-word answer at the opus profile (45 tokens/s, about a minute): however slowly the machine
# starts the streams, every one is still in flight at the signal.
RULES = {
    "rules": [
        {"name": "essay", "when": {"last_user": {"equals": "long essay"}}, "answer": {"text": "word " * 3000}}
    ]
}


def test_sigterm_ends_streams_with_the_overloaded_event(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "essay.yaml").write_text(yaml.safe_dump(RULES))
    rules = ("--rules", str(tmp_path / "rules"))
    server = start_server(tmp_path, "--latency", "opus", *rules, "--shutdown-grace-s", "5")
    started = threading.Barrier(STREAMS + 1, timeout=60)
    tails: list[bytes] = []
    errors: list[BaseException] = []

    def stream() -> None:
        try:
            with (
                httpx2.Client(timeout=60) as http,
                http.stream(
                    "POST", server.base_url + "/v1/messages", json=ASK, headers=PROBE_HEADERS
                ) as answer,
            ):
                assert answer.status_code == 200
                received = b""
                chunks = answer.iter_bytes()
                while b"message_start" not in received:
                    received += next(chunks)
                started.wait()
                for chunk in chunks:
                    received += chunk
                tails.append(received)
        except BaseException as exc:  # reported below
            errors.append(exc)
            started.abort()

    threads = [threading.Thread(target=stream) for _ in range(STREAMS)]
    try:
        for thread in threads:
            thread.start()
        started.wait()
        server.process.send_signal(signal.SIGTERM)
        exit_code = server.process.wait(60)  # a hang guard
    except threading.BrokenBarrierError:
        raise AssertionError(errors[:3]) from None
    finally:
        if server.alive():
            server.process.kill()
    for thread in threads:
        thread.join(60)
    assert not errors, errors[:3]
    assert exit_code in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once it has shut down
    assert len(tails) == STREAMS
    for received in tails:
        last = received.strip().split(b"\n\n")[-1]
        assert last.startswith(b"event: error\n"), last[:200]
        payload = orjson.loads(last.split(b"data: ", 1)[1])
        assert payload == {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    log = server.log.read_text()
    assert "Traceback" not in log and "CancelledError" not in log, log[-3000:]
