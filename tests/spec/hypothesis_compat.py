"""Make hypothesis-jsonschema 0.23.1 work with the installed Hypothesis.

hypothesis-jsonschema 0.23.1 (its latest release) draws object properties with the private
`hypothesis.internal.conjecture.utils.many` helper in the old style (`while elements.more(): ...`). Newer
Hypothesis releases (6.170.x is installed) turned `many` into a context manager that is iterated
(`with many(...) as elements: for _ in elements: ...`) and removed `more()`, so every object schema fails
with `AttributeError: 'many' object has no attribute 'more'`.

`install()` gives hypothesis-jsonschema an adapter with the old `more()`/`reject()` interface on top of the new
class. It only touches the `cu` name inside `hypothesis_jsonschema._from_schema`, and does nothing when the
installed `many` still has `more()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import hypothesis.internal.conjecture.utils as real_cu
import hypothesis_jsonschema._from_schema as from_schema_module


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


def install() -> None:
    if hasattr(real_cu.many, "more"):
        return  # an older Hypothesis: nothing to adapt
    from_schema_module.cu = _CompatUtils("hypothesis_compat_cu")  # type: ignore[attr-defined]
