"""Turn events as Markdown text, for chat frontends that show one assistant message per turn (the
OpenAI-compatible endpoint): the streamed answer, refusals, pauses with their preview and how to answer,
errors, and a ticket table built from Halo's data.

Halo text (ticket summaries, names) is escaped before it reaches Markdown, so a planted link or image in
a ticket cannot make the frontend fetch anything; previews go in a code fence longer than any backtick
run inside them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from halo_agent.agent.events import (
    AgentEvent,
    ErrorEvent,
    FinalAnswer,
    Paused,
    PolicyDecisionEvent,
    TextDelta,
    ToolResultEvent,
    TurnUsage,
)
from halo_agent.channels.render import answer_lists_rows, ticket_columns, ticket_rows

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()<>!|#~])")


def escape_markdown(text: str) -> str:
    """Plain text that Markdown shows as written (no links, images, HTML or table breaks)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def fenced(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def markdown_table(rows: Sequence[dict[str, Any]]) -> str:
    columns = ticket_columns(rows)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [escape_markdown(str(row.get(c) if row.get(c) is not None else "")) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def pause_text(event: Paused) -> str:
    if event.kind == "confirmation":
        head = "**Confirmation needed**"
        how = "Reply **yes** to go ahead or **no** to cancel."
    else:
        head = "**Approval needed**"
        who = " or ".join(event.approver_roles) or "an approver"
        how = f"Sent to {who} for approval; the outcome is shown here with your next message."
    return f"{head} (pending `{event.pending_id}`)\n\n{fenced(event.preview)}\n\n{how}"


class ChatText:
    """Feed events in order; each call answers the text to append to the assistant's message."""

    def __init__(self) -> None:
        self.streamed = ""
        self.rows: list[dict[str, Any]] = []
        self.usage: TurnUsage | None = None

    def feed(self, event: AgentEvent) -> str:
        handler = _HANDLERS.get(type(event))
        return handler(self, event) if handler else ""

    def _block(self, text: str) -> str:
        """A paragraph of its own after whatever was written before."""
        if not self.streamed:
            self.streamed = text
            return text
        gap = "" if self.streamed.endswith("\n\n") else ("\n" if self.streamed.endswith("\n") else "\n\n")
        self.streamed += gap + text
        return gap + text

    def _text(self, event: TextDelta) -> str:
        self.streamed += event.text
        return event.text

    def _decision(self, event: PolicyDecisionEvent) -> str:
        if event.decision != "deny":
            return ""
        rule = f" ({escape_markdown(event.rule_id)})" if event.rule_id else ""
        return self._block(f"_Refused by policy{rule}: {escape_markdown(event.reason)}_")

    def _result(self, event: ToolResultEvent) -> str:
        self.rows += ticket_rows(event.data)
        return ""

    def _paused(self, event: Paused) -> str:
        self.rows = []  # lists read on the way to a pause were lookups, not the answer
        self.usage = event.usage or self.usage
        return self._block(pause_text(event))

    def _final(self, event: FinalAnswer) -> str:
        self.usage = event.usage
        text = event.text.strip()
        out = self._block(text) if text and text not in self.streamed else ""
        rows, self.rows = self.rows, []
        if rows and not answer_lists_rows(self.streamed, rows):
            out += self._block(markdown_table(rows))
        return out

    def _error(self, event: ErrorEvent) -> str:
        self.rows = []
        return self._block(f"**Error** ({escape_markdown(event.kind)}): {escape_markdown(event.message)}")


_HANDLERS: dict[type, Callable[[ChatText, Any], str]] = {
    TextDelta: ChatText._text,
    PolicyDecisionEvent: ChatText._decision,
    ToolResultEvent: ChatText._result,
    Paused: ChatText._paused,
    FinalAnswer: ChatText._final,
    ErrorEvent: ChatText._error,
}
