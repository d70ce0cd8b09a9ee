"""Stage 4 of the offline pipeline: every constraint found in the request is used, or nothing is done.

A request understood only in part is never acted on as if whole: the answer names what could not be used
(or cannot be done at all, like deleting), changes nothing, and offers the part it did understand. A "yes"
to that offer acts on exactly the offered part (see `offered_intent`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from halo_agent.models.offline.compound import change_words
from halo_agent.models.offline.entities import Entities, find_impossible
from halo_agent.models.offline.fixed_fields import CANNOT_CHANGE, UNASSIGNED, cannot_change
from halo_agent.models.offline.leftovers import leftover_phrases
from halo_agent.models.offline.list_slots import topic
from halo_agent.models.offline.note_slots import note_text
from halo_agent.models.offline.parse import Intent
from halo_agent.models.offline.vocab import Vocabulary

ACTING = frozenset({"create", "list", "update", "note", "resolve", "status"})
# How each offer ends: a "yes" to it is read back by the model (see model._accepted_offer).
OFFER = "Shall I just "
OFFER_CLOSE = "Shall I close it instead?"
OFFER_CREATE = "Shall I open a ticket for it?"
_OFFERED = re.compile(
    rf"(?:{re.escape(OFFER)}[^?]*\?|{re.escape(OFFER_CLOSE)}|{re.escape(OFFER_CREATE)})\s*$")


def is_offer(text: str) -> bool:
    """Whether our reply ended with an offer that a plain "yes" accepts."""
    return _OFFERED.search(text) is not None


@dataclass(frozen=True)
class Unused:
    phrase: str  # as the person said it
    why: str = ""  # why it can't be used, when it is known


def constraint_text(intent: Intent) -> str:
    """The part of the request that carries constraints: a note's own words are the note, not orders."""
    if intent.kind in ("note", "resolve", "update") and intent.slots.get("note"):
        _, command = note_text(intent.text)
        return command
    return intent.text


def unused(intent: Intent, found: Entities, vocab: Vocabulary | None = None) -> list[Unused]:
    """The constraints the request names that the intent does not carry."""
    if intent.kind not in ACTING:
        return []
    slots = intent.slots
    described = str(slots.get("details") or "").lower() if intent.kind == "create" else ""
    # "open a ticket: please remove my old access" asks for a ticket, not for something no tool can do
    actions = [action for action in found.impossible if action not in described
               and not (UNASSIGNED in found.fixed and _DELETING.match(action))]  # "remove the agent"
    text = constraint_text(intent)
    problems = [Unused(action, cannot(action, acted_on(action, text, found.tickets))) for action in actions]
    for check in _CHECKS:
        problems += check(intent.kind, slots, found)
    if not problems and intent.kind in ("list", "update"):
        problems = [Unused(name) for name in unknown_names(constraint_text(intent), slots)]
    if not problems and vocab is not None:
        problems = [Unused(phrase) for phrase in _leftovers(intent, vocab)]
    return problems


_CHANGE_VERB = re.compile(
    r"^\W*(?:(?:can|could|would|will)\s+you\s+|please\s+)?(?:set|put|make|mark|move|bump|change|switch|"
    r"re-?assign|assign|escalate|downgrade|upgrade|update)\b", re.IGNORECASE)


def _leftovers(intent: Intent, vocab: Vocabulary) -> list[str]:
    """Words no slot used: every list and change, and a question about a ticket asked as a change ("put
    797 back to new" read as showing 797 is a change not understood, never a silent read)."""
    noted = bool(intent.slots.get("note"))
    text = change_words(intent.text, noted=noted) if intent.kind == "update" else constraint_text(intent)
    if intent.kind == "status" and not _CHANGE_VERB.search(text):
        return []
    if intent.kind not in ("list", "update", "status"):
        return []
    about = {"topic": topic(text)}  # "my email ticket": the words that find the ticket are used too
    return leftover_phrases(text, {**intent.slots, **about}, vocab, changing=intent.kind == "update")


_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n)\W*$")
_COMMON_CAPITALS = frozenset({
    "I", "Halo", "HaloITSM", "Please", "Thanks", "Can", "Could", "Would", "Show", "List", "Set", "Make",
    "Put", "Give", "Move", "Assign", "Reassign", "Change", "Open", "Close", "Get", "Find", "What", "Which",
    "Any", "All",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Ok", "Okay", "Yes", "No",
})  # fmt: skip


def unknown_names(text: str, slots: dict[str, Any]) -> list[str]:
    """Capitalised words mid-sentence that no slot carries ("which tickets does Grace have open" read
    without Grace): a name the request gives that was not understood is named, never dropped."""
    carried = " ".join(str(value) for value in slots.values()).lower()
    names: list[str] = []
    for match in re.finditer(r"\b[A-Z][a-z]{2,}(?:\s+[A-Z][a-z]{2,})*\b", text):
        words = [w for w in match.group(0).split() if w not in _COMMON_CAPITALS]
        if not words or (_SENTENCE_START.search(text[: match.start()]) and len(words) == 1):
            continue
        if not any(word.lower() in carried for word in words):
            names.append(" ".join(words))
    return names


_DELETING = re.compile(r"^(?:delet|remov|eras|get\s+rid|purg)", re.I)
_MESSAGING = re.compile(r"\b(?:sms|text|e-?mail|phone|call|ring)\b", re.I)


# where one clause ends: "and 880" joins two tickets of one clause, "and delete 797" starts another
_NOT_A_TICKET = r"(?!\s*(?:ticket\s+)?#?\d)"
_CLAUSE = re.compile(rf"\s*(?:[;.]|,{_NOT_A_TICKET}|\b(?:and|then|also)\b{_NOT_A_TICKET})\s*", re.I)


def acted_on(action: str, text: str, tickets: tuple[int, ...]) -> tuple[int, ...]:
    """The tickets an action is about: those in its own clause ("set 788 to low and delete 797": 797
    only), else all the request names (also when the clause points back: "and merge it into 789")."""
    at = text.lower().find(action.lower())
    if at < 0 or len(tickets) < 2:
        return tickets
    clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(text)]
    start = max((end for begin, end in clauses if end <= at), default=0)
    stop = min((begin for begin, end in clauses if begin > at), default=len(text))
    clause = text[start:stop]
    own = tuple(t for t in tickets if re.search(rf"(?<!\d){t}(?!\d)", clause))
    return tickets if not own or re.search(r"\b(?:it|this|that|them|both)\b", clause, re.I) else own


def cannot(action: str, tickets: tuple[int, ...]) -> str:
    """ "I can't get rid of tickets (ticket 796)": the person's own verb, and the tickets it was about."""
    about = f" (ticket {' and '.join(str(t) for t in tickets)})" if tickets else ""
    if _MESSAGING.search(action):
        return f"I can't contact people directly ({action}){about}; a note the user can see reaches them"
    what = "files" if action.lower().startswith("attach") else "tickets"
    verb = action if not action.lower().endswith(("it", "out")) else action.split()[0]
    return f"I can't {verb} {what}{about}"


def _tickets(kind: str, slots: dict[str, Any], found: Entities) -> list[Unused]:
    if kind in ("create", "list") or found.impossible:
        return []  # numbers in a description or a search are text; an impossible action names its own
    acted = {slots.get("ticket_id"), *(slots.get("tickets") or ())}
    return [Unused(f"ticket {t}") for t in found.tickets if t not in acted]


def _people(kind: str, slots: dict[str, Any], found: Entities) -> list[Unused]:
    out: list[Unused] = []
    if found.agent_id is not None and slots.get("agent_id") != found.agent_id:
        out.append(Unused(f"agent {found.agent_id}"))
    given = {str(slots.get(key) or "").lower() for key in ("agent_name", "user_email", "site_name")}
    named = (found.person or "").lower() in given or slots.get("agent_id") is not None
    if found.person and not named and kind in ("update", "list", "create", "status"):
        out.append(Unused(found.person))
    if not _changes_a_fixed(kind, found, "requester"):
        out += [Unused(email) for email in found.emails if slots.get("user_email") != email]
    return out


def _changes_a_fixed(kind: str, found: Entities, field: str) -> bool:
    """A ticket's site or requester asked to change: named once, by `_fixed`, as not possible."""
    return kind not in ("create", "list") and any(f.startswith(field) for f in found.fixed)


def _places(kind: str, slots: dict[str, Any], found: Entities) -> list[Unused]:
    if _changes_a_fixed(kind, found, "site"):
        return []
    out: list[Unused] = []
    if found.site_id is not None and slots.get("site_id") != found.site_id:
        out.append(Unused(f"site {found.site_id}"))
    if found.site_name and not slots.get("site_name") and slots.get("site_id") is None:
        out.append(Unused(found.site_name))
    return out


def _fields(kind: str, slots: dict[str, Any], found: Entities) -> list[Unused]:
    if kind == "status":
        return []  # a question about a ticket may name its fields: reading the ticket answers it
    out = [Unused(team) for team in found.teams if str(slots.get("team", "")).lower() != team.lower()]
    status = str(slots.get("status") or "").lower()
    out += [Unused(s) for s in found.statuses if s.lower() != status]
    if found.priority and str(slots.get("priority", "")).lower() != found.priority.lower():
        out.append(Unused(f"priority {found.priority}"))
    if kind in ("create", "list"):
        given = str(slots.get("ticket_type") or ("Incident" if kind == "create" else "")).lower()
        out += [Unused(t) for t in found.types if t.lower() != given]
    if found.page and found.page > 1 and slots.get("page") != found.page:
        out.append(Unused(f"page {found.page}"))
    return out


def _unsupported(kind: str, slots: dict[str, Any], found: Entities) -> list[Unused]:
    if kind != "list":
        return []
    teams = [Unused(f"{phrase} team", why) for phrase, why in found.unclear_teams if not slots.get("team")]
    return teams + [Unused(phrase, f"{why} ('{phrase}')") for phrase, why in found.unsupported]


def _fixed(kind: str, slots: dict[str, Any], found: Entities) -> list[Unused]:
    """ "change the SLA on 790": a field of an existing ticket no tool can set (a new one's are its own)."""
    if kind in ("create", "list"):
        return []
    return [Unused(field, cannot_change(field, found.tickets)) for field in found.fixed]


def _visibility(kind: str, slots: dict[str, Any], found: Entities) -> list[Unused]:
    if found.hidden and kind == "resolve":
        return [Unused("hidden note", "a closing note is always visible to the user")]
    return []


_CHECKS: tuple[Callable[[str, dict[str, Any], Entities], list[Unused]], ...] = (
    _tickets, _people, _places, _fields, _fixed, _visibility, _unsupported,
)


def partial_answer(intent: Intent, problems: list[Unused]) -> str:
    """Name what can't be used, change nothing, and offer the part that was understood."""
    impossible = [p for p in problems if p.why.startswith("I can't")]
    others = [p for p in problems if p not in impossible]
    lines = [f"{p.why}." for p in impossible]
    if others:
        named = ", ".join(f"'{p.phrase}'" + (f" ({p.why})" if p.why else "") for p in others)
        lines.append(f"I couldn't use {named} in that request, so I haven't done anything yet.")
    else:
        lines.append("Nothing has been changed.")
    # the words after "change the category to" are its value, not a change to offer ("Network Hardware")
    fixed = any(p.why.startswith(CANNOT_CHANGE) for p in problems)
    offer = "" if fixed else offer_text(intent, only_impossible=not others)
    return " ".join([*lines, offer]).strip()


def offer_text(intent: Intent, *, only_impossible: bool) -> str:
    ticket = intent.slots.get("ticket_id")
    if only_impossible and _offers_closing(intent) and ticket is not None:
        return f"I can close ticket {ticket} instead; it stays on record. {OFFER_CLOSE}"
    if only_impossible and intent.kind == "status":
        return ""
    done = describe(intent)
    return f"{OFFER}{done}?" if done else "Could you say it another way?"


def _offers_closing(intent: Intent) -> bool:
    """Deleting one ticket: closing it is the nearest thing (merging or texting is not)."""
    actions = find_impossible(intent.text)
    return intent.kind in ("status", "resolve") and bool(actions) and all(_DELETING.match(a) for a in actions)


def describe(intent: Intent) -> str:
    """The understood part, in words: "set ticket 790 to priority Low"."""
    s, kind = intent.slots, intent.kind
    ticket = s.get("ticket_id")
    changes = [f"{k} {s[k]}" for k in ("priority", "team", "status") if s.get(k)]
    if s.get("agent_id") or s.get("agent_name"):
        changes.append(f"agent {s.get('agent_name') or s.get('agent_id')}")
    if kind == "update" and ticket is not None and changes:
        return f"set ticket {ticket} to " + ", ".join(changes)
    if kind == "list":
        what = f"{s['ticket_type']} tickets" if s.get("ticket_type") else "tickets"
        changes += [f"{label} {s[key]}" for key, label in _LIST_FILTERS if s.get(key) is not None]
        return f"list the {what}" + (" with " + ", ".join(changes) if changes else "")
    if kind == "note" and ticket is not None and s.get("note"):
        return f"add the note to ticket {ticket}"
    if kind == "resolve" and ticket is not None:
        return f"close ticket {ticket}"
    if kind == "create" and s.get("details"):
        return "open the ticket without that"
    return ""


_LIST_FILTERS = (("user_email", "user"), ("site_name", "site"), ("site_id", "site"), ("search", "words"),
                 ("page", "page"))


def offered_intent(intent: Intent, problems: list[Unused]) -> Intent | None:
    """What a "yes" to the offer does: the understood part, or closing instead of deleting."""
    if not problems:
        return None
    only_impossible = all(p.why.startswith("I can't") for p in problems)
    ticket = intent.slots.get("ticket_id")
    if only_impossible and _offers_closing(intent) and ticket is not None:
        return Intent("resolve", intent.text, {"ticket_id": ticket})
    return intent if describe(intent) else None
