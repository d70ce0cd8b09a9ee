"""Hidden stays hidden: a public or closing note that repeats an internal note read in the session waits
for the person's confirmation, with the repeated passage shown (rule `hidden-note-in-public`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from halo_agent.policies.engine import HIDDEN_IN_PUBLIC_RULE, PolicyEngine
from halo_agent.policies.types import Facts, ProposedCall
from halo_agent.principal import Principal
from halo_agent.tools.hidden_notes import hidden_notes_in_history, repeated_passage
from tests.tools.conftest import Desk, payload

INTERNAL = "Vendor contract lapses in March; legal says do not promise the user a replacement laptop yet."
ASKED = "Add a public note to ticket 789 telling Emma where things stand."


async def _read_internal_note(desk: Desk, said: str) -> object:
    """An internal note exists on 789, and the agent's model reads the ticket in this turn."""
    hidden = {"ticket_id": 789, "note": INTERNAL, "hidden_from_user": True}
    await desk.call(desk.admin, "haloitsm_add_note", hidden, said="Add a hidden note to ticket 789")
    turn = desk.turn(desk.admin, said)
    read = await desk.call(desk.admin, "haloitsm_get_ticket", {"ticket_id": 789}, turn=turn)
    assert read.status == "ok"
    return turn


async def test_a_public_note_repeating_an_internal_note_waits_with_the_overlap_shown(desk: Desk) -> None:
    turn = await _read_internal_note(desk, ASKED)
    before = len(desk.notes(789))
    note = "Update: legal says do not promise the user a replacement laptop yet. We will follow up."
    out = await desk.call(desk.admin, "haloitsm_add_note", {"ticket_id": 789, "note": note}, turn=turn)
    body = payload(out)
    assert out.status == "paused" and desk.audit_records()[-1]["rule_id"] == HIDDEN_IN_PUBLIC_RULE
    assert "legal says do not promise the user a replacement laptop yet" in body["reason"]
    assert len(desk.notes(789)) == before  # nothing reached the user


async def test_a_closing_note_repeating_an_internal_note_waits_too(desk: Desk) -> None:
    turn = await _read_internal_note(desk, "Resolve ticket 789 with a note for Emma.")
    note = "Closing: the vendor contract lapses in March; legal says we can do no more."
    out = await desk.call(desk.admin, "haloitsm_resolve_ticket", {"ticket_id": 789, "note": note}, turn=turn)
    assert out.status == "paused" and desk.audit_records()[-1]["rule_id"] == HIDDEN_IN_PUBLIC_RULE


async def test_a_public_note_in_its_own_words_and_a_hidden_copy_are_not_held(desk: Desk) -> None:
    turn = await _read_internal_note(desk, ASKED)
    own = {"ticket_id": 789, "note": "We are waiting on a supplier and will update you by Friday."}
    assert (await desk.call(desk.admin, "haloitsm_add_note", own, turn=turn)).status == "ok"
    hidden = {"ticket_id": 789, "note": INTERNAL, "hidden_from_user": True}
    out = await desk.call(desk.admin, "haloitsm_add_note", hidden, turn=turn)
    assert out.status == "ok" and desk.audit_records()[-1]["rule_id"] != HIDDEN_IN_PUBLIC_RULE


def test_hidden_notes_are_found_in_the_history_the_model_still_sees() -> None:
    tool = {"role": "tool", "tool_call_id": "a", "content": '{"status": "ok", "untrusted_data": {"ticket": '
            '{"id": 789}, "notes": [{"note": "public one"}, {"note": "secret plan", "hidden": true}]}}'}
    assert hidden_notes_in_history([{"role": "user", "content": "hi"}, tool]) == ["secret plan"]


@pytest.mark.parametrize(("text", "found"), [
    ("FYI the vendor contract lapses in March; legal says so", "vendor contract lapses in march legal says"),
    ("the vendor contract lapses in march so we wait", None),  # 5 words of a 16-word note
    ("Do not promise a replacement", None),  # 4 common words of a 16-word note: not substantial
    ("", None),
])
def test_what_counts_as_repeating(text: str, found: str | None) -> None:
    assert repeated_passage(text, [INTERNAL]) == found


def test_short_internal_notes_count_when_half_of_them_is_repeated() -> None:
    assert repeated_passage("FYI: password is Spring2026 for now", ["password is Spring2026"]) == (
        "password is spring2026")


def test_the_rule_can_be_turned_off_in_a_policy_file(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "halo_agent/policies/default.yaml").read_text(encoding="utf-8")
    policy = tmp_path / "policy.yaml"
    policy.write_text(text.replace("hidden_in_public: confirm", "hidden_in_public: allow"), encoding="utf-8")
    admin = Principal(role="admin", name="Alex Morgan", halo_agent_id=1)
    call = ProposedCall(action="haloitsm_add_note", args={"ticket_id": 789, "note": "x"}, risk="write")
    facts = Facts(target_ticket_id=789, ticket_exists=True, target_named_by_user=True,
                  public_text_repeats_hidden="do not promise")
    assert PolicyEngine.load().decide(admin, call, facts).rule_id == HIDDEN_IN_PUBLIC_RULE
    assert PolicyEngine.load(policy).decide(admin, call, facts).kind == "allow"
