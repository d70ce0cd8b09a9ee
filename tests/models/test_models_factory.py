"""build_model: the offline model by default, an OpenAI-compatible endpoint when one is configured."""

from __future__ import annotations

import sys

import pytest

from halo_agent.agent.model import ChatModel
from halo_agent.config import ModelSettings, load_settings
from halo_agent.errors import ModelError
from halo_agent.models.factory import build_model
from halo_agent.models.openai import OpenAIChatModel
from tests.models.openai_fake import FakeOpenAI, completion


def test_default_settings_build_the_offline_model() -> None:
    model = build_model(ModelSettings())
    from halo_agent.models.offline import OfflineModel

    assert isinstance(model, OfflineModel)
    assert isinstance(model, ChatModel)


async def test_an_api_key_in_the_environment_builds_an_openai_model() -> None:
    settings = load_settings(env={"OPENAI_API_KEY": "sk-env"}).model
    fake = FakeOpenAI(completion("hello"))
    model = build_model(settings, http_client=fake.client())
    assert isinstance(model, OpenAIChatModel)
    assert model.name == "gpt-4.1-mini"
    assert (await model.complete([{"role": "user", "content": "hi"}], [])).text == "hello"
    assert fake.requests[0].url.host == "api.openai.com"
    assert fake.requests[0].headers["authorization"] == "Bearer sk-env"


async def test_a_local_base_url_with_a_model_name_needs_no_key() -> None:
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:8000/v1", "HALO_AGENT_MODEL": "qwen2.5:7b"}
    fake = FakeOpenAI(completion("hi"))
    model = build_model(load_settings(env=env).model, http_client=fake.client())
    await model.complete([{"role": "user", "content": "hi"}], [])
    assert str(fake.requests[0].url) == "http://127.0.0.1:8000/v1/chat/completions"
    assert fake.bodies[0]["model"] == "qwen2.5:7b"


async def test_azure_endpoint_builds_an_azure_client_for_the_deployment() -> None:
    env = {
        "AZURE_OPENAI_ENDPOINT": "https://contoso.openai.azure.com",
        "AZURE_OPENAI_API_KEY": "azure-key",
        "HALO_AGENT_MODEL": "my-deployment",
        "OPENAI_API_VERSION": "2025-01-01-preview",
    }
    fake = FakeOpenAI(completion("hi"))
    model = build_model(load_settings(env=env).model, http_client=fake.client())
    await model.complete([{"role": "user", "content": "hi"}], [])
    url = fake.requests[0].url
    assert url.path == "/openai/deployments/my-deployment/chat/completions"
    assert url.params["api-version"] == "2025-01-01-preview"
    assert fake.requests[0].headers["api-key"] == "azure-key"


def test_azure_without_a_key_fails_with_the_variable_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_OPENAI_AD_TOKEN", raising=False)
    settings = ModelSettings(name="dep", azure_endpoint="https://contoso.openai.azure.com")
    with pytest.raises(ModelError, match="AZURE_OPENAI_API_KEY"):
        build_model(settings)


def test_the_offline_model_does_not_load_the_openai_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "halo_agent.models.openai", raising=False)
    build_model(ModelSettings())
    assert "halo_agent.models.openai" not in sys.modules

