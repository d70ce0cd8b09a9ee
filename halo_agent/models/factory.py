"""Choose the chat model from settings: the offline model, or an OpenAI-compatible endpoint.

Both imports are deferred: the offline model must start without loading the `openai` SDK, and the
SDK is only needed when an endpoint is configured.
"""

from __future__ import annotations

import httpx2

from halo_agent.agent.model import ChatModel
from halo_agent.config import ModelSettings


def build_model(settings: ModelSettings, *, http_client: httpx2.AsyncClient | None = None) -> ChatModel:
    """`name == "offline"` -> OfflineModel; otherwise OpenAIChatModel (Azure when `azure_endpoint` is set).

    Raises ModelError when an endpoint is configured without the key it needs.
    """
    if settings.is_offline:
        from halo_agent.models.offline import OfflineModel

        return OfflineModel()
    from halo_agent.models.openai import OpenAIChatModel

    return OpenAIChatModel(settings, http_client=http_client)
