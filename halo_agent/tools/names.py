"""Names to ids, in code: the model says "High" or "2nd Line Support", never an instance's ids.

Matching is case-insensitive: an exact name wins, else a unique prefix. Unknown or ambiguous names raise
ToolError carrying the valid choices, so the model can correct itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from halo_agent.tools.base import ToolError

if TYPE_CHECKING:
    from halo_agent.halo.models import Agent, InstanceMetadata, Priority, Status

T = TypeVar("T")


def _name(item: object) -> str:
    return str(getattr(item, "name", "") or "")


def resolve(kind: str, name: str, items: Sequence[T], name_of: Callable[[T], str] = _name) -> T:
    """The one item called `name`: exact (case-insensitive) first, else a unique prefix."""
    wanted = " ".join(name.split()).casefold()
    items = [item for item in items if not getattr(item, "inactive", False)]
    exact = [item for item in items if name_of(item).casefold() == wanted]
    matches = exact or [item for item in items if name_of(item).casefold().startswith(wanted)]
    distinct = {name_of(item) for item in matches}
    if len(distinct) == 1:
        return matches[0]
    if not matches:
        raise ToolError(f"unknown {kind} {name!r}", choices=choices(name_of(i) for i in items))
    raise ToolError(f"{kind} {name!r} is ambiguous", choices=choices(distinct))


def choices(names: Iterable[str]) -> list[str]:
    """Distinct, non-empty names in a stable order."""
    return sorted({n for n in names if n}, key=str.casefold)


def priority_in_sla(meta: InstanceMetadata, name: str, sla_id: int | None) -> Priority:
    """A priority belongs to an SLA: resolve within the ticket's SLA, or the default SLA for new tickets."""
    sla = sla_id if sla_id is not None else default_sla_id(meta)
    pool = [p for p in meta.priorities if sla is None or p.slaid == sla] or list(meta.priorities)
    return resolve("priority", name, pool)


def default_sla_id(meta: InstanceMetadata) -> int | None:
    """The SLA new tickets get: the lowest SLA id that has priorities (Halo's default SLA is 1)."""
    slas = sorted({p.slaid for p in meta.priorities if p.slaid is not None})
    return slas[0] if slas else None


def closed_statuses(meta: InstanceMetadata) -> list[Status]:
    return [s for s in meta.statuses if s.id in meta.closed_status_ids]


def default_closed_status(meta: InstanceMetadata) -> Status:
    """The instance's closed status (one named "Closed" if any, else the first closed one)."""
    found = [s for s in meta.statuses if s.id == meta.closed_status_id]
    if not found:
        raise ToolError("this Halo instance has no closed status configured")
    return found[0]


@dataclass
class NameBook:
    """Ids back to names for result rows (status, priority, type, agent)."""

    meta: InstanceMetadata
    agents: dict[int, str] = field(default_factory=dict)
    # Names already looked up: a page's rows repeat the same few ids, and each lookup scans a list.
    _seen: dict[tuple[str, int, int | None], str | None] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, meta: InstanceMetadata, agents: Iterable[Agent] = ()) -> NameBook:
        return cls(meta, {a.id: _name(a) for a in agents})

    def status(self, status_id: int | None) -> str | None:
        if status_id is None:
            return None
        return self._lookup("status", status_id, None, lambda: self.meta.status_name(status_id))

    def priority(self, priority_id: int | None, sla_id: int | None) -> str | None:
        if priority_id is None:
            return None
        return self._lookup(
            "priority", priority_id, sla_id, lambda: self.meta.priority_name(priority_id, sla_id)
        )

    def ticket_type(self, type_id: int | None) -> str | None:
        if type_id is None:
            return None
        return self._lookup("type", type_id, None, lambda: self.meta.ticket_type_name(type_id))

    def _lookup(self, kind: str, key: int, sla_id: int | None, find: Callable[[], str | None]) -> str | None:
        seen = (kind, key, sla_id)
        if seen not in self._seen:
            self._seen[seen] = find()
        return self._seen[seen]

    def agent(self, agent_id: int | None) -> str | None:
        if not agent_id:
            return None
        return self.agents.get(agent_id, f"agent {agent_id}")


NAME_FIELDS = ("ticket_type", "priority", "team", "status")
STATUS_KEYWORDS = ("open", "closed")


def canonical_args(
    args: dict[str, object], meta: InstanceMetadata, *, status_keywords: bool = False
) -> dict[str, object]:
    """Replace every name argument by the instance's exact name, before the policy sees it.

    The policy compares names ("Critical"); "crit" or "critical" must not slip past a rule.
    """
    pools: dict[str, Sequence[object]] = {
        "ticket_type": meta.ticket_types,
        "priority": meta.priorities,
        "team": meta.teams,
        "status": meta.statuses,
    }
    fixed = dict(args)
    for key in NAME_FIELDS:
        value = fixed.get(key)
        if not isinstance(value, str):
            continue
        if key == "status" and status_keywords and value.strip().casefold() in STATUS_KEYWORDS:
            fixed[key] = value.strip().casefold()
            continue
        fixed[key] = _name(resolve(key.replace("_", " "), value, pools[key]))
    return fixed
