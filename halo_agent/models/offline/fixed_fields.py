"""Ticket fields no tool can change: named back as not possible, never dropped or read as something else.

The write tools set a ticket's priority, status, team and agent (and a new ticket's type, site and
requester). "Change the SLA on 790 to Research SLA" or "set the category to Network Hardware" asks for a
field they cannot set: the answer says so, and nothing is changed (the value is not read as a team).
"""

from __future__ import annotations

import re

_I = re.IGNORECASE
_CHANGE = r"\b(?:change|changing|set|update|switch|move|put|alter|amend|edit|make|give)\b"
_FIELDS = (  # (pattern, the field in words)
    (r"sla|service\s+level(?:\s+agreement)?", "SLA"),
    (r"categor(?:y|ies|ise|ize)", "category"),
    (r"impact", "impact"),
    (r"urgency", "urgency"),
    (r"due\s+date|deadline|target\s+date|fix\s+by\s+date", "due date"),
    (r"summary|title|subject(?:\s+line)?", "summary"),
    (r"ticket\s+type|type", "type"),
)
_FIXED = tuple(
    (re.compile(rf"{_CHANGE}[^.;!?]{{0,40}}?\b(?:{pattern})\b|\b(?:{pattern})\b[^.;!?]{{0,20}}?\b(?:to|should\s+be)\b",
                _I), field)
    for pattern, field in _FIELDS
)


_VALUE = re.compile(r"\b(?:to|should\s+be)\s+(?:an?\s+|the\s+)?([^.,;!?]{1,40}?)\s*(?:$|[.,;!?]|\band\b)", _I)


def find_fixed_fields(text: str) -> tuple[str, ...]:
    """The fields the request asks to change that no tool can set, in words with the value asked for when
    one follows ("SLA", "category to Network Hardware")."""
    found: list[str] = []
    for pattern, field in _FIXED:
        match = pattern.search(text)
        if match:
            value = _VALUE.search(text, match.start())
            found.append(f"{field} to '{value.group(1)}'" if value else field)
    return tuple(found)


def cannot_change(field: str, tickets: tuple[int, ...]) -> str:
    about = f" (ticket {' and '.join(str(t) for t in tickets)})" if tickets else ""
    return f"{CANNOT_CHANGE}{field}{about}"


CANNOT_CHANGE = "I can't change a ticket's "
