"""Ticket fields no tool can change: named back as not possible, never dropped or read as something else.

The write tools set a ticket's priority, status, team and agent (and a new ticket's type, site and
requester). "Change the SLA on 790 to Research SLA" or "set the category to Network Hardware" asks for a
field they cannot set: the answer says so, and nothing is changed (the value is not read as a team).
"""

from __future__ import annotations

import re

_I = re.IGNORECASE
_CHANGE = r"\b(?:change|changing|set|update|switch|move|put|alter|amend|edit|make|give)\b"
_FIELDS = (  # (pattern, the field in words, whether "<field> … to" alone asks for a change)
    (r"sla|service\s+level(?:\s+agreement)?", "SLA", True),
    (r"categor(?:y|ies|ise|ize)", "category", True),
    (r"impact", "impact", True),
    (r"urgency", "urgency", True),
    (r"due\s+date|deadline|target\s+date|fix\s+by\s+date", "due date", True),
    (r"summary|title|subject(?:\s+line)?", "summary", True),
    (r"ticket\s+type|type", "type", True),
    # the requester and the site are fields of a new ticket only; "what site is 790 at" is a question
    (r"requester|reporter|end\s+user|raised\s+by|logged\s+by", "requester", False),
    (r"site|location", "site", False),
)
_MOVE = r"\b(?:change|changing|set|update|switch|move|alter|amend|edit)\b"  # not "give it to …"
_FIXED = tuple(
    (re.compile(rf"{_CHANGE}[^.;!?]{{0,40}}?\b(?:{pattern})\b|\b(?:{pattern})\b[^.;!?]{{0,20}}?\b(?:to|should\s+be)\b"
                if alone else rf"{_MOVE}[^.;!?]{{0,40}}?\b(?:{pattern})\b", _I), field)
    for pattern, field, alone in _FIELDS
)


_VALUE = re.compile(r"\b(?:to|should\s+be)\s+(?:an?\s+|the\s+)?((?:[^.,;!?]|\.(?=\w)){1,40}?)\s*"
                    r"(?:$|[.,;!?](?!\w)|\band\b)", _I)


# Taking the agent off a ticket: the update tool gives a ticket to someone, it never leaves it with no one.
_UNASSIGN = re.compile(r"\bun-?assign\w*\b|\bremove\s+(?:the\s+)?(?:agent|assignee|owner|engineer)\b"
                       r"|\b(?:to|with)\s+(?:nobody|no\s*-?\s*one)\b", _I)
UNASSIGNED = "agent to no one"


def find_fixed_fields(text: str) -> tuple[str, ...]:
    """The fields the request asks to change that no tool can set, in words with the value asked for when
    one follows ("SLA", "category to Network Hardware")."""
    found: list[str] = [UNASSIGNED] if _UNASSIGN.search(text) else []
    for pattern, field in _FIXED:
        match = pattern.search(text)
        if match:
            value = _VALUE.search(text, match.start())
            found.append(f"{field} to '{value.group(1)}'" if value else field)
    return tuple(found)


def cannot_change(field: str, tickets: tuple[int, ...]) -> str:
    about = f" (ticket {' and '.join(str(t) for t in tickets)})" if tickets else ""
    instead = ": I can give it to another agent or a team instead" if field == UNASSIGNED else ""
    return f"{CANNOT_CHANGE}{field}{about}{instead}"


CANNOT_CHANGE = "I can't change a ticket's "
