"""The vocabulary matcher: compiled once per vocabulary, with the same answers as matching afresh."""

from __future__ import annotations

from halo_agent.models.offline import vocab
from halo_agent.models.offline.vocab import find_phrases

STATUSES = ("New", "In Progress", "Waiting on User", "Waiting on Third Party", "On Hold", "Re-opened")
TEAMS = ("1st Line Support", "2nd Line Support", "Network")


def test_the_longest_name_wins_and_typos_fillers_and_hyphens_are_allowed() -> None:
    assert find_phrases("waiting on the third party, not on hlod", STATUSES) == [
        ("Waiting on Third Party", 0), ("On Hold", 5)]
    assert find_phrases("please reopen it", STATUSES) == [("Re-opened", 1)]
    assert find_phrases("nothing here", STATUSES) == []


def test_each_vocabulary_is_compiled_once_and_kept_apart_from_the_others() -> None:
    vocab._matcher.cache_clear()
    for _ in range(3):
        find_phrases("second line support, on hold", STATUSES)
        find_phrases("second line support, on hold", TEAMS)
    info = vocab._matcher.cache_info()
    assert (info.misses, info.hits) == (2, 4)  # one compile per vocabulary, however often it is used
    assert find_phrases("second line support, on hold", TEAMS) == [("2nd Line Support", 0)]
    assert find_phrases("second line support, on hold", STATUSES) == [("On Hold", 3)]


def test_a_word_remembered_for_one_vocabulary_does_not_leak_into_another() -> None:
    assert find_phrases("netwrok", ("Network",)) == [("Network", 0)]
    assert find_phrases("netwrok", ("Networks Team",)) == []
