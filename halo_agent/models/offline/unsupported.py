"""Filters a ticket list cannot apply: named back, never dropped ("open tickets older than a week" is not
answered with every open ticket). The list tool filters by type, status, agent, team, user, site, priority
and words in the summary; dates, being unassigned, "the latest 5", sorting and SLA breaches it cannot do.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE
_WHEN = (r"today|yesterday|this\s+(?:week|month|year|morning)|last\s+(?:week|month|year|night|\w+day)"
         r"|since\s+\w+(?:\s+\d+)?|before\s+\w+(?:\s+\d+)?|after\s+\w+(?:\s+\d+)?"
         r"|in\s+the\s+(?:last|past)\s+\w+(?:\s+\w+)?|over\s+\w+\s+(?:days?|weeks?|months?)\s+ago|on\s+\w+day")
_LIMITS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:older|newer)\s+than\s+(?:a|an|one|two|three|\d+)\s+\w+|\bover\s+(?:a|an|\d+)\s+"
                r"(?:days?|weeks?|months?)\s+old\b|\b(?:stale|aged?)\b", _I),
     "I can't filter tickets by age"),
    (re.compile(rf"\b(?:created|opened|raised|logged|closed|updated|resolved|submitted)\s+(?:{_WHEN})\b"
                rf"|\b(?:from|in|during)\s+(?:{_WHEN})\b|\b(?:this|last|past|previous)\s+(?:week|month|year)\b"
                r"|\byesterday\b", _I), "I can't filter tickets by date"),
    (re.compile(r"\bunassigned\b|\bnot\s+(?:yet\s+)?assigned\b|\bwith\s+no\s+(?:agent|owner|one)\b", _I),
     "I can't filter for unassigned tickets"),
    (re.compile(r"\b(?:latest|newest|oldest|most\s+recent|last|first|top)\s+(?:\d+|few|ten|five|three)\b",
                _I),
     "I can't pick the newest or oldest tickets"),
    (re.compile(r"\b(?:sort(?:ed)?|order(?:ed)?)\s+by\b", _I), "I can't sort tickets"),
    (re.compile(r"\b(?:breach\w*|overdue|past\s+(?:their\s+|the\s+)?(?:due|deadline)\w*|"
                r"(?:out(?:side)?\s+of|outside|missed)\s+(?:their\s+|the\s+)?sla)\b(?:\s+(?:their\s+|the\s+)?sla)?",
                _I), "I can't filter tickets by SLA or due date"),
)


def find_unsupported(text: str) -> tuple[tuple[str, str], ...]:
    """(the phrase as typed, why it can't be used) for each list filter no tool argument carries."""
    found: list[tuple[str, str]] = []
    for pattern, why in _LIMITS:
        match = pattern.search(text)
        if match:
            found.append((match.group(0), why))
    return tuple(found)
