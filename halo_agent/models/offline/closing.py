"""Closing a ticket in the person's words: the note for the user, the closing status, the reason given.

"close 793, fixed by replacing the network cable" carries its note in the reason; "close 790 with a note
to the user" or "a visible note summarising the fix" asks for a note without saying what it is, so the
note is left missing and the model asks for it rather than inventing one.
"""

from __future__ import annotations

import re
from typing import Any

from halo_agent.models.offline.list_slots import topic
from halo_agent.models.offline.note_slots import note_text
from halo_agent.models.offline.slots import sentence
from halo_agent.models.offline.vocab import Vocabulary, match_name

_I = re.IGNORECASE
_SAID_NOTE = re.compile(
    r"\b(?:with|leave|add|post|include|and)\s+(?:a\s+|an\s+|the\s+)?(?:[\w-]+\s+){0,2}?(?:note|comment|message)"
    r"\s+(?:(?:to\s+the\s+user\s+)?(?:that|saying|to\s+say)\s+)?(.{4,})$", _I)
_FIX = re.compile(
    r"(?:^|[,;:?.!]|\s-\s|\bcan\s+be\s+(?:closed|resolved)\b)\s*(?:the\s+)?"
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
    elif "note" not in found and not found.get("wants_note"):
        _put_note(found, remainder_note(text))
    return found


def _put_note(found: dict[str, Any], note: str) -> None:
    if note:
        found["note"] = note


# A clause that is the closing command itself, or politeness, not what was done.
_COMMAND_CLAUSE = re.compile(
    r"\b(?:close|closed|resolve|resolved|mark|done|complete|finished|please|thanks|cheers|it|ticket|cancel|"
    r"withdraw|my)\b"
    r"|^\W*(?:ok|okay|yes|so)\W*$", _I)


def remainder_note(text: str) -> str:
    """ "resolve 792, user added to the distribution list": what was done, said beside the command."""
    clauses = re.split(r"\s*(?:[,;:.!?]|\s[-–—]\s)\s*", text)
    kept = [c for c in clauses if len(re.findall(r"[A-Za-z']{2,}", c)) >= 3 and not _command_only(c)]
    return sentence(". ".join(kept)) if kept else ""


def _command_only(clause: str) -> bool:
    """The clause closes the ticket or is politeness: every word is a command word, a number or filler."""
    words = re.findall(r"[A-Za-z']+|\d+", clause)
    rest = [w for w in words if not _COMMAND_CLAUSE.fullmatch(w) and not w.isdigit()
            and w.lower() not in _FILLER_WORDS]
    return len(rest) < 2 or bool(re.search(r"\b(?:close|resolve|mark|cancel|withdraw)\b", clause, _I))


_FILLER_WORDS = frozenset({
    "can", "you", "could", "would", "the", "a", "now", "this", "that", "as", "be", "is", "out", "off", "for",
    "me", "us", "just", "go", "ahead", "all", "good", "sorted"})  # fmt: skip


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
    if not bare or _NO_TEXT.match(bare) or re.fullmatch(r"(?:it'?s\s+)?\w+", bare, _I) or _command_only(bare):
        return ""
    return note
