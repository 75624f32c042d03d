"""The one table of errors to HTTP statuses (web.errors.ERRORS): every error of ours has exactly one row."""

from __future__ import annotations

from collections import Counter

import pytest

import web.api  # noqa: F401  (the modules that raise our errors are loaded, so every class is seen)
import web.monitor  # noqa: F401
from ledger.errors import LedgerError, RejectedError
from verifiers.errors import VerificationError
from web.errors import ERRORS, mapping
from web.exceptions import AccessError, WebError

GROUPS = {AccessError}  # a family, never raised itself: each member has its own status


def tree(root: type[Exception]) -> list[type[Exception]]:
    found, todo = [], [root]
    while todo:
        kind = todo.pop()
        found.append(kind)
        todo += kind.__subclasses__()
    return found


OURS = [kind for root in (LedgerError, WebError) for kind in tree(root) if kind is not root and kind not in GROUPS]
ROWS = Counter(row.kind for row in ERRORS)


@pytest.mark.parametrize("kind", OURS, ids=lambda kind: kind.__name__)
def test_every_error_of_ours_has_exactly_one_row(kind: type[Exception]) -> None:
    # A new class falls through to its parent's row, or to a 500, only by choice: give it its row.
    assert ROWS[kind] == 1, f"{kind.__name__} has {ROWS[kind]} rows in web.errors.ERRORS"


def test_the_table_has_no_row_but_ours_and_the_verifiers() -> None:
    assert set(ROWS) - set(OURS) == {VerificationError}  # the verifiers' own tree, as one row
    assert ROWS[VerificationError] == 1


def test_only_errors_that_carry_their_reason_leave_the_code_to_them() -> None:
    own = {row.kind for row in ERRORS if row.code is None}
    assert own == {kind for kind in OURS if issubclass(kind, (RejectedError, AccessError))}


def test_a_5xx_never_shows_the_errors_own_text() -> None:
    assert all(row.message for row in ERRORS if row.status >= 500)
    assert mapping(LedgerError).status == mapping(WebError).status == 500  # a root raised itself: our bug
