"""Two acts on one ticket in one request (a note with a close, or a note with a change), and one act on
several tickets ("set 781 and 784 to low").

"add a note to 797 saying the client was reinstalled and close it" is a close carrying that note;
"put 784 on hold and add an internal note: waiting on the part" and "internal note on 784: waiting on the
part, and put it on hold" are a change plus a note, planned as both calls. Without this the request would
be done in part (a note whose text ends "and put it on hold", or a change with its note dropped).
"""

from __future__ import annotations

import re
from typing import Any

from halo_agent.models.offline import slots
from halo_agent.models.offline.note_slots import note_slots, note_text
from halo_agent.models.offline.slots import listed_tickets
from halo_agent.models.offline.update_slots import update_slots
from halo_agent.models.offline.vocab import Vocabulary

_I = re.IGNORECASE
_VERBS = r"(?:put|set|make|move|change|assign|give|bump|raise|lower|mark|escalate|reassign|close|resolve)"
# "and", "then", or a comma before a command verb: where the second act starts
_AND = rf"(?:[\s,;.]*\b(?:and|then|also|plus|&)\b\s*|\s*[,;.]\s*(?=(?:please\s+)?{_VERBS}\b))+(?:please\s+)?"
_AND_CLOSE = re.compile(
    rf"{_AND}(?:close|resolve)(?:\s+(?:it|this|that|the\s+ticket|ticket))?(?:\s+(?:off|out))?"
    r"(?:\s+(?:please|pls))?\W*$", _I)
_AND_CHANGE = re.compile(rf"{_AND}(?P<change>{_VERBS}\b.+)$", _I)
_AND_NOTE = re.compile(
    r"(?:[\s,;.]*\b(?:and|then|also|plus|&)\b\s*|\s*[,;.]\s*)(?:please\s+)?(?:add|put|leave|post|write|log)\s+"
    r"(?:an?\s+)?(?:[\w-]+\s+){0,2}?(?:note|comment)\b", _I)
_CHANGES = ("priority", "status", "team", "agent_id", "agent_name")


def combined(
    kind: str, text: str, found: dict[str, Any], vocab: Vocabulary
) -> tuple[str, dict[str, Any], str]:
    """(the intent, its slots, the command words that carry its constraints) once a second act is read."""
    if kind == "note":
        kind, found = _note_and_more(found, vocab)
    elif kind == "update" and found.get("ticket_id") is not None:
        found = _change_and_note(text, found, vocab)
    several = listed_tickets(text) if kind in ("update", "note") else ()
    if len(several) > 1:  # the planner makes the same call for each
        found = {**found, "ticket_id": several[0], "tickets": list(several)}
    if kind in ("note", "resolve") or found.get("note"):
        return kind, found, note_text(text)[1] if found.get("note") else text
    return kind, found, text


def _note_and_more(found: dict[str, Any], vocab: Vocabulary) -> tuple[str, dict[str, Any]]:
    """A note whose text ends in closing the ticket or in changing it: the note, and that act."""
    note = str(found.get("note") or "")
    close = _AND_CLOSE.search(note)
    if close and note[: close.start()].strip():
        kept = {k: v for k, v in found.items() if k not in ("note", "topic")}
        return "resolve", {**kept, "note": slots.sentence(note[: close.start()])}
    change = _AND_CHANGE.search(note)
    ticket = found.get("ticket_id")
    if change and ticket is not None and note[: change.start()].strip():
        changes = {k: v for k, v in update_slots(change.group("change"), vocab).items() if k in _CHANGES}
        if changes:
            kept = {k: v for k, v in found.items() if k != "topic"}
            return "update", {**kept, **changes, "note": slots.sentence(note[: change.start()])}
    return "note", found


def _change_and_note(text: str, found: dict[str, Any], vocab: Vocabulary) -> dict[str, Any]:
    """A change followed by a note ("… and add an internal note: waiting on the part"): both."""
    split = _AND_NOTE.search(text)
    if split is None or split.start() == 0:
        return found
    noted = note_slots(text[split.start() :].lstrip(" ,;.&"))
    if not noted.get("note"):
        return found
    command = text[: split.start()]
    return {"ticket_id": found["ticket_id"], **update_slots(command, vocab), **noted}


def change_words(text: str, *, noted: bool) -> str:
    """What a change request says to change, for the check for words nothing understood: without the
    note of a change-and-note request (its words are the note, "add an internal note" its command),
    without the reason given beside it (", the vendor is back") and with the ways of asking for a change
    this module and `update_slots` read ("I'll take 784", "needs a new owner", "off hold") taken out."""
    if noted:
        split = _AND_NOTE.search(text)
        change = _AND_CHANGE.search(note_text(text)[0])
        text = text[: split.start()] if split is not None and split.start() > 0 else (
            change.group("change") if change else text)
    return _IDIOMS.sub(" ", _COMMA_REASON.sub("", text))


# A statement after a comma or dash is why, not what: "reopen 796, the user says it's slow again".
_COMMA_REASON = re.compile(
    r"[,-]\s*(?:the|our|my|it|its|it's|they|we|he|she|user|vendor|customer|supplier)\b[^,;]*?"
    r"\b(?:is|are|was|were|has|have|had|says|said|reports?|replied|confirmed|back|again|only)\b[^,;]*$", _I)
_IDIOMS = re.compile(
    r"\bi(?:'ll|\s+will|\s+can)\s+(?:take|pick\s+up|grab)\b|\b(?:new|different|another)\s+"
    r"(?:owner|assignee|engineer)\b|\bre-?open\b|\boff\s+hold\b|\bun-?hold\b", _I)

