"""Reading a person's answer to a pending confirmation. Decided in code, never by the model."""

from __future__ import annotations

import re
from typing import Literal

Answer = Literal["yes", "no"]

YES_WORDS = frozenset(
    {"yes", "y", "yeah", "yep", "confirm", "confirmed", "go ahead", "do it", "ok", "okay", "proceed", "sure"}
)
NO_WORDS = frozenset({"no", "n", "nope", "cancel", "stop", "don't", "dont", "do not", "abort"})

_TRAILING = re.compile(r"[\s.!,]+$")
_SPACES = re.compile(r"\s+")
_POLITE = re.compile(r"^(please )|( please| thanks| thank you)$")


def classify_answer(message: str) -> Answer | None:
    """ "yes" or "no" when the whole message is one of the words (case, spaces and ! . , ignored).

    Anything longer ("yes, but make it priority low") is not an answer: the person said something new.
    """
    text = _SPACES.sub(" ", _TRAILING.sub("", message.strip().lower())).replace("’", "'")
    text = _TRAILING.sub("", _POLITE.sub("", text))
    if text in YES_WORDS:
        return "yes"
    if text in NO_WORDS:
        return "no"
    return None
