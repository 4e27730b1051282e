"""The attacks of issue 15, replayed against a real mock on loopback, one fresh mock per attack.

Each attack returns its counts (requests sent, 5xx answers, hangs, wrong answers); the harness
(:func:`run_attack`) adds the ``/_mock/health`` latency measured while the attack ran and the mock's RSS
before and after. ``scale`` shrinks every count (``make test`` runs ``scale=0.05``; ``make stress`` 1.0).
Talks HTTP only (raw sockets and httpx2); nothing here imports the server's code.
"""

from __future__ import annotations

import contextlib
import math
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import orjson
import psutil
import yaml

from loadtests.bench.mockproc import launch_mock

KEY_HEADERS = {"x-api-key": "sk-ant-stress", "anthropic-version": "2023-06-01"}
HANG_S = 30.0  # an answer that takes longer than this is a hang


@dataclass
class Counts:
    requests: int = 0
    errors_5xx: int = 0
    hangs: int = 0
    wrong: int = 0  # answers that are not what the attack should get (not the API's envelope, a leak...)
    notes: list[str] = field(default_factory=list)

    def add(self, status: int | None, ok: bool = True) -> None:
        self.requests += 1
        if status is None:
            self.hangs += 1
        elif status >= 500:
            self.errors_5xx += 1
        elif not ok:
            self.wrong += 1


@dataclass
class Result:
    attack: str
    counts: Counts
    health_p99_ms: float | None
    health_hangs: int
    rss_before_mb: float
    rss_after_mb: float


class Mock:
    """``python -m mockclaude serve`` on a free loopback port, with its log in a temporary file."""

    def __init__(self, args: str, workdir: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"mock-{self.port}.log"
        with self.log_path.open("wb") as log:
            self.process = launch_mock(self.port, "instant", args, log)
        self.started = self._wait()

    def _wait(self) -> bool:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            with contextlib.suppress(httpx2.TransportError):
                httpx2.get(self.base_url + "/_mock/health", timeout=1)
                return True
            time.sleep(0.05)
        return False

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def rss_mb(self) -> float:
        try:
            return float(psutil.Process(self.process.pid).memory_info().rss) / 2**20
        except psutil.Error:
            return math.nan

    def cpu_s(self) -> float:
        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)  # a mock stuck in one request's CPU work ignores SIGTERM
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class HealthProbe:
    """``GET /_mock/health`` every 20 ms on its own connection while an attack runs."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.latencies: list[float] = []
        self.hangs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(HANG_S + 5)

    def _run(self) -> None:
        with httpx2.Client(base_url=self.base_url, timeout=HANG_S) as http:
            while not self._stop.is_set():
                start = time.perf_counter()
                try:
                    http.get("/_mock/health")
                    self.latencies.append((time.perf_counter() - start) * 1000)
                except httpx2.TimeoutException:
                    self.hangs += 1
                except httpx2.TransportError:
                    if not self._stop.is_set():
                        time.sleep(0.05)
                self._stop.wait(0.02)

    def p99(self) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[max(1, math.ceil(0.99 * len(ordered))) - 1]


# -- helpers --------------------------------------------------------------------------------------------
def post(base_url: str, body: bytes | dict[str, object], headers: dict[str, str] | None = None) -> int | None:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    sent = {**KEY_HEADERS, "content-type": "application/json", **(headers or {})}
    try:
        return httpx2.post(base_url + "/v1/messages", content=data, headers=sent, timeout=HANG_S).status_code
    except httpx2.TimeoutException:
        return None
    except httpx2.TransportError:
        return 599  # the connection broke: the server died or dropped the request


def blast(base_url: str, requests: Iterator[bytes], connections: int = 4, window: int = 64) -> Counts:
    """Raw HTTP/1.1 requests, pipelined ``window`` at a time on ``connections`` keep-alive sockets."""
    counts = Counts()
    lock = threading.Lock()
    host, port = base_url.removeprefix("http://").split(":")

    def worker() -> None:
        sock = socket.create_connection((host, int(port)), timeout=HANG_S)
        reader = sock.makefile("rb")
        try:
            while True:
                with lock:
                    batch = [r for _, r in zip(range(window), requests, strict=False)]
                if not batch:
                    return
                sock.sendall(b"".join(batch))
                for _ in batch:
                    status = _read_answer(reader)
                    with lock:
                        counts.add(status)
        except (TimeoutError, OSError):
            with lock:
                counts.hangs += 1
        finally:
            sock.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts


def _read_answer(reader: object) -> int:
    status_line = reader.readline()  # type: ignore[attr-defined]
    if not status_line:
        raise OSError("closed")
    status = int(status_line.split()[1])
    length = 0
    chunked = False
    while (line := reader.readline().strip()) != b"":  # type: ignore[attr-defined]
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
        elif name.lower() == b"transfer-encoding":
            chunked = True
    if chunked:
        while (size := int(reader.readline().strip(), 16)) > 0:  # type: ignore[attr-defined]
            reader.read(size + 2)  # type: ignore[attr-defined]
        reader.readline()  # type: ignore[attr-defined]
    else:
        reader.read(length)  # type: ignore[attr-defined]
    return status


def raw_request(method: str, target: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    if body:
        lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _ask(text: str, **extra: object) -> dict[str, object]:
    return {
        "model": "claude-haiku-4-5",
        "max_tokens": 16,
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


# -- the attacks ------------------------------------------------------------------------------------------
def huge_message_lists(mock: Mock, scale: float) -> Counts:
    """Defect 1: 100,001 one-word messages (a 400), and a ~29 MB body of messages under the 32 MB limit."""
    counts = Counts()
    for n in (100_001, 690_000) if scale >= 1 else (max(10, int(100_001 * scale)),):
        messages = [{"role": "user" if i % 2 == 0 else "assistant", "content": "word"} for i in range(n)]
        status = post(mock.base_url, {"model": "claude-haiku-4-5", "max_tokens": 16, "messages": messages})
        counts.add(status, ok=status in (200, 400, 413))
    return counts


def deep_nesting(mock: Mock, scale: float) -> Counts:
    """Defect 2: nesting around depth 1,000 in content and in a tool's input_schema: a 400, never a 500."""
    counts = Counts()
    for depth in (500, 1000, 2000, 10_000):  # built as text: JSON libraries refuse such depths
        head = b'{"model":"claude-haiku-4-5","max_tokens":16,'
        content = b"[" * depth + b'"x"' + b"]" * depth
        status = post(mock.base_url, head + b'"messages":[{"role":"user","content":' + content + b"}]}")
        counts.add(status, ok=status == 400)
        schema = b'{"type":"object","properties":{"a":' * depth + b'{"type":"string"}' + b"}}" * depth
        tool = b'{"name":"deep","description":"d","input_schema":' + schema + b"}"
        status = post(
            mock.base_url, head + b'"tools":[' + tool + b'],"messages":[{"role":"user","content":"hi"}]}'
        )
        counts.add(status, ok=status in (200, 400))
    return counts


def rate_limit_keys(mock: Mock, scale: float) -> Counts:
    """Defect 3: 100,000 distinct API keys, each its own rate-limit bucket."""
    n = int(100_000 * scale)
    body = orjson.dumps(_ask("hi", max_tokens=1))
    headers = {"anthropic-version": "2023-06-01", "content-type": "application/json"}
    return blast(
        mock.base_url,
        (
            raw_request("POST", "/v1/messages", {**headers, "x-api-key": f"sk-ant-k{i}"}, body)
            for i in range(n)
        ),
    )


def distinct_paths(mock: Mock, scale: float) -> Counts:
    """Defect 3: 100,000 distinct unknown paths (404s), each once a stats label."""
    n = int(100_000 * scale)
    return blast(mock.base_url, (raw_request("GET", f"/v1/nothing-{i}", KEY_HEADERS) for i in range(n)))


def model_names(mock: Mock, scale: float) -> Counts:
    """Defect 3: 100,000 distinct model names under --validation permissive (per-model stats)."""
    n = int(100_000 * scale)
    headers = {**KEY_HEADERS, "content-type": "application/json"}
    return blast(
        mock.base_url,
        (
            raw_request(
                "POST", "/v1/messages", headers, orjson.dumps({**_ask("hi", max_tokens=1), "model": f"m-{i}"})
            )
            for i in range(n)
        ),
    )


def _held(mock: Mock, n: int, opening: bytes, trickle: bytes | None) -> Counts:
    """``n`` connections that send ``opening`` then ``trickle`` a byte a second: each must be closed by
    the server (a hang is one still open HANG_S after the last was opened)."""
    counts = Counts()
    socks = []
    for _ in range(n):
        try:
            sock = socket.create_connection(("127.0.0.1", mock.port), timeout=5)
            if opening:
                sock.sendall(opening)
            sock.setblocking(False)
            socks.append(sock)
        except OSError:
            counts.wrong += 1  # refused outright: not a hang, but not what a cap should do either
    counts.requests = n
    deadline = time.monotonic() + HANG_S
    open_socks = set(socks)
    while open_socks and time.monotonic() < deadline:
        for sock in list(open_socks):
            try:
                data = sock.recv(4096)
                if not data:
                    open_socks.discard(sock)
                    continue
                if not data.startswith(b"HTTP/1.1 4") or b"application/json" not in data:
                    counts.wrong += 1
            except BlockingIOError:
                if trickle is not None:
                    with contextlib.suppress(OSError):
                        sock.send(trickle)
            except OSError:
                open_socks.discard(sock)
        time.sleep(1)
    counts.hangs = len(open_socks)
    for sock in socks:
        sock.close()
    return counts


def slowloris(mock: Mock, scale: float) -> Counts:
    """Defect 4: 2,000 connections sending their headers a byte a second."""
    return _held(mock, int(2000 * scale), b"GET /v1/models HTTP/1.1\r\nhost: x\r\n", b"x")


def idle_connections(mock: Mock, scale: float) -> Counts:
    """Defect 4: 2,000 connections that send nothing."""
    return _held(mock, int(2000 * scale), b"", None)


def slow_bodies(mock: Mock, scale: float) -> Counts:
    """Defect 4: 1,000 bodies sent a byte a second, and chunked bodies without their last chunk."""
    head = raw_request("POST", "/v1/messages", {**KEY_HEADERS, "content-type": "application/json"})
    slow = head.replace(b"\r\n\r\n", b"\r\ncontent-length: 100000\r\n\r\n{")
    counts = _held(mock, int(1000 * scale), slow, b" ")
    chunked = head.replace(b"\r\n\r\n", b"\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n")
    more = _held(mock, max(1, int(100 * scale)), chunked, None)
    counts.requests += more.requests
    counts.hangs += more.hangs
    counts.wrong += more.wrong
    return counts


def credentials(mock: Mock, scale: float) -> Counts:
    """Defect 5: a custom credential header, a key in the query string (access log on): neither in the
    journal nor in the log."""
    counts = Counts()
    secret = "sk-ant-api03-StressLeak-0123456789abcdef"
    headers = {**KEY_HEADERS, "x-custom-token": secret, "x-trace": "Zq8xW2mN4vB7kL1pR5tY9uE3iO6aS0dF"}
    answer = httpx2.get(mock.base_url + f"/v1/models?key={secret}", headers=headers, timeout=HANG_S)
    counts.add(answer.status_code)
    journal = httpx2.get(mock.base_url + "/_mock/journal", timeout=HANG_S).text
    time.sleep(0.5)  # the access log line
    for where, text in (("journal", journal), ("log", mock.log)):
        for leaked in (secret, "Zq8xW2mN4vB7kL1pR5tY9uE3iO6aS0dF"):
            if leaked in text:
                counts.wrong += 1
                counts.notes.append(f"{leaked[:12]}… in the {where}")
    return counts


def sigterm_streams(mock: Mock, scale: float) -> Counts:
    """Defect 6: SIGTERM with 200 streams in flight: each ends with the overloaded event, no traceback."""
    n = max(5, int(200 * scale))
    counts = Counts(requests=n)
    started = threading.Barrier(n + 1, timeout=HANG_S)
    tails: list[bytes] = []
    # a rule's 3,000-word answer at the opus profile (45 tokens/s): every stream is in flight at the signal
    ask = {**_ask("long essay"), "max_tokens": 8000, "stream": True}

    def stream() -> None:
        received = b""
        try:
            with (
                httpx2.Client(timeout=HANG_S) as http,
                http.stream("POST", mock.base_url + "/v1/messages", json=ask, headers=KEY_HEADERS) as answer,
            ):
                chunks = answer.iter_bytes()
                while b"message_start" not in received:
                    received += next(chunks)
                started.wait()
                for chunk in chunks:
                    received += chunk
        except (httpx2.HTTPError, threading.BrokenBarrierError, StopIteration):
            pass
        tails.append(received)

    threads = [threading.Thread(target=stream) for _ in range(n)]
    for t in threads:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        started.wait()
    mock.process.send_signal(signal.SIGTERM)
    try:
        mock.process.wait(HANG_S)
    except subprocess.TimeoutExpired:
        counts.hangs += 1
    for t in threads:
        t.join(HANG_S)
    ended = sum(
        1
        for r in tails
        if r.strip().split(b"\n\n")[-1].startswith(b"event: error") and b"overloaded_error" in r
    )
    counts.wrong += n - ended
    tracebacks = mock.log.count("Traceback")
    counts.wrong += tracebacks
    counts.notes.append(f"{ended}/{n} ended with the overloaded event, {tracebacks} tracebacks")
    failed = [r for r in tails if not (r.strip().split(b"\n\n")[-1].startswith(b"event: error"))]
    if failed:
        counts.notes.append(
            f"e.g. {failed[0][-120:]!r}, {sum(b'event: error' in r for r in failed)} with an error event inside"
        )
    return counts


def dribble(mock: Mock, scale: float) -> Counts:
    """Defect 7: ``slow_ms`` with ``chunk=1`` on a 1.2 MB answer; the server's CPU over 5 s of it."""
    counts = Counts(requests=1)
    before = mock.cpu_s()
    headers = {**KEY_HEADERS, "x-mockclaude-fault": "slow_ms=1; chunk=1"}
    try:
        with httpx2.stream(
            "POST",
            mock.base_url + "/v1/messages",
            json=_ask("big answer", max_tokens=1000),
            headers=headers,
            timeout=HANG_S,
        ) as answer:
            if answer.status_code >= 500:
                counts.errors_5xx += 1
            end = time.monotonic() + 5
            for _ in answer.iter_bytes():
                if time.monotonic() > end:
                    break
    except httpx2.TimeoutException:
        counts.hangs += 1
    except httpx2.HTTPError:
        pass
    counts.notes.append(f"server CPU {mock.cpu_s() - before:.1f} s over 5 s of dribbling")
    return counts


def backtracking_rule(mock: Mock, scale: float) -> Counts:
    """Defect 8: a rule ``^(a+)+$``: refused at load, or run in linear time (no request waits on it)."""
    counts = Counts()
    if not mock.started:
        refused = "(a+)+" in mock.log
        counts.notes.append("refused at load" if refused else "did not start: " + mock.log[-200:])
        counts.wrong += 0 if refused else 1
        return counts
    for n in (24, 28, 32) if scale >= 1 else (30,):
        counts.add(post(mock.base_url, _ask("a" * n + "b")))
    return counts


HTTP_LEVEL = {
    "64KB query": raw_request("GET", "/v1/models?q=" + "a" * 65536, KEY_HEADERS),
    "64KB path": raw_request("GET", "/v1/" + "a" * 65536, KEY_HEADERS),
    "unknown method": raw_request("FOO", "/v1/models", KEY_HEADERS),
    "negative length": raw_request("POST", "/v1/messages", {**KEY_HEADERS, "content-length": "-5"}),
    "bad chunk size": raw_request("POST", "/v1/messages", {**KEY_HEADERS, "transfer-encoding": "chunked"})
    + b"zz\r\nab\r\n",
    "500 headers": raw_request("GET", "/v1/models", {**KEY_HEADERS, **{f"x-h{i}": "v" for i in range(500)}}),
    "64KB header": raw_request("GET", "/v1/models", {**KEY_HEADERS, "x-big": "v" * 65536}),
    "64KB fault header": raw_request("GET", "/v1/models", {**KEY_HEADERS, "x-mockclaude-fault": "x" * 65536}),
}


def http_level(mock: Mock, scale: float) -> Counts:
    """Defect 9: what the HTTP parser refuses, huge heads and echoes: the API's JSON envelope, capped;
    X-Forwarded-For from loopback does not make a request remote."""
    counts = Counts()
    for name, raw in HTTP_LEVEL.items():
        with socket.create_connection(("127.0.0.1", mock.port), timeout=HANG_S) as sock:
            try:
                sock.sendall(raw)
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
            except TimeoutError:
                counts.add(None)
                continue
            except OSError:
                answer = b""
        status = int(answer.split()[1]) if answer.startswith(b"HTTP/1.1") else 0
        good = b"application/json" in answer and len(answer) < 4096 and 400 <= status < 500
        counts.add(status, ok=good)
        if not good:
            counts.notes.append(f"{name}: {answer[:60]!r}")
    forwarded = httpx2.get(
        mock.base_url + "/_mock/health", headers={"x-forwarded-for": "203.0.113.7"}, timeout=HANG_S
    )
    counts.add(forwarded.status_code, ok=forwarded.status_code == 200)
    return counts


@dataclass(frozen=True)
class Attack:
    name: str
    run: Callable[[Mock, float], Counts]
    mock_args: str = ""
    rules: dict[str, object] | None = None
    defect: int = 0


ATTACKS = (
    Attack("huge message lists", huge_message_lists, defect=1),
    Attack("deep nesting", deep_nesting, defect=2),
    Attack("100k rate-limit keys", rate_limit_keys, "--rate-limits tier4", defect=3),
    Attack("100k unknown paths", distinct_paths, defect=3),
    Attack("100k model names", model_names, "--validation permissive", defect=3),
    Attack("2,000 slowloris", slowloris, "--header-timeout-s 3 --max-connections 5000", defect=4),
    Attack(
        "2,000 idle connections", idle_connections, "--header-timeout-s 3 --max-connections 5000", defect=4
    ),
    Attack("1,000 slow bodies", slow_bodies, "--body-timeout-s 3 --max-connections 5000", defect=4),
    Attack("credentials in logs", credentials, "--access-log", defect=5),
    Attack(
        "SIGTERM, streams in flight",
        sigterm_streams,
        "--latency opus --shutdown-grace-s 5",
        rules={
            "rules": [
                {
                    "name": "essay",
                    "when": {"last_user": {"equals": "long essay"}},
                    "answer": {"text": "word " * 3000},
                }
            ]
        },
        defect=6,
    ),
    Attack(
        "dribble chunk=1",
        dribble,
        rules={
            "rules": [
                {
                    "name": "big",
                    "when": {"last_user": {"equals": "big answer"}},
                    "answer": {"text": "x " * 600_000},
                }
            ]
        },
        defect=7,
    ),
    Attack(
        "backtracking regex",
        backtracking_rule,
        rules={
            "rules": [
                {"name": "evil", "when": {"last_user": {"matches": "^(a+)+$"}}, "answer": {"text": "no"}}
            ]
        },
        defect=8,
    ),
    Attack("HTTP-level errors", http_level, defect=9),
)


def run_attack(attack: Attack, scale: float) -> Result:
    with tempfile.TemporaryDirectory(prefix="mockclaude-stress-") as tmp:
        workdir = Path(tmp)
        args = attack.mock_args
        if attack.rules is not None:
            (workdir / "rules").mkdir()
            (workdir / "rules" / "attack.yaml").write_text(yaml.safe_dump(attack.rules))
            args += f" --rules {workdir / 'rules'}"
        mock = Mock(args, workdir)
        try:
            before = mock.rss_mb()
            if not mock.started:
                counts = attack.run(mock, scale)
                return Result(attack.name, counts, None, 0, before, before)
            with HealthProbe(mock.base_url) as probe:
                counts = attack.run(mock, scale)
            after = mock.rss_mb() if mock.process.poll() is None else math.nan
            if mock.process.poll() is not None and attack.run is not sigterm_streams:
                counts.notes.append("the mock died")
                counts.errors_5xx += 1
            return Result(attack.name, counts, probe.p99(), probe.hangs, before, after)
        finally:
            mock.stop()


def table(results: list[Result]) -> str:
    head = "| attack | requests | 5xx | hangs | wrong | health p99 ms | health hangs | RSS before MB | RSS after MB | notes |"
    rows = [head, "|" + "---|" * 10]
    for r in results:
        c = r.counts
        p99 = f"{r.health_p99_ms:.1f}" if r.health_p99_ms is not None else "-"
        rows.append(
            f"| {r.attack} | {c.requests} | {c.errors_5xx} | {c.hangs} | {c.wrong} | {p99} | {r.health_hangs} "
            f"| {r.rss_before_mb:.1f} | {r.rss_after_mb:.1f} | {'; '.join(c.notes)} |"
        )
    return "\n".join(rows)
