"""Planning: from an intent (and the results so far this turn) to the next tool calls or the final text.

One function per intent. Only the person's words choose what to do; results contribute nothing but
structured fields (a ticket id from a search of the person's own tickets, an agent id from a lookup).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from halo_agent.models.offline import answers, lookup_answers
from halo_agent.models.offline.arguments import call_args, needs_lookup
from halo_agent.models.offline.entities import find_entities
from halo_agent.models.offline.lookup import ANY_KINDS
from halo_agent.models.offline.parse import Intent
from halo_agent.models.offline.replies import CANT_LOOK_UP_AGENTS, ask_for, not_offered, small_talk
from halo_agent.models.offline.results import Step, payload, rows_of, ticket_id_of
from halo_agent.models.offline.tool_names import CREATE, GET, KB, LIST, LOOKUP, NOTE, OPTIONS, RESOLVE, UPDATE
from halo_agent.models.offline.vocab import Vocabulary


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

    @property
    def staff(self) -> bool:
        """The reader is service-desk staff (an agent may update tickets), not a ticket's user."""
        return UPDATE in self.tools


Plan = list[Call] | str  # the calls to make now, or the final text


def plan(ctx: Context) -> Plan:
    failed = [step for step in ctx.steps if not step.ok]
    retried = _list_for_requester(ctx) if failed and ctx.intent.kind == "list" else None
    if retried is not None:
        return retried
    if failed:  # refused, paused or to correct: explain, no loop; a write that did land is never left unsaid
        shown = [step for step in ctx.steps if not step.ok or step.name in _WRITES]
        return answers.compose(shown, staff=ctx.staff)
    planner = _PLANNERS.get(ctx.intent.kind)
    if planner is None:
        return small_talk(ctx.intent.kind, ctx.tools)
    required = _REQUIRES.get(ctx.intent.kind)
    if required and required not in ctx.tools:
        return not_offered(required, mentioned(ctx))
    if not ctx.steps and ctx.intent.missing:
        return ask_for(ctx.intent, ctx.vocab)
    return planner(ctx)


def _single(ctx: Context, tool: str, args: dict[str, Any]) -> Plan:
    """A one-call plan: make the call, then answer from its result."""
    if ctx.steps:
        return answers.compose(ctx.steps, staff=ctx.staff)
    if tool not in ctx.tools:
        return not_offered(tool, mentioned(ctx))
    return [Call(tool, args)]


def _single_or_answer(ctx: Context, calls: list[Call]) -> Plan:
    """The calls of a request made in one round trip, then the answer from all their results."""
    return answers.compose(ctx.steps, staff=ctx.staff) if ctx.steps else calls


def _for_each(ctx: Context, tool: str) -> list[Call]:
    """The same call for each ticket the request lists ("set 781 and 784 to low")."""
    tickets = ctx.slots["tickets"]
    return [Call(tool, call_args(tool, {**ctx.slots, "ticket_id": ticket})) for ticket in tickets]


_WRITES = frozenset({CREATE, UPDATE, NOTE, RESOLVE})


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


_NO_SUCH_AGENT = re.compile(r"\bno agent matches\b", re.IGNORECASE)
_AN_AGENT = re.compile(r"\b(?:assigned|allocated|agent|engineer|tech|working|queue|with)\b", re.IGNORECASE)


def _list_for_requester(ctx: Context) -> Plan | None:
    """ "Tickets for Emma Hart": a name that is no agent's, in a request that never said it was one, is
    the person the tickets are for (a user); asked once more that way, and the answer is that list."""
    first = ctx.steps[0]
    agent = first.args.get("agent")
    unknown = first.name == LIST and first.status == "error" and isinstance(agent, str)
    if not unknown or not _NO_SUCH_AGENT.search(str(first.result.get("error"))) or _AN_AGENT.search(
            ctx.intent.text):
        return None
    if len(ctx.steps) == 1:
        args = {key: value for key, value in first.args.items() if key != "agent"}
        return [Call(LIST, {**args, "user": agent})]
    if re.search(r"\bno user matches\b", str(ctx.steps[-1].result.get("error"))):
        return f"I couldn't list the tickets: no agent or user in Halo is called '{agent}'. Who did you mean?"
    return answers.compose(ctx.steps[-1:], staff=ctx.staff)


def _with_names_resolved(ctx: Context, tool: str, build: Callable[[dict[str, Any]], dict[str, Any]]) -> Plan:
    """Look up a person or place given by name (one call), then make `tool`'s call with its id."""
    wanted = needs_lookup(ctx.slots)
    if wanted is None or LOOKUP not in ctx.tools:
        return _single(ctx, tool, build(ctx.slots))
    kind, name, id_slot = wanted
    if not ctx.steps:
        return [Call(LOOKUP, {"kind": kind, "search": name})]
    if ctx.steps[-1].name != LOOKUP:
        return answers.compose(ctx.steps[-1:], staff=ctx.staff)
    rows = rows_of(payload(ctx.steps[-1].result), kind, "items", "results")
    if len(rows) != 1 or ticket_id_of(rows[0]) is None:
        return answers.which_record(kind, name, rows)
    return [Call(tool, build({**ctx.slots, id_slot: ticket_id_of(rows[0])}))]


def plan_note(ctx: Context) -> Plan:
    if ctx.slots.get("ticket_id") is None and ctx.slots.get("my_ticket"):
        return _note_on_my_ticket(ctx)
    if ctx.slots.get("tickets") and NOTE in ctx.tools:
        return _single_or_answer(ctx, _for_each(ctx, NOTE))
    return _single(ctx, NOTE, call_args(NOTE, ctx.slots))


def _note_on_my_ticket(ctx: Context) -> Plan:
    """ "Add a note to my open ticket": list the person's open tickets; note the only one, else ask which."""
    if LIST not in ctx.tools:
        return ask_for(Intent("note", ctx.intent.text, ctx.slots, "ticket_id"), ctx.vocab)
    about = {"search": ctx.slots["topic"]} if ctx.slots.get("topic") else {}
    if not ctx.steps:
        return [Call(LIST, {"mine": True, "status": "open", **about})]
    last = ctx.steps[-1]
    if last.name != LIST:
        return answers.compose(ctx.steps[-1:], staff=ctx.staff)
    rows = rows_of(payload(last.result), "tickets")
    rows = about_topic(rows, ctx.slots.get("topic")) if not last.args.get("search") else rows
    if len(rows) == 1 and ticket_id_of(rows[0]) is not None:
        return [Call(NOTE, call_args(NOTE, {**ctx.slots, "ticket_id": ticket_id_of(rows[0])}))]
    if not rows and last.args.get("search") and len(ctx.steps) == 1:
        return [Call(LIST, {"mine": True, "status": "open"})]  # none about it: show what there is, ask
    return answers.which_ticket_for_note(rows)


def plan_status(ctx: Context) -> Plan:
    if ctx.slots.get("ticket_id") is None:
        about = {"search": ctx.slots["topic"]} if ctx.slots.get("topic") else {}
        return _single(ctx, LIST, {"mine": True, "status": "open", **about})
    outcome = _single(ctx, GET, {"ticket_id": ctx.slots["ticket_id"]})
    if isinstance(outcome, str) and ctx.steps and ctx.steps[0].ok:
        details = _ASKS_WHAT_ABOUT.search(ctx.intent.text) is not None
        return answers.with_ticket_extras(outcome, ctx.steps[0], details=details, notices=ctx.notices)
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
    if lookup_answers.kb_articles(ctx.steps[0]) or len(keywords) < 2:
        return answers.compose(ctx.steps[:1], staff=ctx.staff)
    if len(ctx.steps) == 1:
        return [Call(KB, {"query": word}) for word in keywords]
    return lookup_answers.answer_articles(_ranked_articles(ctx.steps[1:]), query)


def _ranked_articles(steps: list[Step]) -> list[dict[str, Any]]:
    hits: dict[str, tuple[int, dict[str, Any]]] = {}
    for step in steps:
        for article in lookup_answers.kb_articles(step):
            key = str(article.get("id", article.get("title")))
            count, _ = hits.get(key, (0, article))
            hits[key] = (count + 1, article)
    ranked = sorted(hits.values(), key=lambda hit: -hit[0])  # stable: first found wins a tie
    return [article for _, article in ranked]


def plan_lookup(ctx: Context) -> Plan:
    """One lookup; "the sites of Kestrel Research" first finds the client, then its sites."""
    kind, owner = ctx.slots.get("kind"), ctx.slots.get("owner")
    if kind == "agents" and ctx.slots.get("team") and LOOKUP in ctx.tools:  # no tool filters by team
        if not ctx.steps:
            return [Call(LOOKUP, {"kind": "agents"})]
        return lookup_answers.agents_in_team(ctx.steps[-1], str(ctx.slots["team"]))
    if kind == "teams" and LOOKUP not in ctx.tools and OPTIONS in ctx.tools:
        return _single(ctx, OPTIONS, {})  # the teams are among the ticket options everyone may read
    if ctx.slots.get("any_kind") and ctx.steps and _found_nothing(ctx.steps[-1]):
        if len(ctx.steps) < len(ANY_KINDS):  # "look up kestrel research": a person, else another record
            return [Call(LOOKUP, {"kind": ANY_KINDS[len(ctx.steps)], "search": ctx.slots["search"]})]
        return f"I found no user, agent, client or site called '{ctx.slots['search']}' in Halo."
    if not owner or LOOKUP not in ctx.tools:
        if ctx.steps:
            return answers.compose(ctx.steps[-1:], staff=ctx.staff)
        return _single(ctx, LOOKUP, _pick(ctx.slots, "kind", "search", "site"))
    if not ctx.steps:
        return [Call(LOOKUP, {"kind": "clients", "search": owner})]
    if len(ctx.steps) == 1:
        clients = rows_of(payload(ctx.steps[0].result), "clients", "items", "results")
        if len(clients) == 1 and ticket_id_of(clients[0]) is not None:
            return [Call(LOOKUP, {"kind": kind, "client": ticket_id_of(clients[0])})]
        return [Call(LOOKUP, {"kind": kind, "search": owner})]  # not a client: perhaps a person or a name
    return answers.compose(ctx.steps[-1:], staff=ctx.staff)


def _found_nothing(step: Step) -> bool:
    return step.ok and not rows_of(payload(step.result), str(step.args.get("kind")), "items")


def plan_options(ctx: Context) -> Plan:
    return _single(ctx, OPTIONS, {})


def plan_update(ctx: Context) -> Plan:
    status = ctx.slots.get("status")
    if UPDATE not in ctx.tools:
        return not_offered(UPDATE, mentioned(ctx))
    noted = [Call(NOTE, call_args(NOTE, ctx.slots))] if ctx.slots.get("note") and NOTE in ctx.tools else []
    if _closes(status):  # the update tool refuses closing statuses: closing is a resolve
        closing = call_args(RESOLVE, {"ticket_id": ctx.slots["ticket_id"], "status": status})
        if not noted or RESOLVE not in ctx.tools:
            return _single(ctx, RESOLVE, closing)
        return _single_or_answer(ctx, [*noted, Call(RESOLVE, closing)])  # the note keeps its visibility
    if needs_lookup(ctx.slots) and LOOKUP not in ctx.tools:
        return CANT_LOOK_UP_AGENTS
    if ctx.slots.get("tickets"):
        return _single_or_answer(ctx, _for_each(ctx, UPDATE) + (_for_each(ctx, NOTE) if noted else []))
    if noted:  # a change and a note: both calls at once
        return _single_or_answer(ctx, [Call(UPDATE, call_args(UPDATE, ctx.slots)), *noted])
    if ctx.steps and ctx.steps[-1].name != LOOKUP:
        return answers.compose(ctx.steps[-1:], staff=ctx.staff)  # the update; a lookup before it was a means
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


def about_topic(rows: list[dict[str, Any]], topic: Any) -> list[dict[str, Any]]:
    """The rows whose summary has every word of the topic, in any order ("finance drive" is "Access to
    Finance shared drive", which Halo's one-phrase search misses); all rows when there is no topic."""
    if not topic:
        return rows
    words = [w.rstrip("s") for w in re.findall(r"[a-z0-9]+", str(topic).lower()) if len(w) > 2]
    return [row for row in rows if words and all(w in str(row.get("summary") or "").lower() for w in words)]


def _resolve_by_topic(ctx: Context, note: str) -> Plan:
    """List the person's open tickets about the topic; close only when exactly one matches."""
    topic = ctx.slots.get("topic")
    if LIST not in ctx.tools or RESOLVE not in ctx.tools:
        return not_offered(RESOLVE)
    if not ctx.steps:
        return [Call(LIST, {"mine": True, "status": "open", **({"search": topic} if topic else {})})]
    last = ctx.steps[-1]
    if last.name != LIST:
        return answers.compose(ctx.steps[-1:], staff=ctx.staff)
    rows = rows_of(payload(last.result), "tickets")
    matched = bool(last.args.get("search")) or not topic  # never close a ticket that didn't match
    if not matched and len(about_topic(rows, topic)) == 1:
        rows, matched = about_topic(rows, topic), True  # "finance drive": every word in one summary
    if matched and len(rows) == 1 and ticket_id_of(rows[0]) is not None:
        return [Call(RESOLVE, {"ticket_id": ticket_id_of(rows[0]), "note": note})]
    if not rows and last.args.get("search") and len(ctx.steps) == 1:
        return [Call(LIST, {"mine": True, "status": "open"})]  # show what there is before asking
    return answers.which_ticket_to_close(rows, topic, searched=bool(last.args.get("search")))


def plan_offer(ctx: Context) -> Plan:
    """A problem told without a request: offer to open a ticket for it (the nearest thing to help)."""
    if CREATE not in ctx.tools:
        return small_talk(ctx.intent.kind, ctx.tools)
    return answers.offer_ticket(ctx.slots.get("summary") or "it")


_PLANNERS: dict[str, Callable[[Context], Plan]] = {
    "create": plan_create, "list": plan_list, "note": plan_note, "update": plan_update,
    "resolve": plan_resolve, "status": plan_status, "kb": plan_kb, "lookup": plan_lookup,
    "options": plan_options, "retry": plan_retry, "offer": plan_offer,
}

_REQUIRES = {"create": CREATE, "note": NOTE, "update": UPDATE, "kb": KB, "options": OPTIONS}


# --- what the request named, to say back what was not done ---------------------------------------

def mentioned(ctx: Context) -> str:
    """What the request named (ticket, people, fields), to say back what was not done."""
    found = find_entities(ctx.intent.text, ctx.vocab)
    phrases = [f"ticket {t}" for t in found.tickets] + [f"priority {found.priority}"] * bool(found.priority)
    phrases += [*found.teams, *found.statuses, *found.emails, *([found.person] if found.person else [])]
    search = ctx.slots.get("search")
    return ", ".join(phrases or ([str(search)] if search else []))
