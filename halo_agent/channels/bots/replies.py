"""A turn's events folded into what a chat platform shows: the answer, Halo's ticket rows, the pauses
waiting for a press, and errors. Ticket numbers in text become links to the Halo ticket; a Markdown
table in the answer becomes one line per row (Slack and Teams text shows no tables)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from halo_agent.agent.events import AgentEvent, ErrorEvent, FinalAnswer, Paused, TextDelta, ToolResultEvent
from halo_agent.channels.markdown_tables import tables_as_lines
from halo_agent.channels.render import ticket_rows
from halo_agent.storage.interface import PendingCalls

_TICKET_MENTION = re.compile(r"(?i)(?:\bticket\s+#?|(?<![\w&])#)(\d{1,9})\b")
_UPDATE_PREFIX = "Update: "  # the service's note on an approval decided since the last turn


@dataclass(frozen=True)
class Pause:
    """A paused call as a button shows it: the exact preview, bound to the pending id and args hash."""

    pending_id: str
    kind: str  # "confirmation" | "approval"
    tool: str
    preview: str
    args_hash: str
    approver_roles: tuple[str, ...] = ()

    def token(self) -> str:
        return ButtonToken(self.pending_id, self.args_hash).encode()


@dataclass(frozen=True)
class ButtonToken:
    """What a Confirm/Approve button carries back: which pending call, and the hash of the exact
    arguments the person saw. A press whose hash no longer matches the stored call is refused."""

    pending_id: str
    args_hash: str

    def encode(self) -> str:
        return json.dumps({"pending_id": self.pending_id, "args_hash": self.args_hash}, separators=(",", ":"))

    @classmethod
    def decode(cls, value: Any) -> ButtonToken | None:
        data = value if isinstance(value, dict) else _json_object(value)
        pending_id, args_hash = data.get("pending_id"), data.get("args_hash")
        if isinstance(pending_id, str) and isinstance(args_hash, str) and pending_id and args_hash:
            return cls(pending_id, args_hash)
        return None


@dataclass
class Reply:
    text: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    confirmations: list[Pause] = field(default_factory=list)
    approvals: list[Pause] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for notifications and clients that cannot show cards or blocks."""
        if self.text:
            return self.text
        if self.errors:
            return self.errors[0]
        return "Please confirm." if self.confirmations else "Done."

    def table_rows(self) -> list[dict[str, Any]]:
        """Ticket rows worth a table: none when the answer already names every ticket."""
        if self.rows and all(re.search(rf"\b{row.get('id')}\b", self.text) for row in self.rows):
            return []
        return self.rows


def reply_from(events: Iterable[AgentEvent], pending: PendingCalls) -> Reply:
    reply = Reply()
    updates: list[str] = []
    for event in events:
        if isinstance(event, TextDelta) and event.text.startswith(_UPDATE_PREFIX):
            updates.append(event.text.strip())
        elif isinstance(event, FinalAnswer):
            reply.text = event.text.strip()
        elif isinstance(event, ToolResultEvent) and event.status == "ok":
            reply.rows += ticket_rows(event.data)
        elif isinstance(event, Paused):
            _add_pause(reply, event, pending)
        elif isinstance(event, ErrorEvent):
            reply.errors.append(event.message)
    if reply.confirmations or reply.approvals:
        reply.rows = []  # lists read on the way to a pause were lookups, not the answer
    reply.text = tables_as_lines("\n\n".join([*updates, reply.text]).strip())  # no tables in chat text
    return reply


def _add_pause(reply: Reply, event: Paused, pending: PendingCalls) -> None:
    record = pending.get(event.pending_id)
    if record is None:
        return
    pause = Pause(event.pending_id, event.kind, event.tool, record.preview, record.args_hash,
                  tuple(event.approver_roles))  # fmt: skip
    (reply.confirmations if event.kind == "confirmation" else reply.approvals).append(pause)


def link_tickets(text: str, link: Callable[[str, int], str]) -> str:
    """Each "ticket 789" / "#789" in text through `link(label, ticket_id)`."""
    return _TICKET_MENTION.sub(lambda m: link(m.group(0), int(m.group(1))), text)


def ticket_url(base: str | None, ticket_id: int) -> str | None:
    """The Halo web page of a ticket, when the deployment's Halo address is known."""
    return f"{base.rstrip('/')}/ticket?id={ticket_id}" if base else None


def _json_object(value: Any) -> dict[str, Any]:
    try:
        data = json.loads(value) if isinstance(value, str) else None
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
