"""Names resolve to the instance's records in code; unknown or ambiguous names come back with choices."""

from __future__ import annotations

import pytest

from halo_agent.halo.models import InstanceMetadata, Priority, Status, Team, TicketType
from halo_agent.tools.base import ToolError
from halo_agent.tools.format import cut, page_info
from halo_agent.tools.names import (
    canonical_args,
    default_closed_status,
    priority_in_sla,
    resolve,
)

META = InstanceMetadata(
    ticket_types=[TicketType(id=1, name="Incident"), TicketType(id=3, name="Service Request")],
    statuses=[Status(id=1, name="New"), Status(id=2, name="In Progress"), Status(id=8, name="Resolved"),
              Status(id=9, name="Closed")],
    priorities=[Priority(id=11, slaid=1, priorityid=1, name="Critical"),
                Priority(id=14, slaid=1, priorityid=4, name="Low"),
                Priority(id=21, slaid=2, priorityid=1, name="Critical"),
                Priority(id=24, slaid=2, priorityid=4, name="Low")],
    teams=[Team(id=1, name="1st Line Support"), Team(id=2, name="2nd Line Support"),
           Team(id=3, name="Old Desk", inactive=True)],
)


def test_exact_name_wins_case_insensitively() -> None:
    assert resolve("team", "2ND line SUPPORT", META.teams).id == 2


def test_unique_prefix_resolves() -> None:
    assert resolve("ticket type", "serv", META.ticket_types).id == 3


def test_unknown_name_lists_the_choices() -> None:
    with pytest.raises(ToolError) as caught:
        resolve("team", "Networking", META.teams)
    assert caught.value.choices == ["1st Line Support", "2nd Line Support"]


def test_ambiguous_prefix_lists_the_candidates() -> None:
    with pytest.raises(ToolError, match="ambiguous") as caught:
        resolve("status", "", META.statuses)
    assert "Closed" in caught.value.choices


def test_inactive_records_are_not_choices() -> None:
    with pytest.raises(ToolError):
        resolve("team", "Old Desk", META.teams)


def test_priority_resolves_within_the_tickets_sla() -> None:
    assert priority_in_sla(META, "low", 2).id == 24
    assert priority_in_sla(META, "low", None).id == 14  # new tickets: the default (lowest) SLA


def test_canonical_args_fix_names_before_the_policy_sees_them() -> None:
    fixed = canonical_args({"priority": "crit", "team": "1st line support", "note": "x"}, META)
    assert fixed == {"priority": "Critical", "team": "1st Line Support", "note": "x"}


def test_status_keywords_survive_only_where_allowed() -> None:
    assert canonical_args({"status": "Open"}, META, status_keywords=True) == {"status": "open"}
    with pytest.raises(ToolError):
        canonical_args({"status": "open"}, META)


def test_default_closed_status_is_the_one_named_closed() -> None:
    assert default_closed_status(META).id == 9


def test_cut_says_how_long_the_text_was() -> None:
    assert cut("short", 10) == "short"
    long = cut("x" * 50, 10)
    assert long is not None and long.startswith("x" * 10) and "50 chars" in long


def test_page_info_marks_more() -> None:
    assert page_info(1, 25, 60) == {"total": 60, "page": 1, "more": True}
    assert page_info(3, 10, 60) == {"total": 60, "page": 3, "more": False}
    assert page_info(1, 25, None)["more"] is True
