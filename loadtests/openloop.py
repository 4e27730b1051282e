"""Open-loop Poisson arrivals (streamed chats), with intended versus actual send time per request.

    locust -f loadtests/openloop.py --host http://127.0.0.1:4010 --headless -u 1 -t 1m --arrival-rate 20

``--arrival-rate`` is per user: the total rate is arrival-rate x users (spread users over workers).
"""

from __future__ import annotations

from loadkit import hooks
from loadkit.shapes import ConfiguredShape
from loadkit.users import OpenLoopUser
from locust import events

__all__ = ["ConfiguredShape", "OpenLoopUser"]
hooks.register(events)
