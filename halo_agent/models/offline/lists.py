"""Ticket lists: a compact answer (total, the first rows in full, the rest of the page by number) and
the person's "next page" / "page 3" follow-ups, which repeat their previous list with another page.
"""

from __future__ import annotations

import re
from typing import Any

from halo_agent.agent.model import Message
from halo_agent.models.offline.results import Step, json_object, payload, rows_of, text_of

LIST_TOOL = "haloitsm_list_tickets"
FULL_ROWS = 10  # rows shown in full in a first answer; the rest of the page is listed by number

_I = re.IGNORECASE
_ASK = (r"(?:(?:and\s+|ok(?:ay)?,?\s+|now\s+)?(?:(?:please|pls|plz|can\s+you|could\s+you)\s+)?"
        r"(?:(?:show|see|give|get|display|list)(?:\s+me)?|(?:go|jump|skip|move|take\s+me)\s+to)\s+)?")
_PLEASE = r"(?:\s+(?:please|pls|plz|thanks|thx))*"
_NEXT = re.compile(rf"^\W*{_ASK}(?:(?:the\s+)?next(?:\s+(?:page|one|\d+|batch))?|more|the\s+rest)"
                   rf"(?:\s+(?:tickets|of\s+them|please|pls|plz))*{_PLEASE}\W*$", _I)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "one": 1, "two": 2,
             "three": 3, "four": 4, "five": 5}
_PAGE_NAMED = (r"\bpage\s+(\d{1,4}|one|two|three|four|five)\b"
               r"|\b(first|second|third|fourth|fifth|\d{1,3}(?:st|nd|rd|th))\s+page\b")
_PAGE = re.compile(rf"^\W*{_ASK}(?:the\s+)?(?:{_PAGE_NAMED}){_PLEASE}\W*$", _I)


def page_number(text: str) -> int | None:
    """ "page 3", "page three", "the second page" -> 3, 3, 2; None when the text names no page."""
    match = re.search(_PAGE_NAMED, text, _I)
    if not match:
        return None
    word = (match.group(1) or match.group(2)).lower()
    number = int(re.sub(r"\D", "", word)) if word[0].isdigit() else _ORDINALS[word]
    return max(1, number)


def page_request(text: str, previous: dict[str, Any]) -> int | None:
    """The page a follow-up asks for, given the previous list call's arguments; None when it isn't one.

    "next page" after a first, compact answer is page 2: page 1's remaining rows were listed by number.
    """
    if _PAGE.match(text):
        return page_number(text)
    if _NEXT.match(text):
        return int(previous.get("page") or 1) + 1
    return None


def previous_list_args(messages: list[Message], before: int) -> dict[str, Any] | None:
    """The arguments of the last ticket list the model asked for before message `before`."""
    for message in reversed(messages[:before]):
        for call in reversed(message.get("tool_calls") or []):
            function = call.get("function", {})
            if function.get("name") == LIST_TOOL:
                return json_object(function.get("arguments"))
    return None


def answer_list(step: Step) -> str:
    data = payload(step.result)
    rows = rows_of(data, "tickets")
    total = data["total"] if isinstance(data.get("total"), int) else len(rows)
    page = int(step.args.get("page") or 1)
    args = {**step.args, **_matched(data)}  # whom Halo matched: "Grace Lin (agent 7)", not "grace lin"
    if not rows:
        none = "You have no" if step.args.get("mine") else "There are no"
        return f"{none} {list_scope(args, rows, 0)}" + (f" on page {page}." if page > 1 else ".")
    scope = list_scope(args, rows, total)
    head = f"You have {total} {scope}" if step.args.get("mine") else f"{total} {scope}"
    more = bool(data["more"]) if "more" in data else total > len(rows)
    if "page" in step.args:  # the person asked for this page: show it all
        lines = [f"{head}; page {page}:", ticket_table(rows)]
        return "\n".join(lines + ([f"More on the next pages: {how_to_page(page)}"] if more else []))
    return _compact(head, rows, total, more)


def _compact(head: str, rows: list[dict[str, Any]], total: int, more: bool) -> str:
    """Up to FULL_ROWS rows in full; the rest of the page by number, and how to see more."""
    full = rows if len(rows) <= FULL_ROWS + 2 else rows[:FULL_ROWS]
    lines = [f"{head}:" if full is rows else f"{head}. The first {len(full)}:", ticket_table(full)]
    rest = rows[len(full):]
    if rest:
        numbers = ", ".join(f"#{row.get('id')}" for row in rest)
        lines.append(f"Also on this page: {numbers} (say \"page 1\" to see them in full).")
    after = total - len(rows)
    if more and after > 0:
        lines.append(f"{after} more after these: {how_to_page(1)}")
    return "\n".join(lines)


def how_to_page(page: int) -> str:
    return (f"say \"next page\" (page {page + 1}), or narrow the list, for example by priority, "
            "team or status.")


def _matched(data: dict[str, Any]) -> dict[str, str]:
    matched = data.get("matched")
    if not isinstance(matched, dict):
        return {}
    return {key: text_of(value, 80) for key, value in matched.items() if key in ("agent", "user", "site")}


def list_scope(args: dict[str, Any], rows: list[dict[str, Any]], count: int) -> str:
    """ "open Incidents assigned to Sam Turner (agent 6)" from the list call's arguments and its rows
    (which name the agent); singular for a count of one."""
    status = str(args.get("status") or "")
    kind = str(args.get("ticket_type") or "ticket")
    words = [status if status in ("open", "closed") else "", kind if count == 1 else f"{kind}s"]
    if status and status not in ("open", "closed"):
        words.append(f"with status {status}")
    filters = {
        "agent": "assigned to {}", "team": "for team {}", "user": "for {}", "site": "at {}",
        "priority": "with priority {}", "search": "matching '{}'",
    }
    values = {**args, "agent": _agent(args.get("agent"), rows)}
    words += [template.format(values[key]) for key, template in filters.items() if args.get(key)]
    return " ".join(word for word in words if word)


def _agent(agent: Any, rows: list[dict[str, Any]]) -> str:
    """ "Sam Turner (agent 6)" when the rows name the agent given by number; else as given."""
    names = {str(row.get("agent") or "") for row in rows}
    if isinstance(agent, int) and len(names) == 1 and "" not in names:
        return f"{names.pop()} (agent {agent})"
    return f"agent {agent}" if isinstance(agent, int) else str(agent or "")


TABLE_COLUMNS = (("id", "#"), ("summary", "Summary"), ("status", "Status"), ("priority", "Priority"),
                 ("team", "Team"), ("agent", "Agent"))
_MARKDOWN = re.compile(r"([\\|\[\]<>`])")


def ticket_table(rows: list[dict[str, Any]]) -> str:
    """The rows as a simple Markdown table (the columns some row fills); each channel draws it its own
    way (the terminal fits it to its width). Halo text is escaped: it cannot end a cell or make a link."""
    columns = [(key, title) for key, title in TABLE_COLUMNS
               if any(row.get(key) not in (None, "") for row in rows)]
    lines = ["| " + " | ".join(title for _, title in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(key)) for key, _ in columns) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return _MARKDOWN.sub(r"\\\1", text_of(value, 120))
