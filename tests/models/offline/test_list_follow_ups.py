"""Paging said the everyday way, list filters no tool has, and the offer that names what is kept."""

from __future__ import annotations

import pytest

from halo_agent.models.offline.coverage import partial_answer, unused
from halo_agent.models.offline.entities import find_entities
from halo_agent.models.offline.leftovers import leftover_phrases
from halo_agent.models.offline.lists import page_request
from halo_agent.models.offline.parse import parse
from halo_agent.models.offline.vocab import Vocabulary

VOCAB = Vocabulary(statuses=("New", "In Progress", "Waiting on User", "On Hold", "Closed"))


@pytest.mark.parametrize(
    ("said", "page"),
    [("next pls", 3), ("next page please", 3), ("go to page 3", 3), ("jump to page 5 thx", 5),
     ("more please", 3), ("show me page 4", 4), ("what about the network team", None)],
)
def test_a_page_follow_up_is_read_however_it_is_said(said: str, page: int | None) -> None:
    assert page_request(said, {"agent": 6, "page": 2}) == page


@pytest.mark.parametrize(
    ("said", "phrase"),
    [("which tickets have breached their SLA", "breached their SLA"), ("overdue tickets", "overdue")],
)
def test_an_sla_filter_is_named_back_not_dropped(said: str, phrase: str) -> None:
    intent = parse(said, VOCAB)
    answer = partial_answer(intent, unused(intent, find_entities(said, VOCAB)))
    assert f"('{phrase}')" in answer and "SLA" in answer


@pytest.mark.parametrize(
    ("said", "offer"),
    [
        ("open incidents logged since monday", "list the Incident tickets with status open?"),
        ("tickets raised by emma.hart@example.com last month",
         "list the tickets with user emma.hart@example.com?"),
        ("closed tickets at site 18 this month", "list the tickets with status closed, site 18?"),
    ],
)
def test_the_offer_keeps_every_filter_the_person_gave(said: str, offer: str) -> None:
    intent = parse(said, VOCAB)
    answer = partial_answer(intent, unused(intent, find_entities(intent.text, VOCAB)))
    assert "I can't filter tickets by date" in answer and answer.endswith(offer)


def test_an_employee_s_waiting_on_me_is_waiting_on_the_user() -> None:
    assert parse("any of my tickets waiting on me?", VOCAB).slots["status"] == "Waiting on User"


@pytest.mark.parametrize(
    ("said", "slots"),
    [
        ("show reopened tickets", {"status": "Re-opened"}),
        ("any tickets mentioning outlook?", {"search": "outlook"}),
        ("go to page 3", {"page": 3}),
    ],
)
def test_asking_words_and_a_hyphenated_name_said_whole_are_understood(
    said: str, slots: dict[str, object]
) -> None:
    assert leftover_phrases(said, slots, VOCAB, changing=False) == []
