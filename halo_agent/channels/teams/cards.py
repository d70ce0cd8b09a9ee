"""Adaptive Cards for what the person sees in Teams: answers, ticket tables, Confirm/Cancel and
Approve/Deny as Action.Execute (Universal Actions), and the card a press leaves behind.

Text from Halo or the policy's preview goes in TextRuns, which Teams never reads as markdown, so a
ticket summary cannot smuggle in a link; the answer's own text is markdown with ticket numbers linked.
"""

from __future__ import annotations

from typing import Any

from halo_agent.channels.bots.replies import Pause, Reply, link_tickets, ticket_url
from halo_agent.principal import Principal

Card = dict[str, Any]
Element = dict[str, Any]
CONFIRM, CANCEL, APPROVE, DENY = "halo_confirm", "halo_cancel", "halo_approve", "halo_deny"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
_COLUMNS = (("#", 1), ("Summary", 4), ("Status", 2), ("Priority", 2), ("Agent / team", 3))
_MAX_ROWS = 20


def card(body: list[Element], actions: list[Element] | None = None) -> Card:
    shown: Card = {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                   "version": "1.5", "body": body}  # fmt: skip
    if actions:
        shown["actions"] = actions
    return shown


def markdown(text: str, link_base: str | None) -> Element:
    def link(label: str, ticket_id: int) -> str:
        url = ticket_url(link_base, ticket_id)
        return f"[{label}]({url})" if url else label

    return {"type": "TextBlock", "text": link_tickets(text, link), "wrap": True}


def plain(text: str, **style: Any) -> Element:
    """Text shown exactly as given (never markdown)."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": text, **style}]}


def answer_body(reply: Reply, link_base: str | None) -> list[Element]:
    body: list[Element] = [markdown(reply.text, link_base)] if reply.text else []
    if rows := reply.table_rows():
        body.append(ticket_table(rows, link_base))
    for pause in reply.confirmations:
        body += confirmation_body(pause)
    for pause in reply.approvals:
        roles = " or ".join(pause.approver_roles) or "an approver"
        body.append(plain(f"⏳ Sent to {roles} for approval: {pause.preview}", isSubtle=True))
    body += [plain(f"⚠ {error}", color="Attention") for error in reply.errors]
    return body or [plain("(no answer)")]


def answer_card(reply: Reply, link_base: str | None) -> Card:
    """The answer; a pending confirmation adds its Confirm/Cancel (one at a time: the first)."""
    actions = confirmation_actions(reply.confirmations[0]) if reply.confirmations else None
    return card(answer_body(reply, link_base), actions)


def ticket_table(rows: list[dict[str, Any]], link_base: str | None) -> Element:
    header = {"type": "TableRow", "style": "accent", "cells": [_cell(plain(name, weight="Bolder"))
                                                               for name, _ in _COLUMNS]}  # fmt: skip
    lines = [header, *(_ticket_row(row, link_base) for row in rows[:_MAX_ROWS])]
    return {"type": "Table", "firstRowAsHeaders": True, "gridStyle": "default",
            "columns": [{"width": width} for _, width in _COLUMNS], "rows": lines}  # fmt: skip


def _ticket_row(row: dict[str, Any], link_base: str | None) -> Element:
    ticket_id = row.get("id")
    url = ticket_url(link_base, ticket_id) if isinstance(ticket_id, int) else None
    first = markdown(f"[{ticket_id}]({url})", None) if url else plain(str(ticket_id))
    who = " / ".join(str(row[k]) for k in ("agent", "team") if row.get(k))
    values = [str(row.get(k) or "") for k in ("summary", "status", "priority")] + [who]
    return {"type": "TableRow", "cells": [_cell(first), *(_cell(plain(v)) for v in values)]}


def _cell(item: Element) -> Element:
    return {"type": "TableCell", "items": [item]}


def confirmation_body(pause: Pause) -> list[Element]:
    return [plain("Please confirm this change", weight="Bolder"), plain(pause.preview, fontType="Monospace")]


def confirmation_actions(pause: Pause) -> list[Element]:
    return [_execute("Confirm", CONFIRM, pause, "positive"), _execute("Cancel", CANCEL, pause, "destructive")]


def approval_request_card(pause: Pause, requester: Principal) -> Card:
    roles = " or ".join(pause.approver_roles) or "an approver"
    body = [
        plain(f"Approval needed from {roles}", weight="Bolder"),
        plain(pause.preview, fontType="Monospace"),
        plain(f"Requested by {requester.describe()} · request {pause.pending_id}", isSubtle=True),
    ]
    return card(
        body, [_execute("Approve", APPROVE, pause, "positive"), _execute("Deny", DENY, pause, "destructive")]
    )


def decided_card(preview: str, outcome: str, reply: Reply | None, link_base: str | None) -> Card:
    """What replaces a confirmation or approval card once pressed: the preview stays, the buttons go."""
    body = [plain(preview, fontType="Monospace"), plain(outcome, isSubtle=True)]
    if reply is not None:
        body += answer_body(reply, link_base)
    actions = confirmation_actions(reply.confirmations[0]) if reply and reply.confirmations else None
    return card(body, actions)


def _execute(title: str, verb: str, pause: Pause, style: str) -> Element:
    data = {"pending_id": pause.pending_id, "args_hash": pause.args_hash}
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": data, "style": style}
