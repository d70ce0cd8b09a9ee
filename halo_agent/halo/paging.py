"""Reading Halo's lists: wrapped (`{"record_count": N, "<key>": [...]}`) or bare arrays, page by page.

Paging is Halo's `pageinate=true&page_size=N&page_no=N` (from 1); without `pageinate` Halo ignores the
other two. Pages are walked lazily, so memory stays flat however many rows there are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

PAGE_SIZE = 100  # Halo's maximum for tickets; assumed everywhere

FetchPage = Callable[[dict[str, str]], Awaitable[Any]]


class ShapeError(ValueError):
    """The payload holds no list we can recognise."""


def read_rows(payload: Any, keys: Sequence[str]) -> tuple[list[dict[str, Any]], int | None]:
    """The rows and Halo's `record_count` (None for a bare array) from either list shape.

    `keys` are the wrapper names to try first; any other key holding a list of objects is accepted too.
    """
    if isinstance(payload, list):
        return [row for row in payload if isinstance(row, dict)], None
    if not isinstance(payload, Mapping):
        raise ShapeError(f"expected a list or an object, got {type(payload).__name__}")
    lowered = {str(k).lower(): v for k, v in payload.items()}
    rows = next((lowered[k] for k in keys if isinstance(lowered.get(k), list)), None)
    if rows is None:
        rows = next((v for v in lowered.values() if _is_rows(v)), None)
    if rows is None:
        if not lowered or "record_count" in lowered:
            rows = []  # an empty wrapper, or a count with no rows key at all
        else:
            raise ShapeError(f"no list among the keys {sorted(lowered)[:8]}")
    return [row for row in rows if isinstance(row, dict)], _record_count(lowered)


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and (not value or isinstance(value[0], dict))


def _record_count(lowered: Mapping[str, Any]) -> int | None:
    for key in ("record_count", "recordcount"):
        value = lowered.get(key)
        if isinstance(value, int | str) and str(value).strip().isdigit():
            return int(value)
    return None


def page_params(base: Mapping[str, str], page_no: int, page_size: int) -> dict[str, str]:
    return {**base, "pageinate": "true", "page_size": str(page_size), "page_no": str(page_no)}


async def walk_pages(
    fetch: FetchPage,
    keys: Sequence[str],
    params: Mapping[str, str],
    *,
    limit: int | None = None,
    page_size: int = PAGE_SIZE,
) -> AsyncIterator[dict[str, Any]]:
    """Yield rows page by page until `record_count` is reached, a short page arrives, or `limit` rows."""
    yielded = 0
    page_no = 1
    previous_first: Any = None
    while limit is None or yielded < limit:
        rows, total = read_rows(await fetch(page_params(params, page_no, page_size)), keys)
        first = rows[0].get("id") if rows else None
        if page_no > 1 and first is not None and first == previous_first:
            return  # the same page again: this list does not page, and we already have it all
        previous_first = first
        for row in rows[: None if limit is None else limit - yielded]:
            yield row
            yielded += 1
        if _last_page(len(rows), total, page_no, page_size):
            return
        page_no += 1


def _last_page(count: int, total: int | None, page_no: int, page_size: int) -> bool:
    if count == 0 or count < page_size:
        return True
    if count > page_size:
        return True  # paging was ignored (a bare array of everything): all rows are already here
    return total is not None and page_no * page_size >= total
