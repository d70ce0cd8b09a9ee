"""Words of a list or change request that nothing understood: named back, never dropped.

The coverage stage checks the entities it knows how to find; this is its net for the rest. Every word of
the request must be a function word, a word of how people ask for tickets ("show", "pls", "currently"),
one of the service desk's own names (or a typo of one), or part of what a slot carries. What is left
("for kestrel research", "newest", "and assign to ben carter") is a constraint the model did not use, so
the request is not acted on as if whole. Names are Halo's to resolve, not ours: a lower-case name that
ends up here is named back rather than guessed at.
"""

from __future__ import annotations

import re
from typing import Any

from halo_agent.models.offline.vocab import Vocabulary, same_word

# English function words, and the words of asking about or changing tickets in general (no names, no
# values: those must reach a slot or be named).
_FUNCTION = frozenset("""
a an the this that these those it its it's them they their there here what which who whose whom where
when how why is are was were be been being am do does did done doing have has had having can could would
should will shall may might must i i'm i'd i've me my mine we us our you your he him his she her of to
in on at for from with by about as into onto up down out off over under again then than so and or but
nor not no yes just only also too very really quite all any some every each both either more most much
many few lot lots now currently still yet already right please pls thanks thank cheers ok okay hey
hi hello kindly quick quickly asap if whether let let's lemme gimme get got give see look
""".split())  # noqa: SIM905 -- a word list reads best as words
_ASKING = frozenset("""
show list display find pull bring fetch view check tell know want need like see give get search read
ticket tickets incident incidents call calls case cases request requests issue issues job jobs item
items queue queues open opened outstanding active live current pending unresolved closed resolved
everything anything one ones stuff thing things number count many total how whats what's which's
anything priority priorities prio status statuses state type types team teams agent agents site sites
user users level levels assigned assignee logged raised reported page pages next previous first second
third last one two three four five six seven eight nine ten moment time got going right away both belong
belongs line lines actually fine same again working work worked being
mentioning containing matching regarding related
go jump skip
""".split())  # noqa: SIM905 -- a word list reads best as words
_CHANGING = frozenset("""
set change update make put mark move switch bump raise lower drop escalate downgrade upgrade reassign
assign give hand pass transfer route send allocate take it's be as new value instead back should go goes
needs pick park swap urgent
""".split())  # noqa: SIM905 -- a word list reads best as words
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_QUOTED_OR_EMAIL = re.compile(r"\"[^\"]*\"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?:'s)?")
# Why a change is asked for, not what to change: "raise 789 to Critical: the whole finance team is affected".
_REASON = re.compile(
    r"(?:[:;,.-]\s*|\s)(?:because|cos|coz|cause)\b.*$"
    r"|(?:[:;,.-]\s*|\s)(?:as|since|so)\s+(?:the|our|my|it|it's|they|we|this|that|he|she)\b.*$"
    r"|[:;.-]\s*(?:the|our|my|it|its|it's|they|we|this|that|he|she|everyone|nobody)\b[^:;]*?"
    r"\b(?:is|are|was|were|has|have|had|can't|cannot|isn't|aren't|keeps?|needs?)\b.*$",
    re.IGNORECASE)
# Where a name the vocabulary does not know sits in a list request: "at leeds plant" is a site,
# "for grace lin", "does grace lin have", "grace lin's" a person's queue (Halo resolves both).
_SITE_BEFORE = re.compile(r"\b(?:at|in|from)\s+(?:the\s+)?$", re.IGNORECASE)
_PERSON_BEFORE = re.compile(
    r"\b(?:for|of|does|has|did|is|assigned\s+to|with|by|to)\s+(?:agent\s+|user\s+)?$", re.IGNORECASE)
_REQUESTER_BEFORE = re.compile(
    r"\b(?:raised|logged|reported|opened|submitted|created|requested)\s+by\s+$|\bon\s+behalf\s+of\s+$",
    re.IGNORECASE)
_PERSON_AFTER = re.compile(r"^(?:'s\b|\s+(?:have|has|got|own|working|work)\b)", re.IGNORECASE)


def leftover_phrases(text: str, slots: dict[str, Any], vocab: Vocabulary, *, changing: bool) -> list[str]:
    """Runs of words in `text` that no slot, vocabulary name or asking word accounts for."""
    carried = _slot_words(slots)
    known = _vocab_words(vocab) | carried
    allowed = _FUNCTION | _ASKING | (_CHANGING if changing else frozenset())
    plain = _QUOTED_OR_EMAIL.sub(" , ", text)
    plain = _REASON.sub("", plain) if changing else plain
    phrases: list[list[str]] = [[]]
    last_end = 0
    for match in _WORD.finditer(plain):
        word = match.group(0)
        if _explained(word.lower(), known, carried, allowed):
            phrases.append([])
            continue
        if re.search(r"[,;:.!?]", plain[last_end : match.start()]):
            phrases.append([])  # "for alpha, beta": two things, each named on its own
        phrases[-1].append(word)
        last_end = match.end()
    return [" ".join(words) for words in phrases if words]


def _explained(word: str, known: frozenset[str], carried: frozenset[str], allowed: frozenset[str]) -> bool:
    """A typo counts only for a word a slot carries: "leeds" is not "Service Desk Leads" unless that team
    was understood."""
    word = word.removesuffix("'s")
    if re.fullmatch(r"\d+|\d+(?:st|nd|rd|th)|p\d", word):
        return True  # numbers are tickets, pages and P1-style levels: the other checks see to those
    if word in allowed or word in known or _plural_of(word, allowed | known):
        return True
    return len(word) >= 4 and any(same_word(word, k) for k in carried if len(k) >= 4)


def _plural_of(word: str, words: frozenset[str]) -> bool:
    return word.endswith("s") and (word[:-1] in words or (word.endswith("es") and word[:-2] in words))


def _vocab_words(vocab: Vocabulary) -> frozenset[str]:
    names = (*vocab.priorities, *vocab.teams, *vocab.types, *vocab.statuses)
    return frozenset(w for name in names for w in _words(name))


def _slot_words(slots: dict[str, Any]) -> frozenset[str]:
    return frozenset(w for value in slots.values() for w in _words(str(value)))


def _words(name: str) -> list[str]:
    """A name's words, and its hyphenated words joined: "Re-opened" is said "reopened" too."""
    lowered = name.lower()
    return re.findall(r"[a-z0-9]+", lowered) + re.findall(r"[a-z0-9]+", lowered.replace("-", ""))


_SITE_WORDS = frozenset({
    "office", "lab", "store", "plant", "depot", "warehouse", "centre", "center", "workshop", "site", "branch",
    "campus", "building", "hq"})  # fmt: skip
_ORGANISATION_WORDS = frozenset({"ltd", "limited", "plc", "inc", "llc", "group", "research", "retail",
                                 "manufacturing", "partners", "holdings", "company", "corp", "client"})
_ASSIGNING = re.compile(r"\b(?:re-?assign|assign|give|hand|pass|transfer|allocate|route)\b", re.IGNORECASE)


def placed_names(text: str, phrases: list[str], *, changing: bool = False) -> dict[str, str]:
    """Leftover phrases a list can still use as a filter by where they stand: {"site_name": …},
    {"user_email": …} (who raised it) or {"agent_name": …}; Halo's directory decides whether they name
    anyone (the tool says if not)."""
    found: dict[str, str] = {}
    for phrase in phrases:
        at = text.find(phrase)
        if at < 0 or len(phrase.split()) > 4:
            continue
        before, after = text[:at], text[at + len(phrase) :]
        if changing:  # a change takes a person only where it is handed to them: "and assign to ben carter"
            if _ASSIGNING.search(before) and re.search(r"\bto\s+$", before) and "agent_name" not in found:
                found["agent_name"] = phrase
            continue
        last = phrase.split()[-1].lower()
        if (_SITE_BEFORE.search(before) or last in _SITE_WORDS) and "site_name" not in found:
            found["site_name"] = phrase
        elif last in _ORGANISATION_WORDS:
            continue  # "for Northgate Manufacturing": a client, which no list filter takes: named back
        elif _REQUESTER_BEFORE.search(before) and "user_email" not in found:
            found["user_email"] = phrase  # the requester: the tool takes a name or an email
        elif (_PERSON_BEFORE.search(before) or _PERSON_AFTER.match(after)) and "agent_name" not in found:
            found["agent_name"] = phrase.removesuffix("'s")
    return found
