"""LLM-server failures as sentences a person can act on, with the server's own reason.

Never includes request headers (the key lives there); the key itself is scrubbed from what is shown,
but only a key long enough to be a secret: a placeholder such as "x" must not turn every "x" into ***.
"""

from __future__ import annotations

import json
import re
from typing import Any, cast

import httpx2
import openai

from halo_agent.config import ModelSettings

DETAIL_LIMIT = 300
REDACTED = "***"
MIN_SECRET_CHARS = 8
# Request parameters the agent may drop when a server says it does not know them.
OPTIONAL_PARAMS = ("parallel_tool_calls", "stream_options", "temperature", "tool_choice", "max_tokens",
                   "max_completion_tokens", "seed", "top_p", "reasoning_effort", "user")
_REJECTS = re.compile(
    r"unsupported|not supported|unrecognized|unknown|not permitted|not allowed|extra (?:inputs|fields)|"
    r"invalid (?:request )?(?:argument|parameter|field)|does not support|is not a valid|not available",
    re.IGNORECASE,
)
_TOOLS_UNSUPPORTED = re.compile(
    r"enable-auto-tool-choice|tool[ _]choice|does not support tools|tools? (?:are|is) not supported|"
    r"function calling is not|tool use is not", re.IGNORECASE,
)


def scrub(message: str, secret: str) -> str:
    return message.replace(secret, REDACTED) if len(secret) >= MIN_SECRET_CHARS else message


def error_object(body: object) -> dict[str, Any]:
    """The error as a dict, whatever the wrapper: {"error": {...}}, {...}, a list, or FastAPI's
    {"detail": [...]}."""
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, dict):
        inner = cast(dict[str, Any], body).get("error", body)
        if isinstance(inner, dict):
            return cast(dict[str, Any], inner)
        return {"message": str(inner)}
    return {"message": str(body)} if body else {}


def server_reason(body: object) -> str:
    error = error_object(body)
    message = error.get("message") or error.get("detail") or error.get("msg") or ""
    if not isinstance(message, str):
        message = json.dumps(message)
    return " ".join(message.split())[:DETAIL_LIMIT]


def rejected_param(exc: openai.APIStatusError, sent: dict[str, Any]) -> str | None:
    """The optional parameter a 400/422 says the server does not accept, if it names one we sent."""
    if exc.status_code not in (400, 422):
        return None
    error = error_object(exc.body)
    named = error.get("param")
    text = json.dumps(exc.body) if exc.body is not None else str(exc)
    for param in OPTIONAL_PARAMS + tuple(sent):
        if param in ("model", "messages", "tools", "stream"):
            continue
        if param in sent and (named == param or (param in text and _REJECTS.search(text))):
            return param
    return None


def describe(exc: Exception, settings: ModelSettings, where: str) -> str:
    """One sentence a person can act on."""
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
        return f"The model endpoint {where} failed while answering: {exc.message[:DETAIL_LIMIT]}"
    return (
        f"The model endpoint {where} sent something that is not a chat completion ({str(exc)[:120]}). "
        "Is the base URL an OpenAI-compatible API (usually ending in /v1)?"
    )


def _describe_status(exc: openai.APIStatusError, settings: ModelSettings, where: str) -> str:
    reason = server_reason(exc.body)
    detail = f": {reason}" if reason else ""
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
    if status in (400, 422):
        return _describe_bad_request(exc, where, status, detail)
    retried = f" after {settings.max_retries} retries" if status >= 500 else ""
    return f"The model endpoint {where} failed with HTTP {status}{retried}{detail}."


def _describe_bad_request(exc: openai.APIStatusError, where: str, status: int, detail: str) -> str:
    error = error_object(exc.body)
    code = str(error.get("code") or "")
    inner = error.get("innererror")
    inner_code = str(inner.get("code") or "") if isinstance(inner, dict) else ""
    if code == "content_filter" or inner_code == "ResponsibleAIPolicyViolation":
        return f"The model provider's content filter blocked this request (HTTP {status}){detail}."
    if code == "tool_use_failed":
        return (f"The model wrote a tool call the server could not read (HTTP {status}, tool_use_failed)"
                f"{detail}. Please try again or rephrase.")
    hint = " Does the model (or server) support tool calls?" if _TOOLS_UNSUPPORTED.search(detail) else ""
    return f"The model endpoint {where} rejected the request (HTTP {status}){detail}.{hint}"


def failed_generation(exc: openai.APIStatusError) -> str | None:
    """Groq's `tool_use_failed` keeps what the model wrote: often a call in another markup."""
    error = error_object(exc.body)
    text = error.get("failed_generation")
    return text if error.get("code") == "tool_use_failed" and isinstance(text, str) else None
