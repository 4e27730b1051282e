"""Contract-test profiles: how much schemathesis generates and which phases run.

`fast` runs inside `make test` (in-process mock); `thorough` is `make contract`; the profile is chosen with
`MOCKCLAUDE_CONTRACT_PROFILE`. Schemathesis' coverage phase derives hundreds of boundary cases per operation
from a 9,000-line spec (minutes, ~750 MB on its own), so the fast profile leaves it out and the thorough
profile runs it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

BODY_OPERATIONS = ["messages_create", "messages_count_tokens", "batches_create"]
# schemathesis' default statuses for a schema-valid request (positive_data_acceptance)
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


@dataclass(frozen=True)
class Profile:
    name: str
    max_examples: int  # fuzzing examples per operation (positive and negative together)
    coverage: bool  # schemathesis' coverage phase (boundary values, missing/extra fields, wrong types)
    stateful_examples: int  # batch scenarios (create → retrieve → results → cancel/delete) per run
    stateful_steps: int

    def schemathesis_config(self, api_key: str | None) -> dict[str, Any]:
        """The profile as a schemathesis configuration (the `schemathesis.toml` keys).

        The key is given as explicit auth for both security schemes of the Messages API spec, so
        `ignored_auth` can probe the server without it and with a wrong one (None: no auth, other specs).
        """
        auth = {"openapi": {"apiKey": {"api_key": api_key}, "bearerAuth": {"bearer": api_key}}}
        return {
            **({"auth": auth} if api_key is not None else {}),
            "seed": 1,  # reproducible runs; change it to explore other cases
            # Not the literals of the code under test: schemathesis would harvest them from the in-process app, and
            # every edit of the mock's source would change the generated cases (the spec and the seed alone do).
            "analysis": {"constants": {"enabled": False}},
            # Every phase runs and every distinct failure is reported, not only the first per operation.
            "continue-on-failure": True,
            # No example database: a run does not replay another run's failures (CI-stable, seed-reproducible).
            "generation": {"mode": "all", "max-examples": self.max_examples, "database": "none"},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": self.coverage},
                "fuzzing": {"enabled": True},
                # Sequences send valid requests: their point is the links between answers.
                "stateful": {
                    "enabled": True,
                    "max-steps": self.stateful_steps,
                    "generation": {"mode": "positive"},
                },
            },
            "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
            # A list cursor (`after_id`/`before_id`) that names no object is a 400: the schema cannot say which
            # ids exist, so a generated cursor is "valid" to schemathesis but not to the server.
            "operations": [
                {
                    "include-operation-id": ["batches_list", "models_list"],
                    "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}},
                },
                # The coverage phase's negative cases for the three big request bodies number ~16,000 per
                # operation (~10 minutes over HTTP): positive boundary cases only there; test_boundaries.py
                # sends the telling negative ones (one step outside each top-level limit).
                {
                    "include-operation-id": BODY_OPERATIONS,
                    "phases": {"coverage": {"enabled": self.coverage, "generation": {"mode": "positive"}}},
                },
                # Replaced by checks.batch_negative_data_rejection (bad `params` are errored results, not a 400)
                # and checks.batch_positive_data_acceptance (repeated `custom_id`s are a 400).
                {
                    "include-operation-id": "batches_create",
                    "checks": {
                        "negative_data_rejection": {"enabled": False},
                        "positive_data_acceptance": {"enabled": False},
                    },
                },
            ],
            # Whole streams (schemathesis reads only the first 20 events by default).
            "max-stream-events": 100_000,
            # Keep `max_tokens` readable in curl reproductions; hide only credentials.
            "output": {
                "sanitization": {
                    "keys-to-sanitize": ["x-api-key", "authorization"],
                    "sensitive-markers": ["api-key", "authorization", "secret", "password"],
                }
            },
        }


PROFILES = {
    "fast": Profile("fast", max_examples=60, coverage=False, stateful_examples=20, stateful_steps=8),
    "thorough": Profile("thorough", max_examples=100, coverage=True, stateful_examples=60, stateful_steps=10),
}


def current() -> Profile:
    name = os.environ.get("MOCKCLAUDE_CONTRACT_PROFILE", "fast")
    if name not in PROFILES:
        raise ValueError(f"MOCKCLAUDE_CONTRACT_PROFILE: {name!r} is not one of {', '.join(PROFILES)}")
    return PROFILES[name]
