"""`halo-agent chat | ask | demo`: the agent in a terminal.

`ask --json` prints JSON lines, one object per line: first `{"type": "session", "session_id", "principal",
"backend", "model"}`, then each of the turn's events as defined in `halo_agent/agent/events.py`
(`tool_call`, `decision`, `tool_result`, `paused`, `text_delta`, `final` with `usage`, `error`).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import AsyncIterator

from rich.console import Console
from rich.markup import escape

from halo_agent.agent.events import AgentEvent, ErrorEvent, Paused
from halo_agent.channels.render import Renderer, make_console
from halo_agent.channels.repl import Repl, history_path, new_session_id, prompt_lines, stdin_lines
from halo_agent.cli_common import (
    add_backend_args,
    add_identity_args,
    backend_label,
    banner,
    banner_line,
    model_label,
    opened,
    run,
    settings_from_args,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chat = subparsers.add_parser("chat", help="talk to the agent (a REPL; reads lines when piped)")
    chat.add_argument("--session", metavar="NAME", help="continue a named conversation")
    chat.add_argument("-v", "--verbose", action="store_true", help="show every step when piped too")
    _common(chat)
    chat.set_defaults(func=lambda args: run(_chat(args)))

    ask = subparsers.add_parser("ask", help="one request, one answer (a paused action exits 0)")
    ask.add_argument("message", help='the request, or "yes"/"no" to answer a confirmation')
    ask.add_argument("--session", metavar="NAME", help="the conversation (needed to confirm later)")
    ask.add_argument("--json", action="store_true", help="print the events as JSON lines")
    ask.add_argument("-v", "--verbose", action="store_true", help="show every step when piped too")
    _common(ask)
    ask.set_defaults(func=lambda args: run(_ask(args)))

    demo = subparsers.add_parser("demo", help="play the example requests against a fresh sandbox")
    demo.add_argument(
        "--model", metavar="offline|NAME", default="offline", help="chat model (default: offline)"
    )
    demo.set_defaults(func=_demo)


def _common(parser: argparse.ArgumentParser) -> None:
    add_identity_args(parser)
    add_backend_args(parser)


async def _chat(args: argparse.Namespace) -> int:
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    console = make_console()
    settings = settings_from_args(args)
    async with opened(args, settings) as (service, principal):
        session_id = args.session or new_session_id()
        steps = interactive or args.verbose
        repl = Repl(service, principal, settings, console, session_id=session_id, steps=steps)
        if not interactive:
            print(banner_line(settings), file=sys.stderr)
            return await repl.run(stdin_lines())
        _print_banner(console, banner(settings, principal))
        repl.cancel_on_interrupt = True
        return await repl.run(prompt_lines(history_path(settings), f"{principal.role}>"))


def _print_banner(console: Console, rows: list[tuple[str, str]]) -> None:
    (name, version), *rest = rows
    console.print(f"[bold]{name}[/] {version}")
    for label, value in rest:
        console.print(f"  [dim]{label:<6}[/] {escape(value)}")
    console.print("[dim]Type /help for commands, /quit or Ctrl-D to leave.[/]")


async def _ask(args: argparse.Namespace) -> int:
    """One turn. Exit 1 when the turn ended in an error; a pause is a normal end (exit 0)."""
    settings = settings_from_args(args)
    async with opened(args, settings) as (service, principal):
        session_id = args.session or new_session_id("ask")
        events = service.handle(args.message, principal, session_id)
        if not args.json:
            print(banner_line(settings), file=sys.stderr)
            return await _print_rendered(events, _ask_renderer(args, session_id))
        head = {"type": "session", "session_id": session_id, "principal": principal.model_dump(),
                "backend": backend_label(settings), "model": model_label(settings)}
        print(json.dumps(head), flush=True)
        return await _print_json(events)


async def _print_json(events: AsyncIterator[AgentEvent]) -> int:
    failed = False
    async for event in events:
        failed = failed or isinstance(event, ErrorEvent)
        print(event.model_dump_json(), flush=True)
    return 1 if failed else 0


async def _print_rendered(events: AsyncIterator[AgentEvent], renderer: Renderer) -> int:
    failed = False
    renderer.begin_turn()
    try:
        async for event in events:
            failed = failed or isinstance(event, ErrorEvent)
            renderer.event(event)
    finally:
        renderer.end_turn()
    return 1 if failed else 0


def _ask_renderer(args: argparse.Namespace, session_id: str) -> Renderer:
    console = make_console()
    steps = console.is_terminal or args.verbose

    def hint(paused: Paused) -> str:
        if paused.kind == "approval":
            who = " or ".join(paused.approver_roles) or "an approver"
            return f"Waiting for {who}: halo-agent approvals approve {paused.pending_id}"
        command = shlex.join(["halo-agent", "ask", *_identity_flags(args), "--session", session_id])
        return f"To go ahead: {command} yes   (or no to cancel)"

    return Renderer(console, steps=steps, usage=steps, pause_hint=hint)


def _identity_flags(args: argparse.Namespace) -> list[str]:
    flags: list[str] = []
    for flag, value in (("--role", args.role), ("--user", args.user), ("--agent-id", args.agent_id),
                        ("--home", args.home), ("--config", args.config), ("--model", args.model),
                        ("--policy", args.policy)):
        if value is not None:
            flags += [flag, str(value)]
    return flags


def _demo(args: argparse.Namespace) -> int:
    from halo_agent.channels.demo import run_demo

    return run(run_demo(args.model, make_console()))
