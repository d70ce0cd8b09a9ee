"""Never partial, never silent: every constraint a person gives is used in a call or named in the answer.

A constraint is a phrase in the person's own words that directs what must happen: a ticket number, a
person, a team, a site, a status, a priority, a ticket type, a page, a note and its text, its visibility,
or an action the agent cannot do (delete, merge, ...). Each must reach an argument of a proposed call, or
be named in an answer sentence that says it was not understood or not possible, or asks about it.

The extraction is deliberately independent of any model's parser: it reads the instance's own names
(from the sandbox the case ran against) and plain patterns, so a model cannot pass by sharing its rules.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

_I = re.IGNORECASE
Record = dict[str, Any]


@dataclass(frozen=True)
class Constraint:
    # ticket, agent, user, site, client, team, status, priority, type, page, note, note_text, visibility,
    # impossible
    kind: str
    phrase: str  # as the person typed it
    values: tuple[str, ...] = ()  # what an argument may carry (lower case)


@dataclass(frozen=True)
class Directory:
    """The instance's vocabulary and directory: what a constraint can name."""

    teams: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    agents: tuple[tuple[int, str, str], ...] = ()  # id, name, email
    users: tuple[tuple[int, str, str], ...] = ()
    sites: tuple[tuple[int, str], ...] = ()
    clients: tuple[tuple[int, str], ...] = ()

    @classmethod
    def from_lookups(cls, lookups: dict[str, list[Record]]) -> Directory:
        def names(kind: str) -> tuple[str, ...]:
            return tuple(
                dict.fromkeys(str(r["name"]) for r in lookups.get(kind, []) if not r.get("inactive"))
            )

        def people(kind: str, email_key: str) -> tuple[tuple[int, str, str], ...]:
            return tuple(
                (int(r["id"]), str(r["name"]), str(r.get(email_key) or "")) for r in lookups.get(kind, [])
            )

        return cls(
            teams=names("teams"), statuses=names("statuses"), priorities=names("priorities"),
            types=names("tickettypes"), agents=people("agents", "email"),
            users=people("users", "emailaddress"),
            sites=tuple((int(r["id"]), str(r["name"])) for r in lookups.get("sites", [])),
            clients=tuple((int(r["id"]), str(r["name"])) for r in lookups.get("clients", [])),
        )  # fmt: skip


# --- extraction ------------------------------------------------------------------------------------------

_ORDINALS = {"first": "1st", "second": "2nd", "third": "3rd"}
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "second": 2, "third": 3, "2nd": 2, "3rd": 3}


def extract(text: str, directory: Directory) -> list[Constraint]:
    """Every constraint in one message, in a stable order, without duplicates."""
    found: list[Constraint] = []
    for finder in _FINDERS:
        for item in finder(text, directory):
            if all((item.kind, item.values) != (f.kind, f.values) for f in found):
                found.append(item)
    return found


_NAMED_TICKET = re.compile(
    r"(?:#\s*|\b(?:ticket|incident|request|case|call)s?\s*(?:no\.?|number|#)?\s*)(\d{2,9})\b", _I
)
_BARE_NUMBER = re.compile(r"(?<![\w@.#/:£$€-])([1-9]\d{2,8})(?![\w@/%-]|[.,:]\d)")
# A bare number is a ticket unless its neighbours say what else it numbers or counts, as a reader takes
# "room 214", "ext 4411", "building 300", "2 PCs in building 300", "300 users" or "since 2019".
_LABELS = (
    r"room|rm|ext|extension|floor|level|building|bldg|block|wing|bay|desk|till|port|unit|suite|gate|row|"
    r"phone|tel|mobile|version|ver|v|model|site|agent|page|id|p|step|item|option|error|code|vlan|order|po|"
    r"invoice|ref|reference|serial|asset|kb|article|area|zone|aisle|dock|door|bus|route|line|year|pin"
)
_LABELLED = re.compile(rf"(?:\b(?:{_LABELS})\.?\s*(?:no\.?|number|#)?\s*"
                       r"|\b(?:call|ring|phone|text|reach|contact)\s+(?:me|us|him|her|them)\s+(?:on|at)\s*"
                       r"|(?:\+|\b0)\d{2,}(?:\s+\d+)*\s+)$", _I)  # the rest of "07700 900123"
_YEAR = re.compile(r"\b(?:in|since|from|until|till|by|of|before|after|during)\s+$", _I)
_COUNTED = re.compile(
    r"\s*(?:users?|people|staff|employees|pcs?|laptops?|machines?|devices?|computers?|printers?|phones?|"
    r"seats?|licen[cs]es?|accounts?|copies|pages|items|times|errors?|emails?|messages?|"
    r"secs?|seconds?|mins?|minutes?|hours?|hrs?|days?|weeks?|months?|years?|"
    r"[kmgt]b|[kmg]bps|mb/s|ms|dpi|px|pounds|quid|dollars|euros|k|am|pm)\b", _I)


def _tickets(text: str, directory: Directory) -> Iterator[Constraint]:
    """ "#790", "ticket 790", "tickets 790 and 791", and a bare number nothing else claims ("close 790",
    "is 792 on hold?"); never a room, an extension, a building, a count or a year."""
    for match in _NAMED_TICKET.finditer(text):
        if not re.search(r"\b(?:site|agent|page|id|p)\s*#?\s*$", text[: match.start(1)], _I):
            yield Constraint("ticket", match.group(0).strip(), (match.group(1),))
    for match in _BARE_NUMBER.finditer(text):
        before, after = text[: match.start(1)], text[match.end(1) :]
        year = re.fullmatch(r"(?:19|20)\d\d", match.group(1)) and _YEAR.search(before)
        if not (_LABELLED.search(before) or _COUNTED.match(after) or year):
            yield Constraint("ticket", match.group(1), (match.group(1),))


def _person(kind: str, pid: int, name: str, email: str, phrase: str) -> Constraint:
    return Constraint(kind, phrase, tuple(v for v in (str(pid), name.lower(), email.lower()) if v))


def _agents(text: str, directory: Directory) -> Iterator[Constraint]:
    for match in re.finditer(r"\bagent\s*(?:id|#|no\.?|number)?\s*#?\s*(\d+)\b", text, _I):
        wanted = int(match.group(1))
        row = next((a for a in directory.agents if a[0] == wanted), (wanted, "", ""))
        yield _person("agent", *row, match.group(0))
    yield from _named_people("agent", text, directory.agents, first_names=True)


def _users(text: str, directory: Directory) -> Iterator[Constraint]:
    for match in re.finditer(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text):
        row = next((u for u in directory.users if u[2].lower() == match.group(0).lower()), None)
        yield _person("user", *(row or (0, "", match.group(0))), match.group(0))
    agent_names = {a[1].lower() for a in directory.agents}
    people = tuple(u for u in directory.users if u[1].lower() not in agent_names)
    yield from _named_people("user", text, people, first_names=False)


def _named_people(
    kind: str, text: str, people: Iterable[tuple[int, str, str]], *, first_names: bool
) -> Iterator[Constraint]:
    rows = list(people)
    for pid, name, email in rows:
        full = re.search(rf"\b{re.escape(name)}\b", text, _I)
        if full:
            yield _person(kind, pid, name, email, full.group(0))
            continue
        first = name.split()[0]
        unique = sum(1 for row in rows if row[1].split()[0].lower() == first.lower()) == 1
        said = re.search(
            rf"(?:\b(?:to|for|with|assign|give)\s+{re.escape(first)}\b|\b{re.escape(first)}'s\b)", text
        )
        if first_names and unique and said:
            yield _person(kind, pid, name, email, first)


def _sites(text: str, directory: Directory) -> Iterator[Constraint]:
    for match in re.finditer(r"\bsite\s*(?:id|#|no\.?|number)?\s*#?\s*(\d+)\b", text, _I):
        name = next((n for sid, n in directory.sites if sid == int(match.group(1))), "")
        yield Constraint("site", match.group(0), tuple(v for v in (match.group(1), name.lower()) if v))
    for sid, name in directory.sites:
        if re.search(rf"\b{re.escape(name)}\b", text, _I):
            yield Constraint("site", name, (str(sid), name.lower()))


def _clients(text: str, directory: Directory) -> Iterator[Constraint]:
    for cid, name in directory.clients:
        if re.search(rf"\b{re.escape(name)}\b", text, _I):
            yield Constraint("client", name, (str(cid), name.lower()))


def normalise(text: str) -> str:
    words = re.sub(r"[^\w\s'-]", " ", text.lower()).split()
    return " ".join(_ORDINALS.get(word, word) for word in words)


def _teams(text: str, directory: Directory) -> Iterator[Constraint]:
    plain = f" {normalise(text)} "
    for team in directory.teams:
        words = normalise(team).split()
        forms = [" ".join(words)] + (
            [" ".join(words[:2])] if len(words) >= 3 and re.search(r"\d", words[0]) else []
        )
        for form in forms:
            if len(words) == 1:
                hit = re.search(
                    rf"(?:\b(?:to|for|with|team|queue|in)\s+(?:the\s+)?{form}\b"
                    rf"|\b{form}(?:'s|\s+(?:team|queue|group)))",
                    plain,
                )
            else:
                hit = re.search(rf"\b{re.escape(form)}\b", plain)
            if hit:
                yield Constraint("team", form, (team.lower(),))
                break
    yield from _team_phrases(text, directory)


# A team called by part of its name, or by a name the instance lacks: "for the service desk team", "the
# hardware team's tickets". What follows a colon is the person's description, not an instruction.
_TEAM_PHRASE = re.compile(
    r"\b(?:for|to|in|on|with|from|of)\s+(?:the\s+)?((?:[\w-]+\s+){0,2}?[\w-]+)\s+(?:team|queue|group)(?!s)\b"
    r"|^\W*(?:the\s+)?((?:[\w-]+\s+){0,2}?[\w-]+)\s+(?:team|queue|group)(?:'s|\s+tickets)\b", _I
)
_NOT_A_TEAM = frozenset({"my", "our", "your", "their", "his", "her", "this", "that", "same", "whole", "other",
                         "another", "right", "wrong", "a", "an", "which", "what", "whose", "every", "each"})
_BEFORE_A_TEAM = frozenset({"the", "for", "to", "in", "on", "with", "from", "of", "show", "list", "get",
                            "see", "give", "find", "team", "all", "any", "open", "closed"})


def _team_phrases(text: str, directory: Directory) -> Iterator[Constraint]:
    command = text.split(":", 1)[0]
    known = {normalise(team) for team in directory.teams}
    for match in _TEAM_PHRASE.finditer(command):
        words = normalise(match.group(1) or match.group(2)).split()
        cut = [index for index, word in enumerate(words) if word in _BEFORE_A_TEAM]
        words = words[cut[-1] + 1 :] if cut else words  # "on hold for team X": not "hold for"
        if not words or words[0] in _NOT_A_TEAM or " ".join(words) in known:
            continue
        holding = [t.lower() for t in directory.teams if _holds(normalise(t).split(), words)]
        yield Constraint("team", " ".join(words), tuple(holding) or (" ".join(words),))


def _holds(name: list[str], words: list[str]) -> bool:
    """Every word said is a word of the name, or a slip of one ("netwrok")."""
    return all(difflib.get_close_matches(word, name, n=1, cutoff=0.8) for word in words)


_PRIORITY_WORD = r"(?:priority|priorty|prioirty|prio|pri)"


def _priorities(text: str, directory: Directory) -> Iterator[Constraint]:
    levels = directory.priorities
    for match in re.finditer(r"\bp([1-9])\b", text, _I):
        index = int(match.group(1)) - 1
        if index < len(levels):
            yield Constraint("priority", match.group(0), (levels[index].lower(),))
    for word in re.finditer(r"[A-Za-z][\w-]*", text):
        level = _priority_named(word.group(0), levels)
        if level and _priority_context(
            text, word.start(), word.end(), exact=level.lower() == word.group(0).lower()
        ):
            yield Constraint("priority", word.group(0), (level.lower(),))


def _priority_named(word: str, levels: tuple[str, ...]) -> str | None:
    lowered = word.lower().removesuffix("-priority")
    for level in levels:
        if lowered == level.lower() or (len(lowered) >= 4 and level.lower().startswith(lowered)):
            return level
    close = difflib.get_close_matches(lowered, [level.lower() for level in levels], n=1, cutoff=0.75)
    return next((level for level in levels if close and level.lower() == close[0]), None)


def _priority_context(text: str, start: int, end: int, *, exact: bool) -> bool:
    before, after = text[max(0, start - 25) : start].lower(), text[end : end + 25].lower()
    keyword_near = re.search(
        rf"\b{_PRIORITY_WORD}\b\s*(?:is|of|to|:|=|should\s+be)?\s*$", before
    ) or re.match(rf"[\s-]*{_PRIORITY_WORD}\b", after)
    if keyword_near:
        return True
    ticket_after = re.match(r"\s*(?:tickets?|incidents?|ones|requests?|calls?)\b", after)
    if not exact:
        return bool(ticket_after)
    set_before = re.search(r"(?:\bto|\bas|\bmake\s+it|\bset\s+it\s+to|->|[,;:])\s*$", before)
    alone = re.fullmatch(r"\W*(?:ok\w*\W+)?\w+\W*", text) is not None or (
        start == 0 and re.match(r"\s*[,;]", after)
    )
    return bool(ticket_after or set_before or alone)


_AMBIGUOUS_STATUSES = frozenset({"new", "closed", "resolved", "open"})


def _statuses(text: str, directory: Directory) -> Iterator[Constraint]:
    lowered = text.lower()
    for status in directory.statuses:
        if status.lower() in _AMBIGUOUS_STATUSES:
            continue
        pattern = re.escape(status.lower()).replace(r"\-", "[- ]?").replace(r"\ ", r"\s+")
        if re.search(rf"\b{pattern}\b", lowered):
            yield Constraint("status", status, (status.lower(),))
    if re.search(r"\b(?:open|closed)\s+(?:or|and)\s+(?:open|closed)\b|\bany\s+status", lowered):
        return
    if _open_filter(lowered):
        yield Constraint("status", "open", ("open",))
    if re.search(r"\b(?:closed|resolved)\s+(?:tickets|incidents|requests|ones)\b", lowered):
        yield Constraint("status", "closed", ("closed", "resolved"))


def _open_filter(text: str) -> bool:
    """ "open" as a filter ("open incidents", "still open"), not the verb ("open a ticket")."""
    for match in re.finditer(r"\b(?:still\s+)?open\b", text):
        before, after = text[: match.start()], text[match.end() :]
        if re.search(r"\b(?:leave|keep)\s+(?:it|this|that|them)?\s*$", before):
            continue  # "leave it open": not closing, not a filter
        adjective = re.search(r"\b(?:my|the|any|all|still|are|is|currently|'s|s|every)\s*$", before)
        verb = re.match(
            r"\s*(?:a|an|the|one|me|up|new|it|this|that|my|ticket\b(?!s)|incident\b(?!s)|"
            r"request\b(?!s)|service\s+request\b(?!s))",
            after,
        )
        plural = re.match(
            r"\s*(?:[\w-]+\s+){0,2}?(?:tickets|incidents|requests|ones|calls|cases|p\d|problems|"
            r"changes)\b",
            after,
        )
        at_end = re.match(r"\s*(?:[?.!]|$|for\b|with\b|and\s+assigned)", after)
        if adjective or plural or (at_end and not verb) or (not verb and before.strip()):
            return True
    return False


def _types(text: str, directory: Directory) -> Iterator[Constraint]:
    for kind in directory.types:
        word = re.escape(kind.lower())
        if len(kind.split()) == 1 and kind.lower() in ("problem", "change"):
            pattern = rf"\b(?:{word}s|{word}\s+(?:tickets|requests))\b"
        else:
            pattern = rf"\b{word}s?\b(?!\s*(?:#|no\.?|number)?\s*\d)"
        hit = re.search(pattern, text, _I)
        if hit:
            yield Constraint("type", hit.group(0), (kind.lower(),))


def _pages(text: str, directory: Directory) -> Iterator[Constraint]:
    match = re.search(
        r"\bpage\s*(?:no\.?\s*)?(\d+|two|three|four)\b|\b(second|third|2nd|3rd|next)\s+page\b", text, _I
    )
    if match:
        word = (match.group(1) or match.group(2)).lower()
        number = "next" if word == "next" else str(_NUMBER_WORDS.get(word) or word)
        yield Constraint("page", match.group(0), (number,))


_NOTE_WORDS = re.compile(
    r"\b(?:note|comment|reply|respond|tell(?!\s+(?:me|us)\b)|let\s+(?:the\s+)?\w+\s+know|fixed\s+by|the\s+fix\s+was|"
    r"message)\b",
    _I,
)
_BODY = re.compile(
    r"[\"“']([^\"”]{4,})[\"”']|:\s*(.{4,})$|\b(?:saying|that\s+says|to\s+say|fixed\s+by|"
    r"the\s+fix\s+was|that)\s+(.{4,})$",
    _I | re.S,
)
_HIDDEN = re.compile(r"\b(?:hidden|internal|private|staff[- ]only|agent[- ]only|not\s+visible)\b", _I)
_VISIBLE = re.compile(
    r"\b(?:visible|public|reply\s+to\s+the\s+(?:user|customer|requester)|tell\s+the\s+(?:user|"
    r"customer|requester)|let\s+the\s+(?:user|customer|requester)\s+know)\b",
    _I,
)


def _notes(text: str, directory: Directory) -> Iterator[Constraint]:
    keyword = _NOTE_WORDS.search(text)
    if not keyword:
        return
    yield Constraint("note", keyword.group(0), ("<note>",))
    body = _BODY.search(text, keyword.start()) or _BODY.search(text)
    if body:
        words = _content_words(next(g for g in body.groups() if g))
        if words:
            yield Constraint("note_text", " ".join(words), tuple(words))
    if _HIDDEN.search(text):
        yield Constraint("visibility", _HIDDEN.search(text).group(0), ("hidden",))  # type: ignore[union-attr]
    elif _VISIBLE.search(text):
        yield Constraint("visibility", _VISIBLE.search(text).group(0), ("visible",))  # type: ignore[union-attr]


_STOP = frozenset({
    "about", "after", "again", "also", "been", "being", "could", "does", "doesn", "from", "have", "into",
    "just", "more", "need", "only", "over", "please", "said", "should", "some", "than", "that", "their",
    "them", "then", "there", "they", "this", "those", "ticket", "user", "what", "when", "which", "will",
    "with", "would", "your", "note", "comment", "visible", "hidden", "internal", "private", "public",
})  # fmt: skip


def _content_words(text: str) -> list[str]:
    words = re.findall(r"[a-z][a-z'-]{3,}", text.lower())
    return list(dict.fromkeys(w for w in words if w not in _STOP))[:8]


_IMPOSSIBLE = re.compile(
    r"\b(?:delete|deleting|remove|erase|get\s+rid\s+of|purge|merge|merging|split|link\s+(?:it|them|\d+|#)|"
    r"sms|text\s+message|e-?mail\s+(?:the|him|her|them)\s+(?:user|requester|customer)?|phone\s+(?:the|him|her)|"
    r"call\s+(?:the\s+user|him|her|them)|attach(?:ment)?|print\s+it|export)\b",
    _I,
)


def _impossible(text: str, directory: Directory) -> Iterator[Constraint]:
    for match in _IMPOSSIBLE.finditer(text):
        yield Constraint("impossible", match.group(0), (_stem(match.group(0)),))


def _stem(phrase: str) -> str:
    first = phrase.lower().split()[0]
    return {"get": "rid", "text": "text"}.get(first, first[:5])


_FINDERS = (
    _tickets,
    _agents,
    _users,
    _sites,
    _clients,
    _teams,
    _priorities,
    _statuses,
    _types,
    _pages,
    _notes,
    _impossible,
)
