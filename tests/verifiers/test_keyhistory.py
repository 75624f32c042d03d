"""A key's validity window: the boundaries are exact, and only ever cut short."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from verifiers.errors import KeyValidityError
from verifiers.keyhistory import KeyRecord, verify_key_valid_at

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
TICK = timedelta(microseconds=1)
KEY = KeyRecord("did:key:zTest#zTest", b"\x00" * 32, valid_from=T0)


def test_valid_from_the_first_instant_on() -> None:
    verify_key_valid_at(KEY, T0)
    with pytest.raises(KeyValidityError, match="not yet valid"):
        verify_key_valid_at(KEY, T0 - TICK)


def test_retirement_ends_validity_at_its_instant_and_keeps_the_past() -> None:
    retired = KEY.retired(T0 + timedelta(days=30))
    verify_key_valid_at(retired, T0 + timedelta(days=30) - TICK)
    with pytest.raises(KeyValidityError, match="retired"):
        verify_key_valid_at(retired, T0 + timedelta(days=30))


def test_compromise_wins_over_a_later_retirement() -> None:
    key = KEY.retired(T0 + timedelta(days=30)).compromised(T0 + timedelta(days=10))
    assert key.is_valid_at(T0 + timedelta(days=10) - TICK)
    with pytest.raises(KeyValidityError, match="compromised"):
        verify_key_valid_at(key, T0 + timedelta(days=10))
    assert not key.is_valid_at(T0 + timedelta(days=20))


def test_state_at_names_the_window_every_view_shows() -> None:
    key = KEY.retired(T0 + timedelta(days=30))
    assert [key.state_at(T0 - TICK), key.state_at(T0), key.state_at(T0 + timedelta(days=30))] == [
        "pending", "active", "retired"]
    assert key.compromised(T0 + timedelta(days=5)).state_at(T0 + timedelta(days=5)) == "compromised"


def test_state_in_words_is_state_at_for_a_person() -> None:
    start, key = T0, KEY
    retiring = key.retired(start + timedelta(days=30))
    table = [
        (key, start - timedelta(seconds=1), "pending", "not yet valid"),
        (key, start, "active", "current"),
        (retiring, start + timedelta(days=1), "active", "retiring"),  # still signing until its retirement
        (retiring, start + timedelta(days=30), "retired", "retired"),
        (retiring.compromised(start + timedelta(days=2)), start + timedelta(days=3), "compromised", "compromised"),
    ]
    for record, at, state, words in table:
        assert (record.state_at(at), record.state_in_words(at)) == (state, words)
