"""The Teams bot end to end: signed activities in, Bot Framework REST out, Halo and audit checked."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from halo_agent.channels.teams import cards
from tests.channels.teams.conftest import (
    ALEX,
    APPROVERS,
    EMMA,
    LIAM,
    PRIYA,
    STRANGER,
    MakeRig,
    actions_of,
    chat_of,
)

CLOSE_EMAIL = "It's working again, you can close my email ticket."
APPROVAL_REQUEST = "Raise the priority of ticket 789 to Critical."


async def test_an_activity_without_a_valid_token_is_refused_and_audited(make_rig: MakeRig) -> None:
    rig = await make_rig()
    activity = {"type": "message", "id": "x1", "serviceUrl": rig.fake.service_url, "channelId": "msteams",
                "from": {"id": EMMA}, "conversation": {"id": chat_of(EMMA)}, "recipient": {"id": "28:bot"},
                "text": "close 789"}  # fmt: skip
    missing = await rig.post(activity, token=None)
    forged = await rig.post(activity, token="eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl")
    other_app = rig.fake.channel_token("another-app-id")
    wrong_audience = await rig.post(activity, token=other_app)
    assert [missing.status_code, forged.status_code, wrong_audience.status_code] == [401, 401, 401]
    assert len(rig.audited("teams_request_refused")) == 3
    assert not rig.fake.sent  # nothing ran, nothing was sent


async def test_a_message_is_answered_with_a_card_and_ticket_links(make_rig: MakeRig) -> None:
    rig = await make_rig()
    response = await rig.say(EMMA, "What's the status of my ticket 789?")
    assert response.status_code == 200
    paths = [(s.method, s.path.split("/")[-1]) for s in rig.fake.sent]
    assert paths == [("GET", EMMA), ("POST", "activities"), ("POST", "activities")]  # roster, typing, answer
    assert all(s.authorized for s in rig.fake.sent)
    typing = rig.fake.made("POST")[0].body
    assert typing is not None and typing["type"] == "typing"
    card = rig.cards_sent()[-1]
    assert "(https://desk.example.com/ticket?id=789)" in json.dumps(card)


async def test_a_redelivered_activity_runs_the_turn_once(make_rig: MakeRig) -> None:
    rig = await make_rig()
    text = "My laptop battery won't charge anymore. Please open a ticket for me."
    first = await rig.say(EMMA, text, activity_id="1700000000999", settle=False)
    again = await rig.say(EMMA, text, activity_id="1700000000999", settle=False)
    await rig.bot.core.background.idle()
    assert first.status_code == 200 and again.status_code == 200
    assert len(rig.cards_sent()) == 1
    created = [r for r in rig.service.audit.tail(200) if r.get("tool") == "haloitsm_create_ticket"]
    assert len(created) == 1


async def test_someone_halo_does_not_know_is_refused_clearly(make_rig: MakeRig) -> None:
    rig = await make_rig()
    await rig.say(STRANGER, "List all open incidents assigned to agent 6.")
    said = rig.fake.made("POST")[-1].body
    assert said is not None and "can't find nobody@example.com in Halo" in said["text"]
    assert rig.audited("bot_identity_refused")
    assert not [r for r in rig.service.audit.tail(100) if r.get("tool")]


async def test_only_the_asker_can_confirm_and_a_second_press_runs_nothing(make_rig: MakeRig) -> None:
    rig = await make_rig()
    await rig.say(EMMA, CLOSE_EMAIL)
    card = rig.cards_sent()[-1]
    data = actions_of(card, cards.CONFIRM)
    record = rig.service.pending_store.get(data["pending_id"])
    runs = [i["text"] for b in card["body"] if b["type"] == "RichTextBlock" for i in b["inlines"]]
    assert record is not None and record.preview in runs  # the exact preview, never read as markdown

    wrong = await rig.press(LIAM, cards.CONFIRM, data, conversation=chat_of(EMMA))
    assert wrong.json()["type"] == "application/vnd.microsoft.activity.message"
    assert "Only Emma Hart can answer" in wrong.json()["value"]
    assert rig.service.pending_store.get(data["pending_id"]).state == "pending"  # type: ignore[union-attr]

    first = await rig.press(EMMA, cards.CONFIRM, data, conversation=chat_of(EMMA))
    second = await rig.press(EMMA, cards.CONFIRM, data, conversation=chat_of(EMMA))
    assert first.json()["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Confirmed" in json.dumps(first.json()["value"])
    assert "already carried out" in second.json()["value"]
    runs = [r for r in rig.service.audit.tail(300) if r.get("event") == "pending_run"]
    assert len(runs) == 1
    assert rig.service.sandbox is not None and rig.service.sandbox.state_store.ticket(789)["status_id"] == 9


async def test_an_approval_goes_to_the_approvers_channel_and_the_requester_cannot_approve(
    make_rig: MakeRig,
) -> None:
    rig = await make_rig()
    await rig.say(ALEX, APPROVAL_REQUEST)
    request = rig.cards_sent(APPROVERS)[-1]
    data = actions_of(request, cards.APPROVE)

    own = await rig.press(ALEX, cards.APPROVE, data, conversation=APPROVERS)
    assert "can't decide this request" in own.json()["value"]
    employee = await rig.press(EMMA, cards.APPROVE, data, conversation=APPROVERS)
    assert employee.json()["type"] == "application/vnd.microsoft.activity.message"
    assert rig.service.pending_store.get(data["pending_id"]).state == "pending"  # type: ignore[union-attr]

    approved = await rig.press(PRIYA, cards.APPROVE, data, conversation=APPROVERS)
    assert "approved" in json.dumps(approved.json()["value"])
    assert rig.service.pending_store.get(data["pending_id"]).state == "done"  # type: ignore[union-attr]
    told = rig.cards_sent(chat_of(ALEX))[-1]
    assert "approved" in json.dumps(told)
    assert rig.service.sandbox is not None and rig.service.sandbox.state_store.ticket(789)["priority_id"] == 1


async def test_a_slow_press_answers_at_once_and_replaces_the_card_when_done(
    make_rig: MakeRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = await make_rig(press_budget=0.05)
    await rig.say(EMMA, CLOSE_EMAIL)
    data = actions_of(rig.cards_sent()[-1], cards.CONFIRM)
    confirm = rig.service.confirm

    async def slow_confirm(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.5)  # a model taking its time over the answer after the write
        return await confirm(*args, **kwargs)

    monkeypatch.setattr(rig.service, "confirm", slow_confirm)
    pressed = await rig.press(EMMA, cards.CONFIRM, data, conversation=chat_of(EMMA))
    assert "Working on it" in json.dumps(pressed.json()["value"])
    await rig.bot.core.background.idle()
    (replaced,) = rig.fake.made("PUT", "/activities/activity-1")
    assert replaced.authorized and "Confirmed" in json.dumps(replaced.body)
    assert rig.service.sandbox is not None and rig.service.sandbox.state_store.ticket(789)["status_id"] == 9


async def test_someone_missing_from_the_roster_is_refused_clearly(make_rig: MakeRig) -> None:
    rig = await make_rig()
    del rig.fake.roster[STRANGER]  # the connector answers 404 MemberNotFoundInConversation
    await rig.say(STRANGER, "List all open incidents assigned to agent 6.")
    said = rig.fake.made("POST")[-1].body
    assert said is not None and "no email address" in said["text"]
    assert not [r for r in rig.service.audit.tail(100) if r.get("tool")]
