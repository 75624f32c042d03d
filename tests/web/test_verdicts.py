"""The verdict a person reads first (web.verdicts), as a table over the verifier's JSON."""

from __future__ import annotations

from typing import Any

import pytest

from web.verdicts import headline, verdict_line, verdict_of, worst

LIVE = "not needed: built from the newest entries"
OFFLINE_STEPS = ("checkpoint", "log_inclusion", "hash_chain", "signature", "key_validity", "issuer_authority",
                 "status", "identity")


def credential(status: str, *, failed: tuple[str, ...] = (), current: bool | None = True,
               current_detail: str = "…", revoked_on: str | None = None) -> dict[str, Any]:
    steps = [{"step": s, "ok": s not in failed, "detail": "…"} for s in OFFLINE_STEPS]
    steps += [{"step": "consistency", "ok": current, "detail": "…"},
              {"step": "current_status", "ok": False if "current_status" in failed else current,
               "detail": current_detail}]
    return {"status": status, "steps": steps, "expires": "2027-06-30", "revoked_on": revoked_on}


@pytest.mark.parametrize(("c", "verdict"), [
    (credential("active"), "current"),
    (credential("active", current=None, current_detail=LIVE), "current"),  # built from the newest entries
    (credential("active", current=None, current_detail="not checked: offline"), "unknown"),  # never current unchecked
    (credential("expired"), "expired"),
    (credential("superseded", failed=("status",)), "replaced"),
    (credential("revoked: misconduct", failed=("status",)), "revoked"),
    (credential("revoked: misconduct", failed=("current_status",)), "revoked"),  # found online after export
    (credential("active", failed=("signature",)), "altered"),
    (credential("revoked: misconduct", failed=("status", "hash_chain")), "altered"),  # a revoked forgery is a forgery
    (credential("active", failed=("current_status",)), "altered"),  # online evidence that does not fit
    (credential("unknown"), "altered"),  # no issuance event at all
])
def test_verdict_of(c: dict[str, Any], verdict: str) -> None:
    assert verdict_of(c, LIVE) == verdict


def test_lines_and_headline() -> None:
    revoked = credential("revoked: misconduct", failed=("status",), revoked_on="2026-10-01T09:00:00Z")
    assert verdict_line(revoked, "revoked") == ("Revoked on 2026-10-01: obtained by cheating or fraud. "
                                                "Do not rely on it.")
    assert verdict_line(credential("expired"), "expired").endswith("it ended on 2027-06-30.")
    verdicts = ["current", "altered", "current", "current", "current"]
    assert headline(verdicts) == "1 altered or not genuine, 4 genuine and current"
    assert worst(verdicts) == "altered" and worst([]) is None


def test_every_revocation_reason_has_words_for_the_pages() -> None:
    """The pages' words (translatable, web.verdicts) for every reason the ledger accepts; in English the
    same as the command line's (verifiers.protocol.status), so the two cannot drift apart."""
    from verifiers.protocol.status import REVOCATION_REASONS, status_in_words
    from web.verdicts import REASON_WORDS, status_words

    assert set(REASON_WORDS) == set(REVOCATION_REASONS)
    assert {code: str(words) for code, words in REASON_WORDS.items()} == REVOCATION_REASONS
    for status in ("active", "expired", "superseded", *(f"revoked: {code}" for code in REVOCATION_REASONS)):
        assert status_words(status) == status_in_words(status)
