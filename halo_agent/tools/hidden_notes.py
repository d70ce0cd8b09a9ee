"""Hidden stays hidden: a public note that repeats an internal note read in the session.

Internal (hidden) notes reach the model when an agent reads a ticket. A model asked to "summarise the
ticket for the user" may copy one into a public or closing note, which the end user then receives. The
executor keeps the hidden notes read in the session; before the policy decides a public note, the
longest passage it shares with any of them is a fact, and the policy's `hidden_in_public` rule asks the
person to confirm, showing that passage.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from difflib import SequenceMatcher
from typing import Any

MIN_SHARED_WORDS = 6  # a run this long is never a coincidence in a service-desk note
MIN_SHARED_SHARE = 0.5  # or half of a short hidden note (at least MIN_SHORT_NOTE words)
MIN_SHORT_NOTE = 3
MAX_KEPT = 50  # hidden notes remembered per session (the newest)
_WORD = re.compile(r"[\w'@.-]+")


def public_text(action: str, args: dict[str, Any]) -> str | None:
    """The text a call would show the ticket's user, if any."""
    if action == "haloitsm_add_note" and not args.get("hidden_from_user"):
        return str(args.get("note") or "") or None
    if action == "haloitsm_resolve_ticket":
        return str(args.get("note") or "") or None
    return None


def repeated_passage(text: str, hidden_notes: Iterable[str]) -> str | None:
    """The longest passage of `text` that repeats a substantial part of a hidden note, or None."""
    words = _words(text)
    best: list[str] = []
    for note in hidden_notes:
        hidden = _words(note)
        shared = _longest_shared(words, hidden)
        substantial = len(shared) >= MIN_SHARED_WORDS or (
            len(hidden) >= MIN_SHORT_NOTE and len(shared) >= MIN_SHARED_SHARE * len(hidden)
        )
        if substantial and len(shared) > len(best):
            best = shared
    return " ".join(best) or None


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def _longest_shared(a: list[str], b: list[str]) -> list[str]:
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return a[match.a: match.a + match.size]


def hidden_notes_in(content: object) -> list[str]:
    """Hidden note texts in one tool result's content (a ticket read by an agent)."""
    if not isinstance(content, dict):
        return []
    data = content.get("untrusted_data") or content.get("result") or content
    notes = data.get("notes") if isinstance(data, dict) else None
    if not isinstance(notes, list):
        return []
    return [str(n["note"]) for n in notes if isinstance(n, dict) and n.get("hidden") and n.get("note")]


def hidden_notes_in_history(messages: Iterable[dict[str, Any]]) -> list[str]:
    """Hidden notes the model has read in this session (tool messages still in the history)."""
    found: list[str] = []
    for message in messages:
        if message.get("role") == "tool":
            found += _hidden_notes_in_message(str(message.get("content") or ""))
    return found[-MAX_KEPT:]


@functools.lru_cache(maxsize=256)
def _hidden_notes_in_message(content: str) -> tuple[str, ...]:
    """Parsed once per tool message: the history is read again at every model round trip."""
    if '"hidden"' not in content:
        return ()
    try:
        return tuple(hidden_notes_in(json.loads(content)))
    except ValueError:
        return ()
