"""The scenarios as Locust users: chat, streaming chat, a tool-use loop, a multi-agent fan-out, a
prompt-cached conversation, batch submit-and-poll, and open-loop Poisson arrivals.

Prompts and sizes come from the data file (``--scenarios``, default ``loadtests/data/scenarios.yaml``);
every request goes through :class:`~loadkit.client.ApiClient` and every record through the sink.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import random
import statistics
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import gevent
import gevent.pool
import yaml
from locust import User, task
from locust.exception import StopUser

from .client import ApiClient, BudgetSpent, Exchange
from .options import api_key, target_problem
from .records import Workflow
from .sink import SINK

_ids = itertools.count(1)


@functools.cache
def load_data(path: str) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def api_blocks(content: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An answer's content as request blocks (only the fields a request may carry)."""
    keep = {
        "text": ("type", "text"),
        "tool_use": ("type", "id", "name", "input"),
        "thinking": ("type", "thinking", "signature"),
    }
    return [{k: b[k] for k in keep[b["type"]] if k in b} for b in content if b.get("type") in keep]


class LlmUser(User):
    abstract = True
    scenario = ""
    section = ""

    def wait_time(self) -> float:
        lo, hi = self.data.get("wait_s") or (0, 0)
        return random.uniform(lo, hi)

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.children = gevent.pool.Group()  # a user's parallel requests (fan-out), killed with it

    def on_start(self) -> None:
        o = self.environment.parsed_options
        problem = target_problem(self.host, o)
        if problem:
            raise StopUser(problem)
        self.data = load_data(o.scenarios)
        self.conf: dict[str, Any] = self.data.get(self.section, {})
        self.user_id = f"{uuid.uuid4().hex[:6]}"
        self.client_ = ApiClient(
            self.host or "",
            api_key(o),
            SINK.emit,
            timeout_s=o.timeout_s,
            concurrency=self.concurrency(),
            retries=o.retries,
            worker=SINK.worker_id,
            budget_spent=SINK.budget_spent,
            platform=o.platform,
        )

    def on_stop(self) -> None:
        self.children.kill(block=False)
        if hasattr(self, "client_"):  # on_start may have refused the target
            self.client_.close()

    def concurrency(self) -> int:
        return 1

    def model(self) -> str:
        return str(self.environment.parsed_options.model or self.conf.get("model") or self.data["model"])

    def fill(self, text: str, **extra: Any) -> str:
        return text.format(n=f"{self.user_id}_{next(_ids)}", **extra)  # no "-": "a1-2" reads as arithmetic

    def prompt(self) -> str:
        return self.fill(random.choice(self.conf["prompts"]))

    def body(
        self, messages: list[dict[str, Any]], max_tokens: int, stream: bool | None, **extra: Any
    ) -> dict[str, Any]:
        """A create-message body; ``stream=None`` leaves the field out (batch requests may not carry it)."""
        body = {"model": self.model(), "max_tokens": max_tokens, "messages": messages, **extra}
        return body if stream is None else {**body, "stream": stream}

    def message(
        self, name: str, body: dict[str, Any], workflow: Workflow | None = None, **kw: Any
    ) -> Exchange:
        return self.client_.send(self.scenario, name, "POST", "/v1/messages", body, workflow=workflow, **kw)

    def workflow(self) -> Workflow:
        return Workflow(
            self.scenario, f"{self.scenario}-{self.user_id}-{next(_ids)}", time.time(), worker=SINK.worker_id
        )

    def finish(self, wf: Workflow, started: float) -> None:
        wf.makespan_ms = round((time.perf_counter() - started) * 1000, 3)
        SINK.emit(wf)

    def one_turn(self, name: str, stream: bool) -> None:
        self.message(
            name, self.body([{"role": "user", "content": self.prompt()}], self.conf["max_tokens"], stream)
        )


class ChatUser(LlmUser):
    """One non-streamed question, one answer."""

    scenario = section = "chat"

    @task
    def chat(self) -> None:
        self.one_turn("chat", stream=False)


class StreamingChatUser(LlmUser):
    """One streamed question: TTFT, ITL and decode speed are measured on these."""

    scenario = section = "stream_chat"

    @task
    def stream_chat(self) -> None:
        self.one_turn("stream_chat", stream=True)


class ToolLoopUser(LlmUser):
    """An agent loop: answer -> tool_use -> (simulated tool) -> tool_result -> ... until the model stops."""

    scenario = section = "tool_loop"

    @task
    def loop(self) -> None:
        c, wf, started = self.conf, self.workflow(), time.perf_counter()
        messages: list[dict[str, Any]] = [{"role": "user", "content": self.prompt()}]
        for _ in range(c["max_turns"]):
            ex = self.message(
                "tool_loop turn", self.body(messages, c["max_tokens"], c["stream"], tools=c["tools"]), wf
            )
            wf.turns += 1
            answer = ex.body if ex.record.ok else None
            wf.stop_reason = answer.get("stop_reason") if answer else None
            if not answer or wf.stop_reason != "tool_use":
                break
            calls = [b for b in answer["content"] if b.get("type") == "tool_use"]
            messages.append({"role": "assistant", "content": api_blocks(answer["content"])})
            tool_start = time.perf_counter()
            gevent.sleep(c["tool_ms"] / 1000)  # the tools of one turn run in parallel
            wf.tool_ms += (time.perf_counter() - tool_start) * 1000
            results = [
                {"type": "tool_result", "tool_use_id": b["id"], "content": f"{b['name']} returned 109.90"}
                for b in calls
            ]
            messages.append({"role": "user", "content": results})
        self.finish(wf, started)


class FanOutUser(LlmUser):
    """Multi-agent fan-out: a coordinator request, N parallel subtask requests, an aggregating request."""

    scenario = section = "fan_out"

    def concurrency(self) -> int:
        return int(self.conf["subtasks"])

    @task
    def fan_out(self) -> None:
        c, wf, started = self.conf, self.workflow(), time.perf_counter()
        n, stream = int(c["subtasks"]), bool(c["stream"])
        plan = self.fill(c["coordinator"]["prompt"], subtasks=n)
        stage_start = time.perf_counter()
        ex = self.message(
            "fan_out coordinator",
            self.body([{"role": "user", "content": plan}], c["coordinator"]["max_tokens"], stream),
            wf,
        )
        # time in the model = wall time of the three stages (the parallel subtasks count once, as their
        # slowest: the critical path), so it never exceeds the makespan
        model_s = time.perf_counter() - stage_start
        wf.turns = 1
        if ex.record.ok:
            prompts = [self.fill(c["subtask"]["prompts"][i % len(c["subtask"]["prompts"])]) for i in range(n)]
            stage_start = time.perf_counter()
            children = [
                self.children.spawn(
                    self.message,
                    "fan_out subtask",
                    self.body([{"role": "user", "content": p}], c["subtask"]["max_tokens"], stream),
                    wf,
                )
                for p in prompts
            ]
            gevent.joinall(children, raise_error=True)
            model_s += time.perf_counter() - stage_start
            wf.turns = 2
            records = [g.value.record for g in children]
            wf.children_ms = [r.e2e_ms or 0.0 for r in records]
            wf.straggler_ratio = round(max(wf.children_ms) / statistics.median(wf.children_ms), 4)
            if all(r.ok for r in records):
                texts = "\n".join(_text(g.value.body)[:300] for g in children)
                prompt = c["aggregator"]["prompt"].format(results=texts)
                stage_start = time.perf_counter()
                self.message(
                    "fan_out aggregator",
                    self.body([{"role": "user", "content": prompt}], c["aggregator"]["max_tokens"], stream),
                    wf,
                )
                model_s += time.perf_counter() - stage_start
                wf.turns = 3
        wf.model_ms = round(model_s * 1000, 3)
        self.finish(wf, started)


class CachedConversationUser(LlmUser):
    """A multi-turn conversation under a long system prompt with a cache breakpoint."""

    scenario = section = "cached_conversation"

    @task
    def conversation(self) -> None:
        c, wf, started = self.conf, self.workflow(), time.perf_counter()
        system = [
            {
                "type": "text",
                "text": " ".join([c["system"]] * c["system_repeat"]),
                "cache_control": {"type": "ephemeral"},
            }
        ]
        messages: list[dict[str, Any]] = []
        for turn in c["turns"]:
            messages.append({"role": "user", "content": self.fill(turn)})
            ex = self.message("cached turn", self.body(messages, c["max_tokens"], True, system=system), wf)
            wf.turns += 1
            if not ex.record.ok or not ex.body:
                break
            messages.append({"role": "assistant", "content": api_blocks(ex.body["content"]) or "(empty)"})
        self.finish(wf, started)


class BatchUser(LlmUser):
    """Submit a message batch, poll it until it has ended, read its JSONL results (priced at batch rates)."""

    scenario = section = "batch"

    @task
    def batch(self) -> None:
        c, wf, started = self.conf, self.workflow(), time.perf_counter()
        prompts = [self.fill(c["prompts"][i % len(c["prompts"])]) for i in range(c["requests"])]
        requests = [
            {
                "custom_id": f"req-{i}",
                "params": self.body([{"role": "user", "content": p}], c["max_tokens"], None),
            }
            for i, p in enumerate(prompts)
        ]
        send = self.client_.send
        ex = send(
            self.scenario, "batch create", "POST", "/v1/messages/batches", {"requests": requests}, workflow=wf
        )
        batch = ex.body if ex.record.ok else None
        deadline = time.monotonic() + c["max_wait_s"]
        while batch and batch.get("processing_status") != "ended" and time.monotonic() < deadline:
            gevent.sleep(c["poll_s"])
            ex = send(self.scenario, "batch poll", "GET", f"/v1/messages/batches/{batch['id']}", workflow=wf)
            batch = ex.body if ex.record.ok else None
            wf.turns += 1
        if batch and batch.get("results_url"):
            send(
                self.scenario,
                "batch results",
                "GET",
                urlparse(batch["results_url"]).path,
                workflow=wf,
                batch_price=True,
            )
        elif wf.error_class is None:
            wf.error_class = "timeout"
        self.finish(wf, started)


class OpenLoopUser(LlmUser):
    """Open-loop Poisson arrivals of streamed chats, ``--arrival-rate`` per second for each such user.

    A request starts when it is due whatever the earlier ones are doing; each record keeps the intended
    and the actual send time, so a generator that falls behind shows as send lag instead of hiding it.
    """

    scenario = "open_loop"
    section = "stream_chat"

    def concurrency(self) -> int:
        return int(self.environment.parsed_options.max_inflight)

    @task
    def arrivals(self) -> None:
        o = self.environment.parsed_options
        self.pool = gevent.pool.Pool(o.max_inflight)
        due = time.perf_counter()  # the schedule runs on the monotonic clock, and so does the lag
        while True:
            due += random.expovariate(o.arrival_rate)
            gevent.sleep(max(0.0, due - time.perf_counter()))
            body = self.body([{"role": "user", "content": self.prompt()}], self.conf["max_tokens"], True)
            self.pool.spawn(self._one, body, due)  # waits while max_inflight are in flight

    def _one(self, body: dict[str, Any], due: float) -> None:
        with contextlib.suppress(BudgetSpent):  # the sink stops the run
            self.message("open_loop stream", body, intended_at=due)

    def on_stop(self) -> None:
        if getattr(self, "pool", None) is not None:
            self.pool.kill(block=False)
        super().on_stop()


def _text(message: dict[str, Any] | None) -> str:
    return "".join(b.get("text", "") for b in (message or {}).get("content", []) if b.get("type") == "text")
