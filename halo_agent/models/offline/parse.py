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
from halo_agent.models.offline.compound import combined
from halo_agent.models.offline.create_slots import create_slots, is_vague, summarise
from halo_agent.models.offline.entities import Entities, find_entities
from halo_agent.models.offline.intent import choose
from halo_agent.models.offline.leftovers import leftover_phrases, placed_names
from halo_agent.models.offline.list_slots import kb_query, list_slots, topic
from halo_agent.models.offline.lists import page_number
from halo_agent.models.offline.lookup import lookup_slots
from halo_agent.models.offline.normalise import normalise_request
from halo_agent.models.offline.note_slots import note_slots, note_text
from halo_agent.models.offline.update_slots import update_slots
from halo_agent.models.offline.vocab import Vocabulary


@dataclass(frozen=True)
class Intent:
    kind: str
    text: str
    slots: dict[str, Any] = field(default_factory=dict)
    missing: str | None = None  # the detail to ask for instead of guessing


def parse(text: str, vocab: Vocabulary, *, asks_priority: bool = False) -> Intent:
    """`asks_priority`: the caller raises tickets for others and sets their priorities (desk staff), so a
    create without a priority, or without a site or requester, is asked about rather than guessed."""
    text = normalise_request(text)
    kind = choose(text, find_entities(text, vocab))
    if kind == "offer":
        return Intent("offer", text, {"details": slots.sentence(text), "summary": summarise(text)})
    extractor = _EXTRACTORS.get(kind)
    if extractor is None:
        return Intent(kind, text)
    kind, found, command = combined(kind, text, extractor(text, vocab), vocab)
    found = with_entities(kind, found, find_entities(command, vocab))
    found = with_placed_names(kind, found, command, vocab)
    return Intent(kind, text, found, missing_detail(kind, found, text, asks_priority=asks_priority))


_I = re.IGNORECASE
_MY_TICKET = re.compile(r"\bmy\s+(?:[\w-]+\s+){0,3}?(?:ticket|incident|request|case)\b(?!s)", re.I)
# What each intent can carry, filled from the entities when its own extractor missed it.
_CARRIES = {
    "list": ("priority", "team", "status", "ticket_type", "agent_id", "agent_name", "page", "site_id",
             "site_name", "user_email"),
    "update": ("priority", "team", "status", "agent_id", "agent_name"),
    "create": ("priority", "team", "site_id", "site_name", "agent_id", "agent_name", "user_email",
               "ticket_type"),
    "note": ("hidden_from_user",),
}


def with_entities(kind: str, found: dict[str, Any], entities: Entities) -> dict[str, Any]:
    """The intent's slots, completed from the request's entities (never overriding what it found)."""
    values = {
        "priority": entities.priority, "team": next(iter(entities.teams), None),
        "status": next(iter(entities.statuses), None), "ticket_type": next(iter(entities.types), None),
        "agent_id": entities.agent_id, "agent_name": None if entities.agent_id else _assignee(kind, entities),
        "page": entities.page if entities.page and entities.page > 1 else None,
        "site_id": entities.site_id, "site_name": None if entities.site_id else entities.site_name,
        "user_email": next(iter(entities.emails), None) or _requester(kind, entities),
        "hidden_from_user": entities.hidden,
    }  # fmt: skip
    out = dict(found)
    for key in _CARRIES.get(kind, ()):
        if out.get(key) is None and values.get(key) is not None:
            out[key] = values[key]
    if kind in ("list", "update") and out.get("agent_id") is not None:
        out.pop("agent_name", None)
    return out


_HAS_PERSON = ("agent_id", "agent_name", "user_email", "mine")


def with_placed_names(kind: str, found: dict[str, Any], text: str, vocab: Vocabulary) -> dict[str, Any]:
    """A list's or change's slots with the names no pattern caught, read from where they stand ("tickets at
    leeds plant", "does grace lin have", "and assign to ben carter"); Halo's directory resolves them."""
    if kind not in ("list", "update"):
        return found
    changing = kind == "update"
    left = leftover_phrases(text, found, vocab, changing=changing)
    placed = placed_names(text, left, changing=changing)
    out = dict(found)
    if "site_name" in placed and out.get("site_id") is None and not out.get("site_name"):
        out["site_name"] = placed["site_name"]
    for key in ("user_email", "agent_name"):
        if key in placed and not any(out.get(other) for other in _HAS_PERSON):
            out[key] = placed[key]
    return out


def _assignee(kind: str, entities: Entities) -> str | None:
    """The person who should work on the ticket: "give it to Grace"; a list's "for Tom" is his queue."""
    roles = ("assignee", "for") if kind in ("list", "update") else ("assignee",)
    return entities.person if entities.person_role in roles else None


def _requester(kind: str, entities: Entities) -> str | None:
    """Who a new ticket is for ("for Emma Hart", "on behalf of …"), or whose tickets ("raised by …")."""
    roles = ("requester", "for") if kind == "create" else ("requester",)
    return entities.person if entities.person_role in roles else None


def missing_detail(kind: str, found: dict[str, Any], text: str, *, asks_priority: bool = False) -> str | None:
    """The one detail to ask for before acting, or None when the request is complete."""
    if kind == "create":
        if not found.get("details") or is_vague(found["details"]):
            return "details"
        if asks_priority and not found.get("priority"):
            return "priority"
        # Halo needs a site: the requester's own, or one named. Staff raise tickets for others, so
        # without either we ask rather than send Halo a ticket it refuses ("Site was required").
        placed = any(found.get(key) not in (None, "") for key in ("site_id", "site_name", "user_email"))
        return "site" if asks_priority and not placed else None
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


def _create(text: str, vocab: Vocabulary) -> dict[str, Any]:
    return create_slots(text, vocab)


def _note(text: str, vocab: Vocabulary) -> dict[str, Any]:
    about = topic(note_text(text)[1])  # "add a note to my finance share ticket: …"
    return {"ticket_id": slots.ticket_id(text), **note_slots(text), **({"topic": about} if about else {})}


def _update(text: str, vocab: Vocabulary) -> dict[str, Any]:
    return {"ticket_id": slots.ticket_id(text), **update_slots(text, vocab)}


def _resolve(text: str, vocab: Vocabulary) -> dict[str, Any]:
    return {"ticket_id": slots.ticket_id(text), **resolve_slots(text, vocab)}


def _status(text: str, vocab: Vocabulary) -> dict[str, Any]:
    return {"ticket_id": slots.ticket_id(text), "topic": topic(text)}


def _kb(text: str, vocab: Vocabulary) -> dict[str, Any]:
    return {"query": kb_query(text)}


def _list(text: str, vocab: Vocabulary) -> dict[str, Any]:
    found = list_slots(text, vocab)
    page = page_number(text)
    if page is not None:
        found["page"] = page
    return found


def _lookup(text: str, vocab: Vocabulary) -> dict[str, Any]:
    return lookup_slots(text, vocab)


_EXTRACTORS: dict[str, Callable[[str, Vocabulary], dict[str, Any]]] = {
    "create": _create, "note": _note, "update": _update, "resolve": _resolve, "status": _status,
    "list": _list, "kb": _kb, "lookup": _lookup,
}
