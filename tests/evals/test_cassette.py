"""Cassettes: record a conversation against a fake endpoint, replay it with no endpoint at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2
import pytest
import vcr
import yaml
from pydantic import SecretStr

from halo_agent.config import ModelSettings
from halo_agent.errors import ModelError
from halo_agent.evals.cassette import CassetteDivergedError, CassetteModel
from tests.models.openai_fake import FakeOpenAI, completion, error, tool_call

SECRET = "sk-live-cassette-secret-42"
HALO_SECRET = "halo-client-secret-99"
SYSTEM = {"role": "system", "content": "You help with tickets."}
ASK = {"role": "user", "content": "Status of ticket 789?"}
TOOLS: list[dict[str, Any]] = [
    {"type": "function", "function": {"name": "haloitsm_get_ticket", "parameters": {"type": "object"}}}
]
CALL = tool_call("call_1", "haloitsm_get_ticket", '{"ticket_id": 789}')
TOOL_TURN: list[dict[str, Any]] = [
    {"role": "assistant", "content": None, "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "call_1", "content": '{"status": "ok", "result": {"status": "Open"}}'},
]


def settings(**changes: Any) -> ModelSettings:
    values: dict[str, Any] = {"name": "gpt-test", "api_key": SecretStr(SECRET), "max_retries": 0}
    return ModelSettings(**(values | changes))


def no_network(request: httpx2.Request) -> httpx2.Response:
    raise AssertionError(f"replay reached the endpoint: {request.url}")


async def record_two_turns(path: Path) -> FakeOpenAI:
    fake = FakeOpenAI(
        completion(None, [CALL]),
        httpx2.Response(
            200,
            json=completion("Ticket 789 is Open.").json(),
            headers={"set-cookie": f"session={SECRET}", "openai-organization": "org-acme"},
        ),
    )
    async with CassetteModel(
        settings(), path, "record", transport=httpx2.MockTransport(fake), secrets=[HALO_SECRET]
    ) as model:
        first = await model.complete([SYSTEM, ASK], TOOLS)
        assert first.tool_calls[0].name == "haloitsm_get_ticket"
        pieces: list[str] = []
        second = await model.complete([SYSTEM, ASK, *TOOL_TURN], TOOLS, on_text=pieces.append)
        assert pieces == ["Ticket 789 is Open."] and second.text == pieces[0]
    return fake


async def test_replay_plays_the_recording_without_an_endpoint(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    fake = await record_two_turns(path)
    assert len(fake.requests) == 2
    async with CassetteModel(settings(api_key=None), path, "replay") as model:
        first = await model.complete([SYSTEM, ASK], TOOLS)
        second = await model.complete([SYSTEM, ASK, *TOOL_TURN], TOOLS)
    assert first.tool_calls[0].arguments == '{"ticket_id": 789}'
    assert first.usage.prompt_tokens == 12
    assert second.text == "Ticket 789 is Open."
    assert model.diverged is None


async def test_recording_streams_nothing_and_holds_the_exchange(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    fake = await record_two_turns(path)
    assert all("stream" not in body for body in fake.bodies)
    saved = yaml.safe_load(path.read_text())["interactions"]
    assert [item["request"]["method"] for item in saved] == ["POST", "POST"]
    assert saved[0]["request"]["uri"] == "https://api.openai.com/v1/chat/completions"
    assert "Status of ticket 789?" in saved[0]["request"]["body"]
    assert not any(name.startswith("x-stainless") for name in saved[0]["request"]["headers"])
    assert "Ticket 789 is Open." in saved[1]["response"]["body"]["string"]
    assert saved[1]["response"]["status"]["code"] == 200


async def test_secrets_never_reach_the_cassette_file(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    fake = FakeOpenAI(error(400, f"key {SECRET} and {HALO_SECRET} echoed"))
    model = CassetteModel(
        settings(), path, "record", transport=httpx2.MockTransport(fake), secrets=[HALO_SECRET]
    )
    with pytest.raises(ModelError):
        await model.complete([SYSTEM, {"role": "user", "content": f"my secret is {HALO_SECRET}"}], [])
    await model.aclose()
    await record_two_turns(tmp_path / "other.yaml")
    assert path.read_text().count("<redacted>") == 3  # the user's text and both echoes
    for text in (path.read_text(), (tmp_path / "other.yaml").read_text()):
        assert SECRET not in text and HALO_SECRET not in text
        lowered = text.lower()
        for header in ("authorization", "api-key", "set-cookie", "openai-organization"):
            assert f"{header}:" not in lowered


async def test_a_changed_conversation_is_reported_as_diverged(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    await record_two_turns(path)
    model = CassetteModel(settings(), path, "replay", transport=httpx2.MockTransport(no_network))
    other = {"role": "user", "content": "Close ticket 789 instead."}
    with pytest.raises(CassetteDivergedError) as caught:
        await model.complete([SYSTEM, other], TOOLS)
    assert isinstance(caught.value, ModelError)
    assert "POST /v1/chat/completions is not in the cassette (0 of 2" in str(caught.value)
    assert model.diverged is caught.value
    await model.aclose()


async def test_asking_the_same_question_more_often_than_recorded_diverges(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    await record_two_turns(path)
    async with CassetteModel(settings(), path, "replay") as model:
        await model.complete([SYSTEM, ASK], TOOLS)
        with pytest.raises(CassetteDivergedError):
            await model.complete([SYSTEM, ASK], TOOLS)


async def test_replay_without_a_recording_says_to_record(tmp_path: Path) -> None:
    async with CassetteModel(settings(), tmp_path / "missing.yaml", "replay") as model:
        with pytest.raises(CassetteDivergedError, match=r"no cassette was recorded.*--record"):
            await model.complete([SYSTEM, ASK], [])
    assert not (tmp_path / "missing.yaml").exists()


async def test_recording_again_replaces_the_old_exchanges(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    await record_two_turns(path)
    fake = FakeOpenAI(completion("fresh"))
    async with CassetteModel(settings(), path, "record", transport=httpx2.MockTransport(fake)) as model:
        await model.complete([SYSTEM, ASK], TOOLS)
    saved = yaml.safe_load(path.read_text())["interactions"]
    assert len(saved) == 1
    assert "fresh" in saved[0]["response"]["body"]["string"]


async def test_vcrpy_itself_can_replay_our_cassette(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    await record_two_turns(path)
    my_vcr = vcr.VCR(record_mode="none", match_on=["method", "path", "body"])
    first_body = yaml.safe_load(path.read_text())["interactions"][0]["request"]["body"]
    with my_vcr.use_cassette(str(path)):
        async with httpx2.AsyncClient(transport=httpx2.MockTransport(no_network)) as client:
            response = await client.post(
                "https://api.openai.com/v1/chat/completions",
                content=first_body,
                headers={"content-type": "application/json"},
            )
    assert response.json()["choices"][0]["message"]["tool_calls"][0]["id"] == "call_1"


async def test_azure_recordings_match_on_the_deployment_path(tmp_path: Path) -> None:
    path = tmp_path / "azure.yaml"
    azure = settings(name="dep-a", azure_endpoint="https://contoso.openai.azure.com")
    fake = FakeOpenAI(completion("hi"))
    async with CassetteModel(azure, path, "record", transport=httpx2.MockTransport(fake)) as model:
        await model.complete([ASK], [])
    assert "/openai/deployments/dep-a/chat/completions" in path.read_text()
    async with CassetteModel(azure, path, "replay") as replay:
        assert (await replay.complete([ASK], [])).text == "hi"
    other = settings(name="dep-b", azure_endpoint="https://contoso.openai.azure.com")
    async with CassetteModel(other, path, "replay") as replay:
        with pytest.raises(CassetteDivergedError):
            await replay.complete([ASK], [])


def paused_turn(pending_id: str) -> list[dict[str, Any]]:
    paused = f'{{"status": "paused", "kind": "confirmation", "pending_id": "{pending_id}"}}'
    return [
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "call_1", "content": paused},
        {"role": "assistant", "content": f"Say yes to run {pending_id}."},
        {"role": "user", "content": "yes"},
    ]


async def test_a_conversation_with_another_runs_pending_id_still_replays(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    fake = FakeOpenAI(completion("Done."))
    async with CassetteModel(settings(), path, "record", transport=httpx2.MockTransport(fake)) as model:
        await model.complete([SYSTEM, ASK, *paused_turn("a1b2c3d4e5f6")], TOOLS)
    assert "a1b2c3d4e5f6" not in path.read_text()  # stored with the stable marker
    async with CassetteModel(settings(api_key=None), path, "replay") as model:
        again = await model.complete([SYSTEM, ASK, *paused_turn("0f9e8d7c6b5a")], TOOLS)
    assert again.text == "Done." and model.diverged is None
