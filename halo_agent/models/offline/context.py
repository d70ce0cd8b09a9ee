"""What the offline model carries over from earlier turns of the conversation.

- "add a note to it": the ticket the person (or a structured result) named last;
- "Applications then": the answer to a tool's error that listed the valid choices, which repeats the
  failed call with the chosen value;
- "Update: …" messages the service wrote when an approver acted on a paused call.

Only structured fields (call arguments, result ids) and the person's own words are used: free text from
Halo never decides which ticket is acted on.
"""

from __future__ import annotations

import re
from typing import Any

from halo_agent.agent.model import Message
from halo_agent.models.offline import slots
from halo_agent.models.offline.intent import classify
from halo_agent.models.offline.parse import Intent
from halo_agent.models.offline.results import Step, json_object, payload, ticket_of
from halo_agent.models.offline.vocab import Vocabulary, find_name, match_name, priority_in

_I = re.IGNORECASE
_REFERENCE = re.compile(
    r"\b(?:to|on|for|into|close|resolve|reassign|assign|give|hand|move|update|change|set|make|bump|raise|lower|escalate|"
    r"check|read|show|reopen|about|of)\s+(?:it|this(?:\s+one)?|that(?:\s+one)?|the\s+same\s+(?:ticket|one)|"
    r"(?:this|that|the)\s+(?:ticket|incident|request|case))(?!\s*(?:#?\s*\d|about|for|regarding))\b"
    r"|\b(?:its|this\s+ticket's|that\s+ticket's)\s+(?:priority|status|team|agent|notes?|summary)\b", _I)
_KIND_OF_TOOL = {
    "haloitsm_update_ticket": "update", "haloitsm_create_ticket": "create", "haloitsm_list_tickets": "list",
    "haloitsm_add_note": "note", "haloitsm_resolve_ticket": "resolve", "haloitsm_lookup": "lookup"}
_FILLER = re.compile(r"\b(?:ok(?:ay)?|then|please|use|the|one|team|make\s+it|go\s+with|try)\b|[^\w\s-]", _I)
_NEEDS_TICKET = {"note", "update", "resolve", "status"}
NOTICE = "Update:"  # how the service words what an approver did with a paused call


def with_referenced_ticket(intent: Intent, messages: list[Message], before: int) -> Intent:
    """ "Now add a hidden note to it": fill the ticket from the conversation when the person points at one."""
    if intent.kind not in _NEEDS_TICKET or intent.slots.get("ticket_id") is not None:
        return intent
    if intent.kind == "resolve" and intent.slots.get("topic"):
        return intent  # "close my email ticket" names its ticket by topic, not by reference
    if not _REFERENCE.search(intent.text):
        return intent
    ticket = recent_ticket(messages, before)
    if ticket is None:
        return intent
    found = {**intent.slots, "ticket_id": ticket}
    missing = intent.missing if intent.missing != "ticket_id" else None
    if missing is None and intent.kind == "note" and not found.get("note"):
        missing = "note"
    return Intent(intent.kind, intent.text, found, missing)


def recent_ticket(messages: list[Message], before: int) -> int | None:
    """The last ticket id named before message `before`: by the person, in a call, or in a result's id."""
    for message in reversed(messages[:before]):
        role = message.get("role")
        found: int | None = None
        if role == "user":
            found = slots.ticket_id(str(message.get("content") or ""))
        elif role == "assistant":
            found = _call_ticket(message)
        elif role == "tool":
            found = _result_ticket(message.get("content"))
        if found is not None:
            return found
    return None


def _call_ticket(message: Message) -> int | None:
    for call in reversed(message.get("tool_calls") or []):
        args = json_object(call.get("function", {}).get("arguments"))
        if isinstance(args.get("ticket_id"), int):
            return int(args["ticket_id"])
    return None


def _result_ticket(content: Any) -> int | None:
    data = payload(json_object(content))
    row = ticket_of(data)
    value = data.get("ticket_id", row.get("id") if row else None)
    return value if isinstance(value, int) else None


def retry_with_choice(steps: list[Step], answer: str) -> Intent | None:
    """The previous turn's failed call again, with the value the person chose from its error's choices."""
    failed = next((s for s in reversed(steps) if s.status == "error" and s.result.get("choices")), None)
    if failed is None or failed.name not in _KIND_OF_TOOL:
        return None
    if classify(answer) not in ("unknown", _KIND_OF_TOOL[failed.name]):
        return None  # a new request, not an answer
    choices = tuple(str(c) for c in failed.result["choices"] if isinstance(c, str | int))
    choice = find_name(answer, choices) or match_name(_FILLER.sub(" ", answer).strip(), choices)
    field = _rejected_field(failed)
    if choice is None or field is None:
        return None
    args = {**failed.args, field: choice}
    return Intent("retry", answer, {"tool": failed.name, "args": args})


_SAME_FOR = re.compile(
    r"^\W*(?:and\s+|also\s+|now\s+|ok(?:ay)?,?\s+)?(?:(?:the\s+)?same\s+(?:for|with|on|to)\s+"
    r"|do\s+(?:the\s+same|that|it)\s+(?:for|with|on|to)\s+)?(?:ticket\s+)?#?(\d{2,9})"
    r"(?P<too>(?:\s+(?:too|as\s+well|also|please|pls|then))*)\W*$", _I)


def repeat_for_ticket(messages: list[Message], before: int, text: str) -> Intent | None:
    """ "same for 784", "784 too", "and 791?": the last call on a ticket, again on the ticket now named."""
    match = _SAME_FOR.match(text)
    said_again = match and (re.search(r"\b(?:same|too|as\s+well|also|and|do)\b", text, _I) or "?" in text)
    if not match or not said_again:
        return None
    last = _last_ticket_call(messages, before)
    if last is None:
        return None
    name, args = last
    return Intent("retry", text, {"tool": name, "args": {**args, "ticket_id": int(match.group(1))}})


def _last_ticket_call(messages: list[Message], before: int) -> tuple[str, dict[str, Any]] | None:
    for message in reversed(messages[:before]):
        for call in reversed(message.get("tool_calls") or []):
            function = call.get("function", {})
            args = json_object(function.get("arguments"))
            if isinstance(args.get("ticket_id"), int):
                return str(function.get("name")), args
    return None


def retry_with_priority(steps: list[Step], answer: str, vocab: Vocabulary) -> Intent | None:
    """ "ok make it high then": the create the policy refused last turn, again at the priority now given."""
    refused = next((s for s in reversed(steps) if s.name == "haloitsm_create_ticket" and not s.ok
                    and s.status != "paused"), None)  # fmt: skip
    if refused is None or slots.ticket_id(answer) is not None:
        return None
    if classify(answer) not in ("unknown", "update", "create"):
        return None
    level = priority_in(answer, vocab)
    if level is None or level == refused.args.get("priority"):
        return None
    return Intent("retry", answer, {"tool": refused.name, "args": {**refused.args, "priority": level}})


def _rejected_field(step: Step) -> str | None:
    """The argument the error complained about: the one whose value it quotes, else the one it names."""
    error = str(step.result.get("error") or "")
    for key, value in step.args.items():
        if isinstance(value, str) and value and f"'{value}'".lower() in error.lower():
            return key
    return next((key for key in step.args if re.search(rf"\b{re.escape(key)}\b", error, _I)), None)


def notices_about(messages: list[Message], ticket: int) -> list[str]:
    """The service's own "Update: …" messages that mention this ticket, oldest first."""
    pattern = re.compile(rf"\bticket\s+#?{ticket}\b", _I)
    found = []
    for message in messages:
        text = str(message.get("content") or "") if message.get("role") == "assistant" else ""
        if text.startswith(NOTICE) and pattern.search(text):
            found.append(text)
    return found
