"""What to ask Halo for (TicketQuery) and what to write (TicketWrite), mapped to Halo's parameter names.

Halo ignores unknown query parameters silently, so a wrong name filters nothing: the names here are the
swagger's (`requesttype_id`, not `tickettype_id`; comma lists `status`, `agent`, `team`, `requesttype`,
`priority`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

_LISTS = {
    "status_ids": "status",
    "agent_ids": "agent",
    "team_ids": "team",
    "requesttype_ids": "requesttype",
    "priority_ids": "priority",
}
_SINGLE_FORMS = {"status", "agent", "requesttype"}
_SINGLES = ("search", "client_id", "site_id", "user_id", "order")
_FLAGS = ("open_only", "closed_only", "orderdesc")


class TicketQuery(BaseModel):
    """Filters for `GET /Tickets`. Every field optional; None means "do not filter"."""

    model_config = ConfigDict(extra="forbid")

    search: str | None = None
    status_ids: list[int] | None = None
    open_only: bool | None = None
    closed_only: bool | None = None
    agent_ids: list[int] | None = None
    team_ids: list[int] | None = None
    requesttype_ids: list[int] | None = None
    priority_ids: list[int] | None = None
    client_id: int | None = None
    site_id: int | None = None
    user_id: int | None = None
    order: str | None = None
    orderdesc: bool | None = None

    def to_params(self) -> dict[str, str]:
        """Halo's query parameters for this query."""
        params: dict[str, str] = {}
        for field, name in _LISTS.items():
            ids = getattr(self, field)
            if ids:
                params[name] = ",".join(str(i) for i in ids)
            if ids and len(ids) == 1 and name in _SINGLE_FORMS:
                params[f"{name}_id"] = str(ids[0])  # the swagger's single-id filter says the same thing
        for field in _SINGLES:
            value = getattr(self, field)
            if value is not None and value != "":
                params[field] = str(value)
        for field in _FLAGS:
            if getattr(self, field):
                params[field] = "true"
        return params


class TicketWrite(BaseModel):
    """Fields to send when creating or updating a ticket; only fields set are sent (exclude_unset)."""

    model_config = ConfigDict(extra="forbid")

    summary: str | None = None
    details: str | None = None
    tickettype_id: int | None = None
    priority_id: int | None = None
    status_id: int | None = None
    client_id: int | None = None
    site_id: int | None = None
    user_id: int | None = None
    agent_id: int | None = None
    team: str | None = None
    team_id: int | None = None

    def body(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)
