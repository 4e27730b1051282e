"""The mock's configuration: one typed home, validated at start-up.

Precedence: CLI flag > environment variable (``MOCKCLAUDE_*``) > default. A wrong value fails with
the key, the value and the valid choices.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

# mocks/openapi is a link to the repository's openapi/ folder, so the spec ships inside the package too.
PACKAGE_SPECS = Path(__file__).parent / "openapi"
DEFAULT_SPEC = PACKAGE_SPECS / "anthropic.yaml"
DEFAULT_CATALOG = Path(__file__).resolve().parent / "data" / "models.yaml"
DEFAULT_RECORDINGS = Path(__file__).resolve().parent / "recordings"
DEFAULT_RULES = Path(__file__).resolve().parent / "rules"

VALIDATION_MODES = ("strict", "permissive")
RECORD_MODES = ("none", "once", "new_episodes", "all")
REPLAY_TIMINGS = ("recorded", "profile", "instant")
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
    validation: str = "strict"
    api_keys: tuple[str, ...] = ()
    batch_processing_s: float = 3.0
    max_body_bytes: int = 32 * 1024 * 1024
    max_batch_body_bytes: int = 256 * 1024 * 1024
    organization_id: str = "00000000-0000-4000-8000-00000000c1a0"
    answer_cache_size: int = 4096
    recordings_dir: Path | None = DEFAULT_RECORDINGS
    skip_bad_recordings: bool = False
    rules_dir: Path | None = DEFAULT_RULES
    # Record mode (VCR's names): none | once | new_episodes | all; "" = replay, then synthesize.
    record_mode: str = ""
    upstream: str = "https://api.anthropic.com"
    redact: tuple[str, ...] = ()  # "email", "phone" or regular expressions
    # Recorded streams replay with their recorded timing, or paced by the model's profile, or at once.
    replay_timing: str = "recorded"
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
        _choice("validation", self.validation, VALIDATION_MODES)
        _choice("latency", self.latency, LATENCY_CHOICES)
        _choice("record_mode", self.record_mode, ("", *RECORD_MODES))
        _choice("replay_timing", self.replay_timing, REPLAY_TIMINGS)
        if not self.speed > 0:
            raise ConfigError(f"speed: {self.speed!r} must be a number greater than 0")
        if self.batch_processing_s < 0:
            raise ConfigError(f"batch_processing_s: {self.batch_processing_s!r} must be >= 0")
        if self.journal_size < 0:
            raise ConfigError(f"journal_size: {self.journal_size!r} must be >= 0")
        if not 0 < self.port < 65536:
            raise ConfigError(f"port: {self.port!r} must be between 1 and 65535")


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
