"""Chat shorthand is spelled out before anything else reads the request; a capital R is left alone."""

from __future__ import annotations

import pytest

from halo_agent.models.offline.normalise import normalise_request
from halo_agent.models.offline.parse import parse
from halo_agent.models.offline.vocab import Vocabulary

VOCAB = Vocabulary(teams=("Network", "Applications"))


@pytest.mark.parametrize(
    ("said", "spelled"),
    [
        ("how many critcal tickets r open", "how many critical tickets are open"),
        ("whos on the applications team", "who's on the applications team"),
        ("wat sites does northgate have", "what sites does northgate have"),
        ("can u list them", "can you list them"),
        ("Open a ticket: R&D printer is down", "Open a ticket: R&D printer is down"),
    ],
)
def test_chat_shorthand_is_spelled_out(said: str, spelled: str) -> None:
    assert normalise_request(said) == spelled


def test_an_employee_asking_for_their_ticket_about_something_reads_it() -> None:
    intent = parse("show me my ticket about the docking station", VOCAB)
    assert (intent.kind, intent.slots.get("topic")) == ("status", "docking")
