"""Student privacy (FERPA): no PII in events, the journal or the log; a sealed vault.

A student with a distinctive (fictional) name, birth date and local id is
registered and awarded; then every stored byte that is not the vault is
searched for those strings.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from ledger.application import IssueRequest, Ledger
from ledger.audit import audit
from ledger.config import SQLITE_FILE
from ledger.errors import IntegrityError, NotFoundError
from ledger.instance import init_instance
from ledger.vault import Identity, seal, unseal
from verifiers.commitments import verify_commitment
from verifiers.errors import CommitmentError
from tests.support import transfer

CLAIMS = {"name": "Thaddeus Quillfeather-Nakagawa", "birth_date": "2008-07-29", "local_id": "PN-73910466"}
PII = [v.encode() for v in CLAIMS.values()] + [b"Quillfeather", b"20080729", b"73910466"]


def setup(ledger: Ledger) -> tuple[str, str]:
    ledger.register_issuer("pinecrest", "Pinecrest Regional High School", "school")
    ledger.register_issuer("harbor-ctc", "Harbor Point Technical Center", "cte_center")
    ledger.define_credential("bls-provider", {"name": "BLS Provider", "certifyingBody": "American Heart Association",
                                              "credentialType": "certificate", "validityMonths": 24,
                                              "careerField": "Health"})
    student = ledger.register_student("pinecrest", CLAIMS)
    (award,) = ledger.issue([IssueRequest("pinecrest", student, "bls-provider", date(2026, 4, 2),
                                          {"certificate": "AHA-50211"})])
    ledger.revoke(award, "superseded", "Card reissued.")
    ledger.issue([IssueRequest("pinecrest", student, "bls-provider", date(2026, 4, 2), {"certificate": "AHA-50212"},
                               supersedes=award)])
    transfer(ledger, [award], "harbor-ctc", "Student moved to Harbor Point")
    ledger.register_student("pinecrest", {"name": "Odalys Brennan-Fairweather", "birth_date": "2009-01-17",
                                          "local_id": "PN-73910467"})
    return student, award


def test_no_pii_in_any_stored_event_or_journal_row(ledger: Ledger) -> None:
    student, _ = setup(ledger)
    notifications = ledger.recorder.select_notifications(start=1, limit=1000)
    assert len(notifications) == ledger.store.journal_size() >= 8
    states = [bytes(n.state) for n in notifications]
    assert any(b"AHA-50211" in s for s in states)  # events are readable JSON here: the scan is meaningful
    for state in states:
        for pii in PII:
            assert pii not in state
    for row in ledger.store.select_journal(0, 1000):
        for pii in PII:
            assert pii not in row.leaf
            assert pii.decode() not in (row.student_id or "")
    for _, document, _ in ledger.student_history(student):
        text = repr(document).encode()
        for pii in PII:
            assert pii not in text


def test_vault_rows_are_ciphertext(ledger: Ledger) -> None:
    student, _ = setup(ledger)
    sealed = ledger.store.select_identity(student)
    assert sealed is not None and len(sealed) > 12 + 16
    for pii in PII:
        assert pii not in sealed
    assert b"claims" not in sealed and b"salts" not in sealed


def test_no_pii_anywhere_in_the_sqlite_files(tmp_path: Path) -> None:
    ledger = init_instance(tmp_path / "instance", "a passphrase", scrypt_n=2**10)
    setup(ledger)
    ledger.close()
    files = [p for p in (tmp_path / "instance").rglob("*") if p.is_file()]
    assert any(p.name == SQLITE_FILE for p in files)
    assert any(b"AHA-50211" in p.read_bytes() for p in files)  # the scan can see through to the events
    for path in files:
        data = path.read_bytes()
        for pii in PII:
            assert pii not in data, path.name


def test_identity_returns_the_claims_and_the_salts_open_the_commitments(ledger: Ledger) -> None:
    student, _ = setup(ledger)
    identity = ledger.identity(student)
    assert identity is not None and identity.claims == CLAIMS
    subject = ledger.student(student).subject
    for name, value in CLAIMS.items():
        verify_commitment(name, value, identity.salts[name], subject[name])
    with pytest.raises(CommitmentError):
        verify_commitment("birth_date", "2008-07-30", identity.salts["birth_date"], subject["birth_date"])
    with pytest.raises(CommitmentError):  # each claim has its own salt
        verify_commitment("name", CLAIMS["name"], identity.salts["local_id"], subject["name"])
    assert len(set(identity.salts.values())) == 3
    disclosed = identity.disclosure(["name"])
    assert list(disclosed) == ["name"] and disclosed["name"]["value"] == CLAIMS["name"]


def test_every_award_carries_the_students_commitments(ledger: Ledger) -> None:
    student, _ = setup(ledger)
    subject = ledger.student(student).subject
    issued = [doc for _, doc, _ in ledger.student_history(student) if doc["type"] == "CredentialIssued"]
    assert len(issued) == 2 and all(doc["subject"] == subject for doc in issued)


def test_erasing_pii_keeps_every_signature_valid(ledger: Ledger) -> None:
    student, _ = setup(ledger)
    events = ledger.store.journal_size()
    assert ledger.erase_identity(student) is True
    assert ledger.store.select_identity(student) is None
    assert ledger.identity(student) is None
    # The erasure is itself a signed, logged event, carrying no PII.
    assert ledger.store.journal_size() == events + 1
    assert ledger.erase_identity(student) is False  # nothing left to erase
    assert ledger.store.journal_size() == events + 1
    report = audit(ledger)
    assert report.ok and report.events == events + 1
    history = [doc["type"] for _, doc, _ in ledger.student_history(student)]
    assert len(history) == 6 and history[-1] == "IdentityErased"  # the records stay, unlinkable to the person
    with pytest.raises(NotFoundError):
        ledger.erase_identity(ledger.issuer("pinecrest").id.__str__())


def test_a_vault_row_moved_to_another_student_does_not_open(ledger: Ledger, backend: str | None) -> None:
    student, _ = setup(ledger)
    other = ledger.register_student("pinecrest", {"name": "Marisol Eberhardt", "birth_date": "2008-12-01",
                                                  "local_id": "PN-73910468"})
    sealed = ledger.store.select_identity(student)
    ledger.erase_identity(other)
    _insert_vault_row(ledger, backend, other, sealed)
    with pytest.raises(IntegrityError):
        ledger.identity(other)
    assert ledger.identity(student).claims == CLAIMS
    with pytest.raises(IntegrityError):
        unseal(sealed[:-1] + bytes([sealed[-1] ^ 1]), ledger.vault_key, student)


def _insert_vault_row(ledger: Ledger, backend: str | None, student: str, sealed: bytes) -> None:
    if backend is None:
        with sqlite3.connect(ledger.config.data_dir / SQLITE_FILE) as conn:
            conn.execute("INSERT INTO student_identities (student_id, sealed) VALUES (?, ?)", (student, sealed))
        return
    import psycopg

    url, schema = backend.split("?schema=")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"INSERT INTO {schema}.student_identities (student_id, sealed) VALUES (%s, %s)",
                     (student, sealed))


def test_identity_repr_shows_no_pii() -> None:
    identity = Identity.new(CLAIMS)
    text = repr(identity) + str(identity)
    for pii in PII:
        assert pii.decode() not in text
    for salt in identity.salts.values():
        assert salt.hex() not in text and repr(salt) not in text


def test_seal_binds_the_row_to_its_student() -> None:
    key = bytes(range(32))
    identity = Identity.new(CLAIMS)
    sealed = seal(identity, key, "a5f3c1e2-0000-4000-8000-000000000001")
    assert unseal(sealed, key, "a5f3c1e2-0000-4000-8000-000000000001").claims == CLAIMS
    with pytest.raises(IntegrityError):
        unseal(sealed, key, "a5f3c1e2-0000-4000-8000-000000000002")
    with pytest.raises(IntegrityError):
        unseal(sealed, bytes(32), "a5f3c1e2-0000-4000-8000-000000000001")
    assert seal(identity, key, "x") != seal(identity, key, "x")  # a fresh nonce each time
