"""The history budget: old tool results shortened first, then whole exchanges dropped, shape intact."""

from __future__ import annotations

from halo_agent.agent.history import SHORT_RESULT_CHARS, fit_history, history_size, split_exchanges
from halo_agent.agent.model import Message


def _exchange(n: int, result_chars: int = 2_000) -> list[Message]:
    call = {"id": f"c{n}", "type": "function", "function": {"name": "haloitsm_get_ticket", "arguments": "{}"}}
    return [
        {"role": "user", "content": f"question {n}"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": f"c{n}", "content": "x" * result_chars},
        {"role": "assistant", "content": f"answer {n}"},
    ]


def _well_formed(messages: list[Message]) -> bool:
    """Every assistant tool call is answered by the tool messages right after it, and nothing else."""
    expected: list[str] = []
    for message in messages:
        if message["role"] == "tool":
            if not expected or message["tool_call_id"] != expected.pop(0):
                return False
        elif expected:
            return False
        if message.get("tool_calls"):
            expected = [c["id"] for c in message["tool_calls"]]
    return not expected


def test_history_within_budget_is_unchanged() -> None:
    history = _exchange(1) + _exchange(2)
    assert fit_history(history, 100_000) == history


def test_old_tool_results_are_shortened_before_anything_is_dropped() -> None:
    history = _exchange(1) + _exchange(2) + _exchange(3)
    fitted = fit_history(history, history_size(history) - 1_000)
    assert [m["content"] for m in fitted if m["role"] == "user"] == ["question 1", "question 2", "question 3"]
    tool_sizes = [len(m["content"]) for m in fitted if m["role"] == "tool"]
    assert tool_sizes[0] < SHORT_RESULT_CHARS + 40
    assert tool_sizes[1:] == [2_000, 2_000]  # only as far back as needed


def test_oldest_exchanges_are_dropped_whole_when_shortening_is_not_enough() -> None:
    history = [m for n in range(1, 6) for m in _exchange(n)]
    fitted = fit_history(history, 2_500)
    assert history_size(fitted) <= 2_500
    assert [m["content"] for m in fitted if m["role"] == "user"][-1] == "question 5"
    assert fitted[0]["role"] == "user"
    assert _well_formed(fitted)


def test_the_newest_exchange_is_never_cut() -> None:
    history = _exchange(1) + _exchange(2, result_chars=50_000)
    fitted = fit_history(history, 3_000)
    assert fitted == _exchange(2, result_chars=50_000)


def test_exchanges_start_at_user_messages() -> None:
    history = [{"role": "assistant", "content": "update"}, *_exchange(1), *_exchange(2)]
    groups = split_exchanges(history)
    assert [len(g) for g in groups] == [1, 4, 4]
