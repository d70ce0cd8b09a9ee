"""Turn events into terminal output: compact, coloured on a terminal, plain text when piped.

Colours carry meaning: green = allowed / done, red = refused / failed, yellow = paused (waiting for a
person). rich drops every control code by itself when the output is not a terminal.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.status import Status

from halo_agent.agent.events import (
    ErrorEvent,
    FinalAnswer,
    Paused,
    PolicyDecisionEvent,
    TextDelta,
    ToolCallProposed,
    ToolResultEvent,
    TurnUsage,
)
from halo_agent.channels.closed_pipe import CliConsole
from halo_agent.channels.fitted_table import FittedTable, fitted_table, markdown_table
from halo_agent.channels.markdown_tables import Block, MarkdownTable, StreamSplitter, split_blocks
from halo_agent.storage.approvals import PendingRecord

PauseHint = Callable[[Paused], str]
_DECISION_STYLE = {
    "allow": ("green", "allowed"),
    "deny": ("red", "refused"),
    "confirm": ("yellow", "needs your confirmation"),
    "approval": ("yellow", "needs approval"),
    "invalid": ("magenta", "invalid arguments, sent back to the model"),
}
_RESULT_STYLE = {"ok": ("green", "✓"), "error": ("magenta", "✗"), "refused": ("red", "✗")}
_TICKET_COLUMNS = ("id", "summary", "status", "priority", "type", "agent", "team", "user")
_ARG_WIDTH = 60


def make_console() -> Console:
    """The CLI's console: colours and word wrapping on a terminal; plain, unwrapped lines when piped."""
    console = CliConsole(highlight=False)  # a closed pipe quietens it (closed_pipe.py)
    if not console.is_terminal:
        console.soft_wrap = True  # a pipe has no width: lines stay whole
        console.width = int(os.environ.get("COLUMNS") or 120)  # tables: room for a log or a pager
    return console


def default_pause_hint(paused: Paused) -> str:
    if paused.kind == "confirmation":
        return "Answer yes to go ahead or no to cancel."
    who = " or another ".join(paused.approver_roles) or "approver"
    return f"Waiting for another {who} to approve: halo-agent approvals approve {paused.pending_id}"


def format_call(tool: str, arguments: dict[str, Any] | str) -> str:
    """`tool(k=v, …)` with long values cut, as a person reads a proposed call."""
    if isinstance(arguments, str):
        return f"{tool}({_cut(arguments)})  [unreadable arguments]"
    parts = [f"{key}={_cut(json.dumps(value, ensure_ascii=False))}" for key, value in arguments.items()]
    return f"{tool}({', '.join(parts)})"


def format_usage(usage: TurnUsage) -> str:
    tokens = usage.usage.prompt_tokens + usage.usage.completion_tokens
    parts = [
        _plural(usage.model_round_trips, "model round trip"),
        _plural(usage.tool_calls, "tool call"),
        _plural(usage.halo_calls, "Halo call"),
    ]
    if tokens:
        parts.append(f"{tokens} tokens")
    parts.append(f"{usage.seconds:.2f} s")
    return " · ".join(parts)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _cut(text: str, width: int = _ARG_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def ticket_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Ticket rows of a list result, wherever the tool put them (plain or framed as untrusted data)."""
    for holder in (data, data.get("result"), data.get("untrusted_data")):
        if isinstance(holder, dict) and isinstance(holder.get("tickets"), list):
            return [row for row in holder["tickets"] if isinstance(row, dict)]
    return []


class Renderer:
    """Prints one turn's events. `steps` shows proposed calls, decisions, results and ticket tables;
    `usage` the per-turn counts. A spinner runs while the model or Halo works, on a terminal only.

    A ticket table (built from Halo's data, not from the model's words) follows the final answer, unless
    the answer already lists every one of its tickets. A Markdown table in the answer is drawn as a table
    that fits the console (tab-separated lines when piped), never printed as its raw text.
    """

    def __init__(
        self, console: Console, *, steps: bool = True, usage: bool = True, pause_hint: PauseHint | None = None
    ) -> None:
        self.console = console
        self.steps = steps
        self.usage = usage
        self.pause_hint = pause_hint or default_pause_hint
        self._streamed = ""
        self._split = StreamSplitter()
        self._line_open = False  # the last prose printed did not end its line
        self._rows: list[dict[str, Any]] = []
        self._calls: set[str] = set()  # calls proposed in this turn; others are resumed pauses
        self._refused: set[str] = set()  # calls whose refusal was already shown with its reason
        self._status: Status | None = None

    def _out(self, *objects: Any, **options: Any) -> None:
        self.console.print(*objects, highlight=False, **options)

    # -- the spinner -------------------------------------------------------------------------------
    def working(self, label: str = "thinking…") -> None:
        if not self.console.is_terminal:
            return
        if self._status is None:
            self._status = self.console.status(label, spinner="dots")
            self._status.start()
        else:
            self._status.update(label)

    def idle(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    # -- events ------------------------------------------------------------------------------------
    def begin_turn(self) -> None:
        self._streamed = ""
        self._split, self._line_open = StreamSplitter(), False
        self._rows = []
        self._calls = set()
        self._refused = set()
        self.working()

    def event(self, event: Any) -> None:
        self.idle()
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event)

    def end_turn(self) -> None:
        self.idle()
        self._rows = []
        self._close_stream()
        self._streamed = ""

    def _tables(self, answer: str) -> None:
        rows, self._rows = self._rows, []
        if rows and not answer_lists_rows(answer, rows):
            self._out(tickets_table(rows, self.console.width))

    def _text(self, event: TextDelta) -> None:
        self._print_blocks(self._split.feed(event.text))
        self._streamed += event.text

    def _print_blocks(self, blocks: list[Block], *, streamed: bool = True) -> None:
        """Prose as it is (a streamed piece is not word-wrapped: its line may not be whole), tables fitted."""
        for block in blocks:
            if isinstance(block, MarkdownTable):
                self._out(markdown_table(block))
                self._line_open = False
            elif block:
                self._out(block, end="", markup=False, soft_wrap=streamed or None)
                self._line_open = not block.endswith("\n")

    def _close_stream(self) -> None:
        self._print_blocks(self._split.close())
        if self._line_open:
            self._out()
            self._line_open = False

    def _call(self, event: ToolCallProposed) -> None:
        self._close_stream()
        self._streamed = ""
        self._calls.add(event.call_id)
        if self.steps:
            self._out(f"  [cyan]→[/] {escape(format_call(event.tool, event.arguments))}")
        self.working("checking policy…")

    def _decision(self, event: PolicyDecisionEvent) -> None:
        if self.steps and event.call_id not in self._calls and event.decision in ("confirm", "approval"):
            # a paused call resumed by a person's go-ahead: the policy was asked again and still agrees
            self._out(f"  [green]go-ahead given[/] for {escape(event.tool)}, re-checked against policy")
        elif self.steps:
            style, label = _DECISION_STYLE[event.decision]
            if event.decision == "deny":
                self._refused.add(event.call_id)
            rule = f" [dim]({escape(event.rule_id)})[/]" if event.rule_id else ""
            reason = f": {escape(event.reason)}" if event.reason and event.decision != "allow" else ""
            self._out(f"    [{style}]{label}[/]{reason}{rule}")
        if event.decision == "allow":
            self.working("working in Halo…")

    def _result(self, event: ToolResultEvent) -> None:
        if event.status == "paused" or event.call_id in self._refused:
            return  # the Paused event, or the refusal with its reason, already says it all
        if self.steps:
            style, mark = _RESULT_STYLE[event.status]
            self._out(f"    [{style}]{mark} {escape(event.summary)}[/]")
            self._rows += ticket_rows(event.data)
        self.working()

    def _paused(self, event: Paused) -> None:
        self._rows = []  # lists read on the way to a pause were lookups, not the answer
        what = "Confirmation needed" if event.kind == "confirmation" else "Approval needed"
        self._out(f"[bold yellow]⏸ {what}[/] [dim](pending {escape(event.pending_id)})[/]")
        for line in event.preview.splitlines() or [""]:
            self._out(f"  [yellow]│[/] {escape(line)}")
        self._out(f"  [yellow]{escape(self.pause_hint(event))}[/]")

    def _final(self, event: FinalAnswer) -> None:
        text = event.text.strip()
        self._close_stream()
        if text and text != self._streamed.strip():
            self._print_blocks(split_blocks(text), streamed=False)
            self._close_stream()
        self._tables(text or self._streamed)
        self._streamed = ""
        if self.usage:
            self._out(f"[dim]  {format_usage(event.usage)}[/]")

    def _error(self, event: ErrorEvent) -> None:
        self._rows = []
        self._close_stream()
        self._out(f"[bold red]error[/] [dim]({escape(event.kind)})[/]: {escape(event.message)}")


_HANDLERS: dict[type, Callable[[Renderer, Any], None]] = {
    TextDelta: Renderer._text,
    ToolCallProposed: Renderer._call,
    PolicyDecisionEvent: Renderer._decision,
    ToolResultEvent: Renderer._result,
    Paused: Renderer._paused,
    FinalAnswer: Renderer._final,
    ErrorEvent: Renderer._error,
}


def ticket_columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The columns worth showing: a column every row leaves empty is dropped, and so is `user` when it
    is one person (every channel's ticket table uses these)."""
    present = [c for c in _TICKET_COLUMNS if any(row.get(c) not in (None, "") for row in rows)]
    if len(rows) > 1 and "user" in present and len({str(row.get("user")) for row in rows}) == 1:
        present.remove("user")
    return present


def answer_lists_rows(answer: str, rows: Sequence[dict[str, Any]]) -> bool:
    """Whether the answer already names every ticket of the rows (then no table is added)."""
    return all(re.search(rf"\b{row.get('id')}\b", answer) for row in rows)


def tickets_table(rows: Sequence[dict[str, Any]], width: int | None = None) -> FittedTable:
    """Ticket rows in the columns `ticket_columns` chooses."""
    present = ticket_columns(rows)
    cells = [[escape(str(row.get(c) if row.get(c) is not None else "")) for c in present] for row in rows]
    optional = [c for c in ("type", "team", "agent", "priority") if c in present]
    return fitted_table(present, cells, wide="summary", width=width, optional=optional)


def pending_table(records: Iterable[PendingRecord], width: int | None = None) -> FittedTable:
    cells = [
        [
            escape(record.id),
            record.kind,
            escape(record.action),
            escape(record.requester.describe()),
            escape(" ".join(record.preview.split())),
            f"{record.expires_at.astimezone():%Y-%m-%d %H:%M}",
        ]
        for record in records
    ]
    columns = ("id", "kind", "action", "requester", "preview", "expires")
    return fitted_table(columns, cells, wide="preview", width=width, optional=("kind", "expires"))


def audit_table(records: Iterable[dict[str, Any]], width: int | None = None) -> FittedTable:
    """Audit records (see halo_agent/tools/trace.py) as rows a person scans: who did what, and why."""
    cells = []
    for record in records:
        decision = str(record.get("decision") or "")
        style = _AUDIT_STYLE.get(decision, "yellow")
        cells.append([
            str(record.get("seq", "")),
            str(record.get("time", ""))[11:19],
            escape(_principal_text(record.get("principal"))),
            escape(_event_text(record)),
            f"[{style}]{escape(decision)}[/]",
            escape(str(record.get("rule_id") or "")),
            escape(_outcome_text(record.get("outcome"))),
        ])
    columns = ("#", "time", "who", "action", "decision", "rule", "outcome")
    return fitted_table(columns, cells, wide="outcome", width=width, optional=("time", "rule"))


_AUDIT_EVENTS = {"pending_decision": "decided", "pending_run": "resumed"}
_AUDIT_STYLE = {"allow": "green", "deny": "red", "invalid": "magenta", "none": "dim"}


def _event_text(record: dict[str, Any]) -> str:
    tool = str(record.get("tool") or "").removeprefix("haloitsm_")
    event = record.get("event")
    label = _AUDIT_EVENTS.get(str(event), str(event).replace("_", " "))
    return tool if event in (None, "tool_call") else f"{tool} ({label})"


def _principal_text(principal: Any) -> str:
    """Name first, the Halo id after: "Ben Carter (agent 6)"; the email's name part without a name."""
    if not isinstance(principal, dict):
        return str(principal or "")
    ids = [f"{kind} {principal[key]}" for kind, key in (("agent", "agent_id"), ("user", "user_id"))
           if principal.get(key) is not None]
    name = principal.get("name") or str(principal.get("email") or "").split("@")[0]
    if name:
        return f"{name} ({ids[0]})" if ids else str(name)
    return ids[0] if ids else str(principal.get("role") or "unknown")


def _outcome_text(outcome: Any) -> str:
    if not isinstance(outcome, dict):
        return str(outcome or "")
    status = str(outcome.get("status") or "")
    if outcome.get("error"):
        return f"error: {outcome['error']}"
    if status == "paused":
        return f"paused, pending {outcome.get('pending_id', '?')}"
    summary = str(outcome.get("summary") or "").removeprefix(f"{status}: ")
    return f"{status}: {summary}" if summary else status
