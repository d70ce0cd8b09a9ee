"""OpenAIChatModel: any OpenAI-compatible chat-completions endpoint.

Works with OpenAI, Azure OpenAI (a deployment), Mistral, DeepSeek, Gemini's OpenAI endpoint, Groq,
OpenRouter, vLLM, Ollama, llama.cpp's server, LM Studio and LocalAI. The SDK sends the requests (retries,
Azure paths, auth); the answers are read as plain JSON (`openai_read.py`), because servers bend the format
in ways its types do not allow. Every failure becomes a `ModelError` here (`openai_errors.py`), with the
server's own reason and never the API key in it.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
from openai import AsyncStream

from halo_agent.agent.model import Message, ModelResponse, TextSink, ToolSchema
from halo_agent.config import ModelSettings
from halo_agent.errors import ModelError
from halo_agent.logs import get_logger
from halo_agent.models import text_calls
from halo_agent.models.openai_errors import describe, failed_generation, rejected_param, scrub
from halo_agent.models.openai_read import ServerError, StreamReader, read_completion

LOCAL_SERVER_KEY = "not-needed"  # local servers ignore the key, but the SDK insists on one
_CONNECT_TIMEOUT = 10.0
_MAX_DROPPED = 4  # parameters dropped after a server named them as unsupported, per request
log = get_logger("halo_agent.models")


class OpenAIChatModel:
    """A `ChatModel` over `openai.AsyncOpenAI` (or `AsyncAzureOpenAI` when `azure_endpoint` is set).

    `http_client` is for tests and cassettes (an `httpx2.AsyncClient` on a mock transport); the model
    owns it from then on and closes it in `aclose`. It streams only when `complete` gets `on_text`.
    """

    def __init__(self, settings: ModelSettings, *, http_client: httpx2.AsyncClient | None = None) -> None:
        self._settings = settings
        self._secret = settings.api_key.get_secret_value() if settings.api_key else ""
        self._client = _make_client(settings, http_client)
        self._where = _endpoint_label(self._client.base_url)
        # Parameters this server said it does not accept: left out of every later request.
        self.dropped_params: set[str] = set(settings.omit_params)

    @property
    def name(self) -> str:
        return self._settings.name

    async def complete(
        self, messages: list[Message], tools: list[ToolSchema], *, on_text: TextSink | None = None
    ) -> ModelResponse:
        names = {str(t.get("function", {}).get("name")) for t in tools}
        for _ in range(_MAX_DROPPED + 1):
            body = self.request_body(messages, tools, stream=on_text is not None)
            try:
                return await self._ask(body, names, on_text)
            except openai.APIStatusError as exc:
                if not self._drop_rejected(exc, body):
                    return self._after_status_error(exc, names)
            except ServerError as exc:
                said = f"The model endpoint {self._where} answered with an error: {exc}"
                raise ModelError(self._scrub(said)) from None
            except (openai.OpenAIError, httpx2.HTTPError, ValueError) as exc:
                # `from None`: the SDK's own exception carries the request, headers included.
                raise ModelError(self._scrub(describe(exc, self._settings, self._where))) from None
        raise ModelError(f"The model endpoint {self._where} kept rejecting request parameters.")

    def request_body(
        self, messages: list[Message], tools: list[ToolSchema], *, stream: bool
    ) -> dict[str, Any]:
        """The JSON sent: the usual fields, the model's own `options`, minus what the server refuses."""
        body: dict[str, Any] = {"model": self._settings.name, "messages": messages}
        if tools:  # some servers reject an empty `tools` list, and parallel_tool_calls without tools
            body["tools"] = tools
            body["parallel_tool_calls"] = True
        if self._settings.temperature is not None:
            body["temperature"] = self._settings.temperature
        if stream:
            body |= {"stream": True, "stream_options": {"include_usage": True}}
        body |= self._settings.options
        return {k: v for k, v in body.items() if k not in self.dropped_params}

    async def _ask(self, body: dict[str, Any], names: set[str], on_text: TextSink | None) -> ModelResponse:
        if on_text is None:
            answer = await self._client.post("/chat/completions", body=body, cast_to=object)
            if not isinstance(answer, dict):
                raise ValueError("the answer is not a JSON object")
            return read_completion(answer, names)
        reader = StreamReader(on_text, names)
        stream = await self._client.post(
            "/chat/completions", body=body, cast_to=object, stream=True, stream_cls=AsyncStream[object]
        )
        async with stream:
            if "json" in stream.response.headers.get("content-type", ""):
                # Not a stream after all: a server that ignores `stream`, or an error object with 200.
                return reader.whole(read_completion(json.loads(await stream.response.aread()), names))
            async for chunk in stream:
                if isinstance(chunk, dict):
                    reader.feed(chunk)
        return reader.result()

    def _drop_rejected(self, exc: openai.APIStatusError, body: dict[str, Any]) -> bool:
        """A 400 naming an optional parameter we sent: leave it out from now on, and retry once."""
        param = rejected_param(exc, body)
        if param is None or param in self.dropped_params:
            return False
        log.warning("model.param_dropped", param=param, endpoint=self._where)
        self.dropped_params.add(param)
        return True

    def _after_status_error(self, exc: openai.APIStatusError, names: set[str]) -> ModelResponse:
        """Groq's tool_use_failed keeps the model's text: a call in another markup is still a call."""
        generation = failed_generation(exc)
        if generation:
            found = text_calls.extract(generation, names)
            if found.calls:
                return ModelResponse(tool_calls=found.calls)
        raise ModelError(self._scrub(describe(exc, self._settings, self._where))) from None

    async def ping(self) -> None:
        """Readiness: the endpoint answers and accepts the key (one `GET /models`, no retries, 5 s).
        A server without a models list (404) still answered, so it counts as reachable."""
        try:
            await self._client.with_options(timeout=5.0, max_retries=0).models.list()
        except openai.NotFoundError:
            return
        except (openai.OpenAIError, httpx2.HTTPError, ValueError) as exc:
            raise ModelError(self._scrub(describe(exc, self._settings, self._where))) from None

    async def aclose(self) -> None:
        await self._client.close()

    def _scrub(self, message: str) -> str:
        return scrub(message, self._secret)


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
