"""Reading a person's request: a small table of trigger rules -> an intent, then its slots.

The rule whose trigger starts earliest in the text wins (table order breaks ties), so "Create an
incident: Outlook won't close" is a create and "It's working again, close my email ticket" a close.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from halo_agent.models.offline import slots
from halo_agent.models.offline.closing import resolve_slots
from halo_agent.models.offline.entities import Entities, find_entities
from halo_agent.models.offline.lists import page_number
from halo_agent.models.offline.lookup import lookup_slots
from halo_agent.models.offline.normalise import normalise_request
from halo_agent.models.offline.vocab import Vocabulary, priority_in

_I = re.IGNORECASE
_TICKET_WORD = r"(?:ticket|incident|request|call|case|issue)"

# (intent, trigger). Greetings and thanks must be the whole message.
RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, _I))
    for kind, pattern in (
        ("greeting", r"^\W*(?:hi|hello|hey|hiya|howdy|good\s+(?:morning|afternoon|evening))"
                     r"(?:\s+there)?\W*$"),
        ("thanks", r"^\W*(?:(?:great|perfect|ok|okay|awesome),?\s+)?(?:thanks|thank\s+you|thx|cheers|ta)"
                   r"(?:\s+(?:a\s+lot|very\s+much|so\s+much))?\W*$"),
        ("help", r"^\W*(?:help|what\s+can\s+you\s+do|what\s+do\s+you\s+understand)\W*$"),
        ("create", r"\b(?:create|open|raise|log|submit|file|start|make)\s+(?:me\s+|up\s+)?(?:a|an|one)\s+"
                   r"(?:new\s+)?(?:[\w-]+\s+){0,2}?(?:incident|ticket|service\s+request|request|call|case)\b"),
        ("create", r"\b(?:create|raise|log|submit|file)\s+(?:new\s+)?(?:incident|ticket|service\s+request)\b"
                   r"(?!\s*#?\d)"),
        ("create", r"\bnew\s+(?:incident|ticket|service\s+request)\b(?!\s*#?\d)"
                   r"\s*(?:for|:|about|on\s+behalf|,|-|please)"),
        ("create", r"\b(?:i|we)\s+(?:need|want|would\s+like|'d\s+like)\s+(?:you\s+to\s+open\s+)?(?:a|an)\s+"
                   r"(?:new\s+)?(?:ticket|incident)\b"
                   r"|\b(?:can|could|may)\s+(?:i|we|you)\s+(?:please\s+)?(?:get|have)\s+(?:a|an)\s+(?:new\s+)?"
                   r"(?:ticket|incident)\b"),
        ("resolve", rf"\b(?:close|resolve)\s+(?:out\s+)?(?:(?:my|the|this|that|our)\s+(?:[\w-]+\s+){{0,3}}?"
                    rf"{_TICKET_WORD}|{_TICKET_WORD}|it\b|this\b|that\b|#?\d+)"),
        ("resolve", r"\bmark\s+(?:ticket\s+)?#?\d+\s+(?:as\s+)?(?:resolved|closed|done|fixed|complete)"),
        ("resolve", rf"\b(?:{_TICKET_WORD}\s+)?#?\d+\s+(?:can|could|should)\s+"
                    r"(?:now\s+)?be\s+(?:closed|resolved)"),
        ("note", r"\b(?:add|put|leave|post|write|append|attach|log|record)\s+(?:an?\s+|the\s+)?"
                 r"(?:[\w-]+\s+){0,2}?"
                 r"(?:note|comment)\b"),
        ("note", r"\b(?:hidden|internal|private|public|visible)\s+(?:note|comment)\b"),
        ("note", r"\breply\s+to\s+the\s+(?:user|requester|customer)\b"
                 r"|\b(?:tell|let)\s+the\s+(?:user|requester|customer)(?:\s+(?:on|of|for)\s+(?:ticket\s+)?#?\d+)?"
                 r"\s+(?:know\b|that\b|to\b)"),
        ("note", r"\bnote\s+(?:on|to|for)\s+(?:ticket\s+)?#?\d+"
                 r"|\bnote\s+(?:on|to|for)\s+my\s+(?:open\s+)?ticket\b"),
        ("update", r"\b(?:change|set|update|raise|lower|bump|increase|decrease|drop|make|put)\b"
                   r"(?:\s+[\w#-]+){0,6}?\s+priority\b"),
        ("update", r"\bpriority\s+(?:of\s+|on\s+|for\s+)?(?:ticket\s+)?#?\d+\s+(?:to|should\s+be)\b"),
        ("update", r"\bpriority\s+(?:to|should\s+be|=|:)\s*\w+"),
        ("update", r"\b(?:bump|raise|lower|drop|downgrade|upgrade|make)\s+(?:ticket\s+)?#?\d+\s+"
                   r"(?:to\s+)?\w+"),
        ("update", r"\b(?:re-?assign|assign|transfer|route|escalate|hand\s+over|pass)\b"
                   r"|\bmove\s+(?:it|this|that|the\s+ticket|ticket)\b"
                   r"|\b(?:give|hand)\s+(?:ticket\s+)?(?:#?\d+|it|this|that)\s+(?:over\s+)?to\b"
                   r"|(?:^|\bticket\s+|#)\d+\s+(?:needs\s+to\s+go|should\s+(?:go|be\s+with))\s+(?:to|with)\b"),
        ("update", r"\b(?:put|set|move|mark|place|park)\s+(?:ticket\s+)?(?:#?\d+|it|this|that)\s+"
                   r"(?:on|in|to|as)\s+(?:on\s+)?hold\b|(?:^|\bticket\s+|#)\d+\W+(?:status\s+)?on\s+hold\b"),
        ("update", r"^\W*(?:ticket\s+)?#?\d+\s+(?:to|should\s+be|is\s+now)\s+(?:an?\s+)?[\w-]+"
                   r"(?:\s+[\w-]+){0,3}\W*$"
                   r"|\bpriority\s+(?:of\s+|on\s+|for\s+)?(?:ticket\s+)?#?\d+\s+(?:to\s+)?[\w-]+"
                   r"|\bset\s+priority\s+\w+\s+(?:on|for)\s+(?:ticket\s+)?#?\d+"),
        ("update", r"\b(?:set|change|move|put|mark)\s+(?:the\s+status\s+of\s+)?(?:ticket\s+)?#?\d+\s+"
                   r"(?:to|as|in|into)\b"),
        ("update", r"^\W*(?:ticket\s+)?#?\d+\s*[:,-]\s*(?:priority|team|status|agent)\b"),
        ("update", r"\b(?:set|change|update|move|put)\b(?:\s+[\w#'-]+){0,4}?\s+(?:status|state)\s+"
                   r"(?:to|as)\b"),
        ("update", r"\b(?:make|set|bump|raise|lower|drop|move|put)\s+(?:it|this|that)(?:\s+one)?\s+(?:to\s+)?"
                   r"(?:an?\s+)?[\w-]+"),
        ("list", r"\b(?:list|show|display|give|get)\s+(?:me\s+)?(?:every|each|all)\s+(?:[\w-]+\s+){0,2}?"
                 r"(?:tickets?|incidents?|requests?)\b"),
        ("list", r"\b(?:list|show|display|get|give|find|see|view|what|which|pull\s+up|search(?:\s+for)?)\b"
                 r"(?:\s+[\w'-]+){0,6}?\s+(?:tickets|incidents|requests|calls|cases)\b"
                 r"|\b(?:list|show|display|give|get)\s+(?:me\s+)?(?:every|each)\s+(?:ticket|incident|request)\b"),
        ("list", r"\b(?:my|open|closed|all)\s+(?:[\w-]+\s+){0,2}?(?:tickets|requests|incidents)\b"),
        ("list", r"\b(?:tickets|incidents|requests)\s+(?:with|in|having|whose)\s+"
                 r"(?:the\s+)?(?:status|state)\b"),
        ("list", r"\b(?:any|how\s+many)\s+(?:open\s+)?(?:tickets|incidents|requests)\b"),
        ("status", r"\bstatus\b|\b(?:update|news|progress)\s+on\b|\bwhat(?:'s|\s+is)\s+happening\s+with\b"),
        ("status", r"\b(?:show|get|check|look\s+up|view|details\s+(?:of|for)|open|see)\s+"
                   rf"(?:me\s+)?(?:my\s+)?(?:the\s+)?{_TICKET_WORD}\s*#?\d+"),
        ("status", rf"\bhow(?:'s|\s+is)\s+(?:my\s+)?{_TICKET_WORD}|\bwhere\s+(?:are\s+we|is)\s+with\b"),
        ("lookup", r"\b(?:look\s*up|find|search(?:\s+for)?|list|show|who\s+(?:are|is)|which|what)\b"
                   r"(?:\s+[\w'-]+){0,3}?\s+"
                   r"(?:the\s+)?(?:clients?|customers?|sites?|users?|agents?|teams|assets?|equipment|devices|"
                   r"hardware)\b"),
        ("lookup", r"\b(?:which|what)\s+team\s+(?:is|does)\b"),
        ("lookup", r"^\W*(?:who(?:'s|\s+is)|look\s*up|find)\s+(?:the\s+)?(?:user\s+|agent\s+)?[A-Z][a-z]+"),
        ("lookup", r"\b(?:equipment|devices?|hardware|assets?|laptops?)\s+(?:is\s+|are\s+)?"
                   r"(?:registered|assigned|issued|belonging)\s+to\b"),
        ("lookup", r"\b(?:phone|mobile|telephone)\s+(?:number|no)\b|\be-?mail\s+address\b"
                   r"|\bcontact\s+details\b"),
        ("options", r"\b(?:what|which)\s+(?:ticket\s+types|priorities|statuses)\b|\bticket\s+options\b"),
        ("kb", r"^\W*how\s+(?:do|can|should|would|could)\s+(?:i|we|you)\b|\bhow\s+to\b"
               r"|\bhow\s+(?:do|can|should)\s+(?:i|we)\s+(?:fix|solve|stop|get|set|change|connect)\b"
               r"|\b(?:forgot(?:ten)?|can'?t\s+remember)\s+my\s+password\b"
               r"|\bwhere\s+(?:do|can)\s+i\b"
               r"|\b(?:any|some)\s+(?:tips|advice|suggestions|ideas)\b|\banything\s+i\s+(?:can|could)\s+(?:try|do)\b"
               r"|\bwhat\s+(?:should|can|could)\s+i\s+(?:do|try)\b|\b(?:steps|procedure)\b"
               r"|\b(?:kb|knowledge\s*base|article|guide|instructions)\b"),
    )
)

_NEEDS_NO_TICKET_ID = {"kb", "lookup", "options"}
_MY_TICKET = re.compile(r"\bmy\s+(?:open\s+|current\s+|latest\s+)?(?:ticket|incident|request|case)\b", re.I)


@dataclass(frozen=True)
class Intent:
    kind: str
    text: str
    slots: dict[str, Any] = field(default_factory=dict)
    missing: str | None = None  # the detail to ask for instead of guessing


def classify(text: str) -> str:
    """The intent whose trigger starts earliest; "unknown" when nothing matches."""
    text = normalise_request(text)
    has_id = slots.ticket_id(text) is not None
    best: tuple[int, int, str] | None = None
    for order, (kind, pattern) in enumerate(RULES):
        if kind in _NEEDS_NO_TICKET_ID and has_id:
            continue
        match = pattern.search(text)
        if match and (best is None or (match.start(), order) < best[:2]):
            best = (match.start(), order, kind)
    return best[2] if best else "unknown"


_NAMED_TICKET = re.compile(r"(?:\b(?:ticket|incident|request|case)\s*(?:number\s*|no\.?\s*)?#?\s*|#\s*)\d+\b"
                           r"|(?<![\w.,:/-])\d{3,9}(?![\w.,:/-]\w)", _I)


def parse(text: str, vocab: Vocabulary, *, asks_priority: bool = False) -> Intent:
    """`asks_priority`: the caller sets priorities on what they raise (desk staff), so a create without
    one is asked about rather than left to the desk's default."""
    text = normalise_request(text)
    kind = classify(text)
    if kind == "unknown" and _NAMED_TICKET.search(text):
        kind = "status"  # any other question about a numbered ticket is answered by reading it
    elif kind == "unknown" and _PLURAL_TICKETS.search(text):
        kind = "list"  # "on hold tickets for the 2nd line team"
    elif kind == "unknown" and _PROBLEM.search(text) and not text.rstrip().endswith("?"):
        return Intent("offer", text, {"details": slots.sentence(text), "summary": slots.summarise(text)})
    extractor = _EXTRACTORS.get(kind)
    if extractor is None:
        return Intent(kind, text)
    found = extractor(text, vocab)
    command = slots.note_text(text)[1] if kind in ("note", "resolve") and found.get("note") else text
    found = with_entities(kind, found, find_entities(command, vocab))
    return Intent(kind, text, found, missing_detail(kind, found, text, asks_priority=asks_priority))


_PLURAL_TICKETS = re.compile(r"\b(?:tickets|incidents|service\s+requests|P[1-4]s)\b", _I)
# A problem told without a request ("the printer is broken again"): offer to open a ticket for it.
_PROBLEM = re.compile(
    r"\b(?:broken|broke|not\s+working|isn't\s+working|doesn't\s+work|does\s+not\s+work|won't|can't|cannot|"
    r"keeps?\s+\w+ing|stopped|failing|fails|flicker\w*|jamm\w*|dead|down|crash\w*|frozen|freez\w*|slow|"
    r"error|not\s+(?:charging|printing|loading|connecting))\b", _I)
# What each intent can carry, filled from the entities when its own extractor missed it.
_CARRIES = {
    "list": ("priority", "team", "status", "ticket_type", "agent_id", "agent_name", "page", "site_id",
             "site_name", "user_email"),
    "update": ("priority", "team", "status", "agent_id", "agent_name"),
    "create": ("priority", "team", "site_id", "site_name", "agent_id", "user_email", "ticket_type"),
    "note": ("hidden_from_user",),
}


def with_entities(kind: str, found: dict[str, Any], entities: Entities) -> dict[str, Any]:
    """The intent's slots, completed from the request's entities (never overriding what it found)."""
    values = {
        "priority": entities.priority, "team": next(iter(entities.teams), None),
        "status": next(iter(entities.statuses), None), "ticket_type": next(iter(entities.types), None),
        "agent_id": entities.agent_id, "agent_name": None if entities.agent_id else entities.person,
        "page": entities.page if entities.page and entities.page > 1 else None,
        "site_id": entities.site_id, "site_name": None if entities.site_id else entities.site_name,
        "user_email": next(iter(entities.emails), None), "hidden_from_user": entities.hidden,
    }  # fmt: skip
    out = dict(found)
    for key in _CARRIES.get(kind, ()):
        if out.get(key) is None and values.get(key) is not None:
            out[key] = values[key]
    if kind in ("list", "update") and out.get("agent_id") is not None:
        out.pop("agent_name", None)
    return out


def missing_detail(kind: str, found: dict[str, Any], text: str, *, asks_priority: bool = False) -> str | None:
    """The one detail to ask for before acting, or None when the request is complete."""
    if kind == "create":
        if not found.get("details") or slots.is_vague(found["details"]):
            return "details"
        return "priority" if asks_priority and not found.get("priority") else None
    if kind == "note" and found.get("ticket_id") is None and _MY_TICKET.search(text):
        found["my_ticket"] = True  # the planner lists the person's open tickets and asks which
        return None if found.get("note") else "note"
    if kind in ("note", "update") and found.get("ticket_id") is None:
        return "ticket_id"
    if kind == "note":
        return None if found.get("note") else "note"
    if kind == "resolve" and found.get("wants_note") and not found.get("note"):
        return "note" if found.get("ticket_id") is not None else "ticket_id"
    if kind == "update" and not {"priority", "team", "agent_id", "agent_name", "status"} & set(found):
        return "priority" if re.search(r"\bpriority\b", text, _I) else "change"
    if kind == "kb":
        return None if found.get("query") else "question"
    return None


def follow_up(
    previous: Intent, answer: str, vocab: Vocabulary, *, asks_priority: bool = False
) -> Intent | None:
    """The earlier request completed by the person's answer to our question, if the answer fits it."""
    answer = normalise_request(answer)
    fresh = parse(answer, vocab)
    if classify(answer) != "unknown" and not (fresh.kind == previous.kind and fresh.missing == "ticket_id"):
        return None
    wanted = previous.missing or ("ticket_id" if previous.kind in _ASKS_FOR_TICKET else None)
    if wanted is None or (wanted == "ticket_id" and previous.slots.get("ticket_id") is not None):
        return None
    value = _FILLERS[wanted](answer, vocab)
    if not value:
        return None
    fresh_slots = fresh.slots if fresh.kind == previous.kind else {}
    extra = with_entities(previous.kind, {}, find_entities(answer, vocab))  # "high, site is Manchester"
    found = {**previous.slots, **extra, **{k: v for k, v in fresh_slots.items() if v is not None}, **value}
    missing = missing_detail(previous.kind, found, previous.text, asks_priority=asks_priority)
    return Intent(previous.kind, previous.text, found, missing)


_ASKS_FOR_TICKET = {"resolve", "status", "note", "update"}


def _fill_details(answer: str, vocab: Vocabulary) -> dict[str, Any]:
    details = slots.describe_problem(answer) or slots.sentence(answer)
    return {"details": details, "summary": slots.summarise(details)} if details else {}


def _fill_ticket(answer: str, vocab: Vocabulary) -> dict[str, Any]:
    found = slots.ticket_id(answer)
    if found is None and answer.strip().lstrip("#").isdigit():
        found = int(answer.strip().lstrip("#"))
    return {"ticket_id": found} if found is not None else {}


def _fill_priority(answer: str, vocab: Vocabulary) -> dict[str, Any]:
    level = priority_in(answer, vocab)
    return {"priority": level} if level else {}


_FILLERS: dict[str, Callable[[str, Vocabulary], dict[str, Any]]] = {
    "details": _fill_details,
    "ticket_id": _fill_ticket,
    "note": lambda answer, vocab: {"note": slots.sentence(answer)} if answer.strip() else {},
    "priority": _fill_priority,
    "change": lambda answer, vocab: slots.update_slots(answer, vocab),
    "question": lambda answer, vocab: {"query": slots.kb_query(answer)} if slots.kb_query(answer) else {},
}


def _create(text: str, vocab: Vocabulary) -> dict[str, Any]:
    return slots.create_slots(text, vocab)


def _note(text: str, vocab: Vocabulary) -> dict[str, Any]:
    return {"ticket_id": slots.ticket_id(text), **slots.note_slots(text)}


def _update(text: str, vocab: Vocabulary) -> dict[str, Any]:
    return {"ticket_id": slots.ticket_id(text), **slots.update_slots(text, vocab)}


def _resolve(text: str, vocab: Vocabulary) -> dict[str, Any]:
    return {"ticket_id": slots.ticket_id(text), **resolve_slots(text, vocab)}


def _status(text: str, vocab: Vocabulary) -> dict[str, Any]:
    return {"ticket_id": slots.ticket_id(text), "topic": slots.topic(text)}


def _kb(text: str, vocab: Vocabulary) -> dict[str, Any]:
    return {"query": slots.kb_query(text)}


def _list(text: str, vocab: Vocabulary) -> dict[str, Any]:
    found = slots.list_slots(text, vocab)
    page = page_number(text)
    if page is not None:
        found["page"] = page
    return found


def _lookup(text: str, vocab: Vocabulary) -> dict[str, Any]:
    return lookup_slots(text)


_EXTRACTORS: dict[str, Callable[[str, Vocabulary], dict[str, Any]]] = {
    "create": _create, "note": _note, "update": _update, "resolve": _resolve, "status": _status,
    "list": _list, "kb": _kb, "lookup": _lookup,
}
