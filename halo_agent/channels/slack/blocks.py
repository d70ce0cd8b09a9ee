"""Block Kit for what the person sees: answers, ticket rows, Confirm/Cancel and Approve/Deny buttons.

Text is Slack mrkdwn (&, < and > escaped; ticket numbers linked to Halo). Limits kept: 3,000 characters
a section, 50 blocks a message, 2,000 characters a button value.
"""

from __future__ import annotations

from typing import Any

from halo_agent.channels.bots.replies import Pause, Reply, link_tickets, ticket_url
from halo_agent.principal import Principal

Block = dict[str, Any]
CONFIRM, CANCEL, APPROVE, DENY = "halo_confirm", "halo_cancel", "halo_approve", "halo_deny"
_SECTION_LIMIT = 2900
_MAX_ROWS = 20


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str, link_base: str | None) -> str:
    """Escaped text with each ticket number linked to its Halo page (when Halo's address is known)."""

    def link(label: str, ticket_id: int) -> str:
        url = ticket_url(link_base, ticket_id)
        return f"<{url}|{label}>" if url else label

    return link_tickets(escape(text), link)


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:_SECTION_LIMIT]}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:_SECTION_LIMIT]}]}


def answer_blocks(reply: Reply, link_base: str | None) -> list[Block]:
    blocks: list[Block] = []
    if reply.text:
        blocks += [section(chunk) for chunk in _chunks(mrkdwn(reply.text, link_base))]
    blocks += ticket_blocks(reply.table_rows(), link_base)
    for pause in reply.confirmations:
        blocks += confirmation_blocks(pause)
    for pause in reply.approvals:
        roles = " or ".join(pause.approver_roles) or "an approver"
        blocks.append(context(f":hourglass: Sent to {escape(roles)} for approval: {escape(pause.preview)}"))
    blocks += [section(f":warning: {escape(error)}") for error in reply.errors]
    return blocks[:50] or [section("(no answer)")]


def ticket_blocks(rows: list[dict[str, Any]], link_base: str | None) -> list[Block]:
    """One compact section per ticket (readable on a phone), Halo's own values, never the model's."""
    blocks = []
    for row in rows[:_MAX_ROWS]:
        ticket_id = row.get("id")
        url = ticket_url(link_base, int(ticket_id)) if isinstance(ticket_id, int) else None
        title = f"<{url}|#{ticket_id}>" if url else f"#{ticket_id}"
        facts = [str(row[k]) for k in ("status", "priority", "type", "agent", "team", "user") if row.get(k)]
        blocks.append(section(f"*{title}* {escape(str(row.get('summary') or ''))}\n"
                              f"{escape(' · '.join(facts))}"))  # fmt: skip
    if len(rows) > _MAX_ROWS:
        blocks.append(context(f"…and {len(rows) - _MAX_ROWS} more"))
    return blocks


def confirmation_blocks(pause: Pause) -> list[Block]:
    """The exact preview the policy made, and buttons bound to this pending call and its arguments."""
    return [
        section(f"*Please confirm this change*\n```{escape(pause.preview)}```"),
        {
            "type": "actions",
            "block_id": f"confirm:{pause.pending_id}",
            "elements": [
                _button("Confirm", CONFIRM, pause.token(), "primary"),
                _button("Cancel", CANCEL, pause.token(), "danger"),
            ],
        },
    ]


def approval_request_blocks(pause: Pause, requester: Principal) -> list[Block]:
    roles = " or ".join(pause.approver_roles) or "an approver"
    return [
        section(f"*Approval needed* from {escape(roles)}\n```{escape(pause.preview)}```"),
        context(f"Requested by {escape(requester.describe())} · request {escape(pause.pending_id)}"),
        {
            "type": "actions",
            "block_id": f"approval:{pause.pending_id}",
            "elements": [
                _button("Approve", APPROVE, pause.token(), "primary"),
                _button("Deny", DENY, pause.token(), "danger"),
            ],
        },
    ]


def decided_blocks(preview: str, outcome: str) -> list[Block]:
    """A confirmation or approval message once answered: the preview stays, the buttons go."""
    return [section(f"```{escape(preview)}```"), context(escape(outcome))]


def _button(label: str, action_id: str, value: str, style: str) -> Block:
    return {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id,
            "value": value, "style": style}  # fmt: skip


def _chunks(text: str) -> list[str]:
    return [text[i : i + _SECTION_LIMIT] for i in range(0, len(text), _SECTION_LIMIT)]
