"""Teams named in a request, in the instance's own names: "2nd line", "first-line support", "Network team".

A one-word team name that is also an everyday word ("network", "applications") counts only where it is used
as a team ("to Network", "the network team"), so "the network cable was replaced" names no team. A team
called by part of its name ("the service desk team", "the leads queue") is the one team whose name holds
those words; when none or several do, the phrase is kept to be named back ("no team called 'security'",
"1st Line Support or 2nd Line Support?"), never dropped.
"""

from __future__ import annotations

import re

from halo_agent.models.offline.vocab import (
    Vocabulary,
    find_name,
    find_phrases,
    match_name,
    normalise,
    same_word,
    words_of,
)

_I = re.IGNORECASE


def team_names(text: str, vocab: Vocabulary) -> list[str]:
    """Teams by name, short name ("2nd line", "first line") or with a typo; a one-word team name that is
    also an everyday word ("network") only where it is used as a team ("to Network", "Network team")."""
    short = {_short_team(team): team for team in vocab.teams if _short_team(team)}
    found: list[str] = []
    for name, _ in find_phrases(text, vocab.teams + tuple(short)):
        team = short.get(name, name)
        if team not in found and (len(team.split()) > 1 or _used_as_team(team, text)):
            found.append(team)
    for phrase in team_phrases(text, vocab):
        known = teams_like(phrase, vocab)
        if len(known) == 1 and known[0] not in found:
            found.append(known[0])
    return found


# "the service desk team", "hardware team's", "in the leads queue": up to three words before the word team
_TEAM_PHRASE = re.compile(r"((?:[\w-]+\s+){0,2}[\w-]+)\s+(?:team|queue|group)(?!s)\b", _I)
_NOT_TEAM_WORDS = frozenset({
    "the", "a", "an", "my", "our", "your", "their", "his", "her", "this", "that", "which", "what", "whose",
    "for", "to", "in", "on", "with", "from", "of", "by", "at", "and", "or", "any", "all", "every", "each",
    "same", "other", "another", "whole", "entire", "right", "wrong", "correct", "new", "old", "open",
    "closed", "tickets", "ticket", "incidents", "incident", "show", "list", "get", "give", "see", "view",
    "is", "are", "was", "whats", "what's", "s", "me", "please", "pls", "assign", "move", "send",
    "reassign", "route", "transfer", "escalate", "pass", "put", "set", "change", "it", "them", "priority",
    "prio", "high", "low", "only", "just", "about",
})  # fmt: skip


def team_phrases(text: str, vocab: Vocabulary) -> list[str]:
    """The words said where a team's name goes ("the service desk team" -> "service desk"), each once,
    without the request's other filters ("open network team tickets" -> "network")."""
    other = vocab.statuses + vocab.priorities + vocab.types
    phrases: list[str] = []
    for match in _TEAM_PHRASE.finditer(text):
        words = match.group(1).split()
        while words and (words[0].lower() in _NOT_TEAM_WORDS or find_phrases(words[0], other)):
            words.pop(0)
        phrase = " ".join(words)
        if phrase and phrase.lower() not in (p.lower() for p in phrases):
            phrases.append(phrase)
    return phrases


def teams_like(phrase: str, vocab: Vocabulary) -> list[str]:
    """The teams whose name holds every word of the phrase (typos allowed): "service desk" -> Service Desk
    Leads, "line" -> both line teams, "security" -> none."""
    said = words_of(phrase)
    if find_phrases(phrase, vocab.teams):
        return [name for name, _ in find_phrases(phrase, vocab.teams)][:1]
    return [team for team in vocab.teams
            if said and all(any(same_word(w, k) for k in words_of(team)) for w in said)]


def unclear_teams(text: str, vocab: Vocabulary) -> tuple[tuple[str, str], ...]:
    """(phrase, why) for each team said that is no team or several: named back, never dropped."""
    found: list[tuple[str, str]] = []
    for phrase in team_phrases(text, vocab):
        known = teams_like(phrase, vocab)
        if len(known) > 1:
            found.append((phrase, "it could be " + " or ".join(known)))
        elif not known and not _short_team_said(phrase, vocab):
            found.append((phrase, "there is no team of that name; the teams are " + ", ".join(vocab.teams)))
    return tuple(found)


def _short_team_said(phrase: str, vocab: Vocabulary) -> bool:
    shorts = tuple(_short_team(team) for team in vocab.teams if _short_team(team))
    return bool(find_phrases(phrase, shorts))


def _short_team(team: str) -> str:
    """ "2nd Line Support" -> "2nd Line": how people say a numbered team."""
    words = normalise(team).split()
    return " ".join(words[:2]) if len(words) >= 3 and words[0][:1].isdigit() else ""


def _used_as_team(team: str, text: str) -> bool:
    word = re.escape(team[:5]) + r"\w*"
    used = (rf"\b(?:to|for|with|team|queue|in|on|from)\s+(?:the\s+)?{word}\b"
            r"(?!\s+(?:cable|card|port|drive|issue))"
            rf"|\b{word}(?:'s|\s+(?:team|queue|group|support|guys|folks))|^\W*{word}\W*$")
    return re.search(used, text, _I) is not None


def assigned_team(text: str, vocab: Vocabulary) -> str | None:
    match = re.search(r"\b(?:re-?assign|assign|route|send|give|transfer|escalate|move|pass)\b.*?"
                      r"\bto\s+(?:the\s+)?([^.,;:]+)", text, _I)
    if not match:
        return None
    target = match.group(1)
    bare = re.sub(r"\s+(?:team|group|queue)$", "", target.strip(), flags=_I)
    known = find_name(target, vocab.teams) or match_name(bare, vocab.teams)
    known = known or next(iter(team_names(target, vocab)), None)
    if known:
        return known
    team = re.match(r"(.+?)\s+(?:team|group|queue)\b", target, _I)
    return team.group(1).strip() if team else None
