"""Hidden stays hidden across turns: an internal note read in an earlier turn is still in what the model
sees, so a later public note repeating it waits for the person's yes (rule `hidden-note-in-public`)."""

from __future__ import annotations

from pathlib import Path

from halo_agent.agent.events import PolicyDecisionEvent
from halo_agent.agent.service import AgentService
from halo_agent.config import Settings
from halo_agent.examples import DEMO_ADMIN_AGENT_ID
from halo_agent.policies.engine import HIDDEN_IN_PUBLIC_RULE
from halo_agent.testing import ScriptedModel, call, text

INTERNAL = ("Root cause is the expired certificate on mail02; keep this between the desk until the "
            "vendor replies.")


async def test_a_public_note_two_turns_after_reading_a_hidden_one_is_held(tmp_path: Path) -> None:
    public = "Hi Emma, the root cause is the expired certificate on mail02, we are on it."
    model = ScriptedModel([
        call("haloitsm_add_note", ticket_id=789, note=INTERNAL, hidden_from_user=True), text("Added."),
        call("haloitsm_get_ticket", ticket_id=789), text("Ticket 789 is In Progress."),
        call("haloitsm_add_note", ticket_id=789, note=public), text("unused"),
    ])
    service = await AgentService.create(Settings(home=tmp_path / "home"), model=model)
    try:
        admin = await service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)
        for message in ("Add a hidden note to ticket 789.", "Show me ticket 789."):
            [e async for e in service.handle(message, admin, "s1", live_text=False)]
        events = [e async for e in service.handle("Add a public note to ticket 789 for Emma.", admin, "s1",
                                                  live_text=False)]
    finally:
        await service.aclose()
    decision = next(e for e in events if isinstance(e, PolicyDecisionEvent))
    assert decision.decision == "confirm" and decision.rule_id == HIDDEN_IN_PUBLIC_RULE
    assert "expired certificate on mail02" in decision.reason
