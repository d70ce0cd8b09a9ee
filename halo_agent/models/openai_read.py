"""Reading chat-completions answers as the JSON servers really send, not as the schema says.

Tolerated, each seen from a real server: `content` as a list of parts (Mistral, "thinking" chunks);
stream chunks with no `delta` (Azure's asynchronous content filter) or no `choices`; choices with no
`index` or an index other than 0; tool calls with no `type`; argument deltas that repeat the whole text
so far instead of the next piece; arguments sent as an object; the legacy `function_call`; calls written
as text (models/text_calls.py). A cut answer (`finish_reason` length or content_filter) says so.
Provider state that must be sent back (DeepSeek's `reasoning_content`, OpenRouter's
`reasoning_details`, Gemini's per-call `extra_content`) is kept on the response.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from halo_agent.agent.model import ModelResponse, TextSink, ToolCallRequest, Usage, new_call_id
from halo_agent.models import text_calls

MESSAGE_STATE = ("reasoning_content", "reasoning_details")
CALL_STATE = ("extra_content",)
FINISH_NOTES = {
    "length": "(The answer was cut off: the model reached its output limit. Ask again in smaller steps, "
              "or raise the model's max_tokens.)",
    "content_filter": "(The model provider's content filter stopped this answer.)",
}


class ServerError(Exception):
    """The server answered 200 but with an error object (in the body or in the stream)."""


def error_text(body: object) -> str | None:
    """The server's own message when `body` is an error object, else None."""
    if not isinstance(body, dict) or not body.get("error"):
        return None
    error = body["error"]
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code") or json.dumps(error))[:300]
    return str(error)[:300]


def content_text(content: object) -> str:
    """`content` as text: a string, or the text parts of a list (thinking and image parts left out)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text") or "") for part in content
                       if isinstance(part, dict) and part.get("type", "text") == "text")
    return ""


def raw_arguments(arguments: object) -> str:
    # Some servers send an object instead of a JSON string; the executor expects the text either way.
    if arguments is None:
        return ""
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def usage_of(body: dict[str, Any]) -> Usage | None:
    usage = body.get("usage")
    if not isinstance(usage, dict):
        return None
    return Usage(prompt_tokens=usage.get("prompt_tokens") or 0,
                 completion_tokens=usage.get("completion_tokens") or 0)


def first_choice(choices: object) -> dict[str, Any] | None:
    """Index 0, or no index at all; else the first choice there is (some servers number from 1)."""
    rows = [c for c in choices if isinstance(c, dict)] if isinstance(choices, list) else []
    return next((c for c in rows if c.get("index") in (0, None)), rows[0] if rows else None)


def read_completion(body: dict[str, Any], tools: Collection[str]) -> ModelResponse:
    message_error = error_text(body)
    if message_error:
        raise ServerError(message_error)
    choice = first_choice(body.get("choices"))
    message = choice.get("message") if choice else None
    if not isinstance(message, dict):
        raise ValueError("no message in the answer")
    calls = [c for i, raw in enumerate(_message_calls(message)) if (c := _call(raw, i)) is not None]
    text = content_text(message.get("content")) or str(message.get("refusal") or "")
    extra = {k: message[k] for k in MESSAGE_STATE if message.get(k)}
    usage = usage_of(body) or Usage()
    response = ModelResponse(text=text or None, tool_calls=calls, usage=usage, extra=extra)
    return finish(response, choice.get("finish_reason") if choice else None, tools)


def _message_calls(message: dict[str, Any]) -> list[Any]:
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        return calls
    legacy = message.get("function_call")  # the pre-tools format some older servers still send
    return [{"function": legacy}] if isinstance(legacy, dict) else []


def _call(raw: object, index: int) -> ToolCallRequest | None:
    if not isinstance(raw, dict) or raw.get("type", "function") not in ("function", None):
        return None
    function = raw.get("function")
    if not isinstance(function, dict) or not function.get("name"):
        return None
    extra = {k: raw[k] for k in CALL_STATE if raw.get(k)}
    return ToolCallRequest(id=str(raw.get("id") or new_call_id()), name=str(function["name"]),
                           arguments=raw_arguments(function.get("arguments")), extra=extra)


def finish(response: ModelResponse, reason: object, tools: Collection[str]) -> ModelResponse:
    """Calls written as text read as calls; a cut answer says it was cut."""
    text = response.text or ""
    if not response.tool_calls and text:
        found = text_calls.extract(text, tools)
        text = found.prose
        if found.unreadable:
            text = f"{text}\n\n{text_calls.UNREADABLE}".strip()
        response = response.model_copy(update={"tool_calls": found.calls})
    note = FINISH_NOTES.get(str(reason)) if not response.tool_calls or reason == "content_filter" else None
    if note:
        text = f"{text}\n\n{note}".strip()
    return response.model_copy(update={"text": text or None})


# --- streams -------------------------------------------------------------------------------------


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def add_arguments(self, piece: str) -> None:
        """Append the next piece; a server that resends the whole text so far replaces it instead."""
        if self.arguments and piece.startswith(self.arguments):
            self.arguments = piece
        elif not (self.arguments and _complete_json(self.arguments) and piece == self.arguments):
            self.arguments += piece


def _complete_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


class StreamReader:
    """Folds streamed chunks into one response; shows text live, but never what may be tool markup."""

    def __init__(self, on_text: TextSink, tools: Collection[str]) -> None:
        self._on_text = on_text
        self._tools = tools
        self._index: int | None = None  # the choice being read: the first one seen
        self._text = ""
        self._shown = 0
        self._calls: list[_PartialCall] = []
        self._by_index: dict[int, _PartialCall] = {}
        self._state: dict[str, Any] = {}
        self._usage = Usage()
        self._finish: object = None

    def feed(self, chunk: dict[str, Any]) -> None:
        problem = error_text(chunk)
        if problem:
            raise ServerError(problem)
        self._usage = usage_of(chunk) or self._usage
        for choice in chunk.get("choices") or ():
            if isinstance(choice, dict) and self._is_ours(choice.get("index")):
                self._choice(choice)

    def _is_ours(self, index: object) -> bool:
        index = index if isinstance(index, int) else 0
        if self._index is None:
            self._index = index
        return index == self._index

    def _choice(self, choice: dict[str, Any]) -> None:
        self._finish = choice.get("finish_reason") or self._finish
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            return  # e.g. Azure's content-filter results, sent as a chunk of their own
        for key in MESSAGE_STATE:
            if isinstance(delta.get(key), str):
                self._state[key] = self._state.get(key, "") + delta[key]
            elif delta.get(key):
                self._state[key] = delta[key]
        for raw in delta.get("tool_calls") or ():
            if isinstance(raw, dict):
                self._add_call(raw)
        self._add_text(content_text(delta.get("content")))

    def _add_call(self, raw: dict[str, Any]) -> None:
        call = self._call_for(raw)
        call.id = call.id or str(raw.get("id") or "")
        call.extra |= {k: raw[k] for k in CALL_STATE if raw.get(k)}
        function: dict[str, Any] = raw["function"] if isinstance(raw.get("function"), dict) else {}
        call.name = call.name or str(function.get("name") or "")
        if function.get("arguments") is not None:
            call.add_arguments(raw_arguments(function["arguments"]))

    def _call_for(self, raw: dict[str, Any]) -> _PartialCall:
        """The call a delta continues. A new id starts a new call, even at a used index (some servers
        number every call 0); a delta with no index continues the last call unless its id is new."""
        given, new_id = raw.get("index"), raw.get("id")
        if isinstance(given, int):
            call = self._by_index.get(given)
        else:
            call = self._calls[-1] if self._calls else None
        if call is None or (new_id and call.id and new_id != call.id):
            call = _PartialCall()
            self._calls.append(call)
            if isinstance(given, int):
                self._by_index[given] = call
        return call

    def _add_text(self, piece: str) -> None:
        if not piece:
            return
        self._text += piece
        safe = text_calls.safe_prefix(self._text)
        if safe > self._shown:
            self._on_text(self._text[self._shown:safe])
            self._shown = safe

    def result(self) -> ModelResponse:
        calls = [
            ToolCallRequest(id=c.id or new_call_id(), name=c.name, arguments=c.arguments, extra=c.extra)
            for c in self._calls if c.name
        ]
        response = ModelResponse(text=self._text or None, tool_calls=calls, usage=self._usage,
                                 extra=self._state)
        response = finish(response, self._finish, self._tools)
        self._show_rest(response.text or "")
        return response

    def whole(self, response: ModelResponse) -> ModelResponse:
        """A whole answer where a stream was asked for: shown at once."""
        self._show_rest(response.text or "")
        return response

    def _show_rest(self, final: str) -> None:
        """What was held back, once it is known not to be markup (or the notice that replaces it)."""
        shown = self._text[: self._shown]
        common = next((i for i, (a, b) in enumerate(zip(shown, final, strict=False)) if a != b),
                      min(len(shown), len(final)))
        rest = final[common:] if common == len(shown) else "\n\n" + final[common:].strip()
        if rest.strip():
            self._on_text(rest)
