"""Every event type has words for people, and the words say what the type alone does not."""

from __future__ import annotations

from verifiers.protocol import documents as d
from verifiers.protocol.event_words import EVENT_WORDS, event_in_words, event_type_in_words
from verifiers.protocol.status import REVOCATION_REASONS


def test_every_event_type_has_words_that_are_not_its_name() -> None:
    # A new event type added to the protocol without words fails here, before a page shows its class name.
    assert set(EVENT_WORDS) == d.EVENT_TYPES
    assert all(words != kind and " " in words for kind, words in EVENT_WORDS.items())
    assert len(set(EVENT_WORDS.values())) == len(EVENT_WORDS)  # no two types read alike


def test_a_revocation_names_its_reason_and_a_closed_offer_its_outcome() -> None:
    assert event_in_words({"type": d.CREDENTIAL_REVOKED, "reason": "issued_in_error"}) == (
        "Credential revoked — recorded by mistake")
    assert all(words in event_in_words({"type": d.CREDENTIAL_REVOKED, "reason": code})
               for code, words in REVOCATION_REASONS.items())
    assert event_in_words({"type": d.TRANSFER_OFFER_CLOSED, "outcome": "declined"}) == "Transfer declined"
    assert event_in_words({"type": d.CREDENTIAL_ISSUED, "supersedes": "an-award"}) == "Corrected credential recorded"
    assert event_in_words({"type": d.ASSESSMENT_RECORDED}) == "WorkKeys scores recorded"


def test_an_unknown_type_is_shown_as_it_is() -> None:
    # A log leaf from a newer server: its type, rather than nothing or a crash.
    assert event_type_in_words("CredentialEndorsed") == "CredentialEndorsed"
    assert event_in_words({"type": "CredentialEndorsed"}) == "CredentialEndorsed"
