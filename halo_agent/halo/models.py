"""The client's public types, in one import: `from halo_agent.halo.models import Ticket, ListPage, ...`."""

from __future__ import annotations

from halo_agent.halo.metadata import InstanceMetadata
from halo_agent.halo.records import (
    Action,
    Agent,
    Asset,
    Client,
    HaloModel,
    KBArticle,
    ListPage,
    Outcome,
    Priority,
    Site,
    Status,
    Team,
    Ticket,
    TicketType,
    User,
)

__all__ = [
    "Action", "Agent", "Asset", "Client", "HaloModel", "InstanceMetadata", "KBArticle", "ListPage", "Outcome",
    "Priority", "Site", "Status", "Team", "Ticket", "TicketType", "User",
]
