"""The arguments of `halo-agent chat | ask | demo` (what runs them is chat_cli.py, imported on use)."""

from __future__ import annotations

import argparse

from halo_agent.cli_args import Subparsers, add_backend_args, add_command, add_identity_args, lazy

EMMA = "--user emma.hart@example.com"  # the sandbox's demo employee


def register(subparsers: Subparsers) -> None:
    chat = add_command(
        subparsers, "chat", "talk to the agent (a REPL; reads lines when piped)",
        details="Type /help inside for the commands (/audit, /approve, /quit ...).",
        examples=["halo-agent chat", f"halo-agent chat --role employee {EMMA}",
                  "echo 'list open incidents for agent 6' | halo-agent chat"],
    )  # fmt: skip
    chat.add_argument("--session", metavar="NAME", help="continue a named conversation")
    chat.add_argument("-v", "--verbose", action="store_true", help="show every step when piped too")
    _common(chat)
    chat.set_defaults(func=lazy("halo_agent.channels.chat_cli:chat_command"))

    ask = add_command(
        subparsers, "ask", "one request, one answer (a paused action exits 0)",
        details='Answer a confirmation with a second ask in the same --session: "yes" or "no". Exit 1 when '
                "the turn failed (Halo down or failing mid-turn, the model failing), said in the answer.",
        examples=['halo-agent ask "list open incidents for agent 6"',
                  f'halo-agent ask "what is the status of my ticket 789?" {EMMA}',
                  'halo-agent ask --session s1 "close ticket 790" && halo-agent ask --session s1 yes'],
    )  # fmt: skip
    ask.add_argument("message", metavar="REQUEST", help='the request, or "yes"/"no" to answer a confirmation')
    ask.add_argument("--session", metavar="NAME", help="the conversation (needed to confirm later)")
    ask.add_argument("--json", action="store_true", help="print the events as JSON lines")
    ask.add_argument("-v", "--verbose", action="store_true", help="show every step when piped too")
    _common(ask)
    ask.set_defaults(func=lazy("halo_agent.channels.chat_cli:ask_command"))

    demo = add_command(
        subparsers, "demo", "play the example requests against a fresh sandbox",
        details="Nothing is needed: no Halo, no LLM, no network. Its data directory is a temporary one.",
        examples=["halo-agent demo", "halo-agent demo --model gpt-4.1-mini   # with OPENAI_API_KEY set"],
    )  # fmt: skip
    demo.add_argument(
        "--model", metavar="offline|NAME", default="offline", help="chat model (default: offline)"
    )
    demo.set_defaults(func=lazy("halo_agent.channels.chat_cli:demo_command"))


def _common(parser: argparse.ArgumentParser) -> None:
    add_identity_args(parser)
    add_backend_args(parser)

