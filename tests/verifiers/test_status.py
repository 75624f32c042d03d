"""The one award-status rule (verifiers.protocol.status), as a table."""

from datetime import date

import pytest

from verifiers.protocol.status import award_status, is_withdrawn, status_kind

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(("reason", "expires", "status", "kind", "withdrawn"), [
    (None, None, "active", "active", False),
    (None, "2026-12-02", "active", "active", False),         # valid through its expiry day
    (None, "2026-12-01", "expired", "expired", False),       # expired is history, not a withdrawal
    ("superseded", None, "superseded", "superseded", True),  # an amendment replaced it
    ("superseded", "2020-01-01", "superseded", "superseded", True),
    ("issued_in_error", None, "revoked: issued_in_error", "revoked", True),
    ("misconduct", "2020-01-01", "revoked: misconduct", "revoked", True),  # revocation outranks expiry
])
def test_award_status(reason: str | None, expires: str | None, status: str, kind: str, withdrawn: bool) -> None:
    assert award_status(reason, expires, TODAY) == status
    assert status_kind(status) == kind
    assert is_withdrawn(status) is withdrawn


def test_an_expiry_that_is_not_a_date_is_refused() -> None:
    with pytest.raises(ValueError, match="Invalid isoformat string"):
        award_status(None, "next June", TODAY)


@pytest.mark.parametrize(("status", "words"), [
    ("active", "active"), ("expired", "expired"), ("superseded", "replaced by a correction"),
    ("revoked: misconduct", "revoked (obtained by cheating or fraud)"),
    ("revoked: issued_in_error", "revoked (recorded by mistake)"),
    ("revoked: some_future_reason", "revoked (some_future_reason)"),  # a reason we do not know yet: as given
])
def test_status_in_words(status: str, words: str) -> None:
    from verifiers.protocol.status import status_in_words

    assert status_in_words(status) == words
