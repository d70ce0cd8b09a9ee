"""Follow-ups: a short answer to the model's own question completes the earlier request ("medium",
"site is Manchester Office", "the email one, 789", "to Omar Haddad"), its new details added to the old.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from halo_agent.models.offline import slots
from halo_agent.models.offline.create_slots import describe_problem, summarise
from halo_agent.models.offline.entities import find_entities
from halo_agent.models.offline.intent import classify
from halo_agent.models.offline.list_slots import kb_query
from halo_agent.models.offline.normalise import normalise_request
from halo_agent.models.offline.parse import Intent, missing_detail, parse, with_entities
from halo_agent.models.offline.people import is_name
from halo_agent.models.offline.update_slots import update_slots
from halo_agent.models.offline.vocab import Vocabulary, find_phrases, priority_in


def follow_up(
    previous: Intent, answer: str, vocab: Vocabulary, *, asks_priority: bool = False
) -> Intent | None:
    """The earlier request completed by the person's answer to our question, if the answer fits it."""
    answer = normalise_request(answer)
    fresh = parse(answer, vocab)
    wanted = previous.missing or ("ticket_id" if previous.kind in _ASKS_FOR_TICKET else None)
    if not _answers(classify(answer), fresh, previous, wanted):
        return None
    if wanted is None or (wanted == "ticket_id" and previous.slots.get("ticket_id") is not None):
        return None
    value = _FILLERS[wanted](answer, vocab) or _by_topic(wanted, previous, answer)
    if not value:
        return None
    fresh_slots = fresh.slots if fresh.kind == previous.kind else {}
    extra = with_entities(previous.kind, {}, find_entities(answer, vocab))  # "high, site is Manchester"
    found = {**previous.slots, **extra, **{k: v for k, v in fresh_slots.items() if v is not None}, **value}
    missing = missing_detail(previous.kind, found, previous.text, asks_priority=asks_priority)
    return Intent(previous.kind, previous.text, found, missing)


_ASKS_FOR_TICKET = {"resolve", "status", "note", "update"}
_ONE_ABOUT = re.compile(
    r"\W*(?:(?:it'?s|its|it\s+is|that'?s|the|that|my|on)\s+)*(?:one\s+(?:about|for|with)\s+(?:the\s+|my\s+)?)?"
    r"(?P<words>[A-Za-z][\w' -]*?)(?:\s+(?:one|ticket|request|incident|issue|please|pls|thanks))*\W*", re.I)
_NOT_TOPICS = frozenset({"first", "second", "third", "last", "other", "same", "new", "old", "latest", "yes",
                         "no", "ok", "okay", "all", "both", "none", "any"})


def _by_topic(wanted: str, previous: Intent, answer: str) -> dict[str, Any]:
    """ "the docking station one", "the finance one": which of the person's own tickets, by what it is
    about. The planner searches their open tickets for the words and acts only on a single match (a
    target found that way waits for the person's confirmation)."""
    mine = previous.slots.get("my_ticket") or previous.kind == "resolve"
    about = _ONE_ABOUT.fullmatch(answer) if wanted == "ticket_id" and mine else None
    words = about.group("words").split() if about else []
    if not words or len(words) > 4 or words[0].lower() in _NOT_TOPICS:
        return {}
    return {"topic": " ".join(words)}


def _answers(kind: str, fresh: Intent, previous: Intent, wanted: str | None) -> bool:
    """Whether the reply answers our question rather than asking something new: a plain answer, the same
    request with the ticket now named, or "make it medium" when a priority or a change was asked for."""
    if kind == "unknown":
        return True
    if fresh.kind == previous.kind and fresh.missing == "ticket_id":
        return True
    return kind == "update" and wanted in ("priority", "change") and fresh.slots.get("ticket_id") is None


def _fill_details(answer: str, vocab: Vocabulary) -> dict[str, Any]:
    details = describe_problem(answer) or slots.sentence(answer)
    return {"details": details, "summary": summarise(details)} if details else {}


def _fill_ticket(answer: str, vocab: Vocabulary) -> dict[str, Any]:
    found = slots.ticket_id(answer)
    if found is None and answer.strip().lstrip("#").isdigit():
        found = int(answer.strip().lstrip("#"))
    return {"ticket_id": found} if found is not None else {}


def _fill_priority(answer: str, vocab: Vocabulary) -> dict[str, Any]:
    level = priority_in(answer, vocab)
    return {"priority": level} if level else {}


_BARE_NAME = re.compile(r"^\W*(?:to\s+)?([A-Za-z][a-z'-]+(?:\s+[A-Za-z][a-z'-]+)?)\W*$")


def _fill_change(answer: str, vocab: Vocabulary) -> dict[str, Any]:
    """ "high", "to the network team", "Grace": a new priority, status, team or agent."""
    found = with_entities("update", update_slots(answer, vocab), find_entities(answer, vocab))
    name = _BARE_NAME.match(answer)
    known = vocab.teams + vocab.statuses + vocab.priorities
    if not found and name and not find_phrases(name.group(1), known) and is_name(name.group(1), vocab):
        found["agent_name"] = name.group(1)  # a name alone, in answer to "the team or the agent?"
    return found


_PLACE = re.compile(r"\b(?:office|lab|store|plant|depot|warehouse|centre|center|workshop|site|branch|hq)\b",
                    re.I)
_LEAD = re.compile(r"^\W*(?:(?:it'?s|it\s+is|that'?s|the\s+site\s+is|site\s*(?:is|=|:)?|use)\s+)*"
                   r"(?P<prep>for|at|in|from|on\s+behalf\s+of)?\s*(?:the\s+)?", re.I)


def _fill_site(answer: str, vocab: Vocabulary) -> dict[str, Any]:
    """ "Leeds Plant", "site 18", "it's for liam", "emma.hart@example.com": where the new ticket belongs,
    as a site or as the requester whose own site Halo uses. A bare name is a person unless it names a
    place; the tools resolve either against the directory and offer choices when it matches none."""
    found = find_entities(answer, vocab)
    if found.emails:
        return {"user_email": found.emails[0]}
    if found.site_id is not None:
        return {"site_id": found.site_id}
    if found.site_name:
        return {"site_name": found.site_name}
    lead = _LEAD.match(answer)
    rest = answer[lead.end() if lead else 0 :].strip(" .!?")
    rest = re.sub(r"\s+(?:site|please|pls|thanks)$", "", rest, flags=re.I).strip()
    if not rest or len(rest.split()) > 4:
        return {}
    at_place = _PLACE.search(answer) or (lead and (lead.group("prep") or "").lower() in ("at", "in", "from"))
    return {"site_name": rest} if at_place else {"user_email": rest}


_FILLERS: dict[str, Callable[[str, Vocabulary], dict[str, Any]]] = {
    "site": _fill_site,
    "details": _fill_details,
    "ticket_id": _fill_ticket,
    "note": lambda answer, vocab: {"note": slots.sentence(answer)} if answer.strip() else {},
    "priority": _fill_priority,
    "change": lambda answer, vocab: _fill_change(answer, vocab),
    "question": lambda answer, vocab: {"query": kb_query(answer)} if kb_query(answer) else {},
}
