"""Teams named in a request, in the instance's own names: "2nd line", "first-line support", "Network team".

A one-word team name that is also an everyday word ("network", "applications") counts only where it is used
as a team ("to Network", "the network team"), so "the network cable was replaced" names no team.
"""

from __future__ import annotations

import re

from halo_agent.models.offline.vocab import Vocabulary, find_name, find_phrases, match_name, normalise

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
    return found


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
