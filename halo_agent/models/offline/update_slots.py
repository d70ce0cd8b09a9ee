"""The slots of a change to a ticket: priority, status, team and agent, from the person's words."""

from __future__ import annotations

import re
from typing import Any

from halo_agent.models.offline.create_slots import unknown_priority
from halo_agent.models.offline.slots import AGENT, number, put
from halo_agent.models.offline.teams import assigned_team
from halo_agent.models.offline.vocab import Vocabulary, find_name, match_name, priority_in

_I = re.IGNORECASE


def update_slots(text: str, vocab: Vocabulary) -> dict[str, Any]:
    found: dict[str, Any] = {}
    put(found, "priority", unknown_priority(text, vocab) or priority_in(text, vocab))
    status = re.search(r"\b(?:status\b.*?\bto|as|to|into|on)\s+(?:the\s+)?([\w -]+?)"
                       r"(?:\s+(?:status|state|please|for\s+now))?\s*[.!]*$", text, _I)
    if status and "priority" not in found:
        put(found, "status", match_name(status.group(1), vocab.statuses))
    if _OFF_HOLD.search(text) and "status" not in found:  # back to being worked on
        put(found, "status", match_name("In Progress", vocab.statuses))
    put(found, "agent_id", number(AGENT, text) or (vocab.me if _TO_ME.search(text) else None))
    put(found, "from_agent", _previous_agent(text))  # "from Chloe to Ben": understood, not sent
    if "agent_id" not in found:
        team = assigned_team(text, vocab) or find_name(text, vocab.teams)
        put(found, "team", team)
        person = _assigned_person(text)
        if team is None and person and not match_name(person, vocab.statuses):
            found["agent_name"] = person
    return found


# The caller themselves: "assign 784 to me", "I'll take 784", "give it to myself".
_TO_ME = re.compile(r"\b(?:re-?assign|assign|give|hand|pass|transfer|move|send|put)\b[^.;:]*?"
                    r"\bto\s+(?:me|myself)\b"
                    r"|\bi(?:'ll|\s+will|'m\s+going\s+to|\s+can)\s+(?:take|pick\s+up|grab|handle)\b"
                    r"|\b(?:put|assign)\s+me\s+on\b", _I)
_FROM = re.compile(r"\b(?:from|off)\s+([A-Za-z][\w'-]+(?:\s+(?!(?:and|to|onto)\b)[A-Za-z][\w'-]+)?)"
                   r"\s+(?:and\s+)?(?:on)?to\b", _I)


_OFF_HOLD = re.compile(r"\b(?:take|get|bring|move)\s+(?:ticket\s+)?(?:#?\d+|it|this|that)\s+off\s+hold\b"
                       r"|\bun-?hold\b|\boff\s+hold\b", _I)


def _previous_agent(text: str) -> str | None:
    """ "reassign 781 from Chloe to Ben": who has it now, said to be replaced."""
    match = _FROM.search(text)
    return match.group(1) if match else None


def _assigned_person(text: str) -> str | None:
    match = re.search(r"\b(?:re-?assign|assign|give|hand|transfer|pass)\b.*?"
                      r"\bto\s+([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)", text)
    if not match or match.group(1).lower() in {"me", "myself", "him", "her", "them"}:
        return None
    return match.group(1)
