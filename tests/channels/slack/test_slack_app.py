"""The Slack app end to end: signed requests in, Block Kit out to a fake Slack, Halo and audit checked."""

from __future__ import annotations

import json
from typing import Any

from halo_agent.channels.slack import blocks
from halo_agent.channels.slack.fake import event_body, signed_headers
from halo_agent.testing import FunctionModel
from tests.channels.slack.conftest import ALEX, DM, EMMA, LIAM, PRIYA, STRANGER, MakeRig, button_value

CLOSE_EMAIL = "It's working again, you can close my email ticket."
APPROVAL_REQUEST = "Raise the priority of ticket 789 to Critical."


async def test_an_unsigned_or_forged_request_is_refused_and_audited(make_rig: MakeRig) -> None:
    rig = await make_rig()
    body = event_body({"type": "message", "channel_type": "im", "channel": "D1", "user": EMMA,
                       "text": "close 789", "ts": "1.1"}, event_id="EvFORGED")  # fmt: skip
    unsigned = await rig.post(body, {}, "application/json")
    forged = await rig.post(body, signed_headers("not-the-secret", body), "application/json")
    stale = await rig.post(body, signed_headers("0123456789abcdef0123456789abcdef", body, timestamp=1),
                           "application/json")  # fmt: skip
    await rig.settle()
    assert [unsigned.status_code, forged.status_code, stale.status_code] == [401, 401, 401]
    assert len(rig.audited("slack_request_refused")) == 3
    assert not rig.fake.made("chat.postMessage")  # nothing ran


async def test_a_direct_message_is_answered_in_place_with_ticket_links(make_rig: MakeRig) -> None:
    rig = await make_rig()
    response = await rig.say(EMMA, "What's the status of my ticket 789?")
    assert response.status_code == 200
    posted, updated = rig.fake.made("chat.postMessage"), rig.fake.made("chat.update")
    assert len(posted) == 1 and len(updated) == 1  # a placeholder, then the answer in its place
    assert updated[0]["ts"] == rig.fake.calls[-1].args["ts"]
    text = json.dumps(rig.last_shown())
    assert "<https://desk.example.com/ticket?id=789|" in text
    per_turn = [c.method for c in rig.fake.calls if c.method != "auth.test"]  # auth.test: once per app
    assert per_turn == ["users.info", "chat.postMessage", "chat.update"]


async def test_slack_retries_of_one_event_run_the_turn_once(make_rig: MakeRig) -> None:
    rig = await make_rig()
    first = await rig.say(EMMA, "My laptop battery won't charge anymore. Please open a ticket for me.",
                          event_id="EvONCE", settle=False)  # fmt: skip
    retries = [await rig.say(EMMA, "My laptop battery won't charge anymore. Please open a ticket for me.",
                             event_id="EvONCE", retry=n, settle=False) for n in (1, 2)]  # fmt: skip
    await rig.settle()
    assert first.status_code == 200 and all(r.status_code == 200 for r in retries)
    assert len(rig.fake.made("chat.postMessage")) == 1
    created = [r for r in rig.service.audit.tail(200) if r.get("tool") == "haloitsm_create_ticket"]
    assert len(created) == 1


async def test_a_stranger_gets_a_clear_refusal_and_nothing_runs(make_rig: MakeRig) -> None:
    rig = await make_rig()
    await rig.say(STRANGER, "List all open incidents assigned to agent 6.")
    text = json.dumps(rig.last_shown())
    assert "can't find nobody@example.com in Halo" in text
    assert rig.audited("bot_identity_refused")
    assert not [r for r in rig.service.audit.tail(100) if r.get("tool")]


async def test_only_the_asker_can_confirm_and_a_double_press_runs_once(make_rig: MakeRig) -> None:
    rig = await make_rig()
    await rig.say(EMMA, CLOSE_EMAIL)
    shown = rig.last_shown()
    confirm = button_value(shown, blocks.CONFIRM)
    message_ts = rig.fake.made("chat.update")[-1]["ts"]
    pending_id = json.loads(confirm)["pending_id"]
    record = rig.service.pending_store.get(pending_id)
    assert record is not None
    assert blocks.escape(record.preview) in shown[0]["text"]["text"]  # the exact preview

    await rig.press(LIAM, blocks.CONFIRM, confirm, channel=DM[EMMA], ts=message_ts)
    assert "Only Emma Hart can answer" in rig.fake.made("chat.postEphemeral")[-1]["text"]
    assert rig.service.pending_store.get(pending_id).state == "pending"  # type: ignore[union-attr]

    await rig.press(EMMA, blocks.CONFIRM, confirm, channel=DM[EMMA], ts=message_ts, settle=False)
    await rig.press(EMMA, blocks.CONFIRM, confirm, channel=DM[EMMA], ts=message_ts, settle=False)
    await rig.settle()
    assert rig.service.pending_store.get(pending_id).state == "done"  # type: ignore[union-attr]
    runs = [r for r in rig.service.audit.tail(300) if r.get("event") == "pending_run"]
    assert len(runs) == 1
    assert "already carried out" in rig.fake.made("chat.postEphemeral")[-1]["text"]
    assert rig.audited("bot_press_refused")


async def test_a_button_whose_arguments_changed_is_refused(make_rig: MakeRig) -> None:
    rig = await make_rig()
    await rig.say(EMMA, CLOSE_EMAIL)
    value = json.loads(button_value(rig.last_shown(), blocks.CONFIRM))
    forged = json.dumps({**value, "args_hash": "0" * 64})
    await rig.press(EMMA, blocks.CONFIRM, forged, channel=DM[EMMA], ts="1.1")
    assert "no longer matches" in rig.fake.made("chat.postEphemeral")[-1]["text"]
    assert rig.service.pending_store.get(value["pending_id"]).state == "pending"  # type: ignore[union-attr]


async def test_an_approval_goes_to_the_approvers_channel_and_the_requester_cannot_approve(
    make_rig: MakeRig,
) -> None:
    rig = await make_rig()
    await rig.say(ALEX, APPROVAL_REQUEST)
    request = next(c for c in rig.fake.made("chat.postMessage") if c["channel"] == "C0APPROVE")
    approve = button_value(json.loads(request["blocks"]) if isinstance(request["blocks"], str)
                           else request["blocks"], blocks.APPROVE)  # fmt: skip
    posted_ts = rig.fake.made("chat.postMessage").index(request)
    ts = f"{1_700_000_000 + posted_ts + 1}.000100"

    await rig.press(ALEX, blocks.APPROVE, approve, channel="C0APPROVE", ts=ts)
    assert "can't decide this request" in rig.fake.made("chat.postEphemeral")[-1]["text"]
    pending_id = json.loads(approve)["pending_id"]
    assert rig.service.pending_store.get(pending_id).state == "pending"  # type: ignore[union-attr]

    await rig.press(EMMA, blocks.APPROVE, approve, channel="C0APPROVE", ts=ts)  # an employee
    assert rig.service.pending_store.get(pending_id).state == "pending"  # type: ignore[union-attr]

    await rig.press(PRIYA, blocks.APPROVE, approve, channel="C0APPROVE", ts=ts)
    assert rig.service.pending_store.get(pending_id).state == "done"  # type: ignore[union-attr]
    told = rig.fake.made("chat.postMessage")[-1]
    assert told["channel"] == DM[ALEX] and "approved" in told["text"]
    assert rig.service.sandbox is not None
    ticket = rig.service.sandbox.state_store.ticket(789)
    assert ticket is not None and ticket["priority_id"] == 1


async def test_web_api_rate_limits_are_waited_out(make_rig: MakeRig) -> None:
    rig = await make_rig()
    rig.fake.throttled["chat.update"] = [1]
    await rig.say(EMMA, "What's the status of my ticket 789?")
    assert len(rig.fake.made("chat.update")) == 2  # the 429, then the retry after Retry-After
    assert "789" in json.dumps(rig.last_shown())


async def test_a_failing_turn_still_answers_the_person_in_place(make_rig: MakeRig) -> None:
    def broken(_messages: list[Any], _tools: list[Any]) -> Any:
        raise RuntimeError("model server exploded")

    rig = await make_rig(FunctionModel(broken))
    await rig.say(EMMA, "What's the status of my ticket 789?")
    shown = json.dumps(rig.last_shown())
    assert "failed on our side" in shown and "exploded" not in shown
    assert rig.fake.made("chat.update")[-1]["text"].startswith("That failed on our side")


async def test_someone_slack_cannot_describe_is_refused_clearly(make_rig: MakeRig) -> None:
    rig = await make_rig()
    del rig.fake.users[STRANGER]  # users.info answers user_not_found
    await rig.say(STRANGER, "List all open incidents assigned to agent 6.")
    assert "no email address" in json.dumps(rig.last_shown())
    assert not [r for r in rig.service.audit.tail(100) if r.get("tool")]


async def test_a_denied_approval_runs_nothing_and_the_requester_is_told(make_rig: MakeRig) -> None:
    rig = await make_rig()
    await rig.say(ALEX, APPROVAL_REQUEST)
    request = next(c for c in rig.fake.made("chat.postMessage") if c["channel"] == "C0APPROVE")
    deny = button_value(json.loads(request["blocks"]) if isinstance(request["blocks"], str)
                        else request["blocks"], blocks.DENY)  # fmt: skip
    await rig.press(PRIYA, blocks.DENY, deny, channel="C0APPROVE", ts="1700000003.000100")
    assert rig.service.pending_store.get(json.loads(deny)["pending_id"]).state == "denied"  # type: ignore[union-attr]
    told = rig.fake.made("chat.postMessage")[-1]
    assert told["channel"] == DM[ALEX] and "denied" in told["text"]
    assert rig.service.sandbox is not None and rig.service.sandbox.state_store.ticket(789)["priority_id"] != 1
