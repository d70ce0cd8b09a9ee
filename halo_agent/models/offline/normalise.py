"""Stage 1 of the offline pipeline: the person's words in a form the later stages can read.

Punctuation is unified (curly quotes, arrows, dashes between a command and its text), the product name
in "a HaloITSM Incident" is dropped, everyday shorthand is spelled out ("prio" -> "priority", "P1s" ->
"P1 tickets", "agent ID 6" -> "agent 6", "r" -> "are", "whos" -> "who's") and typos of the service desk's
own words are corrected ("priorty", "hihg", "incidnets"). Text in quotes is the person's verbatim note
or summary: left alone.
"""

from __future__ import annotations

import difflib
import functools
import re

_I = re.IGNORECASE
_QUOTED = re.compile(r"\"[^\"]*\"")

# Words typos are corrected towards: the service desk's own vocabulary, nothing else.
LEXICON = (
    "priority", "critical", "high", "medium", "low", "incident", "incidents", "ticket", "tickets", "request",
    "requests", "service", "problem", "problems", "change", "changes", "status", "open", "closed", "close",
    "resolve", "resolved", "assign", "assigned", "reassign", "hold", "note", "internal", "hidden", "visible",
    "private", "public", "team", "agent", "site", "support", "network", "applications", "progress", "waiting",
    "please", "page", "second", "urgent", "assign", "reassign", "list", "show", "agents",
)  # fmt: skip
_SHORTHAND = (
    (r"\b(?:prio|pri|priorit)\b", "priority"),
    (r"\b(?:pls|plz|plse)\b", "please"),
    (r"(?-i:\br\b)", "are"),  # chat shorthand, in lower case only ("R&D" stays)
    (r"(?-i:\bu\b)", "you"),
    (r"\bwat\b", "what"),
    (r"\bwh(at|o)s\b", r"wh\1's"),
    (r"\bcrit\b", "critical"),
    (r"\btix\b|\btkts?\b", "tickets"),
    (r"\b(P[1-4])s\b", r"\1 tickets"),
    (r"\b(?:priority|prio|pri)\s*(?:level\s*)?#?\s*([1-4])\b(?!\s*(?:tickets|incidents))", r"P\1"),
    (r"\b(wo|ca|does|is|do|did|was|are|were|has|have|could|would|should)nt\b", r"\1n't"),  # "wont", "cant"
    (r"\bSRs\b", "service requests"),
    (r"\bSR\b", "service request"),
    (r"\bincs\b", "incidents"),
    (r"\binc\b", "incident"),
    (r"\b(agent|site|ticket)\s+(?:id|no\.?|number|num|#)\s*#?\s*(?=\d)", r"\1 "),
    (r"\b(agent|site)\s*#\s*(?=\d)", r"\1 "),
    (r"\s*(?:->|=>|→|⟶)\s*", " to "),
    (r"\bHalo(?:ITSM)?\s+(?=(?:incident|ticket|service\s+request|request|problem|change)s?\b)", ""),
    (r"\ba\s+(?=incident\b)", "an "),
)


def normalise_request(text: str) -> str:
    """The request with punctuation unified, shorthand spelled out and typos of known words fixed."""
    text = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    parts = re.split(r"(\"[^\"]*\")", text)
    plain = [_plain(part) if index % 2 == 0 else part for index, part in enumerate(parts)]
    return _command_dash("".join(plain)).strip()


def _plain(part: str) -> str:
    for pattern, replacement in _SHORTHAND:
        part = re.sub(pattern, replacement, part, flags=_I)
    return re.sub(r"[A-Za-z]{4,}", lambda m: corrected(m.group(0)), part)


def _command_dash(text: str) -> str:
    """ "Open a ticket — my laptop …": the first dash after the command reads as a colon."""
    outside = _QUOTED.sub(lambda m: "x" * len(m.group(0)), text)
    dash = re.search(r"\s+(?:—|–|--)\s+|\s+-\s+(?=\S)", outside)
    if dash is None or ":" in outside:  # a colon already marks where the command ends
        return text
    return text[: dash.start()] + ": " + text[dash.end() :]


@functools.lru_cache(maxsize=4096)  # the same few words come back in every request
def corrected(word: str) -> str:
    """A typo of a lexicon word, corrected (keeping an initial capital); other words unchanged."""
    lowered = word.lower()
    if lowered in LEXICON:
        return word
    close = [w for w in LEXICON if len(w) == len(lowered) and _swapped(w, lowered)]
    if not close and len(lowered) >= 5 and not _inflected(lowered):
        close = [w for w in difflib.get_close_matches(lowered, LEXICON, n=1, cutoff=0.86)
                 if abs(len(w) - len(lowered)) <= 1 and not _prefixes(w, lowered)]  # fmt: skip
    if not close:
        return word
    return close[0].capitalize() if word[0].isupper() else close[0]


def _prefixes(known: str, typed: str) -> bool:
    """ "application" is not a typo of "applications": one word starts the other."""
    return known.startswith(typed) or typed.startswith(known)


def _inflected(word: str) -> bool:
    """ "requested", "services": a known word with an ending, not a typo."""
    return any(word.endswith(end) and word[: -len(end)] in LEXICON for end in ("s", "ed", "ing", "d", "er"))


def _swapped(known: str, typed: str) -> bool:
    """Two neighbouring letters swapped: "hihg" -> "high", "incidnet" -> "incident"."""
    diffs = [i for i, (a, b) in enumerate(zip(known, typed, strict=True)) if a != b]
    return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and sorted(known) == sorted(typed)
