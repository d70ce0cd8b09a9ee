"""The Block Kit the person sees, snapshot-tested: a change to it is a change someone should look at.
Regenerate after a deliberate change with HALO_AGENT_UPDATE_SNAPSHOTS=1."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from halo_agent.channels.bots.replies import Pause, Reply
from halo_agent.channels.slack import blocks
from halo_agent.principal import Principal

SNAPSHOT = Path(__file__).parent.parent / "snapshots" / "slack_blocks.json"
CLOSE = Pause("a1b2c3d4e5f6", "confirmation", "haloitsm_resolve_ticket",
              "Ticket 789 'Cannot access email': status In Progress -> Closed", "ab" * 32)  # fmt: skip
CRITICAL = Pause(
    "0f0e0d0c0b0a",
    "approval",
    "haloitsm_update_ticket",
    "Ticket 789 'Cannot access email': priority Medium -> Critical",
    "cd" * 32,
    ("admin",),
)
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
    rendered = json.loads(json.dumps(_rendered()))
    if os.environ.get("HALO_AGENT_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(rendered, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert rendered == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_buttons_carry_the_pending_id_and_the_argument_hash() -> None:
    value = json.loads(_rendered()["confirmation"][-1]["elements"][0]["value"])
    assert value == {"pending_id": CLOSE.pending_id, "args_hash": CLOSE.args_hash}
