"""A follow-up that narrows the list just shown: "just the high priority ones", "only the network ones",
"what about on hold?". The previous list call's filters are kept and the new ones added (or replace
the same filter), so nothing the person asked for earlier is dropped.
"""

from __future__ import annotations

import re
from typing import Any

from halo_agent.models.offline.arguments import slots_from_args
from halo_agent.models.offline.entities import find_entities
from halo_agent.models.offline.parse import Intent, with_entities
from halo_agent.models.offline.vocab import Vocabulary

_NARROWING = re.compile(
    r"^\W*(?:ok(?:ay)?,?\s+|and\s+|now\s+|so\s+)?(?:(?:just|only)\b|(?:what|how)\s+about\b"
    r"|(?:show|list|give)\s+(?:me\s+)?(?:just|only)\b|filter\s+(?:by|to|for)\b)", re.IGNORECASE)


def narrowed_list(text: str, earlier: dict[str, Any], vocab: Vocabulary) -> Intent | None:
    """The earlier list with the filters this reply adds; None when the reply is not a narrowing."""
    if not _NARROWING.search(text):
        return None
    entities = find_entities(text, vocab)
    if entities.tickets:
        return None
    added = {key: value for key, value in with_entities("list", {}, entities).items() if value is not None}
    if not added:
        return None
    return Intent("list", text, {**slots_from_args(earlier), **added})
