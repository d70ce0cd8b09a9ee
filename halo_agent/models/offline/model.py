"""The offline model: a deterministic, rule-based ChatModel for machines with no LLM configured.

Each round trip it re-reads the conversation since the person's last message and runs one pipeline:
normalise the words (`normalise`) -> find the entities in Halo's vocabulary (`entities`, with `vocab`,
`people`, `teams`, `unsupported`) -> choose the intent (`intent`) and its slots (`parse`, one extractor
module per intent: `create_slots`, `note_slots`, `update_slots`, `list_slots`, `closing`, `lookup`;
`followup`, `narrowing` and `context` for answers to our questions and references to earlier turns)
-> check every entity is used (`coverage`: a request understood in part is not acted on) -> plan the
calls (`plan`, arguments built in `arguments`) -> answer from the results (`answers`). It emits tool
calls exactly as an LLM would, so everything after it (validation, policy, audit) is the same code path.
Text inside tool results is never read as instructions.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from halo_agent.agent.confirm_words import classify_answer
from halo_agent.agent.model import Message, ModelResponse, TextSink, ToolCallRequest, ToolSchema
from halo_agent.models.offline.answers import answer_confirmed, compose
from halo_agent.models.offline.arguments import slots_from_args
from halo_agent.models.offline.context import (
    notices_about,
    repeat_for_ticket,
    retry_with_choice,
    retry_with_priority,
    with_referenced_ticket,
)
from halo_agent.models.offline.coverage import (
    Unused,
    constraint_text,
    is_offer,
    offered_intent,
    partial_answer,
    unused,
)
from halo_agent.models.offline.entities import find_entities
from halo_agent.models.offline.followup import follow_up
from halo_agent.models.offline.intent import PROBLEM, classify
from halo_agent.models.offline.lists import page_request, previous_list_args
from halo_agent.models.offline.narrowing import narrowed_list
from halo_agent.models.offline.offered_args import Arguments, tool_arguments, unoffered, without_unoffered
from halo_agent.models.offline.parse import Intent, missing_detail, parse, with_entities
from halo_agent.models.offline.plan import Context, plan
from halo_agent.models.offline.replies import capabilities
from halo_agent.models.offline.results import Step, json_object, parse_tool_message
from halo_agent.models.offline.slots import ticket_id
from halo_agent.models.offline.tool_names import UPDATE
from halo_agent.models.offline.vocab import Vocabulary, build_vocabulary

_MAX_STEPS = 6  # a safety net: no plan here makes more than four calls in a turn
_NOTHING_PENDING = "There's nothing waiting for a yes or no from you right now. What would you like to do?"


class OfflineModel:
    """`ChatModel` without a network: understands the common service-desk requests, asks otherwise."""

    @property
    def name(self) -> str:
        return "offline"

    async def complete(
        self, messages: list[Message], tools: list[ToolSchema], *, on_text: TextSink | None = None
    ) -> ModelResponse:
        response = respond(messages, tools)
        if response.text and on_text is not None:
            on_text(response.text)
        return response


def respond(messages: list[Message], tools: list[ToolSchema]) -> ModelResponse:
    names = frozenset(_tool_name(tool) for tool in tools)
    last = _last_user_index(messages)
    if last is None:
        return ModelResponse(text="Hello! " + capabilities(names))
    text = _content(messages[last])
    steps = _steps_since(messages, last)
    vocab = build_vocabulary(messages, tools)
    arguments = tool_arguments(tools)
    answer = classify_answer(text)
    asks_priority = staff = UPDATE in names  # staff may re-prioritise; the answers address them as staff
    accepted = None
    extra = _after_yes(text) if answer != "yes" else ""
    if answer == "yes" or extra:  # "yes please, medium": the offer taken, with a detail added
        accepted = _accepted_offer(messages, last, vocab, arguments, asks_priority=asks_priority, extra=extra)
    if answer in ("yes", "no") and accepted is None:  # a bare yes/no; "OK, make it High" is a request
        return ModelResponse(text=answer_confirmed(steps, staff=staff) if steps else _NOTHING_PENDING)
    if len(steps) > _MAX_STEPS:
        return ModelResponse(text=compose(steps[-1:], staff=staff))
    intent = accepted or read_request(messages, last, vocab, asks_priority=asks_priority)
    if not steps and accepted is None and intent.kind != "retry":
        problems = _problems(intent, vocab, arguments)
        if problems:  # understood in part: name the rest, change nothing, offer the part understood
            return ModelResponse(text=partial_answer(intent, problems))
    outcome = plan(Context(intent, vocab, names, steps, notices=_notices(messages, intent)))
    if isinstance(outcome, str):
        return ModelResponse(text=outcome)
    calls = [ToolCallRequest(id=f"call_{uuid.uuid4().hex[:24]}", name=call.name,
                             arguments=json.dumps(call.args)) for call in outcome]
    return ModelResponse(tool_calls=calls)


def read_request(
    messages: list[Message], last: int, vocab: Vocabulary, *, asks_priority: bool = False
) -> Intent:
    """The person's request; an answer to our own question completes the earlier request instead."""
    text = _content(messages[last])
    earlier_list = previous_list_args(messages, last)
    page = page_request(text, earlier_list) if earlier_list is not None else None
    if earlier_list is not None and page is not None:  # "next page": the same list, another page
        return Intent("list", text, {**slots_from_args(earlier_list), "page": page})
    narrowed = narrowed_list(text, earlier_list, vocab) if earlier_list is not None else None
    if narrowed is not None:  # "just the high priority ones": the same list, one more filter
        return narrowed
    previous = _previous_user_index(messages, last)
    if previous is not None:  # "ok make it high then", after a refused Critical create
        retry = retry_with_priority(_steps_between(messages, previous, last), text, vocab)
        if retry is not None:
            return retry
    if previous is not None and _asked_a_question(messages[previous + 1 : last]):
        retry = retry_with_choice(_steps_between(messages, previous, last), text)
        if retry is not None:
            return retry
        # the earlier request as it then stood: itself perhaps completed by an answer before it
        earlier = read_request(messages, previous, vocab, asks_priority=asks_priority)
        completed = follow_up(earlier, text, vocab, asks_priority=asks_priority)
        if completed is not None:
            return completed
    again = repeat_for_ticket(messages, last, text)
    if again is not None:  # "same for 784", "791 too": the last call again, on another ticket
        return again
    return with_referenced_ticket(parse(text, vocab, asks_priority=asks_priority), messages, last)


_YES_AND = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|sure|ok|okay|please\s+do|go\s+ahead)(?:\s+please)?[\s,.!:;-]+(\w.*)$",
    re.IGNORECASE)


def _after_yes(text: str) -> str:
    """What follows a leading yes ("yes please, medium" -> "medium"), or "" when the text is no yes."""
    match = _YES_AND.match(text)
    return match.group(1) if match else ""


def _problems(intent: Intent, vocab: Vocabulary, arguments: Arguments) -> list[Unused]:
    """What the request names that the intent does not carry, or the caller's tools cannot."""
    return unused(intent, find_entities(constraint_text(intent), vocab), vocab) + unoffered(intent, arguments)


def _accepted_offer(
    messages: list[Message], last: int, vocab: Vocabulary, arguments: Arguments, *, asks_priority: bool,
    extra: str = "",
) -> Intent | None:
    offered = _offered_intent(messages, last, vocab, arguments, asks_priority=asks_priority)
    if offered is None or not extra:
        return offered
    details = with_entities(offered.kind, {}, find_entities(extra, vocab))
    if not details and _restates(extra, offered.kind):
        return offered  # "yes, log it please": the offered act said again, nothing added
    if not details:
        return None  # "yes, but …" saying something we can't fold into the offer: read it as a request
    slots = {**offered.slots, **details}
    return Intent(offered.kind, offered.text, slots, missing_detail(offered.kind, slots, offered.text))


def _restates(extra: str, kind: str) -> bool:
    return classify(extra) == kind and ticket_id(extra) is None and PROBLEM.search(extra) is None


def _offered_intent(
    messages: list[Message], last: int, vocab: Vocabulary, arguments: Arguments, *, asks_priority: bool
) -> Intent | None:
    """A "yes" to our own offer (the understood part, closing instead of deleting, a ticket for a problem
    the person described): the offered intent, re-derived from the person's earlier words."""
    previous = _previous_user_index(messages, last)
    between = messages[(previous or 0) + 1 : last]
    replies = [m for m in between if m.get("role") == "assistant" and _content(m)]
    offered = _content(replies[-1]).rstrip() if replies else ""
    if previous is None or not is_offer(offered):
        return None
    earlier = parse(_content(messages[previous]), vocab, asks_priority=asks_priority)
    if earlier.kind == "offer":
        return parse(f"Open a ticket: {earlier.slots['details']}", vocab, asks_priority=asks_priority)
    taken = offered_intent(earlier, _problems(earlier, vocab, arguments))
    return without_unoffered(taken, arguments) if taken is not None else None


def _notices(messages: list[Message], intent: Intent) -> tuple[str, ...]:
    ticket = intent.slots.get("ticket_id")
    return tuple(notices_about(messages, ticket)) if isinstance(ticket, int) else ()


def _asked_a_question(between: list[Message]) -> bool:
    replies = [m for m in between if m.get("role") == "assistant" and _content(m)]
    return bool(replies) and _content(replies[-1]).rstrip().endswith("?")


def _steps_since(messages: list[Message], last: int) -> list[Step]:
    """The calls made after the person's last message, each with its tool result."""
    return _steps_between(messages, last, len(messages))


def _steps_between(messages: list[Message], start: int, end: int) -> list[Step]:
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    steps: list[Step] = []
    for message in messages[start + 1 : end]:
        if message.get("role") == "assistant":
            for call in message.get("tool_calls") or []:
                function = call.get("function", {})
                name, args = str(function.get("name")), json_object(function.get("arguments"))
                calls[str(call.get("id"))] = (name, args)
        elif message.get("role") == "tool" and str(message.get("tool_call_id")) in calls:
            name, args = calls[str(message.get("tool_call_id"))]
            steps.append(Step(name, args, parse_tool_message(message.get("content"))))
    return steps


def _last_user_index(messages: list[Message]) -> int | None:
    return _previous_user_index(messages, len(messages))


def _previous_user_index(messages: list[Message], before: int) -> int | None:
    for index in range(before - 1, -1, -1):
        if messages[index].get("role") == "user":
            return index
    return None


def _content(message: Message) -> str:
    content = message.get("content")
    if isinstance(content, list):  # content parts
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


def _tool_name(tool: ToolSchema) -> str:
    return str(tool.get("function", {}).get("name") or tool.get("name") or "")
