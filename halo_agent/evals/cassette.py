"""Record and replay a chat model's HTTP traffic as vcrpy cassettes, for evals.

`CassetteModel` wraps `OpenAIChatModel`. In "record" mode every request goes to the live endpoint and
the exchange is saved as YAML, with credentials and secret strings scrubbed. In "replay" mode answers
come from the cassette only (vcrpy record mode "none"); a request the cassette does not hold raises
`CassetteDivergedError`, which evals report as "diverged", not as a crash.

Why a transport and not `vcr.use_cassette`: vcrpy's context manager patches httpx2's transport classes
process-wide. Eval cases run concurrently, and the sandbox's Halo traffic also goes through
`httpx2.ASGITransport`, so a global patch would mix cases and record (or, in replay, refuse) Halo
calls. Here the cassette sits on the model client's own transport; vcrpy still does the cassette work
(matching, header filters, the YAML format its httpx2 patch writes, so either can read the other's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import httpx2
import vcr
from pydantic import SecretStr
from vcr.cassette import Cassette
from vcr.request import Request as VcrRequest

from halo_agent.agent.model import Message, ModelResponse, TextSink, ToolSchema
from halo_agent.config import ModelSettings
from halo_agent.errors import ModelError
from halo_agent.models.openai import OpenAIChatModel

CassetteMode = Literal["record", "replay"]
REDACTED = "<redacted>"
MATCH_ON = ("method", "path", "body")
# Request headers that carry credentials or account identity; removed before anything is saved.
FILTERED_REQUEST_HEADERS = (
    "authorization",
    "api-key",
    "x-api-key",
    "cookie",
    "openai-organization",
    "openai-project",
)
FILTERED_RESPONSE_HEADERS = frozenset({"set-cookie", "openai-organization", "openai-project"})
_NOISY_HEADER_PREFIX = "x-stainless-"
_REPLAY_KEY = "replay-needs-no-key"
_VCR_ONLY_OPTIONS = ("path_transformer", "func_path_generator", "record_on_exception")


class CassetteDivergedError(ModelError):
    """Replay met a request the cassette does not hold: the conversation went another way."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(f"The conversation diverged from the recording {path}: {detail}")


class CassetteModel:
    """A ChatModel that records or replays an `OpenAIChatModel`'s traffic in one cassette file.

    Streaming is off in both modes (a recording holds whole answers); `on_text` still receives the
    answer's text, in one piece. `diverged` keeps the divergence, for callers whose loop turns model
    errors into events. `transport` is the live endpoint's transport when recording (tests pass a
    `MockTransport`); replay never uses it.
    """

    def __init__(
        self,
        settings: ModelSettings,
        cassette_path: Path,
        mode: CassetteMode,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        secrets: Iterable[str] = (),
    ) -> None:
        self.path = cassette_path
        self.mode = mode
        self.diverged: CassetteDivergedError | None = None
        if mode == "replay" and settings.api_key is None:
            settings = settings.model_copy(update={"api_key": SecretStr(_REPLAY_KEY)})
        cassette = load_cassette(cassette_path, mode, _secrets(settings, secrets))
        client = httpx2.AsyncClient(transport=CassetteTransport(cassette, transport))
        self._inner = OpenAIChatModel(settings, http_client=client)

    @property
    def name(self) -> str:
        return self._inner.name

    async def complete(
        self, messages: list[Message], tools: list[ToolSchema], *, on_text: TextSink | None = None
    ) -> ModelResponse:
        try:
            response = await self._inner.complete(messages, tools)
        except CassetteDivergedError as exc:
            self.diverged = self.diverged or exc
            raise
        if on_text is not None and response.text:
            on_text(response.text)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> CassetteModel:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class CassetteTransport(httpx2.AsyncBaseTransport):
    """Answers from `cassette` when it can; otherwise asks `inner` and records the exchange."""

    def __init__(self, cassette: Cassette, inner: httpx2.AsyncBaseTransport | None = None) -> None:
        self._cassette = cassette
        self._inner = inner or httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()
        recorded = VcrRequest(request.method, str(request.url), body, request.headers)
        if self._cassette.can_play_response_for(recorded):
            return _to_response(self._cassette.play_response(recorded))
        if self._cassette.write_protected:
            raise CassetteDivergedError(Path(self._cassette.path), _divergence(self._cassette, request))
        response = await self._inner.handle_async_request(request)
        raw = await _read_raw(response)
        self._cassette.append(recorded, _to_recording(response, raw))
        self._cassette._save()  # after every exchange: a run that dies midway keeps what it recorded
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx2.ByteStream(raw),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


def load_cassette(path: Path, mode: CassetteMode, secrets: Iterable[str] = ()) -> Cassette:
    """A vcrpy cassette configured for model traffic: match on method + path + body, secrets scrubbed.

    "record" re-records the whole file (vcrpy mode "all", unused old exchanges dropped); "replay" is
    vcrpy mode "none".
    """
    scrub = _Scrubber(secrets)
    if mode == "record":
        path.parent.mkdir(parents=True, exist_ok=True)
    config = vcr.VCR(
        record_mode="all" if mode == "record" else "none",
        match_on=MATCH_ON,
        filter_headers=FILTERED_REQUEST_HEADERS,
        filter_query_parameters=("api-key", "key"),
        before_record_request=scrub.request,
        before_record_response=scrub.response,
        decode_compressed_response=True,
        drop_unused_requests=True,
    ).get_merged_config(path=str(path))
    options = {key: value for key, value in config.items() if key not in _VCR_ONLY_OPTIONS}
    return Cassette.load(**options)


# Pending ids are random per run, and the model sees them in paused tool results; recorded and replayed
# conversations must still match, so every id named as a pending_id is replaced by a fixed marker
# (vcrpy applies this to requests both when recording and when matching).
_PENDING_ID = re.compile(rb'pending_id\\?"\s*:\s*\\?"([0-9a-f]{6,32})')


def _stable_pending_ids(body: bytes) -> bytes:
    for pending_id in set(_PENDING_ID.findall(body)):
        body = body.replace(pending_id, b"<pending-id>")
    return body


class _Scrubber:
    """Replaces every secret string wherever it appears; drops header noise and account headers."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret containing another is replaced whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        return value

    def data(self, value: bytes) -> bytes:
        for secret in self._secrets:
            value = value.replace(secret.encode(), REDACTED.encode())
        return value

    def request(self, request: VcrRequest) -> VcrRequest:
        request.uri = self.text(request.uri)
        for name in [name for name in request.headers if name.lower().startswith(_NOISY_HEADER_PREFIX)]:
            del request.headers[name]  # the recording machine's OS, runtime, retry count: noise in diffs
        if isinstance(request.body, bytes):
            request.body = _stable_pending_ids(self.data(request.body))
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        headers: dict[str, list[str]] = response["headers"]
        response["headers"] = {
            name: [self.text(value) for value in values]
            for name, values in headers.items()
            if name.lower() not in FILTERED_RESPONSE_HEADERS
        }
        body = response["body"]["string"]
        if isinstance(body, bytes):
            response["body"]["string"] = self.data(body)
        return response


def _secrets(settings: ModelSettings, extra: Iterable[str]) -> list[str]:
    key = settings.api_key.get_secret_value() if settings.api_key else ""
    return [key, *extra] if key != _REPLAY_KEY else list(extra)


async def _read_raw(response: httpx2.Response) -> bytes:
    """The body as sent (still compressed, if it was). Not `aiter_raw`: a prebuilt response is read."""
    stream = response.stream
    if not isinstance(stream, httpx2.AsyncByteStream):
        raise TypeError("the recorded transport must be async")
    try:
        return b"".join([part async for part in stream])
    finally:
        await response.aclose()


def _to_recording(response: httpx2.Response, raw: bytes) -> dict[str, Any]:
    """The shape vcrpy's own httpx2 stub writes, so its cassettes and ours are interchangeable."""
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.multi_items():
        headers.setdefault(name, []).append(value)
    status = {"code": response.status_code, "message": response.reason_phrase}
    return {"status": status, "headers": headers, "body": {"string": raw}}


def _to_response(recording: dict[str, Any]) -> httpx2.Response:
    body = recording["body"]["string"]
    headers = [(name, value) for name, values in recording["headers"].items() for value in values]
    message = recording["status"].get("message")
    return httpx2.Response(
        recording["status"]["code"],
        headers=headers,
        stream=httpx2.ByteStream(body.encode() if isinstance(body, str) else body or b""),
        extensions={"reason_phrase": message.encode("ascii")} if message else {},
    )


def _divergence(cassette: Cassette, request: httpx2.Request) -> str:
    where = f"{request.method} {request.url.path}"
    if not Path(cassette.path).is_file():
        return f"no cassette was recorded ({where}); record it with --record"
    played, total = cassette.play_count, len(cassette)
    return f"{where} is not in the cassette ({played} of {total} recorded exchanges played)"
