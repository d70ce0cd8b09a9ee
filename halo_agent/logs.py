"""Operational logging that can never leak a secret, stall the event loop or flood the disk.

An exception is logged as one bounded record: its type, its message (cut, scrubbed) and the last few
frames as `file:line in function`, never local variables (a traceback with locals once printed the live
Halo bearer token, and one with ~1,000 frames of locals froze a server for minutes). Every string in
every record passes the scrubber: registered secret values and `Bearer ...` tokens become `[redacted]`,
whatever the level or renderer. Both structlog and the standard `logging` module (uvicorn, httpx, mcp)
go through the same rules.

    configure_logging(level="WARNING", secrets=[...])   # once, at a command's start
    log_failure(log, "turn failed", exc)                # one bounded record for an unexpected error
"""

from __future__ import annotations

import collections
import logging
import re
import sys
import traceback
from collections.abc import Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import structlog

MAX_FRAMES = 8
MAX_MESSAGE_CHARS = 500
MAX_DEPTH = 4
REDACTED = "[redacted]"
_MIN_SECRET = 4
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}")
_SENSITIVE_KEY = re.compile(r"(?i)(authorization|password|secret|token|api_?key|cookie)")
_secrets: tuple[str, ...] = ()


def register_secrets(values: Iterable[str | None]) -> None:
    """Values to scrub from every log record from now on (client secrets, API keys, tokens)."""
    global _secrets
    found = {v for v in (*_secrets, *values) if v and len(v) >= _MIN_SECRET}
    _secrets = tuple(sorted(found, key=len, reverse=True))


def scrub(text: str) -> str:
    """Secret values and bearer/basic credentials replaced, and the text cut to a bounded size."""
    if len(text) > MAX_MESSAGE_CHARS * 4:
        text = text[: MAX_MESSAGE_CHARS * 4] + f"…[{len(text):,} characters]"
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def describe_exception(exc: BaseException) -> dict[str, Any]:
    """One bounded description: type, scrubbed message, the innermost frames (no locals, no source)."""
    frames = collections.deque(traceback.walk_tb(exc.__traceback__), maxlen=MAX_FRAMES)
    summary = traceback.StackSummary.extract(frames, lookup_lines=False, capture_locals=False)
    message = _safe_str(exc)
    return {
        "type": type(exc).__name__,
        "message": scrub(message[:MAX_MESSAGE_CHARS]),
        "frames": [f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in summary],
    }


def log_failure(logger: Any, event: str, exc: BaseException, **fields: Any) -> None:
    """Log an unexpected exception as one bounded error record."""
    logger.error(event, failure=describe_exception(exc), **fields)


# structlog processors ---------------------------------------------------------------------------------
def _bound_exceptions(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """`exc_info` (from `log.exception` or `exc_info=`) becomes a bounded description, never a traceback."""
    info = event.pop("exc_info", None)
    event.pop("stack_info", None)
    exc = _exception_of(info)
    if exc is not None:
        event["failure"] = describe_exception(exc)
    return event


def _scrub_event(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        event[key] = REDACTED if _sensitive(key, event[key]) else _scrub_value(event[key], 0)
    return event


def _scrub_value(value: Any, depth: int) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= MAX_DEPTH:
        return "[too deep]"
    if isinstance(value, dict):
        items = list(value.items())[:50]
        return {str(k): REDACTED if _sensitive(str(k), v) else _scrub_value(v, depth + 1) for k, v in items}
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub_value(v, depth + 1) for v in list(value)[:50]]
    return scrub(_safe_str(value))


def _sensitive(key: str, value: object) -> bool:
    return bool(value) and isinstance(value, str) and bool(_SENSITIVE_KEY.search(key))


def _exception_of(info: object) -> BaseException | None:
    if isinstance(info, BaseException):
        return info
    if isinstance(info, tuple) and len(info) == 3 and isinstance(info[1], BaseException):
        return info[1]
    if info is True:
        return sys.exc_info()[1]
    return None


def _safe_str(value: object) -> str:
    try:
        return str(value)
    except Exception:  # a hostile __str__ must not break logging
        return f"<{type(value).__name__}>"


PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    _bound_exceptions,
    _scrub_event,
]


# the standard logging module --------------------------------------------------------------------------
class BoundedFormatter(logging.Formatter):
    """A stdlib formatter with the same rules: scrubbed messages, bounded tracebacks without locals."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 (the stdlib's name)
        exc = _exception_of(ei)
        if exc is None:
            return ""
        described = describe_exception(exc)
        return f"{described['type']}: {described['message']} [{' <- '.join(reversed(described['frames']))}]"

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def configure_logging(
    level: str | int = "WARNING", *, secrets: Iterable[str | None] = (), json: bool = False,
    stream: TextIO | None = None,
) -> None:
    """structlog and stdlib logging to `stream` (stderr), at `level`, through the bounding scrubber."""
    register_secrets(secrets)
    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    out = stream or sys.stderr
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(
        colors=False, exception_formatter=structlog.dev.plain_traceback
    )
    structlog.configure(
        processors=[*PROCESSORS, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(BoundedFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "httpcore", "mcp"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True


@contextmanager
def setup_notices_as_info(library: str) -> Iterator[None]:
    """While `library` builds itself, its WARNING records are logged at INFO: they say how it read its
    configuration ("TENANT_ID is not set, assuming multi-tenant app"), which is not a warning at every
    clean start. A host logging at INFO still sees them; the caller says what matters of them in its own
    words (a banner). Errors pass unchanged, and once the block ends the library's warnings are warnings."""
    notice = _AsInfo(library)
    handlers = list(logging.getLogger().handlers)  # where the library's records end up (they propagate)
    for handler in handlers:
        handler.addFilter(notice)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(notice)


class _AsInfo(logging.Filter):
    """On a handler, not the library's loggers: a logger the library creates while it is built is covered."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING or not super().filter(record):  # not the library's
            return True
        record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        return logging.getLogger(record.name).isEnabledFor(logging.INFO)


# a library's loggers ------------------------------------------------------------------------------------
class _CurrentStderr:
    """Whatever `sys.stderr` is when a line is written (a test's capture, a redirected stream)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


_QUIET = structlog.wrap_logger(
    structlog.PrintLogger(_CurrentStderr()),  # type: ignore[arg-type]
    wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
    processors=[*PROCESSORS, structlog.dev.ConsoleRenderer(colors=False)],
)


class LibraryLogger:
    """What every module logs through (`log = get_logger(__name__)`): structlog as the host configured
    it (or as `configure_logging` did), and otherwise stderr, warnings up, scrubbed. structlog's own
    default prints every level to stdout, which would mix debug lines into a host's output and into
    `--json`; a library must neither do that nor configure structlog globally for its host."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._quiet = _QUIET.bind(logger=name)

    def __getattr__(self, method: str) -> Any:
        if structlog.is_configured():
            return getattr(structlog.get_logger(self.name), method)
        return getattr(self._quiet, method)


def get_logger(name: str) -> Any:
    return LibraryLogger(name)
