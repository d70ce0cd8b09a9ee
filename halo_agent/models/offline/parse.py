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
from halo_agent.models.offline.lists import page_number
from halo_agent.models.offline.lookup import lookup_slots
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
        ("create", r"\bnew\s+(?:incident|ticket|service\s+request)\s*(?:for|:|about)"),
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
        ("note", r"\bnote\s+(?:on|to|for)\s+(?:ticket\s+)?#?\d+"),
        ("update", r"\b(?:change|set|update|raise|lower|bump|increase|decrease|drop|make|put)\b"
                   r"(?:\s+[\w#-]+){0,6}?\s+priority\b"),
        ("update", r"\bpriority\s+(?:of\s+|on\s+|for\s+)?(?:ticket\s+)?#?\d+\s+(?:to|should\s+be)\b"),
        ("update", r"\bpriority\s+(?:to|should\s+be|=|:)\s*\w+"),
        ("update", r"\b(?:bump|raise|lower|drop|downgrade|upgrade|make)\s+(?:ticket\s+)?#?\d+\s+"
                   r"(?:to\s+)?\w+"),
        ("update", r"\b(?:re-?assign|assign|transfer|route|escalate|hand\s+over|pass)\b"
                   r"|\bmove\s+(?:it|this|that|the\s+ticket|ticket)\b"),
        ("update", r"\b(?:set|change|move|put|mark)\s+(?:the\s+status\s+of\s+)?(?:ticket\s+)?#?\d+\s+"
                   r"(?:to|as|in|into)\b"),
        ("update", r"^\W*(?:ticket\s+)?#?\d+\s*[:,-]\s*(?:priority|team|status|agent)\b"),
        ("update", r"\b(?:set|change|update|move|put)\b(?:\s+[\w#'-]+){0,4}?\s+(?:status|state)\s+"
                   r"(?:to|as)\b"),
        ("update", r"\b(?:make|set|bump|raise|lower|drop|move|put)\s+(?:it|this|that)(?:\s+one)?\s+(?:to\s+)?"
                   r"(?:an?\s+)?[\w-]+"),
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


@dataclass(frozen=True)
class Intent:
    kind: str
    text: str
    slots: dict[str, Any] = field(default_factory=dict)
    missing: str | None = None  # the detail to ask for instead of guessing


def classify(text: str) -> str:
    """The intent whose trigger starts earliest; "unknown" when nothing matches."""
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
    kind = classify(text)
    if kind == "unknown" and _NAMED_TICKET.search(text):
        kind = "status"  # any other question about a numbered ticket is answered by reading it
    extractor = _EXTRACTORS.get(kind)
    if extractor is None:
        return Intent(kind, text)
    found = extractor(text, vocab)
    return Intent(kind, text, found, missing_detail(kind, found, text, asks_priority=asks_priority))


def missing_detail(kind: str, found: dict[str, Any], text: str, *, asks_priority: bool = False) -> str | None:
    """The one detail to ask for before acting, or None when the request is complete."""
    if kind == "create":
        if not found.get("details") or slots.is_vague(found["details"]):
            return "details"
        return "priority" if asks_priority and not found.get("priority") else None
    if kind in ("note", "update") and found.get("ticket_id") is None:
        return "ticket_id"
    if kind == "note":
        return None if found.get("note") else "note"
    if kind == "update" and not {"priority", "team", "agent_id", "agent_name", "status"} & set(found):
        return "priority" if re.search(r"\bpriority\b", text, _I) else "change"
    if kind == "kb":
        return None if found.get("query") else "question"
    return None


def follow_up(
    previous: Intent, answer: str, vocab: Vocabulary, *, asks_priority: bool = False
) -> Intent | None:
    """The earlier request completed by the person's answer to our question, if the answer fits it."""
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
    found = {**previous.slots, **{k: v for k, v in fresh_slots.items() if v is not None}, **value}
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
    return {"ticket_id": slots.ticket_id(text), **slots.resolve_slots(text, vocab)}


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
