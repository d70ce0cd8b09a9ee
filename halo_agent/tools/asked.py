"""Did the person's own current message ask for this write, on this target?

The one exemption from the untrusted-write rule (a write proposed while Halo text is in the model's
context waits for the person) is a write the person asked for themselves, now: their current message names
the target ticket and asks for that kind of change ("add a note to 789 ...", "close 790", "reassign 789").
Reading or summarising a ticket, or having named it in an earlier message, is not asking to write to it:
planted text in ticket 789 must not be able to write on 789 because the person asked to read it.

Deciding this from words can only err one way that matters: a request it does not recognise asks the
person to confirm (the safe side); it never lets a write through that the message does not name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_WORDS: dict[str, str] = {
    "haloitsm_add_note": r"notes?|comment\w*|repl(?:y|ies)|respond\w*|post|write (?:to|back)|let \w+ know"
                         r"|update (?:the )?(?:user|requester|customer)|message",
    "haloitsm_update_ticket": r"priorit\w*|p[1-4]|assign\w*|reassign\w*|escalat\w*|move|team|status|change"
                              r"|set|raise|lower|bump|transfer|hand (?:it )?(?:over|to)|give (?:it )?to"
                              r"|urgent|critical|high|medium|low",
    "haloitsm_resolve_ticket": r"close\w*|resolv\w*|complete|finish\w*|done|mark",
    "haloitsm_create_ticket": r"create|open|raise|log|new|report|file|submit|ticket|incident|request",
}
_ASKS = {action: re.compile(rf"(?i)\b(?:{words})\b") for action, words in _WORDS.items()}


def ticket_named(ticket_id: int, text: str) -> bool:
    """The message names this ticket number (as a whole number, not inside another one)."""
    return re.search(rf"(?<!\d){ticket_id}(?!\d)", text) is not None


def write_asked(action: str, ticket_id: int | None, user_texts: Sequence[str]) -> bool:
    """The current message (the last of `user_texts`) asks for `action`, on `ticket_id` when it has one."""
    if not user_texts:
        return False
    current = user_texts[-1]
    asks = _ASKS.get(action)
    if asks is None or not asks.search(current):
        return False
    return ticket_id is None or ticket_named(ticket_id, current)
