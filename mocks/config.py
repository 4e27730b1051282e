"""The mock's configuration: one typed home, validated at start-up.

Precedence: CLI flag > environment variable (``MOCKCLAUDE_*``) > default. A wrong value fails with
the key, the value and the valid choices.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

CONTENT = Path(__file__).resolve().parent / "content"
# content/openapi is a link to the repository's openapi/ folder, so the spec ships inside the package too.
PACKAGE_SPECS = Path(__file__).parent / "content" / "openapi"
DEFAULT_SPEC = PACKAGE_SPECS / "anthropic.yaml"
DEFAULT_CATALOG = CONTENT / "data" / "models.yaml"
DEFAULT_RATE_LIMITS = CONTENT / "data" / "ratelimits.yaml"
DEFAULT_RECORDINGS = CONTENT / "recordings"
DEFAULT_RULES = CONTENT / "rules"


_E = TypeVar("_E", bound=StrEnum)


class ValidationMode(StrEnum):
    """How much of the API's validation the mock enforces."""

    STRICT = "strict"  # the spec's schemas and the API's semantic rules; unknown models are a 404
    PERMISSIVE = "permissive"  # the spec's schemas only; any model name is answered


class RecordMode(StrEnum):
    """Record mode, with VCR's names and meanings (plus ``off``, the default: no upstream at all)."""

    OFF = "off"  # replay recordings, then rules, then synthesize; nothing is forwarded
    NONE = "none"  # replay only: a request with no recording is an error (marked as the mock's)
    ONCE = "once"  # record into an empty recording set, then behave like none
    NEW_EPISODES = "new_episodes"  # replay what is recorded, forward and record what is not
    ALL = "all"  # always forward, and overwrite the recording

    @property
    def records(self) -> bool:
        """Whether this mode may forward to the upstream and write recordings."""
        return self in (RecordMode.ONCE, RecordMode.NEW_EPISODES, RecordMode.ALL)


class ReplayTiming(StrEnum):
    """How recorded streams are paced."""

    RECORDED = "recorded"  # their recorded time line
    PROFILE = "profile"  # the answering model's latency profile
    INSTANT = "instant"  # at once


VALIDATION_MODES = tuple(ValidationMode)
RECORD_MODES = tuple(m.value for m in RecordMode if m is not RecordMode.OFF)  # the modes that use recordings
REPLAY_TIMINGS = tuple(ReplayTiming)
LATENCY_CHOICES = ("model", "instant", "haiku", "sonnet", "opus", "frontier", "steady")


class ConfigError(ValueError):
    """A configuration value is wrong; the message names the key, the value and the choices."""


@dataclass(frozen=True)
class MockConfig:
    """Everything the app factory needs. Build it with :func:`load_config` or directly in tests."""

    host: str = "127.0.0.1"
    port: int = 4010
    spec_path: Path = DEFAULT_SPEC
    catalog_path: Path = DEFAULT_CATALOG
    # "model": each model's own latency profile; or one named profile for every model.
    latency: str = "model"
    speed: float = 1.0
    validation: ValidationMode = ValidationMode.STRICT
    api_keys: tuple[str, ...] = ()
    batch_processing_s: float = 3.0
    max_body_bytes: int = 32 * 1024 * 1024
    max_batch_body_bytes: int = 256 * 1024 * 1024
    organization_id: str = "00000000-0000-4000-8000-00000000c1a0"
    answer_cache_size: int = 4096
    recordings_dir: Path | None = DEFAULT_RECORDINGS
    skip_bad_recordings: bool = False
    rules_dir: Path | None = DEFAULT_RULES
    record_mode: RecordMode = RecordMode.OFF
    upstream: str = "https://api.anthropic.com"
    redact: tuple[str, ...] = ()  # "email", "phone" or regular expressions
    # Recorded streams replay with their recorded timing, or paced by the model's profile, or at once.
    replay_timing: ReplayTiming = ReplayTiming.RECORDED
    access_log: bool = False
    # Faults on purpose: rule texts ("529; probability=0.1") and/or a YAML file of rules (see faults.py).
    faults: tuple[str, ...] = ()
    faults_file: Path | None = None
    # Rate limits: "" = off; a preset tier (tier1..tier4) or "rpm=N,itpm=N,otpm=N".
    rate_limits: str = ""
    journal_size: int = 1000
    # The admin API (/_mock/): loopback clients only unless admin_remote; a token when admin_token is set.
    admin_remote: bool = False
    admin_token: str = ""

    def __post_init__(self) -> None:
        _choice("latency", self.latency, LATENCY_CHOICES)
        # Enum-valued options accept their string values (from flags, env vars and tests); "" is record mode off.
        object.__setattr__(self, "validation", _enum("validation", ValidationMode, self.validation))
        object.__setattr__(self, "record_mode", _enum("record_mode", RecordMode, self.record_mode or "off"))
        object.__setattr__(self, "replay_timing", _enum("replay_timing", ReplayTiming, self.replay_timing))
        if not self.speed > 0:
            raise ConfigError(f"speed: {self.speed!r} must be a number greater than 0")
        if self.batch_processing_s < 0:
            raise ConfigError(f"batch_processing_s: {self.batch_processing_s!r} must be >= 0")
        if self.journal_size < 0:
            raise ConfigError(f"journal_size: {self.journal_size!r} must be >= 0")
        if not 0 < self.port < 65536:
            raise ConfigError(f"port: {self.port!r} must be between 1 and 65535")


def _enum(key: str, kind: type[_E], value: object) -> _E:
    try:
        return kind(str(value))
    except ValueError:
        raise ConfigError(f"{key}: {value!r} is not one of {', '.join(kind)}") from None


def _choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{key}: {value!r} is not one of {', '.join(choices)}")


def load_config(
    overrides: Mapping[str, object] | None = None, env: Mapping[str, str] | None = None
) -> MockConfig:
    """Build a config from the environment (``MOCKCLAUDE_<KEY>``) and explicit overrides (CLI flags)."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for f in fields(MockConfig):
        raw = env.get(f"MOCKCLAUDE_{f.name.upper()}")
        if raw is None:
            continue
        values[f.name] = _parse_env(f.name, raw)
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
    try:
        return replace(MockConfig(), **values)  # type: ignore[arg-type]
    except TypeError as exc:
        raise ConfigError(str(exc)) from None


def _parse_env(name: str, raw: str) -> object:
    default = getattr(MockConfig(), name)
    try:
        if isinstance(default, bool):
            return raw.lower() in ("1", "true", "yes", "on")
        if isinstance(default, Path) or name in ("recordings_dir", "rules_dir", "faults_file"):
            return Path(raw)
        if isinstance(default, tuple):
            separator = (
                "|" if name == "faults" else ","
            )  # MOCKCLAUDE_FAULTS="529; probability=0.1|drop_after=3"
            return tuple(k for k in raw.split(separator) if k)
        if isinstance(default, int | float | str):
            return type(default)(raw)
    except ValueError:
        raise ConfigError(
            f"MOCKCLAUDE_{name.upper()}: {raw!r} is not a valid {type(default).__name__}"
        ) from None
    raise ConfigError(f"MOCKCLAUDE_{name.upper()} cannot be set from the environment")
