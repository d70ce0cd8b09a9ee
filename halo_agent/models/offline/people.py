"""People named in a request, and the part each plays: the one to work on a ticket, or the one it is for.

The offline model has no copy of Halo's directory, so a person is a name in the place a name goes:
"give it to Grace", "can Nina take 791", "assign it to grace lin" (after an assigning verb even in lower
case), "Tom Becker's tickets", "for Emma Hart", "on behalf of Emma Hart", "raised by Liam Cole". The tools
resolve the name (or say it is unknown); which slot it fills depends on the intent (see `parse`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from halo_agent.models.offline.normalise import LEXICON
from halo_agent.models.offline.vocab import Vocabulary, find_phrases

_NAME = r"[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?"
_LOWER_NAME = r"[a-z][a-z'-]+(?:\s+[a-z][a-z'-]+)?"
_FULL_LOWER = r"[a-z][a-z'-]+\s+[a-z][a-z'-]+"  # first and last name
_ROLE_WORD = r"(?:(?:agent|engineer|tech|technician|analyst)\s+)?"
_ASSIGN = r"(?:re-?assign|assign|give|hand|pass|transfer|send|route|move|escalate|allocate)"
# A lower-case name only where the wording leaves no other reading: right after its anchor, and ending the
# clause ("assign to grace lin", "for liam: …"), so "move it to waiting on user" is no person.
_CLAUSE_END = (r"(?=\s*(?:$|\.(?![\w@])|[,;:!?]|-\s|and\b|please\b|pls\b|now\b|instead\b|thanks\b|then\b"
               r"|at\b))")
_TICKETS = r"(?:ticket\s+)?#?\d+(?:\s*(?:,|&|\+|and)\s*#?\d+)*"  # "790", "781 & 788"
_NEW_TICKET = r"(?i:ticket|incident|service\s+request|request|call|case|sr|p[1-4])"
# (role, pattern), matched case-sensitively: "assignee" works on the ticket, "requester" is who it is for,
# "for" may be either (the intent decides: a list's "for Tom" is his queue, a create's is the requester).
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("assignee", rf"\b{_ASSIGN}\b[^.;:]*?\b(?:to|onto)\s+{_ROLE_WORD}({_NAME})\b"),
    ("assignee", rf"\b{_ASSIGN}\s+(?:{_TICKETS}\s+|it\s+|this\s+|that\s+)?(?:over\s+)?(?:to|onto)\s+"
                 rf"{_ROLE_WORD}({_LOWER_NAME}){_CLAUSE_END}"),
    ("assignee", rf"\b{_ASSIGN}\b[^.;:]*?\b(?:off|from)\s+[\w' -]+?\s+(?:and\s+)?(?:on)?to\s+{_ROLE_WORD}"
                 rf"({_LOWER_NAME}){_CLAUSE_END}"),
    ("assignee", rf"\b(?:should\s+be|be|go|goes)\s+(?:with|to)\s+({_LOWER_NAME}){_CLAUSE_END}"),
    ("assignee", rf"\b(?:re-?assign|assign|allocate)\s+(?:it\s+)?({_LOWER_NAME}){_CLAUSE_END}"),
    ("assignee", rf"\b(?:can|could)\s+({_LOWER_NAME})\s+(?:take|pick\s+up|handle|look\s+at)\s+"
                 r"(?:ticket\s+)?#?\d+"),
    ("assignee", rf"\b(?:can|could|will|would)\s+({_NAME})\s+(?:take|have|pick\s+up|look\s+at|handle)\b"),
    ("assignee", rf"\bfor\s+({_NAME})\s+to\s+(?:pick\s+up|take|look\s+at|handle|work\s+on|deal\s+with)\b"),
    ("assignee", rf"\b(?:assigned|allocated)\s+to\s+({_NAME})\b"),
    ("assignee", rf"\bput\s+({_NAME})\s+on\s+(?:ticket\s+)?#?\d+"),
    ("assignee", rf"\bget\s+({_NAME})\s+to\s+(?:pick\s+up|take|look\s+at|handle|work\s+on|deal\s+with)\b"),
    ("assignee", rf"\b(?:should\s+be|be|go|goes)\s+(?:with|to)\s+({_NAME})\b"),
    ("assignee", rf"\b(?:with|to)\s+({_NAME})(?:\s+(?:please|pls|thanks|now|instead))*\s*[.!?]*$"),
    ("requester", rf"\b(?:on\s+behalf\s+of|raised\s+by|logged\s+by|reported\s+by|opened\s+by|requester)\s+"
                  rf"({_NAME})\b"),
    ("requester", rf"\b{_NEW_TICKET}\s+(?:for|on\s+behalf\s+of)\s+({_LOWER_NAME}){_CLAUSE_END}"),
    ("requester", rf"^\W*({_LOWER_NAME})\s+(?:needs|wants)\s+(?:a|an)\s+(?:new\s+)?"
                  r"(?:ticket|incident|request)\b"),
    ("requester", rf"^\W*({_NAME})\s+(?:needs|wants|has|is\s+asking\s+for)\s+(?:a|an)\s+(?:new\s+)?"
                  r"(?:ticket|incident|request)\b"),
    ("for", rf"\b(?:for|of)\s+({_NAME})\b"),
    ("for", rf"\b({_NAME})'s\b"),
    ("for", rf"\bwhat(?:\s+has|\s+does|\s+is|'s)\s+({_NAME})\s+(?:got|have|working)\b"),
    ("for", rf"\b(?:does|has|did)\s+({_NAME})\s+(?:have|got|own)\b"),
)
# In lower case, a full name only where nothing but a person goes (the tools check it against Halo); a
# first name alone only in "what's grace working on"
_FULL_LOWER_PATTERNS: tuple[tuple[str, str], ...] = (
    ("assignee", rf"\b(?:assigned|allocated)\s+to\s+({_FULL_LOWER})\b"),
    ("requester", rf"\b(?:on\s+behalf\s+of|(?:raised|logged|reported|opened|submitted)\s+by)\s+"
                  rf"({_FULL_LOWER})\b"),
    ("for", rf"\b({_FULL_LOWER})'s\s+(?:[\w-]+\s+){{0,3}}?"
            r"(?:tickets|incidents|requests|queue|calls|cases)\b"),
    ("for", rf"\bwhat(?:\s+is|'s|s)\s+({_LOWER_NAME})\s+working\s+on\b"),
    ("for", rf"\b(?:has|does)\s+({_FULL_LOWER})\s+(?:got|have)\b"),
    ("for", rf"^\W*({_FULL_LOWER})\s+(?:(?:open|closed|high|low|critical|medium|p[1-4])\s+)*"
            r"(?:tickets|incidents|calls|queue)\b"),
)
# Capitalised words that are not people where names go.
_NOT_NAMES = frozenset({
    "me", "us", "him", "her", "them", "it", "this", "that", "the", "a", "an", "my", "our", "you", "myself",
    "high", "low", "medium", "critical", "site", "ticket", "tickets", "priority", "halo", "team",
    "please", "pls", "now", "today", "tomorrow", "asap", "then", "instead", "later", "again", "queue",
    "group", "and", "or", "with", "as", "for", "support", "someone", "somebody", "anyone", "else", "whoever",
    "agent", "user", "requester", "customer", "status", "hold", "top", "front", "back", "up", "over",
    "incident", "incidents", "request", "requests", "problem", "change", "second", "first", "third", "line",
    "ticket's", "another", "different", "other", "what", "who", "where", "when", "how", "why", "which",
    "there", "here", "let", "today's",
    "everything", "nothing", "something", "anything", "yesterday", "week", "month", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "everyone", "i", "we", "they", "he", "she",
    "everybody", "nobody", "no", "one", "someone's",
})  # fmt: skip


_PLACE_WORDS = frozenset({
    "office", "lab", "store", "plant", "depot", "warehouse", "centre", "center", "workshop", "site", "team",
    "wharf", "research", "retail", "manufacturing", "floor", "building", "room"})  # fmt: skip


# Things a lower-case "ticket for …" is often about, never a person: "a ticket for vpn issues: …".
_THINGS = frozenset({
    "vpn", "wifi", "wi-fi", "email", "emails", "outlook", "teams", "printer", "printers", "laptop",
    "laptops", "monitor", "monitors", "screen", "phone", "phones", "mobile", "access", "password",
    "passwords", "account", "accounts", "network", "server", "servers", "issue", "issues", "problem",
    "problems", "error", "errors", "fault", "faults", "software", "hardware", "licence", "license",
    "install", "new", "broken", "slow", "login", "mfa", "headset", "keyboard", "mouse", "dock", "docking",
    "scanner", "projector", "internet", "drive", "share", "folder", "files", "file", "app", "apps",
    "application", "system", "it", "desk", "starter", "leaver", "upgrade", "update", "repair",
    "replacement", "order", "request", "requests",
})  # fmt: skip


@dataclass(frozen=True)
class Person:
    name: str  # as typed
    role: str  # "assignee", "requester" or "for"


def find_people(text: str, vocab: Vocabulary) -> tuple[Person, ...]:
    """The people the request names, each once, in the role its wording gives them."""
    found: dict[str, Person] = {}
    for patterns, lower in ((_PATTERNS, False), (_FULL_LOWER_PATTERNS, True)):
        for role, pattern in patterns:
            for match in re.finditer(pattern, text):
                name = _trimmed(match.group(1), vocab)
                if name and (not lower or plain_name(name)) and name.lower() not in found:
                    found[name.lower()] = Person(name, role)
    return tuple(found.values())


def plain_name(name: str) -> bool:
    """A name typed in lower case is one or two words, neither a service-desk word ("service desk's
    queue"); the patterns say how many words a place takes."""
    words = name.split()
    common = [w for w in words if w in _COMMON or w in _NOT_NAMES or w in _PLACE_WORDS]
    return len(words) in (1, 2) and not common


_COMMON = frozenset((*LEXICON, "any", "all", "every", "some", "new", "old", "recent", "latest", "today's",
                     "several", "many", "few", "multiple", "users", "people", "staff", "days", "weeks"))


def is_name(text: str, vocab: Vocabulary) -> bool:
    """A reply that is only a person's name ("grace", "Omar Haddad"), not a word that stands in for one."""
    return _trimmed(text, vocab) == text and not (text.islower() and text in _THINGS)


def _trimmed(name: str, vocab: Vocabulary) -> str | None:
    """The name without trailing words that are not part of it; None when it is no name at all."""
    known = vocab.teams + vocab.statuses + vocab.priorities + vocab.types
    if find_phrases(name, known):
        return None  # "to On Hold", "to Network": a status or a team, not a person
    words = name.split()
    while words and words[-1].lower().strip("'") in _NOT_NAMES:
        words.pop()
    if not words or words[0].lower() in _NOT_NAMES:
        return None
    if words[-1].lower() in _PLACE_WORDS:
        return None  # "for Head Office": a site, not a person
    if name.islower() and any(word in _THINGS for word in words):
        return None  # "a ticket for vpn issues": what it is about, not who
    kept = " ".join(words)
    return None if find_phrases(kept, known) or len(kept) < 3 else kept
