"""The leftover-words net: a word of a list or change request that nothing used is named, never dropped;
a lower-case name in a name's place becomes a filter Halo resolves."""

from __future__ import annotations

import pytest

from halo_agent.models.offline.coverage import unused
from halo_agent.models.offline.entities import find_entities
from halo_agent.models.offline.leftovers import leftover_phrases, placed_names
from halo_agent.models.offline.parse import parse
from halo_agent.models.offline.vocab import Vocabulary

VOCAB = Vocabulary(
    teams=("1st Line Support", "2nd Line Support", "Network", "Service Desk Leads", "Applications"),
    statuses=("New", "In Progress", "Waiting on User", "Waiting on Third Party", "On Hold", "Re-opened"),
    types=("Incident", "Problem", "Change", "Service Request"),
)


def _named(said: str) -> list[str]:
    intent = parse(said, VOCAB)
    return [p.phrase for p in unused(intent, find_entities(intent.text, VOCAB), VOCAB)]


@pytest.mark.parametrize(
    ("said", "slot", "value"),
    [
        ("list problems logged at leeds plant", "site_name", "leeds plant"),
        ("how many open tickets does grace lin have", "agent_name", "grace lin"),
        ("open incidents at york workshop", "site_name", "york workshop"),
        ("what's tom working on?", "agent_name", "tom"),
        ("tickets for the manchester office", "site_name", "manchester office"),
        ("tickets logged by emma hart", "user_email", "emma hart"),  # who raised them, not who works them
        ("set priority of 799 to medium and assign to ben carter", "agent_name", "ben carter"),
    ],
)
def test_a_lower_case_name_in_a_names_place_becomes_a_filter(said: str, slot: str, value: str) -> None:
    intent = parse(said, VOCAB)
    assert intent.slots.get(slot) == value
    assert _named(said) == []


@pytest.mark.parametrize(
    ("said", "left"),
    [
        ("show closed tickets for kestrel research", "kestrel research"),  # a client: no list filter
        ("show 5 newest tickets", "newest"),
        ("open tickets with a broken screen flag", "broken screen flag"),
        ("put 797 back to new", "put"),  # a change read as a question is not answered silently
        ("anything new for 1st line today?", "today"),  # no date filter: said, not dropped
        ("mark 796 as on hold until monday", "until monday"),
    ],
)
def test_a_word_nothing_used_is_named(said: str, left: str) -> None:
    assert left in _named(said)


@pytest.mark.parametrize(
    "said",
    [
        "list open incidnets for 2nd line",
        "any P2s waiting on the user?",
        "show me page 3 of 2nd line's open tickets",
        "Raise ticket 789 to Critical: the whole finance team is affected.",
        "Read ticket 790 and then set its priority to Low.",
        "list emma.hart@example.com's service requests",
        "what's on hold at the moment",
    ],
)
def test_everyday_wording_leaves_nothing(said: str) -> None:
    assert _named(said) == []


def test_a_typo_counts_only_for_a_name_that_was_understood() -> None:
    # "leeds" is one letter from "Service Desk Leads", but that team is not what the request is about
    assert leftover_phrases("problems at leeds plant", {}, VOCAB, changing=False) == ["leeds plant"]
    assert leftover_phrases("tickets for service desk leeds", {"team": "Service Desk Leads"}, VOCAB,
                            changing=False) == []


def test_punctuation_splits_phrases_and_quoted_text_is_never_a_constraint() -> None:
    phrases = leftover_phrases('tickets for alpha, beta "gamma delta"', {}, VOCAB, changing=False)
    assert phrases == ["alpha", "beta"]


def test_a_change_takes_a_person_only_where_it_is_handed_to_them() -> None:
    text = "set 790 to low and give it to sam turner"
    assert placed_names(text, ["sam turner"], changing=True) == {"agent_name": "sam turner"}
    assert placed_names("set 790 to low for sam turner", ["sam turner"], changing=True) == {}


def test_the_words_that_find_a_ticket_are_used_not_left_over() -> None:
    assert _named("reassign my email ticket to grace") == []


def test_contractions_typed_without_an_apostrophe_are_read() -> None:
    assert parse("my laptop wont turn on", VOCAB).kind == "offer"
    assert parse("i cant log in to teams", VOCAB).kind == "offer"

