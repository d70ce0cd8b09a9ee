"""A request typed or piped in that is not UTF-8 text (a Latin-1 terminal, a binary file piped in) is
refused where it enters, in one line naming the byte, before anything reaches the model: never a
UnicodeDecodeError from reading stdin, and never a lone surrogate carried on into tool calls, the JSON
output or the session. Python hands such bytes over as surrogate escapes (U+DC80..U+DCFF), in the
command line's arguments always and from stdin as read here.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator


def not_utf8(text: str) -> str | None:
    """Why `text` is not UTF-8 text (the first bad byte or character and where), or None when it is."""
    if text.isascii():
        return None
    for index, char in enumerate(text, start=1):
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that did not decode, escaped
            return f"byte 0x{code - 0xDC00:02X} at character {index} is not UTF-8 text"
        if 0xD800 <= code <= 0xDFFF:
            return f"character {index} is a lone surrogate, not text"
    return None


def undecodable(exc: UnicodeDecodeError) -> str:
    """`byte 0xE9 at byte 37 is not UTF-8 text`: a request body's first bad byte and where (from 1)."""
    return f"byte 0x{exc.object[exc.start]:02X} at byte {exc.start + 1} is not UTF-8 text"


def lone_surrogate_at(text: str) -> int | None:
    """Where (from 1) `text` holds a lone surrogate, as JSON may escape one ("\\ud800"), or None."""
    return next((i for i, char in enumerate(text, start=1) if 0xD800 <= ord(char) <= 0xDFFF), None)


def string_not_text(value: object) -> str:
    """Why a JSON string was refused as not text (pydantic's `string_unicode`): no UTF-8 text holds a lone
    surrogate. `value` is the string (a field's value or key), if known."""
    index = lone_surrogate_at(value) if isinstance(value, str) else None
    if index is None:
        return "text that is not UTF-8 (a lone surrogate, escaped as \\ud800-\\udfff)"
    return f"character {index} is a lone surrogate, not text"


async def stdin_lines() -> AsyncIterator[str]:
    """Lines from a piped stdin, read without blocking the event loop. Bytes that are not text in the
    stdin's encoding arrive escaped (surrogateescape), whatever the locale, for `not_utf8` to name."""
    encoding = sys.stdin.encoding or "utf-8"
    while True:
        raw = await asyncio.to_thread(sys.stdin.buffer.readline)
        if not raw:
            return
        yield raw.decode(encoding, "surrogateescape").rstrip("\r\n")
