"""OpenAIChatModel: any OpenAI-compatible chat-completions endpoint.

Works with OpenAI, Azure OpenAI (a deployment), vLLM, Ollama and llama.cpp's server. This is the only
module in the package that imports `openai`; every SDK error is turned into a `ModelError` here, with a
message a person can act on and never the API key in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, cast

import httpx2
import openai
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessage
from openai.types.chat.chat_completion_chunk import ChoiceDeltaToolCall

from halo_agent.agent.model import Message, ModelResponse, TextSink, ToolCallRequest, ToolSchema, Usage
from halo_agent.config import ModelSettings
from halo_agent.errors import ModelError

LOCAL_SERVER_KEY = "not-needed"  # local servers ignore the key, but the SDK insists on one
_CONNECT_TIMEOUT = 10.0
_DETAIL_LIMIT = 300
_REDACTED = "***"


class OpenAIChatModel:
    """A `ChatModel` over `openai.AsyncOpenAI` (or `AsyncAzureOpenAI` when `azure_endpoint` is set).

    `http_client` is for tests and cassettes (an `httpx2.AsyncClient` on a mock transport); the model
    owns it from then on and closes it in `aclose`.
    """

    def __init__(self, settings: ModelSettings, *, http_client: httpx2.AsyncClient | None = None) -> None:
        self._settings = settings
        self._secret = settings.api_key.get_secret_value() if settings.api_key else ""
        self._client = _make_client(settings, http_client)
        self._where = _endpoint_label(self._client.base_url)

    @property
    def name(self) -> str:
        return self._settings.name

    async def complete(
        self, messages: list[Message], tools: list[ToolSchema], *, on_text: TextSink | None = None
    ) -> ModelResponse:
        options = self._options(messages, tools)
        try:
            if on_text is None:
                completion = await self._client.chat.completions.create(**options)
                return _from_completion(completion)
            return await self._stream(options, on_text)
        except (openai.OpenAIError, httpx2.HTTPError, ValueError) as exc:
            # `from None`: the SDK's own exception carries the request, headers included.
            raise ModelError(self._scrub(_describe(exc, self._settings, self._where))) from None

    async def ping(self) -> None:
        """Readiness: the endpoint answers and accepts the key (one `GET /models`, no retries, 5 s).
        A server without a models list (404) still answered, so it counts as reachable."""
        try:
            await self._client.with_options(timeout=5.0, max_retries=0).models.list()
        except openai.NotFoundError:
            return
        except (openai.OpenAIError, httpx2.HTTPError, ValueError) as exc:
            raise ModelError(self._scrub(_describe(exc, self._settings, self._where))) from None

    async def aclose(self) -> None:
        await self._client.close()

    def _options(self, messages: list[Message], tools: list[ToolSchema]) -> dict[str, Any]:
        options: dict[str, Any] = {"model": self._settings.name, "messages": messages}
        if tools:  # some servers reject an empty `tools` list, and parallel_tool_calls without tools
            options["tools"] = tools
            options["parallel_tool_calls"] = True
        if self._settings.temperature is not None:
            options["temperature"] = self._settings.temperature
        return options

    async def _stream(self, options: dict[str, Any], on_text: TextSink) -> ModelResponse:
        stream = await self._client.chat.completions.create(
            **options, stream=True, stream_options={"include_usage": True}
        )
        text: list[str] = []
        calls = _StreamedCalls()
        usage = Usage()
        async with stream:
            async for chunk in stream:
                usage = _usage(chunk.usage) if chunk.usage else usage
                for piece in _absorb(chunk, calls):
                    text.append(piece)
                    on_text(piece)
        return ModelResponse(text="".join(text) or None, tool_calls=calls.finish(), usage=usage)

    def _scrub(self, message: str) -> str:
        return message.replace(self._secret, _REDACTED) if self._secret else message


def _make_client(settings: ModelSettings, http_client: httpx2.AsyncClient | None) -> openai.AsyncOpenAI:
    seconds = settings.timeout_seconds
    timeout = httpx2.Timeout(seconds, connect=min(seconds, _CONNECT_TIMEOUT))
    key = settings.api_key.get_secret_value() if settings.api_key else None
    try:
        if settings.azure_endpoint:
            return openai.AsyncAzureOpenAI(
                azure_endpoint=settings.azure_endpoint,
                azure_deployment=settings.name,
                api_version=settings.azure_api_version,
                api_key=key,
                timeout=timeout,
                max_retries=settings.max_retries,
                http_client=http_client,
            )
        return openai.AsyncOpenAI(
            api_key=key or (LOCAL_SERVER_KEY if settings.base_url else None),
            base_url=settings.base_url,
            timeout=timeout,
            max_retries=settings.max_retries,
            http_client=http_client,
        )
    except (openai.OpenAIError, ValueError):
        raise ModelError(_missing_key_message(settings)) from None


def _missing_key_message(settings: ModelSettings) -> str:
    if settings.azure_endpoint:
        return "No API key for Azure OpenAI: set AZURE_OPENAI_API_KEY (or model.api_key in the config file)."
    return (
        f"No API key for model {settings.name!r}: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local "
        "server (vLLM, Ollama, llama.cpp), or use --model offline."
    )


def _endpoint_label(url: httpx2.URL) -> str:
    """The endpoint as shown in messages: no credentials, no query string."""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}".rstrip("/")


# --- reading answers -------------------------------------------------------------------------------


def _from_completion(completion: ChatCompletion) -> ModelResponse:
    # The SDK does not validate answers: a server that omits fields gives None where types say otherwise.
    message = getattr(completion.choices[0], "message", None) if completion.choices else None
    if not isinstance(message, ChatCompletionMessage):
        raise ValueError("no message in the answer")
    calls = [
        ToolCallRequest(
            id=call.id or f"call_{index}",
            name=call.function.name,
            arguments=_raw_arguments(call.function.arguments),
        )
        for index, call in enumerate(message.tool_calls or [])
        if call.type == "function"
    ]
    text = message.content or message.refusal or None
    usage = _usage(completion.usage) if completion.usage else Usage()
    return ModelResponse(text=text, tool_calls=calls, usage=usage)


def _raw_arguments(arguments: object) -> str:
    # Some servers send an object instead of a JSON string; the executor expects the text either way.
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def _usage(usage: CompletionUsage) -> Usage:
    return Usage(prompt_tokens=usage.prompt_tokens or 0, completion_tokens=usage.completion_tokens or 0)


def _absorb(chunk: ChatCompletionChunk, calls: _StreamedCalls) -> list[str]:
    """Fold one streamed chunk into `calls`; return its text pieces."""
    pieces: list[str] = []
    for choice in chunk.choices:
        if choice.index != 0:
            continue
        if choice.delta.content:
            pieces.append(choice.delta.content)
        for delta in choice.delta.tool_calls or []:
            calls.add(delta)
    return pieces


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class _StreamedCalls:
    """Tool calls assembled from stream deltas, keyed by their `index`.

    A new `id` at an index already in use starts a new call: some servers number every call 0.
    """

    def __init__(self) -> None:
        self._calls: list[_PartialCall] = []
        self._by_index: dict[int, _PartialCall] = {}

    def add(self, delta: ChoiceDeltaToolCall) -> None:
        call = self._by_index.get(delta.index)
        if call is None or (delta.id and call.id and delta.id != call.id):
            call = self._by_index[delta.index] = _PartialCall()
            self._calls.append(call)
        call.id = call.id or delta.id or ""
        if delta.function is not None:
            call.name = call.name or delta.function.name or ""
            if delta.function.arguments:
                call.arguments.append(_raw_arguments(delta.function.arguments))

    def finish(self) -> list[ToolCallRequest]:
        return [
            ToolCallRequest(id=call.id or f"call_{index}", name=call.name, arguments="".join(call.arguments))
            for index, call in enumerate(self._calls)
        ]


# --- errors ----------------------------------------------------------------------------------------


def _describe(exc: Exception, settings: ModelSettings, where: str) -> str:
    """One sentence a person can act on. Never includes request headers (the key lives there)."""
    tries = settings.max_retries + 1
    if isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException):
        return (
            f"The model endpoint {where} did not answer within {settings.timeout_seconds:g}s "
            f"({tries} attempt(s)). Check that it is running, or raise model.timeout_seconds."
        )
    if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
        return (
            f"Could not reach the model endpoint {where}, or it dropped the connection ({tries} attempt(s)). "
            "Check OPENAI_BASE_URL or AZURE_OPENAI_ENDPOINT and that the server is running."
        )
    if isinstance(exc, openai.APIStatusError):
        return _describe_status(exc, settings, where)
    if isinstance(exc, openai.APIError):  # an error event in the middle of a stream
        return f"The model endpoint {where} failed while answering: {exc.message[:_DETAIL_LIMIT]}"
    return (
        f"The model endpoint {where} sent something that is not a chat completion ({exc}). "
        "Is the base URL an OpenAI-compatible API (usually ending in /v1)?"
    )


def _describe_status(exc: openai.APIStatusError, settings: ModelSettings, where: str) -> str:
    detail = _server_detail(exc.body)
    status = exc.status_code
    if isinstance(exc, openai.AuthenticationError):
        # The server's own text is left out: some echo the key back.
        return (
            f"The model endpoint {where} refused the API key (HTTP 401). "
            "Check OPENAI_API_KEY or AZURE_OPENAI_API_KEY."
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return f"The model endpoint {where} denied access to model {settings.name!r} (HTTP 403){detail}."
    if isinstance(exc, openai.NotFoundError):
        return (
            f"Model {settings.name!r} was not found at {where} (HTTP 404){detail}. Check HALO_AGENT_MODEL "
            "(for Azure, the deployment name) and the base URL (most servers expect it to end in /v1)."
        )
    if isinstance(exc, openai.RateLimitError):
        return (
            f"The model endpoint {where} is rate-limiting requests (HTTP 429) and still was after "
            f"{settings.max_retries} retries{detail}. Wait a moment and try again."
        )
    if isinstance(exc, openai.BadRequestError):
        return (
            f"The model endpoint {where} rejected the request (HTTP 400){detail}. "
            "Does the model support tool calls?"
        )
    retried = f" after {settings.max_retries} retries" if status >= 500 else ""
    return f"The model endpoint {where} failed with HTTP {status}{retried}{detail}."


def _server_detail(body: object) -> str:
    message: object = body
    if isinstance(body, dict):
        message = cast(dict[str, Any], body).get("message") or body
    text = str(message).strip() if message else ""
    return f": {text[:_DETAIL_LIMIT]}" if text else ""
