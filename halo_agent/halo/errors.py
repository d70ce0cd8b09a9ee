"""Halo's errors, and the one place where HTTP answers and transport failures become them.

The tree is drawn in `halo_agent.errors`. Messages are written for a service-desk admin: what failed,
the likely cause and what to change. No message ever carries a secret or a token.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import httpx2

from halo_agent.errors import HaloAgentError
from halo_agent.halo.retry import RETRY_STATUSES, parse_retry_after

_MESSAGE_KEYS = {"message", "title", "status", "type", "error", "error_description", "traceId"}
_SCOPE_BY_RESOURCE = {
    "tickets": "tickets",
    "actions": "tickets",
    "client": "customers",
    "site": "customers",
    "users": "customers",
    "asset": "assets",
    "kbarticle": "kb",
}


class HaloError(HaloAgentError):
    """Halo said no, or could not be reached."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class HaloAuthError(HaloError):
    """Bad client id/secret, wrong tenant, token refused."""


class HaloPermissionError(HaloError):
    """403, or a scope the API application lacks."""


class HaloNotFoundError(HaloError):
    """404: unknown id."""


class HaloValidationError(HaloError):
    """400 with Halo's field messages in `field_errors` (field path -> message)."""

    def __init__(self, message: str, *, field_errors: dict[str, str] | None = None,
                 status: int | None = 400) -> None:
        super().__init__(message, status=status)
        self.field_errors = field_errors or {}


class HaloRateLimitedError(HaloError):
    """429 after the retries ran out."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after


class HaloUnavailableError(HaloError):
    """5xx, timeouts and dropped connections after the retries ran out."""


class HaloUnreachableError(HaloUnavailableError):
    """The request never left: the connection was refused or timed out, the host name does not resolve,
    the URL or proxy is wrong. Nothing was sent, so no write can have landed."""


class HaloWriteUncertainError(HaloError):
    """A write may or may not have landed and could not be checked."""


class HaloUnexpectedResponse(HaloError):  # noqa: N818 (name fixed by the shared contract)
    """An answer whose shape we cannot read."""


def resource_of(path: str) -> str:
    """`/api/Tickets/789` -> `tickets` (lower case, the first path part after /api)."""
    parts = [p for p in path.split("/") if p and p.lower() != "api"]
    return parts[0].lower() if parts else ""


def likely_scope(method: str, path: str) -> str:
    """The scope a 403 on this call most likely lacks."""
    area = _SCOPE_BY_RESOURCE.get(resource_of(path))
    if area is None:
        return "all (agents, teams, statuses, priorities and outcomes come with 'all' or 'admin')"
    verb = "read" if method.upper() == "GET" else "edit"
    return f"{verb}:{area}"


def error_for_response(response: httpx2.Response, *, scope_setting: str) -> HaloError:
    """Map a non-2xx answer from `/api` to the package's error. The single mapping for API calls."""
    method, path, status = response.request.method, response.request.url.path, response.status_code
    where = f"{method} {path}"
    if status == 400:
        return _validation_error(response, where)
    if status == 401:
        return HaloAuthError(
            f"Halo refused the access token for {where} even after renewing it: the API application may "
            "be disabled, or its agent deactivated (Halo: Configuration > Integrations > Halo API).",
            status=401,
        )
    if status == 403:
        return HaloPermissionError(
            f"Halo refused {where} (403 Forbidden): the API application likely lacks the scope "
            f"'{likely_scope(method, path)}' (configured scope: '{scope_setting}'), or its agent lacks the "
            "permission. Grant it in Halo (Configuration > Integrations > Halo API > the application) "
            "or change HALO_SCOPE.",
            status=403,
        )
    if status == 404:
        return HaloNotFoundError(f"Halo has no such record: {where} answered 404 Not Found.", status=404)
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("retry-after"), now=time.time())
        wait = f" Halo asked to wait {retry_after:.0f} s." if retry_after is not None else ""
        return HaloRateLimitedError(
            f"Halo's rate limit was reached on {where} and did not clear after retrying "
            f"({_text_of(response) or 'no detail'}).{wait or ' Try again in a few minutes.'}",
            retry_after=retry_after,
        )
    if status >= 500:
        return _server_error(response, where, status)
    if 300 <= status < 400:
        return HaloUnexpectedResponse(
            f"Halo redirected {where} to {response.headers.get('location', '?')}: check that HALO_URL is "
            "the instance's address (e.g. https://yourcompany.haloitsm.com).",
            status=status,
        )
    return HaloUnexpectedResponse(f"Halo answered {where} with HTTP {status}.", status=status)


def _server_error(response: httpx2.Response, where: str, status: int) -> HaloUnavailableError:
    """Only 502/503/504 are retried: the words must not claim retries that never happened."""
    if status in RETRY_STATUSES:
        return HaloUnavailableError(
            f"Halo failed on {where} (HTTP {status}) and kept failing after retries: the instance may be "
            "down or overloaded. Trying again in a few minutes may work.",
            status=status,
        )
    detail = _text_of(response)
    reason = f" ({detail})" if detail and not detail.startswith("<") else ""
    return HaloUnavailableError(
        f"Halo answered {where} with an internal error (HTTP {status}){reason}. The fault is inside Halo; "
        "trying again later may work, and if it keeps happening Halo's administrator can find it in "
        "Halo's logs.",
        status=status,
    )


def error_for_transport(
    exc: httpx2.TransportError, *, method: str, url: str, timeout: float
) -> HaloUnavailableError:
    """Map a connection-level failure (after retries) to the package's error."""
    where = f"{method} {url}"
    if isinstance(exc, httpx2.ConnectError | httpx2.UnsupportedProtocol | httpx2.ProxyError):
        return HaloUnreachableError(
            f"Cannot reach Halo at {url}: {connect_failure(exc)}. Check HALO_URL, the network and any proxy."
        )
    if isinstance(exc, httpx2.ConnectTimeout):
        return HaloUnreachableError(
            f"Cannot reach Halo at {url}: the address did not answer (ConnectTimeout). Check HALO_URL, "
            "the network and any proxy."
        )
    if isinstance(exc, httpx2.TimeoutException):
        return HaloUnavailableError(f"Halo did not answer {where} within {timeout:g} s, even after retries.")
    return HaloUnavailableError(
        f"The connection to Halo dropped during {where} ({type(exc).__name__}), even after retries."
    )


def connect_failure(exc: BaseException) -> str:
    """The most telling cause a failed connection carries ("connection refused", "the host name ...")."""
    cause: BaseException | None = exc
    for _ in range(8):  # a cause chain is short; never loop on a cyclic one
        if cause is None:
            break
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused (nothing listens on that port)"
        if isinstance(cause, socket.gaierror):
            return f"the host name does not resolve ({cause.strerror or cause})"
        cause = cause.__cause__ or cause.__context__
    return str(exc) or type(exc).__name__


def unexpected(response: httpx2.Response, what: str) -> HaloUnexpectedResponse:
    """An answer we cannot read: say which call, what was wrong and what it looked like."""
    sample = response.text[:80].replace("\n", " ")
    return HaloUnexpectedResponse(
        f"Halo answered {response.request.method} {response.request.url.path} with {what} "
        f"(content-type {response.headers.get('content-type', 'none')!r}, starts {sample!r}).",
        status=response.status_code,
    )


def _validation_error(response: httpx2.Response, where: str) -> HaloValidationError:
    fields, message = _parse_400(response)
    detail = "; ".join(f"{k}: {v}" for k, v in fields.items()) or message or "no detail given"
    return HaloValidationError(f"Halo refused {where} as invalid: {detail}", field_errors=fields)


def _parse_400(response: httpx2.Response) -> tuple[dict[str, str], str]:
    try:
        body: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}, response.text.strip()[:300]
    if isinstance(body, str):
        return {}, body
    if isinstance(body, list):
        return {}, "; ".join(str(item) for item in body)
    if not isinstance(body, dict):
        return {}, str(body)
    nested = body.get("errors")
    if isinstance(nested, dict):  # ASP.NET problem details: {"errors": {"field": ["msg", ...]}}
        return _flatten(nested), str(body.get("title") or "")
    keys = ("message", "error_description", "error", "title")
    message = next((str(body[k]) for k in keys if k in body), "")
    return _flatten({k: v for k, v in body.items() if k not in _MESSAGE_KEYS}), message


def _flatten(data: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in data.items():
        out[str(key)] = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
    return out


def _text_of(response: httpx2.Response) -> str:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text.strip()[:200]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body)[:200]
    return str(body)[:200]
