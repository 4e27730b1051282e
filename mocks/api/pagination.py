"""Cursor pagination shared by the models and batches lists (facts §1.4)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from mockclaude.errors import ApiError, invalid

T = TypeVar("T")


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return 20
    try:
        value = int(raw)
    except ValueError:
        raise invalid(
            "limit: Input should be a valid integer, unable to parse string as an integer"
        ) from None
    if value < 1:
        raise invalid("limit: Input should be greater than or equal to 1")
    if value > 1000:
        raise invalid("limit: Input should be less than or equal to 1000")
    return value


def paginate(
    items: Sequence[T],
    id_of: Callable[[T], str],
    render: Callable[[T], dict[str, Any]],
    limit: int,
    after_id: str | None,
    before_id: str | None,
) -> dict[str, Any]:
    """One page of ``items`` (already in list order) as ``{data, has_more, first_id, last_id}``."""
    ids = [id_of(item) for item in items]
    if after_id is not None and before_id is not None:
        raise invalid("after_id: cannot be combined with before_id")
    if after_id is not None:
        if after_id not in ids:
            raise ApiError(400, f"after_id: {after_id} is not a valid cursor")
        start = ids.index(after_id) + 1
        window = list(items[start : start + limit])
        has_more = start + limit < len(items)
    elif before_id is not None:
        if before_id not in ids:
            raise ApiError(400, f"before_id: {before_id} is not a valid cursor")
        end = ids.index(before_id)
        window = list(items[max(0, end - limit) : end])
        has_more = end - limit > 0
    else:
        window = list(items[:limit])
        has_more = limit < len(items)
    data = [render(item) for item in window]
    return {
        "data": data,
        "has_more": has_more,
        "first_id": id_of(window[0]) if window else None,
        "last_id": id_of(window[-1]) if window else None,
    }


def permissive_cursors(
    after_id: str | None, before_id: str | None, ids: Sequence[str]
) -> tuple[str | None, str | None]:
    """The cursors a schema mock honours (``--validation permissive``): both together are schema-valid,
    so ``after_id`` is used; a cursor that names no object reads as none (the first page)."""
    if after_id is not None and before_id is not None:
        before_id = None
    return (
        after_id if after_id in ids else None,
        before_id if before_id in ids else None,
    )
