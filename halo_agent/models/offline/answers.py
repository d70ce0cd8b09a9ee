"""Final answers from tool results: one function per result kind, facts taken only from the results.

Halo text (summaries, notes, KB bodies) is shown quoted, as data. A success is only claimed when the
result says "ok"; refusals, pauses and errors are explained, never retried here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from halo_agent.models.offline.coverage import OFFER_CREATE
from halo_agent.models.offline.lists import answer_list, ticket_table
from halo_agent.models.offline.lookup_answers import answer_kb, answer_lookup, answer_options, directory_row
from halo_agent.models.offline.results import (
    Step,
    count_of,
    end,
    first,
    payload,
    rows_of,
    text_of,
    ticket_of,
    without_instructions,
)

_ACTIONS = {
    "haloitsm_create_ticket": "open the ticket",
    "haloitsm_get_ticket": "read the ticket",
    "haloitsm_list_tickets": "list the tickets",
    "haloitsm_update_ticket": "update the ticket",
    "haloitsm_add_note": "add the note",
    "haloitsm_resolve_ticket": "close the ticket",
    "haloitsm_lookup": "look that up",
    "haloitsm_ticket_options": "read the ticket options",
    "haloitsm_search_kb": "search the knowledge base",
}


_ON_TICKET = {  # the same acts, named with the ticket they were about
    "haloitsm_get_ticket": "read ticket #{}",
    "haloitsm_update_ticket": "update ticket #{}",
    "haloitsm_add_note": "add the note to ticket #{}",
    "haloitsm_resolve_ticket": "close ticket #{}",
}


def _action(step: Step) -> str:
    """What the call was for, in words: "add the note to ticket #789"."""
    ticket = step.args.get("ticket_id")
    if ticket is not None and step.name in _ON_TICKET:
        return _ON_TICKET[step.name].format(ticket)
    return _ACTIONS.get(step.name, "do that")


ERROR_CHARS = 1200  # errors are shown whole: a cut one hides what was checked or what to do


def compose(steps: list[Step], *, staff: bool) -> str:
    """One paragraph per step, in order. `staff`: the reader is an agent, not the ticket's user."""
    return "\n\n".join(answer_step(step, staff=staff) for step in steps)


def answer_step(step: Step, *, staff: bool) -> str:
    if step.status == "refused":
        return answer_refused(step)
    if step.status == "paused":
        return answer_paused(step)
    if step.status == "error":
        return answer_error(step)
    if step.name in _READER_ANSWERS:
        return _READER_ANSWERS[step.name](step, staff)
    handler = _OK_ANSWERS.get(step.name, _answer_generic)
    return handler(step)


def answer_refused(step: Step) -> str:
    reason = text_of(step.result.get("reason")) or "the policy does not allow it"
    rule = step.result.get("rule")
    suffix = f" (policy rule {rule})" if rule else ""
    action = _action(step)
    return f"I couldn't {action}: {reason.rstrip('. ')}{suffix}. Nothing was changed."


def answer_paused(step: Step) -> str:
    preview = text_of(step.result.get("preview"), 500) or _ACTIONS.get(step.name, step.name)
    pending = step.result.get("pending_id")
    ref = f" (request {pending})" if pending else ""
    if step.result.get("kind") == "approval":
        return (f"This needs approval before it happens{ref}: {preview}\n"
                "Nothing has changed yet; it will run once an approver says yes, and not if they say no.")
    return f"Please confirm{ref}: {preview}\nAnswer yes to go ahead or no to cancel. Nothing has changed yet."


def answer_error(step: Step) -> str:
    error = text_of(step.result.get("error"), ERROR_CHARS) or "Halo returned an error"
    if step.result.get("outcome") == "unknown":
        return end(f"I don't know whether I managed to {_action(step)}. {error}")
    text = end(f"I couldn't {_action(step)}: {error}")
    choices = [text_of(c, 80) for c in step.result.get("choices") or []]
    if choices:
        return f"{text}\nWhich one should I use instead: {', '.join(choices)}?"
    if step.result.get("correctable") is False:  # an outage or a permission: nothing for them to fix
        return text
    return f"{text}\nPlease check the details and tell me what to correct."


def describe_ticket(row: dict[str, Any]) -> str:
    """`#789 "Summary" — status, priority, type, team, agent`, only the fields present."""
    facts = [
        f"status {first(row, 'status')}" if first(row, "status") else "",
        f"priority {first(row, 'priority')}" if first(row, "priority") else "",
        str(first(row, "type", "ticket_type") or ""),
        f"team {first(row, 'team')}" if first(row, "team") else "",
        f"agent {first(row, 'agent')}" if first(row, "agent") else "unassigned" if "agent" in row else "",
        f"user {first(row, 'user')}" if first(row, "user") else "",
    ]
    summary = text_of(first(row, "summary"), 120)
    head = f"#{row.get('id')}" + (f' "{summary}"' if summary else "")
    details = ", ".join(text_of(fact, 60) for fact in facts if fact)
    return f"{head} — {details}" if details else head


def readable_time(value: str) -> str:
    """ "2025-05-07T16:30:00.000" -> "7 May 2025 16:30"; anything else unchanged."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    clock = f" {moment:%H:%M}" if (moment.hour, moment.minute) != (0, 0) or "T" in value else ""
    return f"{moment.day} {moment:%b %Y}{clock}"


def _answer_created(step: Step) -> str:
    data = payload(step.result)
    ticket = first(data, "ticket_id", "id")
    if ticket is None:
        return ("Halo answered without a ticket number, so I can't confirm the ticket was created. "
                "Please check your tickets before trying again.")
    summary = text_of(data.get("summary"), 200)
    if not summary:  # a tool without the structured fields: its own description
        created = text_of(data.get("created"), 400)
        return end(f"Opened ticket #{ticket}" + (f": {created}" if created else ""))
    facts = [text_of(fact, 80) for fact in [data.get("ticket_type"), *(data.get("changes") or [])] if fact]
    return f'Opened ticket #{ticket}: "{summary}"' + (f" ({', '.join(facts)})." if facts else ".")


def _answer_ticket(step: Step) -> str:
    data = payload(step.result)
    row = ticket_of(data)
    if row is None:
        return f"Halo returned no details for ticket #{step.args.get('ticket_id')}."
    lines = [f"Ticket {describe_ticket(row)}."]
    notes = rows_of(data, "notes", "recent_notes", "actions")
    if notes:
        latest = notes[-1]  # the tools list notes oldest first
        who = text_of(first(latest, "who", "author"), 60)
        when = readable_time(text_of(first(latest, "when", "datetime", "date"), 30))
        by = " ".join(part for part in (f"by {who}" if who else "", f"on {when}" if when else "") if part)
        kind = "hidden note" if latest.get("hidden") else "update"
        note = without_instructions(text_of(first(latest, "note", "text")))
        lines.append(f'Latest {kind}{" " + by if by else ""}: "{note}"')
    return "\n".join(lines)


def ticket_details(step: Step) -> str:
    """The ticket's description, quoted as data, for "what is it about" questions."""
    row = ticket_of(payload(step.result)) or {}
    details = without_instructions(text_of(first(row, "details", "description"), 400))
    return f'Description: "{details}"' if details else ""


def with_ticket_extras(answer: str, step: Step, *, details: bool, notices: tuple[str, ...]) -> str:
    """A ticket's answer, then its description when asked what it is about, then what approvers did."""
    extra = [ticket_details(step)] if details else []
    extra += [f"Earlier in this conversation: {n.removeprefix('Update:').strip()}" for n in notices]
    return "\n".join([answer, *(line for line in extra if line)])


def which_record(kind: str, name: str, rows: list[dict[str, Any]]) -> str:
    """A name looked up to act on matched no directory record, or several: ask which."""
    what = kind.rstrip("s")
    if not rows:
        return f"I found no {what} called '{name}', so I haven't done anything. Which {what} do you mean?"
    found = ", ".join(directory_row({"id": r.get("id"), "name": r.get("name")}, kind) for r in rows[:10])
    return f"Several {kind} match '{name}': {found}. Which one do you mean?"


def which_ticket_for_note(rows: list[dict[str, Any]]) -> str:
    """ "Add a note to my open ticket" when the person has none, or several, open."""
    if not rows:
        return "You have no open tickets, so there is nothing to add the note to. I can open a new one."
    table = ticket_table(rows)
    question = "Which one should the note go on (its number)?"
    return f"You have {count_of(len(rows), 'open ticket')}:\n{table}\n{question}"


def which_ticket_to_close(rows: list[dict[str, Any]], topic: str | None, *, searched: bool) -> str:
    """ "Close my email ticket" when no open ticket, or several, matched: show them and ask which."""
    about = f" about '{topic}'" if topic else ""
    if not rows:
        return f"You have no open tickets{about}, so there is nothing to close."
    table = ticket_table(rows)
    question = "Which one should I close (tell me its number)?"
    if searched:
        return f"You have {count_of(len(rows), 'open ticket')}{about}:\n{table}\n{question}"
    lead = f"I couldn't find an open ticket{about}. " if topic else ""
    return f"{lead}Your open tickets:\n{table}\n{question}"


def offer_ticket(summary: str) -> str:
    return f"Sorry to hear that ({summary}). I can open a ticket so the service desk sees it. {OFFER_CREATE}"


def _answer_updated(step: Step) -> str:
    data = payload(step.result)
    ticket = first(data, "ticket_id", "id") or step.args.get("ticket_id")
    changed = [text_of(change, 200) for change in data.get("changed") or []]
    if not changed:
        return f"Halo accepted the update of ticket #{ticket} but reported no change."
    already = [text_of(same, 200) for same in data.get("already") or []]
    kept = [f"the {same.replace(' ', ' was already ', 1)}" for same in already]
    kept = kept or [f"the {field} was already {step.args[field]}" for field in ("priority", "team", "status")
                    if step.args.get(field) and not any(c.startswith(f"{field} ") for c in changed)]
    also = f" ({'; '.join(kept)})" if kept else ""
    return f"Updated ticket #{ticket}: {'; '.join(changed)}{also}."


def _answer_note(step: Step, staff: bool) -> str:
    """Who can read the note, from the reader's side: to the ticket's user, their note is theirs."""
    data = payload(step.result)
    visibility = data.get("visibility")
    hidden = visibility == "hidden" if visibility else bool(step.args.get("hidden_from_user"))
    ticket = first(data, "ticket_id") or step.args.get("ticket_id")
    note = text_of(step.args.get("note"))
    if not staff:
        return f'Added your note to ticket #{ticket} (you and the IT team can see it): "{note}"'
    seen = "a hidden note (agents only, not visible to the user)" if hidden else "a note visible to the user"
    return f'Added {seen} to ticket #{ticket}: "{note}"'


def _answer_resolved(step: Step, staff: bool) -> str:
    """ 'Ticket #790 is now Closed (was In Progress). The note "…" is visible to the user.' """
    data = payload(step.result)
    ticket = first(data, "ticket_id", "id") or step.args.get("ticket_id")
    changed = [text_of(change, 200) for change in data.get("changed") or []]
    status = next((m for c in changed if (m := _STATUS_CHANGE.match(c))), None)
    if status is None:
        detail = f": {'; '.join(changed)}" if changed else ""
        return f"Closed ticket #{ticket}{detail}."
    was = f" (was {status.group(1)})" if status.group(1) != "(none)" else ""
    note = text_of(step.args.get("note"))
    seen = "is visible to the user" if staff else "is on the ticket for you and the IT team"
    told = f' {"The" if staff else "Your"} note "{note}" {seen}.' if note else ""
    return f"Ticket #{ticket} is now {status.group(2)}{was}.{told}"


_STATUS_CHANGE = re.compile(r"^status (.+?) -> (.+)$")


def answer_confirmed(steps: list[Step], *, staff: bool) -> str:
    """The answer after the person said yes: what the released calls did, or why they could not."""
    text = compose(steps, staff=staff)
    return f"Done. {text}" if all(step.ok for step in steps) else text


def _answer_generic(step: Step) -> str:
    return f"Done: {step.name} answered {text_of(payload(step.result), 400)}"


_OK_ANSWERS: dict[str, Callable[[Step], str]] = {
    "haloitsm_create_ticket": _answer_created,
    "haloitsm_get_ticket": _answer_ticket,
    "haloitsm_list_tickets": answer_list,
    "haloitsm_update_ticket": _answer_updated,
    "haloitsm_search_kb": answer_kb,
    "haloitsm_lookup": answer_lookup,
    "haloitsm_ticket_options": answer_options,
}
_READER_ANSWERS: dict[str, Callable[[Step, bool], str]] = {
    "haloitsm_add_note": _answer_note,
    "haloitsm_resolve_ticket": _answer_resolved,
}
