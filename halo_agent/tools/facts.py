"""Facts for the policy, fetched in code and fresh from Halo: never taken from what the model wrote."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from halo_agent.halo.errors import HaloNotFoundError
from halo_agent.policies.types import Facts
from halo_agent.principal import Principal
from halo_agent.tools.asked import write_asked
from halo_agent.tools.hidden_notes import public_text, repeated_passage

if TYPE_CHECKING:
    from halo_agent.halo.client import HaloClient
    from halo_agent.halo.models import Ticket
    from halo_agent.policies.engine import PolicyEngine
    from halo_agent.storage.interface import PendingCalls
    from halo_agent.tools.base import ToolSpec


class FactFinder:
    """Gathers Facts for one call: the target ticket (owner, priority), rate-limit counts, turn flags."""

    def __init__(self, client: HaloClient, engine: PolicyEngine, pending: PendingCalls) -> None:
        self.client = client
        self.engine = engine
        self.pending = pending

    async def gather(
        self, spec: ToolSpec[Any], args: dict[str, Any], principal: Principal, *,
        user_texts: Sequence[str], untrusted: bool, hidden_notes: Sequence[str] = (),
    ) -> tuple[Facts, Ticket | None]:
        """`user_texts`: the person's messages, the current one last (only it can ask for a write);
        `hidden_notes`: internal notes read in the session (hidden_notes.py)."""
        ticket_id = args.get(spec.target_ticket_arg) if spec.target_ticket_arg else None
        target = ticket_id if isinstance(ticket_id, int) else None
        facts = Facts(
            untrusted_text_in_turn=untrusted, recent_calls=self._recent(principal, spec.name),
            target_named_by_user=spec.risk != "read" and write_asked(spec.name, target, user_texts),
            public_text_repeats_hidden=_repeated(spec.name, args, hidden_notes),
        )  # fmt: skip
        if target is None:
            return facts, None
        facts = facts.model_copy(update={"target_ticket_id": target})
        try:
            ticket = await self.client.get_ticket(target)
        except HaloNotFoundError:
            return facts.model_copy(update={"ticket_exists": False}), None
        update = {
            "ticket_exists": True,
            "ticket_owner_user_id": ticket.user_id,
            "ticket_priority": await self._priority(ticket),
        }
        return facts.model_copy(update=update), ticket

    def _recent(self, principal: Principal, action: str) -> int:
        window = self.engine.rate_window_seconds(principal.role, action)
        return self.pending.count_recent(principal.key, action, window) if window else 0

    async def _priority(self, ticket: Ticket) -> str | None:
        if ticket.priority_id is None:
            return None
        meta = await self.client.metadata()
        return meta.priority_name(ticket.priority_id, ticket.sla_id)


def _repeated(action: str, args: dict[str, Any], hidden_notes: Sequence[str]) -> str | None:
    text = public_text(action, args) if hidden_notes else None
    return repeated_passage(text, hidden_notes) if text else None
