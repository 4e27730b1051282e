"""Timing: when each stream event is due, on absolute deadlines from the request's start.

Headers and everything before the first delta go out one token interval before the first token;
the first ``content_block_delta`` is due at the time to first token (which grows with input length);
each later delta is due ``tokens / tokens_per_s`` after the previous one. Deadlines are absolute
(request start + offset), so time spent sending never accumulates into drift. A non-stream answer
is sent when its stream would have finished.
"""

from __future__ import annotations

import random

from mockclaude.protocol.catalog import LatencyProfile
from mockclaude.protocol.sse import Event


def schedule(
    events: list[Event], profile: LatencyProfile, input_tokens: int, speed: float, seed: int
) -> list[float]:
    """Offsets in seconds from the request's start, one per event (non-decreasing)."""
    if profile.instant:
        return [0.0] * len(events)
    rng = random.Random(seed)
    jitter = 1.0 + profile.jitter * (2 * rng.random() - 1) if profile.jitter else 1.0
    ttft = (profile.ttft_ms + profile.ttft_ms_per_1k_input * input_tokens / 1000) * jitter / 1000 / speed
    interval = (1.0 / profile.tokens_per_s / speed) if profile.tokens_per_s > 0 else 0.0
    offsets: list[float] = []
    clock = max(0.0, ttft - interval)
    first_delta_seen = False
    for event in events:
        if event.name == "content_block_delta" and event.tokens:
            if not first_delta_seen:
                clock, first_delta_seen = max(clock, ttft), True
            else:
                clock += interval * event.tokens
        offsets.append(clock)
    return offsets
