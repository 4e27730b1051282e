"""Bedrock model ids: ``anthropic.claude-haiku-4-5-20251001-v1:0``, the same with a cross-region inference
profile prefix (``us.``, ``eu.``, ``apac.``, ``global.``, …), or either inside an ARN; looked up in the dated
catalog's ``bedrock`` ids. An id Bedrock does not offer is its ``ValidationException``; a model past its end
of life is its ``ResourceNotFoundException``."""

from __future__ import annotations

from mockclaude.platforms.bedrock.errors import error
from mockclaude.protocol.catalog import ModelCatalog, ModelSpec

REGION_PREFIXES = ("us", "us-gov", "eu", "apac", "jp", "au", "ca", "global")
INVALID = "The provided model identifier is invalid."
END_OF_LIFE = "This model version has reached the end of its life. Please refer to the AWS documentation for more details."  # ⚠


class BedrockModels:
    def __init__(self, catalog: ModelCatalog) -> None:
        self._by_id = {m.bedrock: m for m in catalog.models if m.bedrock}
        # `anthropic_version: "2026-10-21"` is offered on Bedrock for Claude 4.7 and later (facts §8.2).
        first = catalog.get("claude-opus-4-7")
        self.new_version_since = first.created_at if first is not None else ""

    def find(self, model_id: str) -> ModelSpec | None:
        """The catalog's model for a Bedrock model id (retired ones too), or None."""
        name = model_id
        if name.startswith("arn:"):  # arn:aws:bedrock:REGION:ACCOUNT:(foundation-model|inference-profile)/ID
            name = name.rpartition("/")[2]
        prefix, dot, rest = name.partition(".")
        if dot and prefix in REGION_PREFIXES:
            name = rest
        return self._by_id.get(name)

    def resolve(self, model_id: str) -> ModelSpec:
        model = self.find(model_id)
        if model is None:
            raise error("ValidationException", INVALID)
        if model.lifecycle == "retired":
            raise error("ResourceNotFoundException", END_OF_LIFE)
        return model
