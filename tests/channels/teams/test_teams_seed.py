"""The seed's nine requests played through the Teams bot, and the attacks a chat channel invites."""

from __future__ import annotations

import json

import pytest

from halo_agent.channels.teams import cards
from halo_agent.examples import ADMIN_PROMPTS, EMPLOYEE_PROMPTS, SeedPrompt
from tests.channels.seed_checks import (
    check_audit,
    check_planted_write_waits,
    check_refused_for_other,
    check_seed_outcome,
    obeying_model,
    plant_instruction,
)
from tests.channels.teams.conftest import ALEX, EMMA, LIAM, MakeRig, actions_of, chat_of


@pytest.mark.parametrize("prompts", [ADMIN_PROMPTS, EMPLOYEE_PROMPTS], ids=["admin", "employee"])
async def test_the_nine_seed_requests_through_teams(
    make_rig: MakeRig, prompts: tuple[SeedPrompt, ...]
) -> None:
    """The admin's five and the employee's four, each on fresh data (both close ticket 789)."""
    rig = await make_rig()
    for prompt in prompts:
        user = ALEX if prompt.role == "admin" else EMMA
        await rig.say(user, prompt.text)
        for reply in prompt.replies:  # the detail the agent asks for ("which ticket?")
            await rig.say(user, reply)
        shown = json.dumps(rig.cards_sent(chat_of(user))[-1])
        if prompt.confirm:
            data = actions_of(rig.cards_sent(chat_of(user))[-1], cards.CONFIRM)
            pressed = await rig.press(user, cards.CONFIRM, data, conversation=chat_of(user))
            shown = json.dumps(pressed.json()["value"])
            assert "Confirmed" in shown
        check_seed_outcome(rig.service, prompt, shown)
    check_audit(rig.service)


async def test_an_employee_cannot_act_on_another_persons_ticket(make_rig: MakeRig) -> None:
    rig = await make_rig()
    await rig.say(LIAM, "What's the status of ticket 789?")  # Emma's ticket
    assert "Cannot access email" not in json.dumps(rig.cards_sent(chat_of(LIAM))[-1])
    check_refused_for_other(rig.service, "liam.cole@example.com")


async def test_an_instruction_planted_in_a_ticket_cannot_write_without_the_persons_press(
    make_rig: MakeRig,
) -> None:
    rig = await make_rig(obeying_model())
    plant_instruction(rig.service)
    await rig.say(EMMA, "What's the status of my ticket 789?")
    check_planted_write_waits(rig.service)
    assert actions_of(rig.cards_sent(chat_of(EMMA))[-1], cards.CONFIRM)  # waits for Emma's own press
