"""Stage 2 of the offline pipeline: every constraint the request names, in Halo's own vocabulary.

Ticket numbers, people (agents by number or name, requesters by email), sites (by number or name), teams,
statuses, priorities and ticket types as the instance names them, pages, whether a note is for the user
or hidden, and actions no tool can do (delete, merge, ...). Nothing here decides what to do: the intent
stage does, and the coverage stage checks that every entity found here was used or is named back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from halo_agent.models.offline.lists import page_number
from halo_agent.models.offline.vocab import Vocabulary, find_all_names, normalise, priority_in

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
    r"\bsite\s+(?:is|=|:)\s*([A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)*)"
    r"|\b(?:at|for|from)\s+(?:the\s+)?([A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)*)\s+(?:site|office)\b"
    r"|\b(?:at|for|from)\s+(?:the\s+)?([A-Z][\w&'-]*\s+(?:Office|Lab|Store|Plant|Depot|Warehouse|Centre))\b"
)
PERSON_TARGET = re.compile(
    r"\b(?:to|for|with)\s+([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)\b(?!\s+(?:team|queue|group|site|office))"
    r"|\b([A-Z][a-z'-]+\s+[A-Z][a-z'-]+)'s\b"  # "Tom Becker's open tickets"
)
# Actions no tool can do: named back as not possible, with the nearest thing offered.
IMPOSSIBLE = re.compile(
    r"\b(?:delete|deleting|remove|erase|get\s+rid\s+of|purge|merge|merging|split|link\s+(?:it|them|this)|"
    r"(?:send|text)\s+(?:the\s+user\s+|them\s+|him\s+|her\s+)?an?\s+(?:sms|text)|sms|"
    r"(?:phone|call|ring)\s+(?:the\s+user|him|her|them)|attach\w*|export|print\s+(?:it|out))\b",
    _I,
)
HIDDEN = re.compile(
    r"\b(?:hidden|internal|private|staff[- ]only|agent[- ]only|not\s+visible|invisible)\b", _I)
VISIBLE = re.compile(
    r"\b(?:visible|public|customer[- ]facing|(?:user|customer|requester)\s+can\s+see|"
    r"reply\s+to\s+the\s+(?:user|customer|requester)|(?:tell|let)\s+the\s+(?:user|customer|requester))\b",
    _I,
)
_NOT_PEOPLE = frozenset({"Me", "Us", "Him", "Her", "Them", "The", "High", "Low", "Medium", "Critical", "Site",
                         "Ticket", "Priority", "Network", "Halo"})  # fmt: skip


@dataclass(frozen=True)
class Entities:
    """What the request names, each as the phrase the person used (for naming it back)."""

    tickets: tuple[int, ...] = ()
    agent_id: int | None = None
    person: str | None = None  # an agent (or someone) by name: "give it to Grace"
    emails: tuple[str, ...] = ()
    site_id: int | None = None
    site_name: str | None = None
    teams: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    priority: str | None = None
    types: tuple[str, ...] = ()
    page: int | None = None
    hidden: bool | None = None
    impossible: tuple[str, ...] = field(default=())


def find_entities(text: str, vocab: Vocabulary) -> Entities:
    outside = re.sub(r"\"[^\"]*\"", " ", text)  # quoted text is the person's note, not instructions
    site = SITE_NAME.search(outside)
    return Entities(
        tickets=tuple(dict.fromkeys(int(a or b) for a, b in TICKET_IDS.findall(outside))),
        agent_id=_int(AGENT_ID, outside),
        person=_person(outside, vocab),
        emails=tuple(EMAIL.findall(outside)),
        site_id=_int(SITE_ID, outside),
        site_name=next((g for g in site.groups() if g), None) if site else None,
        teams=tuple(_teams(outside, vocab)),
        statuses=tuple(_statuses(outside, vocab)),
        priority=_priority(outside, vocab),
        types=tuple(_types(outside, vocab)),
        page=page_number(outside),
        hidden=True if HIDDEN.search(outside) else (False if VISIBLE.search(outside) else None),
        impossible=tuple(dict.fromkeys(m.group(0).lower() for m in IMPOSSIBLE.finditer(outside))),
    )


def _int(pattern: re.Pattern[str], text: str) -> int | None:
    match = pattern.search(text)
    return int(match.group(1)) if match else None


def _person(text: str, vocab: Vocabulary) -> str | None:
    for match in PERSON_TARGET.finditer(text):
        name = match.group(1) or match.group(2)
        if name.split()[0] in _NOT_PEOPLE or find_all_names(name, vocab.teams + vocab.statuses):
            continue
        return name
    return None


def _teams(text: str, vocab: Vocabulary) -> list[str]:
    found = find_all_names(text, vocab.teams)
    plain = f" {normalise(text)} "
    for team in vocab.teams:
        words = normalise(team).split()
        short = " ".join(words[:2]) if len(words) >= 3 and words[0][:1].isdigit() else None
        if team not in found and short and f" {short} " in plain:
            found.append(team)
    single = [t for t in found if len(t.split()) == 1]
    for team in single:  # "network" is a team only where it is used as one ("to Network", "Network team")
        word = re.escape(team)
        used_as_team = (rf"\b(?:to|for|with|team|queue|in)\s+(?:the\s+)?{word}\b"
                        rf"|\b{word}(?:'s|\s+(?:team|queue|group))")  # fmt: skip
        if not re.search(used_as_team, text, _I):
            found.remove(team)
    return found


_AMBIGUOUS_STATUSES = frozenset({"new", "closed", "resolved", "open"})


def _statuses(text: str, vocab: Vocabulary) -> list[str]:
    return [s for s in find_all_names(text, vocab.statuses) if s.lower() not in _AMBIGUOUS_STATUSES]


def _priority(text: str, vocab: Vocabulary) -> str | None:
    """A priority named as one: "priority High", "high priority", "P1", "to high", "critical tickets"."""
    for word in re.finditer(r"[A-Za-z][\w-]*", text):
        level = next((p for p in vocab.priorities if p.lower() == word.group(0).lower()), None)
        if level and _priority_context(text, word.start(), word.end()):
            return level
    synonym = re.search(r"\bp[1-4]\b", text, _I)
    return priority_in(synonym.group(0), vocab) if synonym else None


def _priority_context(text: str, start: int, end: int) -> bool:
    before, after = text[max(0, start - 30) : start].lower(), text[end : end + 30].lower()
    return bool(
        re.search(r"\bpriority\b\s*(?:is|of|to|:|=|should\s+be)?\s*$", before)
        or re.match(r"[\s-]*priority\b", after)
        or re.match(r"\s*(?:tickets?|incidents?|ones|requests?|calls?|problems?|changes?)\b", after)
        or re.search(r"(?:\bto|\bas|\bmake\s+(?:it|this|that)(?:\s+an?)?|\bset\s+it\s+to|[,;:])\s*$", before)
        or re.search(r"\b(?:an?|the)\s*$", before)
        or (start == 0 and re.match(r"\s*(?:[,;.!]|$)", after))
    )


def _types(text: str, vocab: Vocabulary) -> list[str]:
    found: list[str] = []
    for kind in sorted(vocab.types, key=len, reverse=True):
        word = re.escape(kind.lower())
        ambiguous = kind.lower() in ("problem", "change")  # everyday words: only as a ticket kind
        pattern = rf"\b{word}(?:s|\s+(?:tickets|requests))\b" if ambiguous else rf"\b{word}s?\b(?!\s*#?\s*\d)"
        if re.search(pattern, text, _I) and not any(kind.lower() in f.lower() for f in found):
            found.append(kind)
    return found
