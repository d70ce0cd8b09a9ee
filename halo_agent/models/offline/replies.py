"""What the offline model says when no call is made: the question for a missing detail, what the
person's access does not allow, small talk and what it can do. Answers from results are in `answers`."""

from __future__ import annotations

from halo_agent.models.offline.parse import Intent
from halo_agent.models.offline.tool_names import LOOKUP, RESOLVE, UPDATE
from halo_agent.models.offline.vocab import Vocabulary


def ask_for(intent: Intent, vocab: Vocabulary) -> str:
    ticket = intent.slots.get("ticket_id")
    questions = {
        "details": "I'll open it for you. What's the problem, in a sentence or two (for example \"my laptop "
                   "won't charge\")?",
        "ticket_id": "Which ticket number do you mean (for example 789)?",
        "note": f"What should the note on ticket #{ticket} say?" if ticket is not None
                else "What should the note say?",
        "site": "Which site is the new ticket for, or who is it for (a name or an email)?",
        "priority": (f"Which priority should ticket #{ticket} get: {_or_list(vocab.priorities)}?" if ticket
                     else f"What priority should the new ticket have: {_or_list(vocab.priorities)}?"),
        "change": f"What should I change on ticket #{ticket}: the priority ({_or_list(vocab.priorities)}), "
                  f"the team ({_or_list(vocab.teams)}) or the agent?",
        "question": "What would you like to know how to do?",
    }
    return questions.get(intent.missing or "", "Could you say a little more about what you need?")


def _or_list(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


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


CANT_LOOK_UP_AGENTS = ("I can't look up agents by name here. "
                       "Tell me the agent's number (\"assign it to agent 6\").")


def small_talk(kind: str, tools: frozenset[str]) -> str:
    if kind == "greeting":
        return "Hello! What can I do for you? " + capabilities(tools)
    if kind == "thanks":
        return "You're welcome. Anything else I can help with?"
    if kind == "help":
        return capabilities(tools)
    return ("I'm the offline model, so I only understand a fixed set of service-desk requests. "
            + capabilities(tools)
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
