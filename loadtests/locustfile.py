"""Locust scenarios against the Messages API (the mock by default): see README "Load tests".

    locust -f loadtests/locustfile.py --host http://127.0.0.1:4010 --headless -u 10 -r 10 -t 1m
    locust -f loadtests/locustfile.py ... StreamingChatUser        # one scenario
    locust -f loadtests/locustfile.py ... --shape step --steps 1,4,16 --step-s 20

Naming no user class runs all of them in the data file's mix weights (the weighted mix).
"""

from __future__ import annotations

from loadkit import hooks
from loadkit.shapes import ConfiguredShape
from loadkit.users import (
    BatchUser,
    CachedConversationUser,
    ChatUser,
    FanOutUser,
    StreamingChatUser,
    ToolLoopUser,
)
from locust import events

__all__ = [
    "BatchUser",
    "CachedConversationUser",
    "ChatUser",
    "ConfiguredShape",
    "FanOutUser",
    "StreamingChatUser",
    "ToolLoopUser",
]
hooks.register(events)
