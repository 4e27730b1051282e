"""Batches and models in record and replay: what ``/v1/messages`` does with recordings, for the other nouns.

Recording (a mode that forwards): a request no recording answers goes to the upstream and is recorded, as a
message is; a batch created through the upstream has every follow-up (polls, cancel, results, delete)
forwarded and recorded with its time since the creation (``after_ms``), so one batch's polls are a timeline.
Replaying: a recording answers as recorded; a replayed batch goes through its recorded states on the recorded
schedule from the moment its creation was replayed, scaled by ``--speed``, and serves its recorded results.
A request no recording answers is the mock's own (its batch store, its catalog), as without recordings.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from mockclaude.pipeline.stages import Handler, Pipeline
from mockclaude.sources.upstream import BATCHES, MAX_LIVE_BATCHES, batch_of, exchange_path
from mockclaude.store.format import Recording
from mockclaude.wire.reply import BytesReply, JsonReply, RelayReply, Reply
from mockclaude.wire.request import Request


class RecordedRoutes:
    """Wraps the batch and model routes with recording and replay (:meth:`wrap`)."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        # Batches whose recorded creation was replayed, and when (monotonic): their timelines' clock.
        self.replayed: OrderedDict[str, float] = OrderedDict()

    def wrap(self, handler: Handler) -> Handler:
        def recorded(request: Request, params: dict[str, str]) -> Reply:
            reply = self.answer(request)
            return reply if reply is not None else handler(request, params)

        return recorded

    def answer(self, request: Request) -> Reply | None:
        """The upstream's relay or a recording's answer for this request, or None (the mock's own)."""
        p = self.pipeline
        upstream = p.upstream
        if upstream is None and not len(p.recordings):
            return None
        path = exchange_path(request)
        body = (
            p.parse(request) if request.method == "POST" and request.body else None
        )  # bad JSON: the API's 400
        live = upstream is not None and upstream.is_live_batch(request.path)
        recording = None if live else self._find(request.method, path, body)
        if upstream is not None and (live or recording is None or not p.replays_first):
            p.check_version(request)
            relay = upstream.answer(request, body)
            return RelayReply(relay=relay.relay, upstream=relay.upstream)
        if recording is None:
            return None
        if request.method == "POST" and request.path == BATCHES and isinstance(recording.body, dict):
            self._started(str(recording.body.get("id")))
        return _reply(recording)

    def _find(self, method: str, path: str, body: Any) -> Recording | None:
        recordings = self.pipeline.recordings
        batch_id = batch_of(path)
        if batch_id is None:
            return recordings.find(method, path, body)
        started = self.replayed.get(batch_id)
        elapsed_ms = (
            0.0 if started is None else (time.monotonic() - started) * 1000 * self.pipeline.config.speed
        )
        return recordings.find_at(method, path, body, elapsed_ms)

    def _started(self, batch_id: str) -> None:
        self.replayed[batch_id] = time.monotonic()
        self.replayed.move_to_end(batch_id)
        while len(self.replayed) > MAX_LIVE_BATCHES:
            self.replayed.popitem(last=False)

    def reset(self) -> None:
        self.replayed.clear()


def _reply(recording: Recording) -> Reply:
    origin = f"recording:{recording.path.name}"
    if isinstance(recording.body, str):  # a batch's results, JSON Lines
        content_type = recording.headers.get("content-type", "application/x-jsonl")
        reply: Reply = BytesReply(
            status=recording.status, body=recording.body.encode(), content_type=content_type
        )
    else:
        reply = JsonReply(status=recording.status, payload=recording.body)
    reply.origin = origin
    return reply
