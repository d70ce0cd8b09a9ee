"""Tool calls a model wrote as text instead of in `tool_calls`.

Local servers without a tool parser (or with the wrong one) hand the model's own markup back as the
answer: Hermes/Qwen `<tool_call>{…}</tool_call>`, Llama 3 `<|python_tag|>` or bare JSON
`{"name": …, "parameters": …}`, `<function=name>{…}</function>`, Mistral `[TOOL_CALLS]`, fenced json
blocks, and gpt-oss Harmony (`<|channel|>commentary to=functions.name … <|message|>{…}<|call|>`).
Calls to tools the model was offered become ordinary calls (validated and decided by policy like any
other); markup that names no offered tool is reported plainly instead of being shown as an answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from halo_agent.agent.model import ToolCallRequest, new_call_id

UNREADABLE = (
    "The model answered with tool-call markup that could not be read as a call to one of its tools, "
    "so nothing was done. Please try again, or use a server or model with tool-call support."
)
# Where text stops being safe to show live: any of these may open tool markup.
MARKERS = ("<tool_call", "<|", "<function", "[TOOL_CALLS]", "```", "<think")

_HERMES = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FUNCTION_TAG = re.compile(r"<function=([\w.-]+)>\s*(.*?)\s*(?:</function>|$)", re.DOTALL)
_FENCE = re.compile(r"```[ \t]*(?:json|tool_call|tool_code|javascript)?[ \t]*\n(.*?)```", re.DOTALL)
_HARMONY_CALL = re.compile(
    r"to=(?:functions\.)?([\w.-]+)[^<]*(?:<\|constrain\|>[^<]*)?<\|message\|>(.*?)(?:<\|call\|>|<\|end\|>|$)",
    re.DOTALL,
)
_HARMONY_FINAL = re.compile(r"<\|channel\|>final<\|message\|>(.*?)(?:<\|return\|>|<\|end\|>|$)", re.DOTALL)
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)
_MISTRAL = re.compile(r"\[TOOL_CALLS\]\s*(.*)", re.DOTALL)
_MISTRAL_NAMED = re.compile(r"([\w.-]+)\[ARGS\](.*)", re.DOTALL)


@dataclass
class TextCalls:
    calls: list[ToolCallRequest] = field(default_factory=list)
    prose: str = ""  # the text without its markup (and without reasoning blocks)
    unreadable: bool = False  # markup was there, but no call to an offered tool could be read


def extract(text: str, tools: Collection[str]) -> TextCalls:
    """The calls to offered `tools` written in `text`, and what is left to show."""
    text = _THINK.sub("", text)
    if "<|channel|>" in text or "<|message|>" in text:
        return _harmony(text, tools)
    found = TextCalls(prose=text)
    for pattern, reader in ((_HERMES, _json_calls), (_FUNCTION_TAG, _named_call), (_MISTRAL, _mistral)):
        spans = list(pattern.finditer(found.prose))
        if spans:
            return _collect(found.prose, spans, reader, tools)
    fenced = [m for m in _FENCE.finditer(text) if list(_shaped(_loads(m.group(1))))]
    if fenced:
        return _collect(text, fenced, _json_calls, tools)
    bare = text.strip().removeprefix("<|python_tag|>").strip()
    if bare[:1] in "{[" and list(_shaped(_loads(bare))):
        return _calls_or_unreadable(list(_json_calls(_fake_match(bare), tools)), "", marked=True)
    return found


def _collect(text: str, spans: list[re.Match[str]], reader: Any, tools: Collection[str]) -> TextCalls:
    calls = [call for span in spans for call in reader(span, tools)]
    prose = text
    for span in reversed(spans):
        prose = prose[: span.start()] + prose[span.end():]
    return _calls_or_unreadable(calls, prose.strip(), marked=True)


def _calls_or_unreadable(calls: list[ToolCallRequest], prose: str, *, marked: bool) -> TextCalls:
    return TextCalls(calls=calls, prose=prose, unreadable=marked and not calls)


def _harmony(text: str, tools: Collection[str]) -> TextCalls:
    calls = [c for m in _HARMONY_CALL.finditer(text) if (c := _call(m.group(1), _loads(m.group(2)), tools))]
    finals = [m.group(1).strip() for m in _HARMONY_FINAL.finditer(text)]
    marked = bool(_HARMONY_CALL.search(text))
    return TextCalls(calls=calls, prose="\n".join(finals), unreadable=marked and not calls)


def _fake_match(text: str) -> re.Match[str]:
    match = re.fullmatch(r"(.*)", text, re.DOTALL)
    assert match is not None
    return match


def _json_calls(match: re.Match[str], tools: Collection[str]) -> Iterator[ToolCallRequest]:
    for item in _shaped(_loads(match.group(1))):
        call = _call(item.get("name"), item.get("arguments", item.get("parameters")), tools)
        if call is not None:
            yield call


def _named_call(match: re.Match[str], tools: Collection[str]) -> Iterator[ToolCallRequest]:
    call = _call(match.group(1), _loads(match.group(2)), tools)
    if call is not None:
        yield call


def _mistral(match: re.Match[str], tools: Collection[str]) -> Iterator[ToolCallRequest]:
    body = match.group(1).strip()
    named = _MISTRAL_NAMED.fullmatch(body)
    if named:
        yield from _named_call(named, tools)
        return
    yield from _json_calls(_fake_match(body), tools)


def _shaped(value: object) -> Iterator[dict[str, Any]]:
    """Objects shaped like a call: a name and arguments (or Llama's `parameters`)."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("function"), dict):
            item = item["function"]  # {"type": "function", "function": {...}} written out in full
        if isinstance(item, dict) and isinstance(item.get("name"), str) and (
            "arguments" in item or "parameters" in item
        ):
            yield item


def _call(name: object, arguments: object, tools: Collection[str]) -> ToolCallRequest | None:
    if not isinstance(name, str) or name not in tools:
        return None
    text = arguments if isinstance(arguments, str) else json.dumps(arguments if arguments is not None else {})
    return ToolCallRequest(id=new_call_id(), name=name, arguments=text)


def _loads(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


def safe_prefix(text: str) -> int:
    """How much of streamed `text` can be shown now: up to the first possible markup (or the whole
    text held back while it starts like bare JSON)."""
    if text.lstrip()[:1] in ("{", "["):
        return 0
    cut = len(text)
    for marker in MARKERS:
        at = text.find(marker)
        if at != -1:
            cut = min(cut, at)
    for size in range(1, max(len(m) for m in MARKERS)):  # a marker may be cut across two chunks
        tail = text[-size:]
        if any(m.startswith(tail) for m in MARKERS):
            cut = min(cut, len(text) - size)
    return cut
