"""Closing a ticket in the person's words: the note for the user, the closing status, the reason given.

"close 793, fixed by replacing the network cable" carries its note in the reason; "close 790 with a note
to the user" or "a visible note summarising the fix" asks for a note without saying what it is, so the
note is left missing and the model asks for it rather than inventing one.
"""

from __future__ import annotations

import re
from typing import Any

from halo_agent.models.offline.slots import note_text, sentence, topic
from halo_agent.models.offline.vocab import Vocabulary, match_name

_I = re.IGNORECASE
_SAID_NOTE = re.compile(
    r"\b(?:with|leave|add|post|include|and)\s+(?:a\s+|an\s+|the\s+)?(?:[\w-]+\s+){0,2}?(?:note|comment|message)"
    r"\s+(?:(?:to\s+the\s+user\s+)?(?:that|saying|to\s+say)\s+)?(.{4,})$", _I)
_FIX = re.compile(
    r"(?:^|[,;:]|\s-\s|\bcan\s+be\s+(?:closed|resolved)\b)\s*(?:the\s+)?"
    r"((?:fixed|resolved|sorted|solved)\s+by\s+.+|fix\s+was\s+.+|(?:replaced|reinstalled|renewed|reset|restarted|"
    r"rebooted|updated|cleared|re-?imaged|swapped)\s+.+)$", _I)
# A note asked for but not given: who it is for, or what it should be about.
_NO_TEXT = re.compile(
    r"^(?:(?:to|for)\s+(?:the\s+)?(?:user|requester|customer|them)"
    r"|(?:summari[sz]|explain|describ|about)\w*\s+(?:the\s+|what\s+)?(?:fix|resolution|solution|cause|fixed|it)"
    r"|what\s+(?:fixed|was\s+done|the\s+fix))"
    r"\b.{0,30}$", _I)
_ASKS_FOR_NOTE = re.compile(r"\b(?:note|comment|message)\b|\btell\s+the\s+(?:user|requester)\b", _I)


def resolve_slots(text: str, vocab: Vocabulary) -> dict[str, Any]:
    found: dict[str, Any] = {}
    note = closing_note(text)
    if note:
        found["note"] = note
    elif _ASKS_FOR_NOTE.search(text):
        found["wants_note"] = True  # a note was asked for without its text: ask what it should say
    status = re.search(r"\bas\s+([\w -]+?)\s*(?:with\b|[.!:]|$)", text, _I)
    if status:
        level = match_name(status.group(1), vocab.statuses)
        if level:
            found["status"] = level
    about = topic(text)
    if about:
        found["topic"] = about
    reason = re.split(r"[,;:]|\s+(?:so|and)\s+", text, maxsplit=1)[0]
    done = re.search(r"\b(?:working|works|fixed|sorted|solved|fine|ok|okay|back)\b", reason, _I)
    if done and not re.search(r"\b(?:close|resolve|mark)\b", reason, _I):
        found["reason"] = sentence(reason)
    return found


def closing_note(text: str) -> str:
    """The note the person gave for the user, or "" when they gave none (or only said who it is for)."""
    note, _ = note_text(text)
    if not note:
        said = _SAID_NOTE.search(text)
        note = sentence(said.group(1)) if said else ""
    if not note:
        fix = _FIX.search(text)
        note = sentence(fix.group(1)) if fix else ""
    bare = note.rstrip(".!? ")
    return "" if not bare or _NO_TEXT.match(bare) or re.fullmatch(r"(?:it'?s\s+)?\w+", bare, _I) else note
