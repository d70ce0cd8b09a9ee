"""Each stage of the offline pipeline on its own: normalise, entities, coverage, arguments, closing."""

from __future__ import annotations

import pytest

from halo_agent.models.offline import arguments
from halo_agent.models.offline.closing import closing_note
from halo_agent.models.offline.coverage import describe, is_offer, partial_answer, unused
from halo_agent.models.offline.entities import find_entities
from halo_agent.models.offline.normalise import corrected, normalise_request
from halo_agent.models.offline.parse import Intent, parse
from halo_agent.models.offline.vocab import Vocabulary

VOCAB = Vocabulary(
    teams=("1st Line Support", "2nd Line Support", "Network", "Service Desk Leads", "Applications"),
    statuses=("New", "In Progress", "Waiting on User", "On Hold", "Resolved", "Closed"),
    types=("Incident", "Problem", "Change", "Service Request"),
)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        (
            "List every open HaloITSM Incident assigned to agent ID 6",
            "List every open Incident assigned to agent 6",
        ),
        ("790 -> low", "790 to low"),
        ("prio of 790 to low pls", "priority of 790 to low please"),
        ("show me all the open P1s", "show me all the open P1 tickets"),
        ("open incidnets, priorty hihg", "open incidents, priority high"),
        ("Open a HaloITSM ticket — my laptop drops off Wi-Fi", "Open a ticket: my laptop drops off Wi-Fi"),
    ],
)
def test_normalise_spells_out_shorthand_and_fixes_typos_of_desk_words(typed: str, read: str) -> None:
    assert normalise_request(typed) == read


def test_normalise_leaves_real_words_and_quoted_text_alone() -> None:
    assert corrected("application") == "application"  # not the team "Applications"
    assert corrected("requested") == "requested"
    assert corrected("Hihg") == "High"
    quoted = 'Add a note to 789: "prio hihg — call me"'
    assert normalise_request(quoted) == quoted


def test_entities_come_from_the_instance_vocabulary() -> None:
    found = find_entities("open high priority incidents for agent 6 with the Network team, page 2", VOCAB)
    assert (found.priority, found.agent_id, found.teams, found.types, found.page) == (
        "High",
        6,
        ("Network",),
        ("Incident",),
        2,
    )
    assert find_entities("fixed by replacing the network cable", VOCAB).teams == ()
    site = find_entities("new incident, site is Manchester Office", VOCAB)
    assert site.site_name == "Manchester Office"
    assert find_entities("give 792 to Grace", VOCAB).person == "Grace"
    assert find_entities("set the status of 796 to On Hold", VOCAB).person is None
    assert find_entities("please delete 795 and merge 790", VOCAB).impossible == ("delete", "merge")


def test_coverage_names_what_the_intent_does_not_carry() -> None:
    intent = Intent("update", "set 790 to low and merge it into 789", {"ticket_id": 790, "priority": "Low"})
    problems = unused(intent, find_entities(intent.text, VOCAB))
    assert [p.phrase for p in problems] == ["merge"]
    answer = partial_answer(intent, problems)
    assert "I can't merge tickets (ticket 790 and 789)" in answer
    assert is_offer(answer) and answer.endswith("Shall I just set ticket 790 to priority Low?")


def test_coverage_passes_a_request_used_whole_and_offers_closing_instead_of_deleting() -> None:
    whole = parse("show open incidents for agent 6 with priority high", VOCAB)
    assert unused(whole, find_entities(whole.text, VOCAB)) == []
    delete = parse("delete ticket 795", VOCAB)
    answer = partial_answer(delete, unused(delete, find_entities(delete.text, VOCAB)))
    assert answer.startswith("I can't delete tickets (ticket 795).") and "close ticket 795 instead" in answer


def test_describe_says_the_understood_part_in_words() -> None:
    assert describe(Intent("list", "", {"priority": "Critical", "status": "open"})) == (
        "list the tickets with priority Critical, status open"
    )


def test_arguments_are_built_in_one_place_with_people_and_places_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slots = {"ticket_id": 792, "agent_name": "Grace", "priority": None, "topic": "x"}
    assert arguments.call_args("haloitsm_update_ticket", slots) == {"ticket_id": 792, "agent": "Grace"}
    assert arguments.needs_lookup(slots) is None  # the tools resolve names in code
    listed = {"agent_id": 6, "site_name": "Manchester Office", "user_email": "emma.hart@example.com"}
    assert arguments.call_args("haloitsm_list_tickets", listed) == {
        "agent": 6,
        "site": "Manchester Office",
        "user": "emma.hart@example.com",
    }
    assert arguments.slots_from_args({"agent": 6, "page": 2}) == {"agent_id": 6, "page": 2}
    monkeypatch.setattr(arguments, "TOOLS_RESOLVE_NAMES", False)  # tools that take ids only
    assert arguments.needs_lookup(slots) == ("agents", "Grace", "agent_id")


@pytest.mark.parametrize(
    ("request_text", "note"),
    [
        ("close 793, fixed by replacing the network cable", "Fixed by replacing the network cable."),
        ("close 790: the VPN certificate was renewed", "The VPN certificate was renewed."),
        ("close 790 with a note to the user", ""),
        ("Close ticket 789 and add a visible note summarising the fix for the user", ""),
    ],
)
def test_a_closing_note_is_the_person_s_words_never_a_description_of_one(
    request_text: str, note: str
) -> None:
    assert closing_note(request_text) == note
