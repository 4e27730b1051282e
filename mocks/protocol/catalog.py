"""The dated model catalog: ids and aliases, limits, prices and latency profiles.

Loaded from ``data/models.yaml``. The same file feeds the models endpoints, validation
(max_tokens caps, feature flags), synthesis (min cacheable length), pacing and cost figures.
Every row names the sources of its figures (``sources:``); docs/reference/models.md explains the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, get_args

from mockclaude.files import load_yaml

ThinkingMode = Literal["extended", "adaptive", "always", "none"]
"""How a model thinks: ``extended`` takes ``thinking: {type: enabled}`` and adaptive; ``adaptive`` refuses
``enabled``; ``always`` is adaptive and always on (refuses ``disabled``); ``none`` does not think."""
THINKING_MODES: tuple[str, ...] = get_args(ThinkingMode)
_THINKING_FEATURES = {
    "extended": {"thinking_enabled": True, "always_thinks": False},
    "adaptive": {"thinking_enabled": False, "always_thinks": False},
    "always": {"thinking_enabled": False, "always_thinks": True},
    "none": {"thinking_enabled": False, "always_thinks": False},
}


@dataclass(frozen=True)
class LatencyProfile:
    """How fast a model answers: time to first token, decode speed, jitter, prefill cost."""

    name: str
    ttft_ms: float
    tokens_per_s: float
    jitter: float = 0.0
    ttft_ms_per_1k_input: float = 0.0

    @property
    def instant(self) -> bool:
        return self.ttft_ms == 0 and self.tokens_per_s == 0


@dataclass(frozen=True)
class Price:
    """List price in USD per million tokens."""

    input: float
    output: float
    cache_read: float | None = None

    def cost(self, usage: dict[str, Any], batch: bool = False) -> float:
        """Dollars for one answer's usage (cache writes at 1.25x / 2x, reads at 0.1x unless given)."""
        creation = usage.get("cache_creation") or {}
        write_5m = creation.get("ephemeral_5m_input_tokens", usage.get("cache_creation_input_tokens") or 0)
        write_1h = creation.get("ephemeral_1h_input_tokens", 0)
        read_price = self.cache_read if self.cache_read is not None else self.input * 0.1
        dollars: float = (
            (usage.get("input_tokens") or 0) * self.input
            + write_5m * self.input * 1.25
            + write_1h * self.input * 2.0
            + (usage.get("cache_read_input_tokens") or 0) * read_price
            + (usage.get("output_tokens") or 0) * self.output
        ) / 1_000_000
        return dollars / 2 if batch else dollars


@dataclass(frozen=True)
class ModelSpec:
    id: str
    display_name: str
    created_at: str
    lifecycle: str
    max_input_tokens: int
    max_tokens: int
    min_cacheable_tokens: int
    profile: LatencyProfile
    price: Price
    line: str = ""
    aliases: tuple[str, ...] = ()
    deprecated_at: str | None = None
    retires_at: str | None = None
    features: dict[str, bool] = field(default_factory=dict)
    thinking: str = "adaptive"
    batch_max_tokens: int | None = None  # the Batch API's cap, where it differs from max_tokens (data only)
    sources: str = ""  # where the row's figures come from (see the file's header)
    vertex: str | None = None  # its name on Google Vertex AI (None: not offered there)
    foundry: str | None = None  # its name on Microsoft Foundry (None: not offered there)
    bedrock: str | None = None  # the model's id on Amazon Bedrock, without a cross-region prefix

    def feature(self, name: str) -> bool:
        return bool(self.features.get(name, False))

    def info(self) -> dict[str, Any]:
        """The ModelInfo object the API returns for this model."""
        thinking = self.feature("thinking_enabled")
        locked = self.feature("sampling_locked")
        return {
            "type": "model",
            "id": self.id,
            "display_name": self.display_name,
            "created_at": self.created_at,
            "lifecycle": self.lifecycle,
            "deprecated_at": self.deprecated_at,
            "retires_at": self.retires_at,
            "line": self.line or None,
            "max_input_tokens": self.max_input_tokens,
            "max_tokens": self.max_tokens,
            "capabilities": {
                "batch": {"supported": True},
                "citations": {"supported": True},
                "code_execution": {"supported": True},
                "image_input": {"supported": True},
                "pdf_input": {"supported": True},
                "structured_outputs": {"supported": True},
                "context_management": {"supported": True},
                "effort": {
                    "supported": locked,
                    "low": {"supported": locked},
                    "medium": {"supported": locked},
                    "high": {"supported": locked},
                    "max": {"supported": locked},
                },
                "server_tools": {
                    "supported": True,
                    "code_execution": {"supported": True},
                    "web_search": {"supported": True},
                },
                "thinking": {
                    "supported": self.thinking != "none",
                    "types": {
                        "adaptive": {"supported": self.thinking != "none"},
                        "between_tools": {"supported": False},
                        "disabled": {"supported": not self.feature("always_thinks")},
                        "enabled": {"supported": thinking},
                    },
                },
            },
        }


class ModelCatalog:
    """Models by id and alias, in the API's list order (most recently released first)."""

    def __init__(
        self, models: list[ModelSpec], profiles: dict[str, LatencyProfile], as_of: str, sdk_version: str = ""
    ) -> None:
        self.models = sorted(models, key=lambda m: m.created_at, reverse=True)
        self.profiles = profiles
        self.as_of = as_of
        self.sdk_version = sdk_version
        self._by_name: dict[str, ModelSpec] = {}
        for m in self.models:
            for name in (m.id, *m.aliases):
                self._by_name[name] = m
        # Platform names: the row's ``vertex``/``foundry`` name; on Vertex also a dated name without its
        # ``@date``; on Foundry also the first-party names (deployments are named after the model by default).
        self._by_platform_name: dict[tuple[str, str], ModelSpec] = {}
        for m in self.models:
            if m.vertex:
                for name in (m.vertex, m.vertex.split("@")[0]):
                    self._by_platform_name.setdefault(("vertex", name), m)
            if m.foundry:
                for name in (m.foundry, m.id, *m.aliases):
                    self._by_platform_name.setdefault(("foundry", name), m)

    def get(self, name: str) -> ModelSpec | None:
        return self._by_name.get(name)

    def placeholder(self, name: str) -> ModelSpec:
        """A model of any name (permissive mode, a schema mock): the newest model's facts under ``name``."""
        return replace(self.models[0], id=name, aliases=(), display_name=name)

    def usable(self, name: str) -> ModelSpec | None:
        """The model a request may use: known and not retired."""
        m = self._by_name.get(name)
        return m if m is not None and m.lifecycle != "retired" else None

    def on_platform(self, platform: str, name: str) -> ModelSpec | None:
        """The model ``platform`` (``vertex``, ``foundry``) offers under ``name``, not retired, or None."""
        m = self._by_platform_name.get((platform, name))
        return m if m is not None and m.lifecycle != "retired" else None

    @classmethod
    def load(cls, path: Path) -> ModelCatalog:
        raw = load_yaml(path.read_text(encoding="utf-8"))
        profiles = {
            name: LatencyProfile(name=name, **values) for name, values in (raw.get("profiles") or {}).items()
        }
        models = []
        for entry in raw["models"]:
            entry = dict(entry)
            where = f"{path}: model {entry.get('id')!r}"
            profile_name = entry.pop("profile")
            if profile_name not in profiles:
                raise ValueError(f"{where}: unknown profile {profile_name!r}")
            thinking = entry.pop("thinking", None)
            if thinking not in THINKING_MODES:
                raise ValueError(
                    f"{where}: thinking must be one of {', '.join(THINKING_MODES)}, got {thinking!r}"
                )
            features = dict(entry.pop("features", {}) or {})
            clash = sorted(set(features) & set(_THINKING_FEATURES[thinking]))
            if clash:
                raise ValueError(
                    f"{where}: {', '.join(clash)} come(s) from `thinking: {thinking}`; remove them"
                )
            if not str(entry.get("sources") or "").strip():
                raise ValueError(f"{where}: `sources:` is missing (name where each figure comes from)")
            models.append(
                ModelSpec(
                    profile=profiles[profile_name],
                    price=Price(**entry.pop("price")),
                    aliases=tuple(entry.pop("aliases", ()) or ()),
                    features={**features, **_THINKING_FEATURES[thinking]},
                    thinking=thinking,
                    **entry,
                )
            )
        return cls(models, profiles, str(raw.get("as_of", "")), str(raw.get("sdk_version", "")))
