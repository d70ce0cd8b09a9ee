"""What every slot extractor shares: the ticket a request names, numbers that are not tickets, tidy sentences.

The extractors, one module per intent (`create_slots`, `note_slots`, `update_slots`, `list_slots`), read only
the person's own words and return plain values; unknown names are passed through as typed (the tools
resolve names and answer with choices when a name is unknown).
"""

from __future__ import annotations

import re
from typing import Any

_I = re.IGNORECASE
_TICKET_ID = re.compile(
    r"(?:\b(?:ticket|incident|request|call|case|issue|number|no\.?)\s*(?:number\s*|no\.?\s*|id\s*)?#?\s*|#\s*)"
    r"(\d{1,9})\b", _I)
_OTHER_NUMBERS = re.compile(r"\b(?:site|agent|page|team|client|user)\s*(?:id\s*)?#?\s*\d+\b"
                            r"|\b(?:priority|p)\s*[1-9]\b(?!\d)", _I)
_BARE_NUMBER = re.compile(r"(?<![\w.,:/-])(\d{2,9})(?![\w.,:/-]\w)")
SITE = re.compile(r"\bsite\s*(?:id\s*|number\s*|no\.?\s*)?#?\s*(\d+)\b", _I)
AGENT = re.compile(r"\bagent\s*(?:id\s*|number\s*|no\.?\s*)?#?\s*(\d+)\b", _I)
QUOTED = re.compile(r"[\"“”']([^\"“”]{3,})[\"“”']")
HIDDEN = re.compile(r"\b(?:hidden|internal|private|agent[- ]only|staff[- ]only|not\s+visible|invisible)\b",
                     _I)
VISIBLE = re.compile(r"\b(?:visible|public|customer[- ]facing|update\s+the\s+(?:user|customer|requester)"
                      r"|(?:the\s+)?(?:user|customer|requester)\s+can\s+see)\b", _I)


def ticket_id(text: str) -> int | None:
    """"ticket 789", "#789", "incident no. 789"; else a bare number that is not a site, agent, ..."""
    match = _TICKET_ID.search(text)
    if match:
        return int(match.group(1))
    bare = _BARE_NUMBER.search(_OTHER_NUMBERS.sub(" ", text))
    return int(bare.group(1)) if bare else None


def number(pattern: re.Pattern[str], text: str) -> int | None:
    match = pattern.search(text)
    return int(match.group(1)) if match else None


def sentence(text: str) -> str:
    """Tidy a fragment into a sentence: trimmed, capitalised, ending with a full stop."""
    text = re.sub(r"\s+([.,;!?])", r"\1", re.sub(r"\s+", " ", text)).strip(" \t\n,;:-–—")
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def put(found: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        found[key] = value


_LISTED = re.compile(r"(?:#|\b)(\d{2,9})((?:\s*(?:,|&|\+|\band\b)\s*(?:ticket\s+|#)?\d{2,9}\b)+)", _I)


def listed_tickets(text: str) -> tuple[int, ...]:
    """The tickets of a list written together ("781 and 784", "781, 784", "#781 & #788") in the command,
    before any colon (numbers in a note's text are the note's); () when there is no such list."""
    command = re.sub(r"\"[^\"]*\"", " ", text).partition(":")[0]
    match = _LISTED.search(command)
    return tuple(dict.fromkeys(int(n) for n in re.findall(r"\d{2,9}", match.group(0)))) if match else ()
