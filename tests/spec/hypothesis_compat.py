"""Make hypothesis-jsonschema 0.23.1 work with the installed Hypothesis.

hypothesis-jsonschema 0.23.1 (its latest release) draws object properties with the private
`hypothesis.internal.conjecture.utils.many` helper in the old style (`while elements.more(): ...`). Newer
Hypothesis releases (6.170.x is installed) turned `many` into a context manager that is iterated
(`with many(...) as elements: for _ in elements: ...`) and removed `more()`, so every object schema fails
with `AttributeError: 'many' object has no attribute 'more'`.

`install()` gives hypothesis-jsonschema an adapter with the old `more()`/`reject()` interface on top of the new
class. It only touches the `cu` name inside `hypothesis_jsonschema._from_schema`, and does nothing when the
installed `many` still has `more()`.

It also memoises hypothesis-jsonschema's internal schema-to-strategy conversion. The library rebuilds (and
re-canonicalises) the strategy of every object property on every draw; for the large response schemas that
is ~0.3 s per generated document. Strategies are immutable descriptions, so reusing them for an identical
schema changes nothing but the speed (about 10x here).
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import hypothesis.internal.conjecture.utils as real_cu
import hypothesis_jsonschema._from_schema as from_schema_module
from hypothesis_jsonschema._encode import encode_canonical_json

_CONVERT_NAME = "__from_schema"  # module-level function of hypothesis_jsonschema._from_schema


class _ManyAdapter:
    """Old-style `many`: `more()` starts the next element (or finishes the collection), `reject()` drops it."""

    def __init__(self, data: Any, **kwargs: Any) -> None:
        self._many = real_cu.many(data, **kwargs)
        self._many.__enter__()
        self._elements: Iterator[None] = iter(self._many)

    def more(self) -> bool:
        try:
            next(self._elements)
        except StopIteration:
            self._many.__exit__(None, None, None)
            return False
        return True

    def reject(self, why: str | None = None) -> None:
        self._many.reject(why)


class _CompatUtils(ModuleType):
    """`hypothesis.internal.conjecture.utils` with `many` replaced by the adapter."""

    many = _ManyAdapter

    def __getattr__(self, name: str) -> Any:
        return getattr(real_cu, name)


def _memoised(convert: Any) -> Any:
    cache: dict[tuple[str, int, int], tuple[Any, Any, Any]] = {}

    def cached_convert(schema: Any, *, alphabet: Any, custom_formats: Any) -> Any:
        key = (encode_canonical_json(schema), id(alphabet), id(custom_formats))
        if key not in cache:
            # alphabet/custom_formats are kept alive in the entry so that their ids cannot be reused.
            cache[key] = (
                convert(schema, alphabet=alphabet, custom_formats=custom_formats),
                alphabet,
                custom_formats,
            )
        return cache[key][0]

    cached_convert.memoised = True  # type: ignore[attr-defined]
    return cached_convert


def install() -> None:
    convert = getattr(from_schema_module, _CONVERT_NAME)
    if not getattr(convert, "memoised", False):
        setattr(from_schema_module, _CONVERT_NAME, _memoised(convert))
    if not hasattr(real_cu.many, "more"):  # a newer Hypothesis: adapt `many`
        from_schema_module.cu = _CompatUtils("hypothesis_compat_cu")  # type: ignore[attr-defined]
