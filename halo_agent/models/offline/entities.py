"""Stage 2 of the offline pipeline: every constraint the request names, in Halo's own vocabulary.

Ticket numbers, people (agents by number or name, requesters by email), sites (by number or name), teams,
statuses, priorities and ticket types as the instance names them, pages, whether a note is for the user
or hidden, and actions no tool can do (delete, merge, ...). Nothing here decides what to do: the intent
stage does, and the coverage stage checks that every entity found here was used or is named back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from halo_agent.models.offline.fixed_fields import find_fixed_fields
from halo_agent.models.offline.lists import page_number
from halo_agent.models.offline.people import find_people
from halo_agent.models.offline.teams import team_names, unclear_teams
from halo_agent.models.offline.unsupported import find_unsupported
from halo_agent.models.offline.vocab import Vocabulary, find_phrases, same_word

_I = re.IGNORECASE
TICKET_IDS = re.compile(
    r"(?:\b(?:ticket|incident|request|call|case)s?\s*(?:number\s*|no\.?\s*)?#?\s*|#\s*)(\d{2,9})\b"
    r"|(?<![\w.,:/@-])(?<!site )(?<!agent )(?<!page )(?<!floor )(?<!room )(\d{3,9})(?![\w.,:/@-]\w)",
    _I,
)
AGENT_ID = re.compile(r"\bagent\s*#?\s*(\d+)\b", _I)
SITE_ID = re.compile(r"\bsite\s*#?\s*(\d+)\b", _I)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SITE_NAME = re.compile(
    r"\b[Ss]ite\s*(?:is|=|:)?\s*(?!\d)([A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)*)"
    r"|(?:^|[,;:.]\s*|\b(?:at|for|from|in)\s+)(?:the\s+)?([A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)*)\s+site\b"
    r"|\b(?:at|for|from)\s+(?:the\s+)?([A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)*)\s+(?:site|office)\b"
    r"|\b(?:at|for|from|in)\s+(?:the\s+)?([A-Z][\w&'-]*\s+(?:Office|Lab|Store|Plant|Depot|Warehouse|Centre))\b"
    r"|\b((?:[A-Z][\w&'-]*\s+)+(?:Office|Lab|Store|Plant|Depot|Warehouse|Centre|Workshop))\b"
)
# Actions no tool can do: named back as not possible, with the nearest thing offered.
IMPOSSIBLE = re.compile(
    r"\b(?:delete|deleting|remove|erase|get\s+rid\s+of|purge|merge|merging|split|link\s+(?:it|them|this|\d+|#)|"
    r"(?:send|text)\s+(?:the\s+user\s+|them\s+|him\s+|her\s+)?an?\s+(?:sms|text)|sms|text\s+message|"
    r"e-?mail\s+(?:the|him|her|them)(?:\s+(?:user|requester|customer))?|"
    r"(?:phone|call|ring)\s+(?:the\s+user|the\s+requester|the|him|her|them)|attach\w*|export|print\s+(?:it|out))\b",
    _I,
)
HIDDEN = re.compile(
    r"\b(?:hidden|internal|private|staff[- ]only|agent[- ]only|not\s+visible|invisible)\b", _I)
VISIBLE = re.compile(
    r"\b(?:visible|public|customer[- ]facing|(?:user|customer|requester)\s+can\s+see|"
    r"(?:reply|respond|write\s+back)\s+to\s+the\s+(?:user|customer|requester|caller)"
    r"|(?:tell|let|update)\s+the\s+(?:user|customer|requester|caller))\b",
    _I,
)


@dataclass(frozen=True)
class Entities:
    """What the request names, each as the phrase the person used (for naming it back)."""

    tickets: tuple[int, ...] = ()
    agent_id: int | None = None
    person: str | None = None  # an agent (or someone) by name: "give it to Grace"
    person_role: str | None = None  # "assignee", "requester" or "for" (see `people`)
    emails: tuple[str, ...] = ()
    site_id: int | None = None
    site_name: str | None = None
    teams: tuple[str, ...] = ()
    unclear_teams: tuple[tuple[str, str], ...] = ()  # a team said that is no team or several, and why
    statuses: tuple[str, ...] = ()
    priority: str | None = None
    types: tuple[str, ...] = ()
    page: int | None = None
    hidden: bool | None = None
    impossible: tuple[str, ...] = field(default=())
    unsupported: tuple[tuple[str, str], ...] = ()  # list filters no tool can apply, and why
    fixed: tuple[str, ...] = ()  # ticket fields asked to change that no tool can set ("SLA", "category")


def find_entities(text: str, vocab: Vocabulary) -> Entities:
    outside = re.sub(r"\"[^\"]*\"", " ", text)  # quoted text is the person's note, not instructions
    site = SITE_NAME.search(outside)
    people = find_people(outside, vocab)
    return Entities(
        tickets=tuple(dict.fromkeys(int(a or b) for a, b in TICKET_IDS.findall(outside))),
        agent_id=_int(AGENT_ID, outside),
        person=people[0].name if people else None,
        person_role=people[0].role if people else None,
        emails=tuple(EMAIL.findall(outside)),
        site_id=_int(SITE_ID, outside),
        site_name=next((g for g in site.groups() if g), None) if site else None,
        teams=tuple(team_names(outside, vocab)),
        unclear_teams=unclear_teams(outside, vocab),
        statuses=tuple(_statuses(outside, vocab)),
        priority=_priority(outside, vocab),
        types=tuple(_types(outside, vocab)),
        page=page_number(outside),
        hidden=True if HIDDEN.search(outside) else (False if VISIBLE.search(outside) else None),
        impossible=find_impossible(outside),
        unsupported=find_unsupported(outside),
        fixed=find_fixed_fields(outside),
    )


def find_impossible(text: str) -> tuple[str, ...]:
    """Actions no tool can do, as the person said them: "delete", "get rid of", "send them an sms"."""
    return tuple(dict.fromkeys(m.group(0).lower() for m in IMPOSSIBLE.finditer(text)))


def _int(pattern: re.Pattern[str], text: str) -> int | None:
    match = pattern.search(text)
    return int(match.group(1)) if match else None


_AMBIGUOUS_STATUSES = frozenset({"new", "closed", "resolved", "open"})


def _statuses(text: str, vocab: Vocabulary) -> list[str]:
    names = tuple(s for s in vocab.statuses if s.lower() not in _AMBIGUOUS_STATUSES)
    return [name for name, _ in find_phrases(text, names)]


def _priority(text: str, vocab: Vocabulary) -> str | None:
    """A priority named as one: "priority High", "high priority", "P1", "to high", "critical tickets"."""
    for word in re.finditer(r"[A-Za-z][\w-]*", text):
        level = next((p for p in vocab.priorities if same_word(word.group(0).lower(), p.lower())), None)
        if level and _priority_context(text, word.start(), word.end()):
            return level
    # P1 is the instance's first (most urgent) level
    ranked = re.search(r"\b(?:p|priority\s*#?\s*)([1-9])\b", text, _I)
    if ranked and int(ranked.group(1)) <= len(vocab.priorities):
        return vocab.priorities[int(ranked.group(1)) - 1]
    return None


def _priority_context(text: str, start: int, end: int) -> bool:
    before, after = text[max(0, start - 30) : start].lower(), text[end : end + 30].lower()
    return bool(
        re.search(r"\bpriority\b\s*(?:is|of|to|:|=|should\s+be|on\s+(?:ticket\s+)?#?\d+\s+(?:to\s+)?)?\s*$",
                  before)
        or re.match(r"[\s-]*priority\b", after)
        or re.match(r"\s*(?:tickets?|incidents?|ones|requests?|calls?|problems?|changes?"
                    r"|service\s+requests?)\b", after)
        or re.search(r"(?:\bto|\bas|\bbe|\bmake\s+(?:it|this|that)(?:\s+an?)?|\bset\s+it\s+to|[,;:-])\s*$",
                     before)
        or re.search(r"\b(?:an?|the|any|anything|all|only|just|how\s+many)\s*$", before)
        or re.search(r"(?:^|\bticket\s+|#)\d+\s*$", before)  # "792 low", "#790 high"
        or re.match(r"\s*(?:[,;.!?]|$|then\b|please\b|pls\b)", after)
    )


# Everyday names for a ticket type, used when the instance has the type under its own name.
_TYPE_WORDS = {
    "change": r"changes|change\s+(?:tickets?|requests?)",
    "problem": r"problems|problem\s+(?:tickets?|records?)",
    "service request": r"service\s+requests?|srs?",
    "incident": r"incidents?|incs?",
}


def _types(text: str, vocab: Vocabulary) -> list[str]:
    found: list[str] = []
    for kind in sorted(vocab.types, key=len, reverse=True):
        words = _TYPE_WORDS.get(kind.lower(), re.escape(kind.lower()) + "s?")
        if re.search(rf"\b(?:{words})\b(?!\s*#?\s*\d)", text, _I) and not any(
            kind.lower() in f.lower() for f in found
        ):
            found.append(kind)
    return found
