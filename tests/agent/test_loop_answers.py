"""Yes/no answers to a pending confirmation are read in code, from the whole message only."""

from __future__ import annotations

import pytest

from halo_agent.agent.confirm_words import classify_answer


@pytest.mark.parametrize(
    "message",
    ["yes", "Y", "confirm", "Go ahead!", "do it.", "ok", "yes please", " YES ", "yes pls", "ok thx",
     "yep ta"],
)
def test_yes_words_confirm(message: str) -> None:
    assert classify_answer(message) == "yes"


@pytest.mark.parametrize("message", ["no", "N", "cancel", "Stop!", "don't", "Don’t", "no, thanks"])
def test_no_words_decline(message: str) -> None:
    assert classify_answer(message) == "no"


@pytest.mark.parametrize("message", ["close ticket 790", "show me ticket 791", "", "nothing"])
def test_anything_else_is_not_an_answer(message: str) -> None:
    assert classify_answer(message) is None


@pytest.mark.parametrize(
    "message", ["yes, but make it priority Low", "okay so what about 791", "maybe", "yes no", "ok cancel"]
)
def test_an_answer_saying_more_or_hesitating_is_asked_again(message: str) -> None:
    """Issue 9: never declined silently; the person is shown the preview again."""
    assert classify_answer(message) == "unclear"
