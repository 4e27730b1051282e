"""The mock's configuration: one typed home, validated at start-up.

Every option is declared once, as a field of :class:`MockConfig` whose metadata is an :class:`Option`
(help, flag, choices, repeatable, list separator); the command line (``cli.py``) and the environment
(``MOCKCLAUDE_<NAME>``) are both read through that table. Precedence: CLI flag > environment variable >
default. A wrong value is a :class:`ConfigError` naming the flag, variable or key, the value and the
valid choices (with a "did you mean" when one is close).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

from mockclaude.errors import ConfigError

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


class AuthMode(StrEnum):
    """Whether a request to ``/v1/*`` must carry an API key, as the API requires."""

    ON = "on"  # no key: 401 authentication_error, like the API; any non-empty key (or one of --api-key)
    OFF = "off"  # no key needed (for people who want none); a key that is sent is still checked


class RecordMode(StrEnum):
    """Record mode, with VCR's names and meanings (plus ``off``, the default: no upstream at all)."""

    OFF = "off"  # replay recordings, then rules, then synthesize; nothing is forwarded
    NONE = "none"  # replay only: a request with no recording is an error (marked as the mock's)
    ONCE = "once"  # record into an empty recording set, then behave like none
    NEW_EPISODES = "new_episodes"  # replay what is recorded, forward and record what is not
    ALL = "all"  # always forward, and overwrite the recording

    @classmethod
    def _missing_(cls, value: object) -> RecordMode | None:
        return cls.OFF if value == "" else None  # the empty string of old configurations

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
BOOLEANS = {
    "1": True,
    "0": False,
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "on": True,
    "off": False,
}


@dataclass(frozen=True)
class Option:
    """How one :class:`MockConfig` field is set: its flag, its variable, its type and its help."""

    help: str
    flag: str = ""  # default: --<name with dashes>
    choices: tuple[str, ...] = ()  # for str options; enum options take their enum's values
    repeatable: bool = False  # the flag may be given again; the variable is a list
    separator: str = ","  # between the items of a list in the variable
    # Filled in by options() from the field:
    name: str = ""
    kind: Any = str  # bool, int, float, str, Path, tuple (of str) or a StrEnum
    default: Any = None

    @property
    def env(self) -> str:
        return f"MOCKCLAUDE_{self.name.upper()}"

    @property
    def flags(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def allowed(self) -> tuple[str, ...]:
        return _values(self.kind) if _is_enum(self.kind) else self.choices

    def parse(self, raw: str, where: str) -> object:
        """The value of a flag or variable (``where`` names it in the error)."""
        if self.kind is bool:
            if raw.lower() not in BOOLEANS:
                words = ", ".join(BOOLEANS)
                raise ConfigError(f"{where}: {raw!r} is not a boolean; use one of {words} (any case)")
            return BOOLEANS[raw.lower()]
        if self.kind in (int, float):
            try:
                return self.kind(raw)
            except ValueError:
                kind = "an integer" if self.kind is int else "a number"
                raise ConfigError(f"{where}: {raw!r} is not {kind}") from None
        if self.kind is Path:
            return Path(raw)
        if self.kind is tuple:
            return tuple(item for item in raw.split(self.separator) if item)
        if _is_enum(self.kind):
            return _enum(where, self.kind, raw)
        if self.choices:
            return _one_of(where, raw, self.choices)
        return raw


def _opt(help: str, **option: Any) -> dict[str, Option]:
    """A field's metadata: how the option is set (the rest of :class:`Option` comes from the field)."""
    return {"option": Option(help, **option)}


@dataclass(frozen=True)
class MockConfig:
    """Everything the app factory needs. Build it with :func:`load_config` or directly in tests."""

    host: str = field(default="127.0.0.1", metadata=_opt("interface to bind (or HOST= with make mock)"))
    port: int = field(default=4010, metadata=_opt("port (or PORT= with make mock)"))
    spec_path: Path = field(
        default=DEFAULT_SPEC, metadata=_opt("OpenAPI file whose schemas validate requests", flag="--spec")
    )
    catalog_path: Path = field(
        default=DEFAULT_CATALOG,
        metadata=_opt("model catalog YAML (ids, limits, prices, latency)", flag="--catalog"),
    )
    latency: str = field(
        default="model",
        metadata=_opt(
            "latency profile: 'model' uses each model's own; one profile name for every model; "
            "'instant' never waits",
            choices=LATENCY_CHOICES,
        ),
    )
    speed: float = field(default=1.0, metadata=_opt("speed factor: 2 answers twice as fast as the profile"))
    validation: ValidationMode = field(
        default=ValidationMode.STRICT,
        metadata=_opt("strict: spec + the API's semantic rules; permissive: spec only, any model name"),
    )
    api_keys: tuple[str, ...] = field(
        default=(),
        metadata=_opt(
            "accept only this key (repeatable); by default any non-empty key is accepted",
            flag="--api-key",
            repeatable=True,
        ),
    )
    auth: AuthMode = field(
        default=AuthMode.ON,
        metadata=_opt("on: a request without an API key gets the API's 401; off: no key needed"),
    )
    batch_processing_s: float = field(default=3.0, metadata=_opt("seconds a message batch takes to end"))
    max_body_bytes: int = field(
        default=32 * 1024 * 1024, metadata=_opt("largest request body (bytes) before a 413")
    )
    max_batch_body_bytes: int = field(
        default=256 * 1024 * 1024, metadata=_opt("largest batch-creation body (bytes) before a 413")
    )
    organization_id: str = field(
        default="00000000-0000-4000-8000-00000000c1a0",
        metadata=_opt("the anthropic-organization-id header's value"),
    )
    answer_cache_size: int = field(
        default=4096, metadata=_opt("identical requests answered from memory (0: off)")
    )
    recordings_dir: Path | None = field(
        default=DEFAULT_RECORDINGS,
        metadata=_opt(
            "recording set (a directory of YAML recordings) replayed before synthesis", flag="--recordings"
        ),
    )
    skip_bad_recordings: bool = field(
        default=False, metadata=_opt("skip unreadable recordings with a warning instead of refusing to start")
    )
    rules_dir: Path | None = field(
        default=DEFAULT_RULES, metadata=_opt("directory of rule files", flag="--rules")
    )
    record_mode: RecordMode = field(
        default=RecordMode.OFF,
        metadata=_opt(
            "off = replay, then rules, then synthesize; VCR-style: none = replay only, a miss is an error; "
            "once = record into an empty set; new_episodes = replay hits, record misses; "
            "all = always forward and overwrite"
        ),
    )
    upstream: str = field(
        default="https://api.anthropic.com",
        metadata=_opt("where record mode forwards (any Anthropic-compatible base URL)"),
    )
    redact: tuple[str, ...] = field(
        default=(),
        metadata=_opt(
            "redact this from recordings with a stable placeholder: 'email', 'phone' or a regex (repeatable)",
            repeatable=True,
        ),
    )
    replay_timing: ReplayTiming = field(
        default=ReplayTiming.RECORDED,
        metadata=_opt("recorded streams: their recorded timing, the model's latency profile, or at once"),
    )
    access_log: bool = field(default=False, metadata=_opt("log every request"))
    faults: tuple[str, ...] = field(
        default=(),
        metadata=_opt(
            "a fault rule, e.g. '529; probability=0.1' or '429; every_s=60; for_s=10' "
            "(repeatable; the variable separates rules with '|'; see docs/reference/fault-syntax.md)",
            flag="--fault",
            repeatable=True,
            separator="|",
        ),
    )
    faults_file: Path | None = field(
        default=None, metadata=_opt("a YAML file of fault rules", flag="--faults")
    )
    rate_limits: str = field(
        default="",
        metadata=_opt("enforce the API's rate limits: tier1..tier4 or 'rpm=N,itpm=N,otpm=N' (empty: off)"),
    )
    journal_size: int = field(default=1000, metadata=_opt("requests kept in the journal"))
    batches_kept: int = field(
        default=10_000,
        metadata=_opt(
            "message batches kept (least recently used ended ones forgotten first; each expires after 29 days)"
        ),
    )
    admin_remote: bool = field(
        default=False,
        metadata=_opt("let non-loopback clients use the admin API under /_mock/ (default: loopback only)"),
    )
    admin_token: str = field(
        default="", metadata=_opt("require this x-mockclaude-admin-token on /_mock/ calls")
    )
    header_timeout_s: float = field(
        default=10.0, metadata=_opt("seconds a client has to send a request's line and headers (then a 408)")
    )
    body_timeout_s: float = field(
        default=60.0,
        metadata=_opt("seconds a client has to send a request's body after its headers (then a 408)"),
    )
    max_connections: int = field(
        default=1000,
        metadata=_opt(
            "open connections at once; past it the oldest still sending its headers is closed, else a 529"
        ),
    )
    max_header_bytes: int = field(
        default=32 * 1024, metadata=_opt("largest request line plus headers (bytes) before a 414 or 431")
    )
    max_headers: int = field(default=100, metadata=_opt("most request headers before a 431"))
    trusted_proxies: str = field(
        default="",
        metadata=_opt("honour X-Forwarded-For/-Proto from these addresses (comma-separated; empty: never)"),
    )
    shutdown_grace_s: float = field(
        default=5.0,
        metadata=_opt("on SIGTERM, streams end with an overloaded error event; seconds to wait for them"),
    )

    def __post_init__(self) -> None:
        _one_of("latency", self.latency, LATENCY_CHOICES)
        # Enum-valued options accept their string values (from flags, env vars and tests); "" is record mode off.
        object.__setattr__(self, "validation", _enum("validation", ValidationMode, self.validation))
        object.__setattr__(self, "record_mode", _enum("record_mode", RecordMode, self.record_mode))
        object.__setattr__(self, "auth", _enum("auth", AuthMode, self.auth))
        object.__setattr__(self, "replay_timing", _enum("replay_timing", ReplayTiming, self.replay_timing))
        if not self.speed > 0:
            raise ConfigError(f"speed: {self.speed!r} must be a number greater than 0")
        if self.batch_processing_s < 0:
            raise ConfigError(f"batch_processing_s: {self.batch_processing_s!r} must be >= 0")
        if self.journal_size < 0:
            raise ConfigError(f"journal_size: {self.journal_size!r} must be >= 0")
        if self.batches_kept < 1:
            raise ConfigError(f"batches_kept: {self.batches_kept!r} must be >= 1")
        for name in (
            "header_timeout_s",
            "body_timeout_s",
            "shutdown_grace_s",
            "max_connections",
            "max_headers",
        ):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name}: {getattr(self, name)!r} must be greater than 0")
        if not 0 < self.port < 65536:
            raise ConfigError(f"port: {self.port!r} must be between 1 and 65535")


def _is_enum(kind: object) -> bool:
    return isinstance(kind, type) and issubclass(kind, StrEnum)


def _values(kind: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in kind)


def _enum(key: str, kind: type[_E], value: object) -> _E:
    try:
        return kind(str(value))
    except ValueError:
        _one_of(key, str(value), _values(kind))
        raise


def _one_of(where: str, value: str, choices: tuple[str, ...]) -> str:
    if value in choices:
        return value
    close = difflib.get_close_matches(value.lower(), choices, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ConfigError(f"{where}: {value!r} is not one of {', '.join(choices)}{hint}")


@cache
def options() -> tuple[Option, ...]:
    """Every option, in the order of :class:`MockConfig`'s fields, with its name, type and default."""
    hints = get_type_hints(MockConfig)
    table = []
    for f in fields(MockConfig):
        kind = hints[f.name]
        kind = {Path | None: Path, tuple[str, ...]: tuple}.get(kind, kind)
        table.append(replace(f.metadata["option"], name=f.name, kind=kind, default=f.default))
    return tuple(table)


def load_config(
    overrides: Mapping[str, object] | None = None, env: Mapping[str, str] | None = None
) -> MockConfig:
    """Build a config from the environment (``MOCKCLAUDE_<KEY>``) and explicit overrides (CLI flags)."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for option in options():
        raw = env.get(option.env)
        if raw is not None:
            values[option.name] = option.parse(raw, option.env)
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
    try:
        return replace(MockConfig(), **values)  # type: ignore[arg-type]
    except TypeError as exc:
        raise ConfigError(str(exc)) from None
