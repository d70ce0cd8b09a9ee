"""Answers from the reference tools: knowledge-base articles (quoted, as data), directory lookups (people
and places by name first, their ids after) and the ticket options the desk uses."""

from __future__ import annotations

import re
from typing import Any

from halo_agent.models.offline.results import (
    Step,
    count_of,
    first,
    payload,
    rows_of,
    text_of,
    without_instructions,
)


def answer_kb(step: Step) -> str:
    return answer_articles(kb_articles(step), str(step.args.get("query", "")))


def kb_articles(step: Step) -> list[dict[str, Any]]:
    return rows_of(payload(step.result), "articles", "results", "items")


def answer_articles(articles: list[dict[str, Any]], query: str) -> str:
    """The best article's title and steps (quoted, as data), then a few related titles."""
    if not articles:
        about = query.rstrip("?!. ")
        return (f"I found no knowledge-base article about '{about}'. If you need help with it, "
                "ask me to open a ticket and describe the problem, e.g. \"open a ticket: …\".")
    best = articles[0]
    title = text_of(first(best, "title", "name"), 120)
    body = without_instructions(
        text_of(first(best, "answer", "body", "resolution", "content", "summary", "description"), 1200))
    ref = f" (article #{best['id']})" if best.get("id") is not None else ""
    lines = [f'The knowledge base has "{title}"{ref}. It says:']
    lines += [f"> {part.strip()}" for part in _steps(body)]
    others = [f'"{text_of(first(a, "title", "name"), 80)}"' for a in articles[1:4]]
    if others:
        lines.append(f"Related articles: {', '.join(others)}.")
    return "\n".join(lines)


def _steps(body: str) -> list[str]:
    """Split numbered steps ("1. … 2. …") onto their own lines; otherwise one line."""
    parts = [p for p in re.split(r"\s+(?=\d+[.)]\s)", body) if p.strip()]
    return parts or ["(the article has no text)"]


def answer_lookup(step: Step) -> str:
    kind = str(step.args.get("kind", "results"))
    data = payload(step.result)
    rows = rows_of(data, kind, "items", "results")
    if not rows:
        search = step.args.get("search")
        return f"No {kind} found" + (f" matching '{str(search).rstrip('?!. ')}'." if search else ".")
    total = data["total"] if isinstance(data.get("total"), int) else len(rows)
    shown = rows[:25]
    lines = [count_of(total, kind.removesuffix("s"), kind)
             + (f" (the first {len(shown)} shown)" if total > len(shown) else "") + ":"]
    lines += [f"  {directory_row(row, kind)}" for row in shown]
    return "\n".join(lines)


def agents_in_team(step: Step, team: str) -> str:
    """One team's agents, picked out of every agent (the lookup has no team filter), saying so."""
    data = payload(step.result)
    rows = rows_of(data, "agents", "items", "results")
    total = data["total"] if isinstance(data.get("total"), int) else len(rows)
    scope = f"all {len(rows)} agents" if total <= len(rows) else f"the first {len(rows)} of {total} agents"
    members = [text_of(row.get("name"), 60) for row in rows if str(row.get("team", "")).casefold()
               == team.casefold()]
    lead = f"I can't ask Halo for one team's agents, so I picked the {team} team out of {scope}:"
    if not members:
        return f"{lead} none of them is in {team}."
    return f"{lead} {', '.join(members)}."


def directory_row(row: dict[str, Any], kind: str) -> str:
    """ "Sam Turner (agent 6, team 2nd Line Support)": the name first, then its id and every other plain
    field the tool gave."""
    name = text_of(first(row, "name", "username", "tag", "inventory_number"), 60)
    shown = {"id", "name", "username"} | ({"tag"} if name == row.get("tag") else set())
    ref = f"{kind.removesuffix('s')} {row.get('id')}" if row.get("id") is not None else ""
    extras = [f"{key.replace('_', ' ')} {text_of(value, 60)}" for key, value in row.items()
              if key not in shown and _plain(value)]
    facts = [fact for fact in (ref, *extras) if fact]
    return f"{name} ({', '.join(facts)})" if facts else name


def answer_options(step: Step) -> str:
    data = payload(step.result)
    lines = ["This service desk uses:"]
    for key, values in data.items():
        if isinstance(values, list):
            names = [text_of(v if not isinstance(v, dict) else first(v, "name"), 40) for v in values]
            lines.append(f"  {key.replace('_', ' ').capitalize()}: {', '.join(n for n in names if n)}")
    return "\n".join(lines)


def _plain(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool) and value != ""
