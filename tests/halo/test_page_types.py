"""Parametrised page types outlive a garbage collection (pydantic caches them only weakly)."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest

from halo_agent.halo.client import HaloClient
from halo_agent.halo.records import Agent, KBArticle, ListPage, Ticket, User


def _page_type(model: Any) -> Any:
    return ListPage[model]  # inside a function, as the client builds them (not pinned by a module)


@pytest.mark.parametrize("model", [Ticket, KBArticle, User, Agent])
def test_the_clients_page_types_are_built_once_not_after_every_collection(model: Any) -> None:
    assert HaloClient is not None  # importing the client pins them
    kind = weakref.ref(_page_type(model))
    gc.collect()
    assert kind() is not None and kind() is _page_type(model)
