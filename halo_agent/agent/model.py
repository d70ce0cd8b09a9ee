"""The chat-model boundary: one async method. Messages and tools use the OpenAI chat format."""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

Message = dict[str, Any]  # {"role": "system"|"user"|"assistant"|"tool", ...} as in OpenAI chat completions
ToolSchema = dict[str, Any]  # {"type": "function", "function": {"name", "description", "parameters"}}
TextSink = Callable[[str], None]


class ToolCallRequest(BaseModel):
    """A call the model proposes. `arguments` is the raw JSON text the model wrote (may be malformed)."""

    id: str
    name: str
    arguments: str
    extra: dict[str, Any] = {}  # provider state sent back with this call (Gemini's `extra_content`)


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class ModelResponse(BaseModel):
    text: str | None = None
    tool_calls: list[ToolCallRequest] = []
    usage: Usage = Field(default_factory=Usage)  # a factory: a model default is deep-copied per instance
    # Provider state sent back with this assistant message (DeepSeek's `reasoning_content`): some
    # servers refuse the next request of a tool loop without it.
    extra: dict[str, Any] = {}


_ID_CHARS = string.ascii_letters + string.digits


def new_call_id() -> str:
    """A tool-call id every server accepts: Mistral insists on exactly 9 letters and digits."""
    return "".join(secrets.choice(_ID_CHARS) for _ in range(9))


@runtime_checkable
class ChatModel(Protocol):
    """Anything that can answer a conversation: an LLM endpoint, the offline model, a scripted fake."""

    @property
    def name(self) -> str: ...

    async def complete(
        self, messages: list[Message], tools: list[ToolSchema], *, on_text: TextSink | None = None
    ) -> ModelResponse:
        """One round trip. `on_text` receives streamed text deltas when the model streams."""
        ...
