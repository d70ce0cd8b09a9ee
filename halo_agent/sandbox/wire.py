"""What every route shares: the parsed call, Halo-shaped answers, and Halo's query-string rules.

Query names are matched case-insensitively (ASP.NET binds them that way); unknown names are ignored.
Paging follows halo-api.md §2: without `pageinate`, `page_size`/`page_no` are ignored and `count` caps.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from halo_agent.sandbox.auth import TokenInfo
from halo_agent.sandbox.store import Record, SandboxStore

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")


class HaloHttpError(Exception):
    """Raised by a route to answer with an error status and an optional JSON body."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass
class Call:
    method: str
    path: str
    resource: str  # lower-case resource after /api/
    rest: list[str]  # further path segments, lower-case
    params: dict[str, str]  # lower-case names; the last value wins
    body: bytes
    store: SandboxStore
    token: TokenInfo | None
    base_url: str

    def json_body(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise HaloHttpError(400, {"$": ["The JSON value could not be parsed."]}) from None

    def path_id(self) -> int | None:
        if not self.rest:
            return None
        if not self.rest[0].isdigit():
            raise HaloHttpError(404)
        return int(self.rest[0])


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, separators=(",", ":"), default=str)
    return Response(body, status_code=status, media_type="application/json; charset=utf-8", headers=headers)


def flag(params: dict[str, str], name: str) -> bool | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise HaloHttpError(400, {name: [f"The value '{value}' is not valid."]})


def int_param(params: dict[str, str], name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise HaloHttpError(400, {name: [f"The value '{value}' is not valid."]}) from None


def int_list(params: dict[str, str], name: str) -> frozenset[int] | None:
    """A comma-separated id list (`team=1,2`); None when absent."""
    value = params.get(name)
    if not value:
        return None
    try:
        return frozenset(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise HaloHttpError(400, {name: [f"The value '{value}' is not valid."]}) from None


def text_match(row: Record, fields: Iterable[str], term: str | None) -> bool:
    """Halo's `search`: the whole term as a case-insensitive substring of any of `fields`."""
    if not term:
        return True
    needle = term.lower()
    return any(needle in str(row.get(name) or "").lower() for name in fields)


def ordered(rows: list[Record], params: dict[str, str], default: str, *, desc: bool = False) -> list[Record]:
    field_name = (params.get("order") or default).lower()
    descending = flag(params, "orderdesc")
    reverse = desc if descending is None else descending
    if rows and field_name not in rows[0]:
        field_name = default  # Halo ignores an order column it does not know
    return sorted(rows, key=lambda row: _sort_key(row.get(field_name)), reverse=reverse)


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool | int | float):
        return (1, value)
    return (2, str(value).lower())


def paged(rows: Sequence[Record], params: dict[str, str]) -> tuple[Sequence[Record], dict[str, int]]:
    """The rows to return and the paging fields to add next to `record_count`."""
    if flag(params, "pageinate"):
        size = int_param(params, "page_size") or DEFAULT_PAGE_SIZE
        size = max(1, min(size, MAX_PAGE_SIZE))
        number = max(1, int_param(params, "page_no") or 1)
        start = (number - 1) * size
        return rows[start:start + size], {"page_no": number, "page_size": size}
    count = int_param(params, "count")
    if count is not None and count >= 0:
        return rows[:count], {}
    return rows, {}


def wrapped(key: str, rows: Sequence[Record], params: dict[str, str]) -> Response:
    """`{"record_count": N, key: [...]}` (plus page_no/page_size when paginated)."""
    page, extra = paged(rows, params)
    return json_response({**extra, "record_count": len(rows), key: list(page)})


def bare(rows: Sequence[Record], params: dict[str, str]) -> Response:
    page, _ = paged(rows, params)
    return json_response(list(page))
