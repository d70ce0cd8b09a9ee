"""Typed views of Halo's records, tolerant of what real instances send.

Real records carry hundreds of fields, nulls everywhere, and numbers as strings (`"priority_id": "1"`).
Every model keeps unknown fields (`extra="allow"`), accepts nulls and missing fields, and reads
numbers sent as strings. Only `id` is required.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def _to_int(value: Any) -> Any:
    if type(value) is int:  # what Halo sends almost always: out first (hundreds per page of tickets)
        return value
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return int(float(text)) if "." in text else int(text)
        except ValueError:
            return value  # let pydantic report it
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _to_bool(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip().lower()
        if not text:
            return None
        return text in {"true", "1", "yes", "y"}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return bool(value)
    return value


Int = Annotated[int | None, BeforeValidator(_to_int)]
Bool = Annotated[bool | None, BeforeValidator(_to_bool)]
RequiredInt = Annotated[int, BeforeValidator(_to_int)]


class HaloModel(BaseModel):
    """Base: unknown fields kept, numbers read as text where text is expected."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True, populate_by_name=True)

    id: RequiredInt


class Ticket(HaloModel):
    summary: str | None = None
    details: str | None = None
    details_html: str | None = None
    tickettype_id: Int = None
    status_id: Int = None
    priority_id: Int = None
    sla_id: Int = None
    client_id: Int = None
    client_name: str | None = None
    site_id: Int = None
    site_name: str | None = None
    user_id: Int = None
    user_name: str | None = None
    user_email: str | None = None
    agent_id: Int = None
    team: str | None = None
    team_id: Int = None
    dateoccurred: str | None = None
    dateclosed: str | None = None
    hasbeenclosed: Bool = None
    lastactiondate: str | None = None


class Action(HaloModel):
    ticket_id: Int = None
    note: str | None = None
    note_html: str | None = None
    outcome: str | None = None
    outcome_id: Int = None
    hiddenfromuser: Bool = None
    who: str | None = None
    datetime: str | None = None
    new_status: Int = None


class Client(HaloModel):
    name: str | None = None
    inactive: Bool = None


class Site(HaloModel):
    name: str | None = None
    client_id: Int = None
    client_name: str | None = None
    clientsite_name: str | None = None
    inactive: Bool = None


class User(HaloModel):
    name: str | None = None
    emailaddress: str | None = None
    email: str | None = None
    site_id: Int = None
    site_name: str | None = None
    client_id: Int = None
    client_name: str | None = None
    inactive: Bool = None

    @property
    def email_address(self) -> str | None:
        return self.emailaddress or self.email


class Agent(HaloModel):
    name: str | None = None
    email: str | None = None
    team: str | None = None
    isdisabled: Bool = None


class Asset(HaloModel):
    inventory_number: str | None = None
    client_id: Int = None
    site_id: Int = None
    site_name: str | None = None
    user_id: Int = None
    assettype_id: Int = None
    assettype_name: str | None = None
    username: str | None = None


class KBArticle(HaloModel):
    name: str | None = None
    description: str | None = None
    resolution: str | None = None
    tag_string: str | None = None


class TicketType(HaloModel):
    name: str | None = None
    inactive: Bool = None


class Status(HaloModel):
    """`type` is an integer in Halo's swagger (TStatus); some instances or proxies send a word."""

    name: str | None = None
    shortname: str | None = None
    type: str | None = None
    sequence: Int = None


class Priority(HaloModel):
    """A priority within an SLA: tickets carry `priority_id` = `priorityid` within their `sla_id`.

    `id` is the row id; rows without one (some instances) are given `priorityid`.
    """

    slaid: Int = None
    priorityid: Int = None
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _id_from_priorityid(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("id") is None and data.get("priorityid") is not None:
            return {**data, "id": data["priorityid"]}
        return data

    @property
    def number(self) -> int:
        """The value a ticket's `priority_id` holds for this priority."""
        return self.priorityid if self.priorityid is not None else self.id


class Team(HaloModel):
    name: str | None = None
    inactive: Bool = None


class Outcome(HaloModel):
    """An action outcome. Halo names it in `outcome`; `name`/`buttonname` are read as fallbacks."""

    outcome: str | None = None
    name: str | None = None
    buttonname: str | None = None
    inactive: Bool = None

    @property
    def label(self) -> str:
        return self.outcome or self.name or self.buttonname or f"outcome {self.id}"


T = TypeVar("T", bound=BaseModel)


class ListPage(BaseModel, Generic[T]):
    """One page of a list: the rows, Halo's `record_count` (or the row count of a bare array), the page."""

    items: list[T] = Field(default_factory=list)
    total: int | None = None
    page_no: int = 1
    page_size: int | None = None

    @property
    def more(self) -> bool:
        """True when Halo reports rows beyond this page."""
        if self.total is None:
            return False
        size = self.page_size or len(self.items)
        return self.total > (self.page_no - 1) * size + len(self.items)
