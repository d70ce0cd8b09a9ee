"""The slots of a new ticket: what is wrong (summary and details), type, priority, team, site, people.

The description is the person's words with the command and every field phrase taken out ("for Emma Hart",
"site Leeds Plant", "high priority", "assign it to 2nd line"), so the summary says what is wrong.
"""

from __future__ import annotations

import re
from typing import Any

from halo_agent.models.offline.people import find_people
from halo_agent.models.offline.slots import AGENT, SITE, number, put, sentence
from halo_agent.models.offline.teams import assigned_team
from halo_agent.models.offline.vocab import Vocabulary, find_name, match_name, priority_in

_I = re.IGNORECASE

_CREATE_COMMAND = re.compile(
    r"\b(?:(?:please|kindly)\s+)?(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?"
    r"(?:create|open|raise|log|submit|file|start|make)\s+(?:me\s+|up\s+)?(?:a|an|one)?\s*(?:new\s+)?"
    r"(?P<adjectives>(?:[\w-]+[- ]priority\s+"
    r"|(?!(?:incident|ticket|service|request|call|case|problem|change)\b)[\w-]+\s+){0,2})"
    r"(?:incident|ticket|service\s+request|request|call|case|problem(?:\s+ticket)?|change(?:\s+request)?"
    r"(?=\s*(?:for|to|:|-|,|at|on))|sr\b|p[1-4]\b)"
    r"(?:\s+for\s+(?:me|us))?(?:\s+please)?\b(?:\s*\?)?", _I)
# "..., I need a ticket opened": the request to open one, said after the problem.
_NEED_TICKET = re.compile(
    r"[,;]?\s*(?:so\s+|and\s+)?(?:(?:i|we)(?:\s+(?:need|want|would\s+like)|'d\s+like)\s+(?:you\s+to\s+open\s+)?"
    r"|(?:can|could|may)\s+(?:i|we|you)\s+(?:please\s+)?(?:get|have)\s+)"
    r"(?:a|an)\s+(?:new\s+)?(?:ticket|incident|service\s+request|request|p[1-4])"
    r"(?:\s+(?:opened|raised|logged|created|for\s+(?:it|this|that)))?(?:\s+please)?\s*\??"
    r"|[,;]?\s*(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?(?:log|raise|report)\s+(?:it|this|that)"
    r"(?:\s+(?:for\s+me|please))*\s*\??\s*$", _I)
_NEW_TICKET = re.compile(r"\bnew\s+(?:[\w-]+\s+)?(?:incident|ticket|service\s+request|problem|change)\b", _I)
# A site given by name: "site Leeds Plant", "the Leeds Plant site", "at Head Office".
_SITE_NAME = re.compile(
    r"\b(?:(?:for|at|on|from)\s+)?(?:the\s+)?(?:site\s*(?:is|=|:)?\s*(?:[A-Z][\w&'-]*\s*)+"
    r"|(?:[A-Z][\w&'-]*\s+)+site\b"
    r"|(?:[A-Z][\w&'-]*\s+)+(?:Office|Lab|Store|Plant|Depot|Warehouse|Centre|Workshop)\b)")
# A site typed in lower case, in the command before the colon ("a ticket for liam at hull depot: …"); in the
# description "the printer in the back office" is where in a site, not which site.
_LOWER_PLACE = re.compile(r"\b(?:at|from)\s+(?:the\s+)?((?:[a-z][\w'-]*\s+){1,2}"
                          r"(?:office|lab|store|plant|depot|warehouse|centre|workshop))\b")
_SLOT_PHRASES = (
    re.compile(r"\b(?:for|at|on)\s+site\s*(?:id\s*)?#?\s*\d+\b", _I),
    SITE,
    _SITE_NAME,
    # "priority: High", "priority Urgent." (a level, or one word ending its clause), never the problem
    # that follows "low priority: projector has no picture"
    re.compile(r"\b(?:with\s+|at\s+|as\s+)?(?:a\s+)?priority\s*(?:is|of|to|:|=|should\s+be)?\s*"
               r"(?:(?:critical|high|medium|low|urgent|normal|p?[1-4])\b"
               r"|(?!(?:please|pls)\b)[\w-]+(?=\s*(?:$|[,.;!?])))", _I),
    re.compile(r"\b(?:with\s+|at\s+|as\s+)?(?:a\s+)?[\w-]+\s+priority\b", _I),
    re.compile(r"\b(?:and\s+)?(?:please\s+)?(?:re-?assign|assign|route|send|give)\s+(?:it\s+|this\s+)?to\s+"
               r"(?:the\s+)?[^.,;:]+", _I),
    re.compile(r"\b(?:as\s+an?\s+)?(?:incident|service\s+request)\s+type\b", _I),
    re.compile(r"\bfor\s+(?:me|us)\b", _I),
    re.compile(r"\b(?:for|to)\s+(?:the\s+)?[\w -]{2,30}?\s+(?:team|queue|group)\b", _I),
    re.compile(r"\bp[1-4]\b", _I),
    re.compile(r"\b(?:[Aa]nd\s+)?(?:[Ff]or\s+|[Tt]o\s+)?(?:the\s+)?[Tt]eam\s*(?:is|:|=)?\s*(?=[A-Z0-9])[^.,;:]+"),
)
_LEAD_IN = re.compile(
    r"^(?:\s*(?:(?:about|regarding|re|because|since|that|for|saying|and|to\s+say|please|pls)\b"
    r"|[:\-–—,.])\s*)+", _I)


def create_slots(text: str, vocab: Vocabulary) -> dict[str, Any]:
    found: dict[str, Any] = {}
    kind = _ticket_type(text, vocab)
    if kind:
        found["ticket_type"] = kind
    priority = _explicit_priority(text, vocab) or _adjective_priority(text, vocab)
    if priority:
        found["priority"] = priority
    put(found, "site_id", number(SITE, text))
    head, colon, _ = text.partition(":")
    place = _LOWER_PLACE.search(head) if colon and "site_id" not in found else None
    put(found, "site_name", place.group(1) if place else None)
    put(found, "agent_id", number(AGENT, text))
    team = assigned_team(text, vocab) or named_team(text, vocab)
    if team:
        found["team"] = team
    details = describe_problem(text, vocab)
    if details:
        found["details"] = details
        found["summary"] = summarise(details)
    return found


def _ticket_type(text: str, vocab: Vocabulary) -> str | None:
    head = _CREATE_COMMAND.search(text) or _NEW_TICKET.search(text)
    command = head.group(0) if head else text
    for name in sorted(vocab.types, key=len, reverse=True):
        if re.search(rf"\b{re.escape(name)}s?\b", command, _I):
            return name
    return None


def _explicit_priority(text: str, vocab: Vocabulary) -> str | None:
    """Only a priority the person named as such: "priority High", "high priority", "P1"."""
    for match in re.finditer(r"\bpriority\s*(?:is|of|to|:|=|should\s+be)?\s*([\w-]+)|\b([\w-]+)[- ]priority\b"
                             r"|\b(p[1-4])\b", text, _I):
        word = next(group for group in match.groups() if group)
        hit = match_name(word, vocab.priorities) or priority_in(word, vocab)
        if hit:
            return hit
    return unknown_priority(text, vocab)


_NOT_PRIORITY_WORDS = frozenset({
    "of", "on", "for", "ticket", "to", "the", "a", "an", "and", "level", "is", "be", "should", "it", "this",
    "that", "priority", "please", "too", "as", "now"})


def unknown_priority(text: str, vocab: Vocabulary) -> str | None:
    """A priority the person named that this instance doesn't have ("priority Urgent"), passed on as
    typed so the tool answers with the real choices instead of us guessing a level."""
    match = re.search(r"\bpriority\s*(?:is|:|=|to|should\s+be)?\s*([A-Za-z][\w-]*)\s*[.!]*$"
                      r"|\bpriority\s*(?:is|:|=|to|should\s+be)?\s*([A-Za-z][\w-]*)\s*[,;]", text, _I)
    word = next((g for g in match.groups() if g), "") if match else ""
    if not word or word.lower() in _NOT_PRIORITY_WORDS or match_name(word, vocab.priorities):
        return None
    return word


def _adjective_priority(text: str, vocab: Vocabulary) -> str | None:
    """ "Open a Critical ticket": a priority level used as the ticket's adjective (names only)."""
    head = _CREATE_COMMAND.search(text)
    words = head.group("adjectives").split() if head else []
    return next((hit for word in words if (hit := match_name(word, vocab.priorities))), None)


def named_team(text: str, vocab: Vocabulary) -> str | None:
    """ "team 1st Line Support" / "team: Network": a team given as a field, known name or as typed."""
    match = re.search(r"\b[Tt]eam\s*(?:is|:|=)?\s*(?=[A-Z0-9])([^.,;:]+)", text)
    if not match:
        owner = re.search(r"\b(?:for|to)\s+the\s+([\w -]+?)\s+(?:team|queue)\b", text, _I)
        return find_name(owner.group(1), vocab.teams) if owner else None
    value = match.group(1).strip()
    known = find_name(value, vocab.teams) or match_name(value, vocab.teams)
    return known or (value if value[:1].isupper() else None)


_REQUESTER = re.compile(
    r"\b(?:for|on\s+behalf\s+of|requester|user)\s*:?\s*[\w.+-]+@[\w.-]+\w|[\w.+-]+@[\w.-]+\w", _I)


def describe_problem(text: str, vocab: Vocabulary | None = None) -> str:
    """The person's description with the command, the people and the slot phrases taken out."""
    rest = _without_people(text, vocab) if vocab else text
    head, colon, body = rest.partition(":")
    rest = f"{_LOWER_PLACE.sub(' ', head)}{colon}{body}" if colon else rest
    rest = _CREATE_COMMAND.sub(" ", rest)
    rest = _REQUESTER.sub(" ", rest)  # the requester is a field, not part of the problem
    rest = rest.replace('"', " ")
    rest = _NEED_TICKET.sub(" ", rest)
    rest = _NEW_TICKET.sub(" ", rest)
    for pattern in _SLOT_PHRASES:
        rest = pattern.sub(" ", rest)
    rest = _BARE_KIND.sub(" ", rest)
    parts = [_LEAD_IN.sub("", _without_field_clauses(part, vocab)).strip()
             for part in re.split(r"(?<=[.!?])\s+|\n+|\s*;\s*", rest)]
    kept = [sentence(part) for part in parts if len(re.findall(r"[A-Za-z]{2,}", part)) >= 2
            and not _only_fields(part, vocab)]
    return " ".join(kept)


def _without_field_clauses(part: str, vocab: Vocabulary | None) -> str:
    """ "Card reader offline -, high": the clauses left holding only a field (or nothing) dropped, and a
    field said before a colon ("high: outlook keeps crashing")."""
    head, colon, rest = part.partition(":")
    if colon and rest.strip() and _only_fields(head, vocab):
        part = rest
    clauses = re.split(r"\s*(?:,|\s[-–—]\s|\s[-–—](?=,)|^[-–—:]\s)\s*", part)
    kept = [c for c in clauses if re.search(r"[A-Za-z0-9]", c) and not _only_fields(c, vocab)]
    return ", ".join(c.strip(" -–—:") for c in kept)


def _only_fields(part: str, vocab: Vocabulary | None) -> bool:
    """ "Medium please", "high prio": a clause that only gives a field, not part of the problem."""
    known = {w.lower() for w in (vocab.priorities if vocab else ())} | _FIELD_FILLERS
    return all(word in known for word in re.findall(r"[a-z0-9']+", part.lower()))


_FIELD_FILLERS = frozenset({"please", "pls", "thanks", "priority", "prio", "then", "it", "is", "make", "as"})
_BARE_KIND = re.compile(r"^\W*(?:an?\s+)?(?:new\s+)?"
                        r"(?:incident|ticket|service\s+request|problem|change|p[1-4])\b(?:\s+(?:please|pls)\b)?"
                        r"[\s,:-]*(?=\S)", _I)


def _without_people(text: str, vocab: Vocabulary) -> str:
    """ "for Emma Hart", "Emma Hart needs a ticket", "for Nina to pick up": fields, not the problem."""
    for person in find_people(text, vocab):
        name = re.escape(person.name)
        text = re.sub(
            rf"\b(?:for|on\s+behalf\s+of|raised\s+by|reported\s+by|requester)\s+{name}"
            rf"(?:\s+to\s+(?:pick\s+up|take|look\s+at|handle|work\s+on|deal\s+with))?"
            rf"|\b{name}\s+(?:needs|wants)\s+(?:a|an)\s+(?:new\s+)?(?:ticket|incident|service\s+request)\b",
            " ", text)
    return text


_VAGUE_WORDS = frozenset({
    "something", "anything", "everything", "it", "its", "is", "isn't", "are", "aren't", "was", "has", "have",
    "broken", "broke", "problem", "problems", "issue", "issues", "wrong", "working", "work", "works", "not",
    "doesn't", "don't", "won't", "can't", "help", "need", "there", "a", "an", "the", "my", "i", "with",
    "please", "some", "stuff", "thing", "things", "again", "up", "down", "me", "we", "urgent", "urgently",
    "quickly"})


def is_vague(details: str) -> bool:
    """True when a description names no thing that is wrong ("Something is broken")."""
    words = re.findall(r"[a-z']+", details.lower())
    return not [word for word in words if word not in _VAGUE_WORDS]


def summarise(details: str, limit: int = 80) -> str:
    """The first sentence, without its full stop, cut at a word boundary."""
    first = re.split(r"(?<=[.!?])\s", details, maxsplit=1)[0].rstrip(".!? ")
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
