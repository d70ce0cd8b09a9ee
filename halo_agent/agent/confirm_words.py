"""Reading a person's answer to a pending confirmation. Decided in code, never by the model.

The everyday yes/no family is understood ("yep go ahead", "sure, do it", "nope", "cancel that"), in
any combination of its phrases, with politeness, case and punctuation ignored. A message mixing yes and no,
starting like an answer but saying more ("yes but make it low"), or hesitating ("maybe") is `unclear`: the
system asks again, showing its own preview, never declines silently. Anything else is something new the
person said: not an answer (the pending call is then cancelled, visibly).
"""

from __future__ import annotations

import re
from typing import Literal

Answer = Literal["yes", "no", "unclear"]

YES_PHRASES = (
    "yes", "y", "yeah", "yea", "yep", "yup", "ya", "aye", "sure", "ok", "okay", "k", "kk", "fine",
    "confirm", "confirmed", "i confirm", "go ahead", "go", "go on", "do it", "proceed", "absolutely",
    "definitely", "of course", "correct", "right", "that's right", "sounds good", "looks good", "lgtm",
    "go for it", "please do", "yes please", "affirmative", "approved", "approve", "that's fine", "all good",
)
NO_PHRASES = (
    "no", "n", "nope", "nah", "cancel", "cancel it", "cancel that", "stop", "don't", "dont", "do not",
    "don't do it", "abort", "never mind", "nevermind", "forget it", "scrap that", "not now", "no thanks",
    "no thank you", "decline", "declined", "hold off", "wait no", "negative", "leave it",
)
FILLERS = ("please", "pls", "plz", "thanks", "thank you", "thx", "cheers", "ta", "then", "now", "just")
HESITANT = frozenset({"maybe", "hmm", "hm", "perhaps", "unsure", "idk", "wait", "possibly", "dunno", "um",
                      "erm", "not sure", "i don't know", "i'm not sure", "let me think", "hold on"})

_SPLIT = re.compile(r"[\s.!,;:?]+")


def _phrases(words: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted(words, key=len, reverse=True)  # longest first: "do it" before "do"
    alternatives = "|".join(re.escape(w) for w in ordered)
    return re.compile(rf"(?:{alternatives})(?: (?:{alternatives}))*")


_YES = _phrases(YES_PHRASES)
_NO = _phrases(NO_PHRASES)
_FILLER = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in FILLERS) + r")\b")


def normalise(message: str) -> str:
    text = message.lower().replace("’", "'").replace("`", "'")
    return " ".join(w for w in _SPLIT.split(_FILLER.sub(" ", text)) if w)


def classify_answer(message: str) -> Answer | None:
    """`yes`, `no`, `unclear` (ask again), or None: the person said something new, not an answer."""
    text = normalise(message)
    if not text:
        return "unclear" if message.strip() else None
    if _YES.fullmatch(text):
        return "yes"
    if _NO.fullmatch(text):
        return "no"
    if text in HESITANT or _mixes(text) or _starts_like_an_answer(text):
        return "unclear"
    return None


def _starts_like_an_answer(text: str) -> bool:
    """ "yes but make it low", "no, the other one": an answer with something more; which is it?"""
    first = text.split()[0]
    return bool(_YES.fullmatch(first) or _NO.fullmatch(first)) or first in HESITANT


def _mixes(text: str) -> bool:
    """Both a yes and a no phrase, and nothing else ("yes no", "ok cancel"): say which, please."""
    words = text.split()
    for cut in range(1, len(words)):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        if (_YES.fullmatch(head) and _NO.fullmatch(tail)) or (_NO.fullmatch(head) and _YES.fullmatch(tail)):
            return True
    return False
