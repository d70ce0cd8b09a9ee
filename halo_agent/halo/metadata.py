"""What one Halo instance calls things: ticket types, statuses, priorities, teams and outcomes.

Ids are per instance. Names are resolved here (case-insensitive; exact matches win over prefixes; several
matches mean the caller must choose). Which statuses mean "closed" is discovered, never assumed: status
id 9 is only a fallback hint when nothing else says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

from pydantic import BaseModel, Field

from halo_agent.halo.records import Outcome, Priority, Status, Team, TicketType

_CLOSED = re.compile(r"\b(closed?|resolved|completed?|cancell?ed|done)\b", re.IGNORECASE)
_OPEN = re.compile(
    r"\b(new|open|progress|pending|hold|waiting|awaiting|assigned|re-?opened)\b", re.IGNORECASE
)
_FALLBACK_CLOSED_ID = 9
_HIDDEN_OUTCOMES = ("private note", "note", "internal note", "public note")
_VISIBLE_OUTCOMES = ("public note", "note", "update", "private note")


class _Named(Protocol):
    @property
    def id(self) -> int: ...


N = TypeVar("N", bound=_Named)


def match_names(items: Iterable[N], name: str, label: Callable[[N], str | None]) -> list[N]:
    """Items whose label equals `name` (case-insensitive); if none, those whose label starts with it."""
    wanted = " ".join(name.split()).casefold()
    if not wanted:
        return []
    rows = list(items)
    if wanted.isdigit():
        by_id = [row for row in rows if row.id == int(wanted)]
        if by_id:
            return by_id
    exact = [row for row in rows if _norm(label(row)) == wanted]
    return exact or [row for row in rows if _norm(label(row)).startswith(wanted)]


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _name(row: TicketType | Status | Team | Priority) -> str | None:
    return row.name


class InstanceMetadata(BaseModel):
    """The instance's vocabulary, fetched once per TTL by `HaloClient.metadata()`."""

    ticket_types: list[TicketType] = Field(default_factory=list)
    statuses: list[Status] = Field(default_factory=list)
    priorities: list[Priority] = Field(default_factory=list)
    teams: list[Team] = Field(default_factory=list)
    outcomes: list[Outcome] = Field(default_factory=list)
    configured_outcome: str | None = None  # settings.note_outcome, when set
    warnings: list[str] = Field(default_factory=list)  # kinds that could not be read, and why

    # --- name resolution ---------------------------------------------------------------------------
    def ticket_type(self, name: str) -> list[TicketType]:
        return match_names(self.ticket_types, name, _name)

    def status(self, name: str) -> list[Status]:
        return match_names(self.statuses, name, _name)

    def team(self, name: str) -> list[Team]:
        return match_names(self.teams, name, _name)

    def priority(self, name: str, sla_id: int | None = None) -> list[Priority]:
        rows = self.priorities if sla_id is None else [p for p in self.priorities if p.slaid == sla_id]
        return match_names(rows, name, _name)

    def outcome(self, name: str) -> list[Outcome]:
        return match_names(self.outcomes, name, lambda row: row.label)

    # --- id -> name ---------------------------------------------------------------------------------
    def status_name(self, status_id: int | None) -> str | None:
        return next((s.name for s in self.statuses if s.id == status_id), None)

    def ticket_type_name(self, type_id: int | None) -> str | None:
        return next((t.name for t in self.ticket_types if t.id == type_id), None)

    def priority_name(self, priority_id: int | None, sla_id: int | None = None) -> str | None:
        rows = [p for p in self.priorities if p.number == priority_id]
        in_sla = [p for p in rows if sla_id is not None and p.slaid == sla_id]
        chosen = in_sla or rows
        return chosen[0].name if chosen else None

    def team_name(self, team_id: int | None) -> str | None:
        return next((t.name for t in self.teams if t.id == team_id), None)

    # --- closed statuses ----------------------------------------------------------------------------
    @property
    def closed_status_ids(self) -> set[int]:
        """Statuses that mean closed: by name, by a `type` word, by sharing a closed status's type code."""
        named = {s.id for s in self.statuses if _means_closed(s.name)}
        worded = {s.id for s in self.statuses if s.type and _CLOSED.search(s.type)}
        closed = named | worded | _same_type_code(self.statuses, named)
        if closed:
            return closed
        known = {s.id for s in self.statuses}
        return {_FALLBACK_CLOSED_ID} if not known or _FALLBACK_CLOSED_ID in known else set()

    @property
    def closed_status_id(self) -> int | None:
        """The status to close a ticket with: one named exactly "Closed", else the first closed one."""
        closed = self.closed_status_ids
        exact = [s.id for s in self.statuses if s.id in closed and _norm(s.name) == "closed"]
        ordered = exact or sorted(closed)
        return ordered[0] if ordered else None

    def is_closed(self, status_id: int | None) -> bool:
        return status_id is not None and status_id in self.closed_status_ids

    # --- outcomes for notes -------------------------------------------------------------------------
    def outcome_for(self, *, hidden: bool) -> str | None:
        """The outcome name for a note: the configured one, else the best discovered match."""
        if self.configured_outcome:
            return self.configured_outcome
        usable = [o for o in self.outcomes if not o.inactive]
        for wanted in _HIDDEN_OUTCOMES if hidden else _VISIBLE_OUTCOMES:
            found = [o for o in usable if _norm(o.label) == wanted]
            if found:
                return found[0].label
        noted = [o for o in usable if "note" in _norm(o.label)]
        return (noted or usable)[0].label if (noted or usable) else None

    @property
    def default_outcome_name(self) -> str | None:
        return self.outcome_for(hidden=True)


def _means_closed(name: str | None) -> bool:
    return bool(_CLOSED.search(name or "")) and not _OPEN.search(name or "")


def _same_type_code(statuses: Sequence[Status], closed_by_name: set[int]) -> set[int]:
    """Statuses sharing a numeric `type` with a status named closed, unless that code also covers an
    open-sounding status (then the code does not mean "closed" on this instance)."""
    codes = {s.type for s in statuses if s.id in closed_by_name and s.type and s.type.isdigit()}
    for code in list(codes):
        if any(s.type == code and _OPEN.search(s.name or "") for s in statuses):
            codes.discard(code)
    return {s.id for s in statuses if s.type in codes}
