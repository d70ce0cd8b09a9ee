"""The Block Kit the person sees, snapshot-tested: a change to it is a change someone should look at
(HALO_AGENT_UPDATE_SNAPSHOTS=1 rewrites the snapshot after a deliberate change)."""

from __future__ import annotations

import json
from typing import Any

from halo_agent.channels.bots.replies import Reply
from halo_agent.channels.slack import blocks
from halo_agent.principal import Principal
from tests.channels.seed_checks import CLOSE, CRITICAL, check_snapshot

ROWS = [
    {"id": 789, "summary": "Cannot access email", "status": "In Progress", "priority": "Medium",
     "type": "Incident", "agent": "Ben Carter", "team": "1st Line Support", "user": "Emma Hart"},
    {"id": 801, "summary": "VPN drops <hourly> & on Wi-Fi", "status": "New", "priority": "High"},
]  # fmt: skip


def _rendered() -> dict[str, Any]:
    base = "https://desk.example.com"
    alex = Principal(role="admin", name="Alex Morgan", halo_agent_id=1)
    return {
        "answer_with_table": blocks.answer_blocks(Reply("Here are your open tickets.", ROWS), base),
        "answer_naming_ticket": blocks.answer_blocks(Reply("Ticket 789 is In Progress (see #789)."), base),
        "confirmation": blocks.answer_blocks(Reply("Please confirm.", confirmations=[CLOSE]), base),
        "approval_waiting": blocks.answer_blocks(Reply("", approvals=[CRITICAL]), None),
        "approval_request": blocks.approval_request_blocks(CRITICAL, alex),
        "decided": blocks.decided_blocks(CRITICAL.preview, "Approved by Priya Shah (admin)"),
        "error": blocks.answer_blocks(Reply("", errors=["Halo said: 503 Service Unavailable"]), None),
    }


def test_block_kit_matches_the_snapshot() -> None:
    check_snapshot("slack_blocks", _rendered())


def test_buttons_carry_the_pending_id_and_the_argument_hash() -> None:
    value = json.loads(_rendered()["confirmation"][-1]["elements"][0]["value"])
    assert value == {"pending_id": CLOSE.pending_id, "args_hash": CLOSE.args_hash}
