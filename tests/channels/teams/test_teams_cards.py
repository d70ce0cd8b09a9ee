"""The Adaptive Cards the person sees, snapshot-tested (regenerate after a deliberate change with
HALO_AGENT_UPDATE_SNAPSHOTS=1), and checked against the SDK's own card model."""

from __future__ import annotations

from typing import Any

from halo_agent.channels.bots.replies import Reply
from halo_agent.channels.teams import cards
from halo_agent.channels.teams.app import AdaptiveCard
from halo_agent.principal import Principal
from tests.channels.seed_checks import CLOSE, CRITICAL, check_snapshot

ROWS = [
    {
        "id": 789,
        "summary": "Cannot access email",
        "status": "In Progress",
        "priority": "Medium",
        "agent": "Ben Carter",
        "team": "1st Line Support",
    },
    {"id": 801, "summary": "[click here](https://evil.example.com) VPN drops", "status": "New"},
]


def _rendered() -> dict[str, Any]:
    base = "https://desk.example.com"
    alex = Principal(role="admin", name="Alex Morgan", halo_agent_id=1)
    return {
        "answer_with_table": cards.answer_card(Reply("Here are your open tickets.", ROWS), base),
        "confirmation": cards.answer_card(Reply("Please confirm.", confirmations=[CLOSE]), base),
        "approval_waiting": cards.answer_card(Reply("", approvals=[CRITICAL]), None),
        "approval_request": cards.approval_request_card(CRITICAL, alex),
        "decided": cards.decided_card(CRITICAL.preview, "Approved by Priya Shah (admin)", None, base),
        "error": cards.answer_card(Reply("", errors=["Halo said: 503 Service Unavailable"]), None),
    }


def test_adaptive_cards_match_the_snapshot() -> None:
    check_snapshot("teams_cards", _rendered())


def test_every_card_is_a_valid_adaptive_card_for_the_sdk() -> None:
    for name, shown in _rendered().items():
        assert AdaptiveCard.model_validate(shown).version == "1.5", name


def test_halo_text_is_never_read_as_markdown() -> None:
    table = _rendered()["answer_with_table"]["body"][1]
    summary_cell = table["rows"][2]["cells"][1]["items"][0]
    assert summary_cell["type"] == "RichTextBlock"  # a TextRun: the link stays text
