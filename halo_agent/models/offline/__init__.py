"""The offline model: understands service-desk requests without an LLM."""

from halo_agent.models.offline.model import OfflineModel

__all__ = ["OfflineModel"]
