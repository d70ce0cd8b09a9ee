"""The README's table of providers, row by row: the settings load as the row says, and the request they
produce has the path, authentication and body that provider needs. The provider's host is replaced by a
fake server on loopback (its path is kept); no real provider is reached."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from halo_agent.config import ModelSettings, load_settings
from halo_agent.models.factory import build_model
from halo_agent.models.openai import LOCAL_SERVER_KEY
from tests.models.llm_server import LoopbackLLM, message_reply

README = Path(__file__).parents[2] / "README.md"
PROVIDERS = ["OpenAI", "Azure OpenAI", "Mistral", "DeepSeek", "Gemini (OpenAI endpoint)", "Groq",
             "OpenRouter", "vLLM", "Ollama", "llama.cpp server", "LM Studio", "LocalAI"]
TOOLS = [{"type": "function", "function": {"name": "haloitsm_get_ticket", "description": "Read a ticket.",
                                           "parameters": {"type": "object", "properties": {}}}}]


def table_rows() -> dict[str, dict[str, str]]:
    """Provider -> the `VAR=value` settings its row names."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Providers"):]
    rows = [line for line in section.split("\n\n")[2].splitlines() if line.startswith("| ")][1:]  # no header
    table: dict[str, dict[str, str]] = {}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        table[cells[0]] = dict(re.findall(r"`([A-Z_]+)=([^`]+)`", " ".join(cells[1:])))
    return table


def test_the_table_lists_every_provider_the_issue_names() -> None:
    assert list(table_rows()) == PROVIDERS


@pytest.fixture
async def llm() -> AsyncIterator[LoopbackLLM]:
    server = await LoopbackLLM().start()
    yield server
    await server.stop()


def _to_loopback(url: str, llm: LoopbackLLM) -> str:
    return llm.url.removesuffix("/v1") + urlsplit(url).path.rstrip("/")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_rows_settings_load_as_written(provider: str) -> None:
    env = table_rows()[provider]
    model = load_settings(env=env).model
    assert model.name == env["HALO_AGENT_MODEL"] and not model.is_offline
    assert model.base_url == env.get("OPENAI_BASE_URL")
    assert model.azure_endpoint == env.get("AZURE_OPENAI_ENDPOINT")
    key = env.get("AZURE_OPENAI_API_KEY") or env.get("OPENAI_API_KEY")
    assert (model.api_key.get_secret_value() if model.api_key else None) == key
    assert model.omit_params == [p for p in env.get("HALO_AGENT_MODEL_OMIT", "").split(",") if p]


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_rows_request_has_the_shape_its_provider_needs(
    llm: LoopbackLLM, provider: str, stream: bool
) -> None:
    env = table_rows()[provider]
    settings = load_settings(env=env).model
    served = _served_settings(settings, llm)
    llm.then(message_reply({"content": "ok"}))
    model = build_model(served)
    try:
        answer = await model.complete([{"role": "user", "content": "hi"}], TOOLS,
                                      on_text=(lambda _: None) if stream else None)
    finally:
        await model.aclose()  # type: ignore[attr-defined]
    assert answer.text == "ok"
    _check_request(llm, settings, served, stream)


def _served_settings(settings: ModelSettings, llm: LoopbackLLM) -> ModelSettings:
    if settings.azure_endpoint:
        return settings.model_copy(update={"azure_endpoint": _to_loopback(settings.azure_endpoint, llm)})
    url = settings.base_url or "https://api.openai.com/v1"
    return settings.model_copy(update={"base_url": _to_loopback(url, llm)})


def _check_request(llm: LoopbackLLM, settings: ModelSettings, served: ModelSettings, stream: bool) -> None:
    body, headers, path = llm.bodies[0], {k.lower(): v for k, v in llm.headers[0].items()}, llm.paths[0]
    key = settings.api_key.get_secret_value() if settings.api_key else None
    if settings.azure_endpoint:
        assert path == (f"/openai/deployments/{settings.name}/chat/completions"
                        f"?api-version={settings.azure_api_version}")
        assert headers["api-key"] == key and "authorization" not in headers
    else:
        assert path == urlsplit(served.base_url or "").path + "/chat/completions"
        assert headers["authorization"] == f"Bearer {key or LOCAL_SERVER_KEY}"
    assert body["model"] == settings.name and body["tools"] == TOOLS
    assert bool(body.get("stream")) is stream
    for omitted in settings.omit_params:
        assert omitted not in body
    expected: dict[str, Any] = {"parallel_tool_calls": True, "stream_options": {"include_usage": True}}
    for field, value in expected.items():
        if field not in settings.omit_params and (field != "stream_options" or stream):
            assert body[field] == value
