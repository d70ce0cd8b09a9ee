"""The "never partial, never silent" check: constraints found in the person's words, and whether each
reached a call or was owned up to in the answer. The failures it must catch are the issue's own."""

from __future__ import annotations

import pytest

from halo_agent.evals.constraint_match import unmet
from halo_agent.evals.constraints import Constraint, Directory, extract
from halo_agent.sandbox.store import SandboxStore


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.from_lookups(SandboxStore.demo().lookups)


def kinds(text: str, directory: Directory) -> dict[str, tuple[str, ...]]:
    return {c.kind: c.values for c in extract(text, directory)}


def test_finds_the_seed_list_constraints(directory: Directory) -> None:
    found = kinds("List every open HaloITSM Incident assigned to agent ID 6", directory)
    assert found["agent"][0] == "6"
    assert found["status"] == ("open",)
    assert found["type"] == ("incident",)


def test_finds_shorthand_typos_and_names(directory: Directory) -> None:
    assert kinds("#790 should be P4", directory) == {"ticket": ("790",), "priority": ("low",)}
    assert kinds("show open incidents for agent 6 with priorty high", directory)["priority"] == ("high",)
    assert kinds("any open crit tickets?", directory)["priority"] == ("critical",)
    assert kinds("give 792 to Grace", directory)["agent"][:2] == ("7", "grace lin")
    assert kinds("open incident, site 18, team 1st line", directory)["team"] == ("1st line support",)
    assert kinds("low, and the site is Manchester Office", directory) == {
        "site": ("18", "manchester office"),
        "priority": ("low",),
    }


def test_words_that_only_look_like_constraints_are_not(directory: Directory) -> None:
    assert kinds("Open a ticket: my laptop drops off Wi-Fi", directory) == {}
    assert "team" not in kinds("close 793, fixed by replacing the network cable", directory)
    assert "note" not in kinds("Can you tell me what's going on with ticket 790?", directory)
    assert "status" not in kinds("How many tickets does agent 6 have in total, open or closed?", directory)
    assert "status" not in kinds("no, leave it open for now", directory)
    assert "agent" not in kinds("can you remove #791 from Halo", directory)


def tickets(text: str, directory: Directory) -> list[str]:
    return [c.values[0] for c in extract(text, directory) if c.kind == "ticket"]


@pytest.mark.parametrize(
    ("said", "wanted"),
    [
        ("#790 should be P4", ["790"]),
        ("what's happening with ticket 790?", ["790"]),
        ("close tickets 790 and 791", ["790", "791"]),
        ("790 fixed - close it", ["790"]),
        ("reasign 791 to nina", ["791"]),
        ("is 792 on hold?", ["792"]),
        ("same for 784", ["784"]),
        ("put a note on 790: the user is in room 214, ext 4411", ["790"]),
    ],
)
def test_a_ticket_is_a_number_said_as_one(said: str, wanted: list[str], directory: Directory) -> None:
    assert tickets(said, directory) == wanted


@pytest.mark.parametrize(
    "said",
    [
        "Open a ticket: the projector in room 214 is dead",
        "new incident: the phone on ext 4411 has no dial tone",
        "Open a ticket: 2 PCs in building 300 won't boot",
        "log an incident: 300 users can't reach the VPN",
        "raise a problem: the backup has failed every night since 2019",
        "create a ticket: call me on 07700 900123 about the printer",
        "new ticket: call me on 4411 when the engineer is here",
        "new incident: the 500 GB drive on port 125 is full",
    ],
)
def test_rooms_extensions_buildings_counts_and_years_are_not_tickets(said: str, directory: Directory) -> None:
    assert tickets(said, directory) == []


LIST = "haloitsm_list_tickets"


def test_a_team_said_by_part_of_its_name_or_a_name_it_lacks_is_a_constraint(directory: Directory) -> None:
    assert kinds("which tickets are open for the service desk team?", directory)["team"] == (
        "service desk leads",)
    assert kinds("tickets in the netwrok queue", directory)["team"] == ("network",)
    assert kinds("open tickets for the support team", directory)["team"] == (
        "1st line support", "2nd line support")
    assert kinds("show tickets for the security team", directory)["team"] == ("security",)
    assert "team" not in kinds("list tickets on hold for my team", directory)
    assert "team" not in kinds("Open a ticket: the finance team can't print", directory)


def test_an_unknown_team_must_be_named_not_dropped(directory: Directory) -> None:
    wanted = extract("show tickets for the security team", directory)
    assert unmet(wanted, [(LIST, {})], ["Here are all 300 tickets."]) == wanted
    assert unmet(wanted, [], ["I couldn't use 'security team': there is no team of that name."]) == []




@pytest.mark.parametrize(
    ("request_text", "calls", "answer"),
    [
        ("list open critical tickets", [(LIST, {"status": "open"})], "There are 184 open tickets."),
        (
            "can you give 792 to Sam Turner",
            [("haloitsm_get_ticket", {"ticket_id": 792})],
            "Ticket 792 is open.",
        ),
        ("delete ticket 795", [("haloitsm_get_ticket", {"ticket_id": 795})], "Ticket 795 is Closed."),
        (
            "close 793, fixed by replacing the network cable",
            [("haloitsm_resolve_ticket", {"ticket_id": 793})],
            "Ticket 793 is closed.",
        ),
        (
            "close 790 with a note to the user",
            [("haloitsm_resolve_ticket", {"ticket_id": 790})],
            "Ticket 790 is closed.",
        ),
        (
            "log a new ticket for emma.hart@example.com: printer jams",
            [("haloitsm_create_ticket", {"summary": "emma.hart@example.com: printer jams", "details": "x"})],
            "Created ticket 900.",
        ),
    ],
)
def test_the_issue_s_partial_actions_are_caught(
    directory: Directory, request_text: str, calls: list[tuple[str, dict[str, object]]], answer: str
) -> None:
    assert unmet(extract(request_text, directory), calls, [answer])


def test_used_constraints_and_honest_answers_pass(directory: Directory) -> None:
    wanted = extract("show open incidents for agent 6 with priorty high", directory)
    call = (LIST, {"agent_id": 6, "ticket_type": "Incident", "status": "open", "priority": "High"})
    assert unmet(wanted, [call], ["Agent 6 has 8."]) == []
    by_name = (LIST, {"agent": "Sam Turner", "ticket_type": "Incident", "status": "open", "priority": "High"})
    assert unmet(wanted, [by_name], [""]) == []
    delete = extract("delete ticket 795", directory)
    assert unmet(delete, [], ["I can't delete tickets. I can close ticket 795 instead, if you like."]) == []
    assert unmet(delete, [], ["Ticket 795 is Closed."]) == [c for c in delete]


def test_an_answer_that_claims_the_value_without_using_it_does_not_count(directory: Directory) -> None:
    wanted = extract("list open critical tickets", directory)
    missed = unmet(wanted, [(LIST, {"status": "open"})], ["Here are the open Critical tickets: 184."])
    assert missed == [Constraint("priority", "critical", ("critical",))]


def test_notes_need_their_text_and_visibility(directory: Directory) -> None:
    wanted = extract(
        'Add a hidden-from-user note to ticket 789: "Root cause is DNS, escalating to L3"', directory
    )
    public = ("haloitsm_add_note", {"ticket_id": 789, "note": "Root cause is DNS, escalating to L3."})
    assert [c.kind for c in unmet(wanted, [public], [""])] == ["visibility"]
    hidden = ("haloitsm_add_note", {**public[1], "hidden_from_user": True})
    assert unmet(wanted, [hidden], [""]) == []
    wrong_text = ("haloitsm_add_note", {"ticket_id": 789, "note": "To the user.", "hidden_from_user": True})
    assert [c.kind for c in unmet(wanted, [wrong_text], [""])] == ["note_text"]
