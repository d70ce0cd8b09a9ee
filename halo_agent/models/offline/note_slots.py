"""The slots of a note: its text (after a colon, in quotes, "saying …", "tell the user …") and whether it
is hidden from the user ("internal", "private") or meant for them ("reply to the user", "public").
"""

from __future__ import annotations

import re
from typing import Any

from halo_agent.models.offline.slots import HIDDEN, QUOTED, VISIBLE, sentence

_I = re.IGNORECASE

_NOTE_TEXT = re.compile(r"(?:saying|stating|that\s+(?:says|reads)|which\s+says|reading|with\s+(?:the\s+)?text"
                        r"|to\s+say|with\s+the\s+note)\s+(.+)$", _I | re.S)


# "let the user on 790 know the gateway was patched", "tell the requester of 790 that ..."
_TOLD = re.compile(r"\b(?:let\s+(?:the\s+)?\w+(?:\s+\w+)?(?:\s+(?:on|of|for)\s+(?:ticket\s+)?#?\d+)?\s+know"
                   r"|tell\s+\w+(?:\s+\w+)?\s+(?:on|of|for)\s+(?:ticket\s+)?#?\d+\s+that"
                   r"|tell\s+(?:the\s+)?(?:user|requester|customer|caller|it|desk|service\s+desk|support|them|him|her)"
                   r"(?:\s+(?:on|of|for)\s+(?:ticket\s+)?#?\d+)?(?:\s+that|\s+to(?=\s+\w+\s+\w+)|(?=\s+(?:the|their|"
                   r"his|her|we|it|they|your)\b)))\s+(?:that\s+)?(.{6,})$", _I | re.S)


def note_slots(text: str) -> dict[str, Any]:
    note, command = note_text(text)
    found: dict[str, Any] = {}
    if note:
        found["note"] = note
    if HIDDEN.search(command):
        found["hidden_from_user"] = True
    elif VISIBLE.search(command):
        found["hidden_from_user"] = False
    return found


def note_text(text: str) -> tuple[str, str]:
    """(the note, the command around it). Text after a colon, quoted text, or "saying …"."""
    if ":" in text:
        command, _, body = text.partition(":")
        if body.strip():
            return sentence(unquote(body)), command
    quoted = QUOTED.search(text)
    if quoted:
        return sentence(quoted.group(1)), text.replace(quoted.group(0), " ")
    said = _NOTE_TEXT.search(text)
    if said:
        return sentence(said.group(1)), text[: said.start()]
    told = _TOLD.search(text)
    if told:
        return sentence(told.group(1)), text[: told.start(1)]  # the command keeps "tell the user"
    after_id = re.search(r"#?\d+\s*(?:,|-|–|—)?\s*(?:that\s+)?(.{8,})$", text)
    if after_id and re.search(r"\b(?:note|comment|add|update)\b", text[: after_id.start()], _I):
        return sentence(after_id.group(1)), text[: after_id.start()]
    return "", text


def unquote(text: str) -> str:
    """ '"Tried rebooting twice, same error"' -> the words inside the quotes."""
    stripped = text.strip()
    if len(stripped) > 2 and stripped[0] == stripped[-1] == '"' and '"' not in stripped[1:-1]:
        return stripped[1:-1]
    return text
