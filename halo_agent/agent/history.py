"""Keeping a conversation within its character budget without breaking the OpenAI message shape.

Older tool results are shortened first (they are the bulk and are the least needed later); then whole
exchanges are dropped from the front. An exchange runs from one user message to the next, so an
assistant message with tool_calls always keeps its tool messages. The newest exchange is never touched.
"""

from __future__ import annotations

from halo_agent.agent.model import Message

SHORT_RESULT_CHARS = 240
# Tool results holding Halo text put it under this key (tools/outcomes.py `ok_payload`); a shortened
# result keeps it (the key comes first), so the taint lasts exactly as long as the text is in context.
UNTRUSTED_MARK = '"untrusted_data"'
_SHORTENED_MARK = " …[older result shortened]"


def message_size(message: Message) -> int:
    """The characters a message costs: its text plus any tool call names and arguments."""
    size = len(message.get("content") or "")
    for call in message.get("tool_calls") or ():
        function = call.get("function", {})
        size += len(function.get("name", "")) + len(function.get("arguments", ""))
    return size


def holds_halo_text(messages: list[Message]) -> bool:
    """Halo text (ticket details, notes, names, KB bodies) is among these messages, shortened or not."""
    return any(m.get("role") == "tool" and UNTRUSTED_MARK in (m.get("content") or "") for m in messages)


def history_size(messages: list[Message]) -> int:
    return sum(message_size(m) for m in messages)


def fit_history(messages: list[Message], budget_chars: int) -> list[Message]:
    """A copy of `messages` within `budget_chars`, as far as possible without touching the newest exchange."""
    exchanges = split_exchanges(messages)
    if history_size(messages) <= budget_chars or len(exchanges) < 2:
        return list(messages)
    older, newest = exchanges[:-1], exchanges[-1]
    total = history_size(messages)
    for index, exchange in enumerate(older):  # oldest first, only as far as needed
        if total <= budget_chars:
            break
        older[index] = _shorten_tool_results(exchange)
        total += history_size(older[index]) - history_size(exchange)
    while older and total > budget_chars:
        total -= history_size(older.pop(0))
    return [message for exchange in [*older, newest] for message in exchange]


def split_exchanges(messages: list[Message]) -> list[list[Message]]:
    """Groups starting at each user message (anything before the first user message is its own group)."""
    exchanges: list[list[Message]] = []
    for message in messages:
        if message.get("role") == "user" or not exchanges:
            exchanges.append([])
        exchanges[-1].append(message)
    return exchanges


def _shorten_tool_results(exchange: list[Message]) -> list[Message]:
    return [_shorten(m) if m.get("role") == "tool" else m for m in exchange]


def _shorten(message: Message) -> Message:
    content = message.get("content") or ""
    if len(content) <= SHORT_RESULT_CHARS + len(_SHORTENED_MARK):
        return message
    return {**message, "content": content[:SHORT_RESULT_CHARS] + _SHORTENED_MARK}
