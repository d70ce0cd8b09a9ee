"""Planning: from an intent (and the results so far this turn) to the next tool calls or the final text.

One function per intent. Only the person's words choose what to do; results contribute nothing but
structured fields (a ticket id from a search of the person's own tickets, an agent id from a lookup).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from halo_agent.models.offline import answers
from halo_agent.models.offline.arguments import call_args, needs_lookup
from halo_agent.models.offline.coverage import OFFER_CREATE
from halo_agent.models.offline.entities import find_entities
from halo_agent.models.offline.lists import ticket_table
from halo_agent.models.offline.parse import Intent
from halo_agent.models.offline.results import Step, payload, rows_of, text_of, ticket_id_of
from halo_agent.models.offline.vocab import Vocabulary

CREATE, GET, LIST = "haloitsm_create_ticket", "haloitsm_get_ticket", "haloitsm_list_tickets"
UPDATE, NOTE, RESOLVE = "haloitsm_update_ticket", "haloitsm_add_note", "haloitsm_resolve_ticket"
LOOKUP, OPTIONS, KB = "haloitsm_lookup", "haloitsm_ticket_options", "haloitsm_search_kb"


@dataclass(frozen=True)
class Call:
    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Context:
    intent: Intent
    vocab: Vocabulary
    tools: frozenset[str]
    steps: list[Step]
    notices: tuple[str, ...] = ()  # the service's words on what approvers did with this ticket

    @property
    def slots(self) -> dict[str, Any]:
        return self.intent.slots


Plan = list[Call] | str  # the calls to make now, or the final text


def plan(ctx: Context) -> Plan:
    failed = [step for step in ctx.steps if not step.ok]
    if failed:
        return answers.compose(failed)  # refused, paused or needs correcting: explain, don't loop
    planner = _PLANNERS.get(ctx.intent.kind)
    if planner is None:
        return small_talk(ctx)
    required = _REQUIRES.get(ctx.intent.kind)
    if required and required not in ctx.tools:
        return not_offered(required, mentioned(ctx))
    if not ctx.steps and ctx.intent.missing:
        return ask_for(ctx.intent, ctx.vocab)
    return planner(ctx)


def _single(ctx: Context, tool: str, args: dict[str, Any]) -> Plan:
    """A one-call plan: make the call, then answer from its result."""
    if ctx.steps:
        return answers.compose(ctx.steps)
    if tool not in ctx.tools:
        return not_offered(tool, mentioned(ctx))
    return [Call(tool, args)]


def _pick(slots: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: slots[key] for key in keys if slots.get(key) is not None}


def plan_create(ctx: Context) -> Plan:
    return _with_names_resolved(ctx, CREATE, lambda slots: call_args(CREATE, slots))


def plan_list(ctx: Context) -> Plan:
    def args(slots: dict[str, Any]) -> dict[str, Any]:
        found = call_args(LIST, slots)
        if UPDATE not in ctx.tools:  # an employee only ever sees their own tickets
            found["mine"] = True
        return found

    return _with_names_resolved(ctx, LIST, args)


def _with_names_resolved(ctx: Context, tool: str, build: Callable[[dict[str, Any]], dict[str, Any]]) -> Plan:
    """Look up a person or place given by name (one call), then make `tool`'s call with its id."""
    wanted = needs_lookup(ctx.slots)
    if wanted is None or LOOKUP not in ctx.tools:
        return _single(ctx, tool, build(ctx.slots))
    kind, name, id_slot = wanted
    if not ctx.steps:
        return [Call(LOOKUP, {"kind": kind, "search": name})]
    if ctx.steps[-1].name != LOOKUP:
        return answers.compose(ctx.steps[-1:])
    rows = rows_of(payload(ctx.steps[-1].result), kind, "items", "results")
    if len(rows) != 1 or ticket_id_of(rows[0]) is None:
        return _which(kind, name, rows)
    return [Call(tool, build({**ctx.slots, id_slot: ticket_id_of(rows[0])}))]


def _which(kind: str, name: str, rows: list[dict[str, Any]]) -> str:
    what = kind.rstrip("s")
    if not rows:
        return f"I found no {what} called '{name}', so I haven't done anything. Which {what} do you mean?"
    found = ", ".join(f"#{r.get('id')} {text_of(r.get('name'), 40)}" for r in rows[:10])
    return f"Several {kind} match '{name}': {found}. Which one do you mean?"


def plan_note(ctx: Context) -> Plan:
    if ctx.slots.get("ticket_id") is None and ctx.slots.get("my_ticket"):
        return _note_on_my_ticket(ctx)
    return _single(ctx, NOTE, call_args(NOTE, ctx.slots))


def _note_on_my_ticket(ctx: Context) -> Plan:
    """ "Add a note to my open ticket": list the person's open tickets; note the only one, else ask which."""
    if LIST not in ctx.tools:
        return ask_for(Intent("note", ctx.intent.text, ctx.slots, "ticket_id"), ctx.vocab)
    if not ctx.steps:
        return [Call(LIST, {"mine": True, "status": "open"})]
    last = ctx.steps[-1]
    if last.name != LIST:
        return answers.compose(ctx.steps[-1:])
    rows = rows_of(payload(last.result), "tickets")
    if len(rows) == 1 and ticket_id_of(rows[0]) is not None:
        return [Call(NOTE, call_args(NOTE, {**ctx.slots, "ticket_id": ticket_id_of(rows[0])}))]
    if not rows:
        return "You have no open tickets, so there is nothing to add the note to. I can open a new one."
    table = ticket_table(rows)
    return f"You have {len(rows)} open tickets:\n{table}\nWhich one should the note go on (its number)?"


def plan_status(ctx: Context) -> Plan:
    if ctx.slots.get("ticket_id") is None:
        about = {"search": ctx.slots["topic"]} if ctx.slots.get("topic") else {}
        return _single(ctx, LIST, {"mine": True, "status": "open", **about})
    outcome = _single(ctx, GET, {"ticket_id": ctx.slots["ticket_id"]})
    if isinstance(outcome, str) and ctx.steps and ctx.steps[0].ok:
        extra = [answers.ticket_details(ctx.steps[0])] if _ASKS_WHAT_ABOUT.search(ctx.intent.text) else []
        extra += [f"Earlier in this conversation: {n.removeprefix('Update:').strip()}" for n in ctx.notices]
        return "\n".join([outcome, *(line for line in extra if line)])
    return outcome


_ASKS_WHAT_ABOUT = re.compile(
    r"\babout\b|\bsummar|\bdetails?\b|\bdescri|\bwhat(?:'s|\s+is)\s+(?:wrong|the\s+problem)", re.IGNORECASE)


def plan_retry(ctx: Context) -> Plan:
    """The person picked one of the choices a tool's error offered: the same call with that value."""
    tool, args = str(ctx.slots["tool"]), dict(ctx.slots["args"])
    if tool == UPDATE and _closes(args.get("status")):
        tool, args = RESOLVE, _pick(args, "ticket_id", "status")
    return _single(ctx, tool, args)


def plan_kb(ctx: Context) -> Plan:
    """The whole question first; Halo's search matches the term as one substring, so on no match
    search each key word in parallel and rank articles by how many of the words found them."""
    query = str(ctx.slots["query"])
    keywords = sorted((w for w in query.split() if len(w) > 2), key=len, reverse=True)[:3]
    if not ctx.steps:
        return [Call(KB, {"query": query})]
    if answers.kb_articles(ctx.steps[0]) or len(keywords) < 2:
        return answers.compose(ctx.steps[:1])
    if len(ctx.steps) == 1:
        return [Call(KB, {"query": word}) for word in keywords]
    return answers.answer_articles(_ranked_articles(ctx.steps[1:]), query)


def _ranked_articles(steps: list[Step]) -> list[dict[str, Any]]:
    hits: dict[str, tuple[int, dict[str, Any]]] = {}
    for step in steps:
        for article in answers.kb_articles(step):
            key = str(article.get("id", article.get("title")))
            count, _ = hits.get(key, (0, article))
            hits[key] = (count + 1, article)
    ranked = sorted(hits.values(), key=lambda hit: -hit[0])  # stable: first found wins a tie
    return [article for _, article in ranked]


def plan_lookup(ctx: Context) -> Plan:
    """One lookup; "the sites of Kestrel Research" first finds the client, then its sites."""
    kind, owner = ctx.slots.get("kind"), ctx.slots.get("owner")
    if kind == "teams" and LOOKUP not in ctx.tools and OPTIONS in ctx.tools:
        return _single(ctx, OPTIONS, {})  # the teams are among the ticket options everyone may read
    if not owner or LOOKUP not in ctx.tools:
        return _single(ctx, LOOKUP, _pick(ctx.slots, "kind", "search"))
    if not ctx.steps:
        return [Call(LOOKUP, {"kind": "clients", "search": owner})]
    if len(ctx.steps) == 1:
        clients = rows_of(payload(ctx.steps[0].result), "clients", "items", "results")
        if len(clients) == 1 and ticket_id_of(clients[0]) is not None:
            return [Call(LOOKUP, {"kind": kind, "client": ticket_id_of(clients[0])})]
        return [Call(LOOKUP, {"kind": kind, "search": owner})]  # not a client: perhaps a person or a name
    return answers.compose(ctx.steps[-1:])


def plan_options(ctx: Context) -> Plan:
    return _single(ctx, OPTIONS, {})


def plan_update(ctx: Context) -> Plan:
    status = ctx.slots.get("status")
    if UPDATE not in ctx.tools:
        return not_offered(UPDATE, mentioned(ctx))
    if _closes(status):  # the update tool refuses closing statuses: closing is a resolve
        closing = {"ticket_id": ctx.slots["ticket_id"], "status": status}
        return _single(ctx, RESOLVE, call_args(RESOLVE, closing))
    if needs_lookup(ctx.slots) and LOOKUP not in ctx.tools:
        return "I can't look up agents by name here. Tell me the agent's number (\"assign it to agent 6\")."
    if ctx.steps and ctx.steps[-1].name != LOOKUP:
        return answers.compose(ctx.steps[-1:])  # the update itself; a lookup before it was a means
    return _with_names_resolved(ctx, UPDATE, lambda slots: call_args(UPDATE, slots))


def plan_resolve(ctx: Context) -> Plan:
    note = ctx.slots.get("note") or _requester_note(ctx.slots)
    if ctx.slots.get("ticket_id") is not None:
        return _single(ctx, RESOLVE, call_args(RESOLVE, {**ctx.slots, "note": note}))
    return _resolve_by_topic(ctx, note or "Closed at the user's request.")


def _closes(status: Any) -> bool:
    return isinstance(status, str) and _CLOSING.search(status) is not None


_CLOSING = re.compile(r"\b(?:clos|resolv|complet|cancel)", re.IGNORECASE)


def _requester_note(slots: dict[str, Any]) -> str | None:
    reason = slots.get("reason")
    return f"Closed at the user's request: {reason}" if reason else None


def _resolve_by_topic(ctx: Context, note: str) -> Plan:
    """List the person's open tickets about the topic; close only when exactly one matches."""
    topic = ctx.slots.get("topic")
    if LIST not in ctx.tools or RESOLVE not in ctx.tools:
        return not_offered(RESOLVE)
    if not ctx.steps:
        return [Call(LIST, {"mine": True, "status": "open", **({"search": topic} if topic else {})})]
    last = ctx.steps[-1]
    if last.name != LIST:
        return answers.compose(ctx.steps[-1:])
    rows = rows_of(payload(last.result), "tickets")
    matched = bool(last.args.get("search")) or not topic  # never close a ticket that didn't match
    if matched and len(rows) == 1 and ticket_id_of(rows[0]) is not None:
        return [Call(RESOLVE, {"ticket_id": ticket_id_of(rows[0]), "note": note})]
    if not rows and last.args.get("search") and len(ctx.steps) == 1:
        return [Call(LIST, {"mine": True, "status": "open"})]  # show what there is before asking
    return _which_ticket(rows, topic, searched=bool(last.args.get("search")))


def _which_ticket(rows: list[dict[str, Any]], topic: str | None, *, searched: bool) -> str:
    about = f" about '{topic}'" if topic else ""
    if not rows:
        return f"You have no open tickets{about}, so there is nothing to close."
    table = ticket_table(rows)
    question = "Which one should I close (tell me its number)?"
    if searched:
        return f"You have {len(rows)} open tickets{about}:\n{table}\n{question}"
    lead = f"I couldn't find an open ticket{about}. " if topic else ""
    return f"{lead}Your open tickets:\n{table}\n{question}"


def plan_offer(ctx: Context) -> Plan:
    """A problem told without a request: offer to open a ticket for it (the nearest thing to help)."""
    if CREATE not in ctx.tools:
        return small_talk(ctx)
    summary = ctx.slots.get("summary") or "it"
    return f"Sorry to hear that ({summary}). I can open a ticket so the service desk sees it. {OFFER_CREATE}"


_PLANNERS: dict[str, Callable[[Context], Plan]] = {
    "create": plan_create, "list": plan_list, "note": plan_note, "update": plan_update,
    "resolve": plan_resolve, "status": plan_status, "kb": plan_kb, "lookup": plan_lookup,
    "options": plan_options, "retry": plan_retry, "offer": plan_offer,
}

_REQUIRES = {"create": CREATE, "note": NOTE, "update": UPDATE, "kb": KB, "options": OPTIONS}


# --- questions and plain answers ---------------------------------------------------------------------

def ask_for(intent: Intent, vocab: Vocabulary) -> str:
    ticket = intent.slots.get("ticket_id")
    questions = {
        "details": "I'll open it for you. What's the problem, in a sentence or two (for example \"my laptop "
                   "won't charge\")?",
        "ticket_id": "Which ticket number do you mean (for example 789)?",
        "note": f"What should the note on ticket #{ticket} say?",
        "priority": (f"Which priority should ticket #{ticket} get: {_or_list(vocab.priorities)}?" if ticket
                     else f"What priority should the new ticket have: {_or_list(vocab.priorities)}?"),
        "change": f"What should I change on ticket #{ticket}: the priority ({_or_list(vocab.priorities)}), "
                  f"the team ({_or_list(vocab.teams)}) or the agent?",
        "question": "What would you like to know how to do?",
    }
    return questions.get(intent.missing or "", "Could you say a little more about what you need?")


def _or_list(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def mentioned(ctx: Context) -> str:
    """What the request named (ticket, people, fields), to say back what was not done."""
    found = find_entities(ctx.intent.text, ctx.vocab)
    phrases = [f"ticket {t}" for t in found.tickets] + [f"priority {found.priority}"] * bool(found.priority)
    phrases += [*found.teams, *found.statuses, *found.emails, *([found.person] if found.person else [])]
    search = ctx.slots.get("search")
    return ", ".join(phrases or ([str(search)] if search else []))


def not_offered(tool: str, about: str = "") -> str:
    """The person's role has no such tool, so nothing was tried: say so, and what they can do instead."""
    suffix = f" ({about})" if about else ""
    if tool == LOOKUP:
        return (f"You can't look up the directory (people, clients, sites, agents, assets) with your access, "
                f"so I can't answer that{suffix}. The service desk can help, or ask me to open a ticket.")
    what = {
        UPDATE: "change a ticket's priority, status, team or agent",
        RESOLVE: "close tickets",
    }.get(tool, f"use {tool}")
    return (f"You can't {what} with your access, so nothing was changed{suffix}. I can add a note to the "
            "ticket for the service desk instead, for example \"add a note to ticket 789: please treat this "
            "as urgent\".")


def small_talk(ctx: Context) -> str:
    kind = ctx.intent.kind
    if kind == "greeting":
        return "Hello! What can I do for you? " + capabilities(ctx.tools)
    if kind == "thanks":
        return "You're welcome. Anything else I can help with?"
    if kind == "help":
        return capabilities(ctx.tools)
    return ("I'm the offline model, so I only understand a fixed set of service-desk requests. "
            + capabilities(ctx.tools)
            + "\nFor free-form requests configure an LLM: set OPENAI_API_KEY / OPENAI_BASE_URL "
              "(and HALO_AGENT_MODEL to choose the model).")


def capabilities(tools: frozenset[str]) -> str:
    items = ["open a ticket (\"open a ticket: my laptop won't charge\")",
             "show your tickets or the status of ticket N",
             "add a note to ticket N", "close ticket N or \"close my email ticket\"",
             "answer \"how do I …\" questions from the knowledge base"]
    if UPDATE in tools:
        items[1] = "list tickets (open incidents for agent 6, for a team, with a status)"
        items.insert(3, "change the priority of ticket N or reassign it to a team or agent")
    return "I understand requests like: " + "; ".join(items) + "."
