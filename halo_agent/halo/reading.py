"""Reading Halo's answers into records: JSON, list shapes, single records, pages.

Rows that fail validation are logged and skipped rather than failing a whole list.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import httpx2
from pydantic import BaseModel, ValidationError

from halo_agent.halo.errors import HaloUnexpectedResponse, unexpected
from halo_agent.halo.paging import ShapeError, read_rows
from halo_agent.halo.records import ListPage
from halo_agent.logs import get_logger

log = get_logger("halo_agent.halo")
M = TypeVar("M", bound=BaseModel)

# Wrapper keys per resource (halo-api.md §2); any other wrapper holding a list is read too.
KEYS: dict[str, tuple[str, ...]] = {
    "Tickets": ("tickets",),
    "Actions": ("actions",),
    "Client": ("clients",),
    "Site": ("sites",),
    "Users": ("users",),
    "Agent": ("agents",),
    "Asset": ("assets",),
    "KBArticle": ("articles", "kbarticles", "faqs"),
    "TicketType": ("tickettypes", "requesttypes"),
    "Status": ("statuses", "status"),
    "Priority": ("priorities", "policies"),
    "Team": ("teams", "sections"),
    "Outcome": ("outcomes",),
}



def parse_json(response: httpx2.Response) -> Any:
    if not response.content.strip():
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise unexpected(response, "something that is not JSON") from None


def rows_of(payload: Any, path: str) -> tuple[list[dict[str, Any]], int | None]:
    try:
        return read_rows(payload, KEYS.get(path, ()))
    except ShapeError as exc:
        raise HaloUnexpectedResponse(
            f"Halo's answer to GET /api/{path} is not a list we can read: {exc}."
        ) from None


def page_of(payload: Any, path: str, model: type[M], page_no: int, size: int) -> ListPage[M]:
    rows, total = rows_of(payload, path)
    if total is None:
        total = len(rows)
    if len(rows) > size:  # paging ignored: Halo sent everything; cut out the page asked for
        rows = rows[(page_no - 1) * size : page_no * size]
    return ListPage[model](items=models_of(model, rows), total=total, page_no=page_no, page_size=size)  # type: ignore[valid-type]


def model_of(model: type[M], row: dict[str, Any]) -> M | None:
    try:
        return model.model_validate(row)
    except ValidationError as exc:
        log.warning("halo.unreadable_row", model=model.__name__, problems=exc.error_count(), id=row.get("id"))
        return None


def models_of(model: type[M], rows: list[dict[str, Any]]) -> list[M]:
    return [m for m in (model_of(model, row) for row in rows) if m is not None]


def first_record(payload: Any, model: type[M], path: str) -> M:
    """One record from an answer that may be a bare object, an array, or a wrapper."""
    if isinstance(payload, dict) and "id" in payload:
        row: Any = payload
    else:
        rows, _ = rows_of(payload, path) if payload is not None else ([], None)
        row = rows[0] if rows else None
    found = model_of(model, row) if isinstance(row, dict) else None
    if found is None:
        raise HaloUnexpectedResponse(
            f"Halo's answer from /api/{path} holds no readable {model.__name__} record."
        )
    return found
