"""Input validation at the edges: event documents (ledger/schemas.py) and commands (web/schemas.py).

Each malformed input must be an InputError whose `errors` names the exact member.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any

import pytest

from keys.signer import Signer
from ledger.errors import InputError
from ledger.schemas import validate_document
from verifiers.protocol import documents as d
from web import schemas as web_schemas

SIGNER = Signer.generate()
TIME = datetime(2026, 9, 1, 12, 0, tzinfo=timezone.utc)
ISSUER = "did:web:localhost%3A5000:issuers:juniper-falls"
AWARD = "0b6f3f7e-4f7c-4a38-9d2c-3c1b7e2f9a10"
STUDENT = "5d2e8c1a-9b7f-4e3d-8a6c-1f0e2d3c4b5a"


def issued() -> dict[str, Any]:
    return SIGNER.sign(d.unsigned_document(
        d.CREDENTIAL_ISSUED, ledger="ledger-1", stream=AWARD, sequence=1, previous=None, actor=ISSUER, time=TIME,
        award=AWARD, issuer=ISSUER, student=STUDENT, credential="osha10-general", earned="2026-05-20",
        expires=None, evidence={"certificate": "OSHA-7723", "score": 91}, subject={"name": "a" * 64},
        supersedes=None,
    ), "2026-09-01T12:00:00.000000Z")


def key_added() -> dict[str, Any]:
    stream = str(d.issuer_stream("juniper-falls"))
    return SIGNER.sign(d.unsigned_document(
        d.ISSUER_KEY_ADDED, ledger="ledger-1", stream=stream, sequence=2, previous="b" * 64, actor=ISSUER,
        time=TIME, issuer=ISSUER, key=Signer.generate().key_id, validFrom="2026-09-01T12:00:00Z",
    ), "2026-09-01T12:00:00Z")


def without(document: dict[str, Any], member: str) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != member}


def with_proof(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    proof = {k: v for k, v in document["proof"].items() if changes.get(k, 0) is not None} | {
        k: v for k, v in changes.items() if v is not None}
    return document | {"proof": proof}


def test_well_formed_documents_pass() -> None:
    validate_document(issued())
    validate_document(key_added())
    countersigned = Signer.generate().countersign(issued(), "2026-09-01T12:00:01Z")
    validate_document(countersigned | {"type": d.CREDENTIAL_ISSUED})


MALFORMED: list[tuple[str, Any, str]] = [
    ("missing field", without(issued(), "earned"), "events[0].earned"),
    ("missing proof", without(issued(), "proof"), "events[0].proof"),
    ("float evidence", issued() | {"evidence": {"certificate": "OSHA-7723", "score": 91.5}}, "events[0].evidence.score"),
    ("boolean evidence", issued() | {"evidence": {"passed": True}}, "events[0].evidence.passed"),
    ("nested evidence", issued() | {"evidence": {"detail": {"a": "b"}}}, "events[0].evidence.detail"),
    ("unsafe integer", issued() | {"evidence": {"score": 2**60}}, "events[0].evidence.score"),
    ("timestamp without zone", issued() | {"time": "2026-09-01T12:00:00"}, "events[0].time"),
    ("timestamp with offset", issued() | {"time": "2026-09-01T12:00:00+02:00"}, "events[0].time"),
    ("timestamp with space", issued() | {"time": "2026-09-01 12:00:00Z"}, "events[0].time"),
    ("nanosecond timestamp", issued() | {"time": "2026-09-01T12:00:00.123456789Z"}, "events[0].time"),
    ("month 13", issued() | {"time": "2026-13-01T12:00:00Z"}, "events[0].time"),
    ("impossible date", issued() | {"earned": "2026-02-30"}, "events[0].earned"),
    ("date with time", issued() | {"expires": "2027-02-01T00:00:00Z"}, "events[0].expires"),
    ("extra member", issued() | {"comment": "hello"}, "events[0].comment"),
    ("string sequence", issued() | {"sequence": "1"}, "events[0].sequence"),
    ("zero sequence", issued() | {"sequence": 0}, "events[0].sequence"),
    ("uppercase stream", issued() | {"stream": AWARD.upper()}, "events[0].stream"),
    ("stream without dashes", issued() | {"stream": AWARD.replace("-", "")}, "events[0].stream"),
    ("student not a uuid", issued() | {"student": "Wren Talbot"}, "events[0].student"),
    ("previous not hex", issued() | {"previous": "xyz"}, "events[0].previous"),
    ("actor not a DID", issued() | {"actor": "juniper-falls"}, "events[0].actor"),
    ("issuer not did:web", issued() | {"issuer": "did:key:z6Mkq"}, "events[0].issuer"),
    ("subject not a digest", issued() | {"subject": {"name": "Wren"}}, "events[0].subject.name.value"),
    ("proof without value", with_proof(issued(), proofValue=None), "events[0].proof.proofValue"),
    ("proof other suite", with_proof(issued(), cryptosuite="eddsa-rdfc-2022"), "events[0].proof.cryptosuite"),
    ("proof other purpose", with_proof(issued(), proofPurpose="authentication"), "events[0].proof.proofPurpose"),
    ("proof extra member", with_proof(issued(), nonce="1"), "events[0].proof.nonce"),
    ("proof is a string", issued() | {"proof": "zABC"}, "events[0].proof"),
    ("empty proof set", issued() | {"proof": []}, "events[0].proof"),
    ("three proofs", issued() | {"proof": [issued()["proof"]] * 3}, "events[0].proof"),
    ("bad second proof", issued() | {"proof": [issued()["proof"], issued()["proof"] | {"created": "yesterday"}]},
     "events[0].proof.1.created"),
    ("unknown event type", issued() | {"type": "CredentialMinted"}, "events[0].type"),
    ("key not a did:key", key_added() | {"key": "did:key:z6Mkabc#z6Mkabc"}, "events[0].key"),
    ("key without fragment", key_added() | {"key": key_added()["key"].split("#")[0]}, "events[0].key"),
    ("unknown revocation reason", SIGNER.sign(d.unsigned_document(
        d.CREDENTIAL_REVOKED, ledger="l", stream=AWARD, sequence=2, previous="c" * 64, actor=ISSUER, time=TIME,
        award=AWARD, reason="lost_interest", note="", effective="2026-09-01T12:00:00Z"), "2026-09-01T12:00:00Z"),
     "events[0].reason"),
]


@pytest.mark.parametrize(("document", "member"), [(doc, member) for _, doc, member in MALFORMED],
                         ids=[desc for desc, _, _ in MALFORMED])
def test_malformed_document_names_the_member(document: Any, member: str) -> None:
    with pytest.raises(InputError) as info:
        validate_document(document)
    assert member in info.value.errors, info.value.errors
    assert str(info.value).startswith("events[0].")
    assert info.value.errors[member] and all(isinstance(m, str) for m in info.value.errors[member])


@pytest.mark.parametrize("document", [None, [], "CredentialIssued", 7])
def test_a_document_that_is_not_an_object(document: Any) -> None:
    with pytest.raises(InputError) as info:
        validate_document(document, index=4)
    assert list(info.value.errors) == ["events[4]"]


def test_the_index_locates_the_document_in_a_batch() -> None:
    with pytest.raises(InputError) as info:
        validate_document(without(issued(), "award"), index=12)
    assert list(info.value.errors) == ["events[12].award"]


# Command input (web/schemas.py) ---------------------------------------------------


def load(schema: type, **data: Any) -> dict[str, Any]:
    return web_schemas.load(schema, data)


STUDENT_OK = {"issuer": "juniper-falls", "name": "Odessa Varga-Lindholm", "birth_date": "2008-04-01",
              "local_id": "JF-3391"}
ISSUE_OK = {"issuer": "juniper-falls", "student": STUDENT, "credential": "osha10-general", "earned": "2026-05-20",
            "evidence": {"certificate": "OSHA-7723", "score": 91}}

BAD_COMMANDS: list[tuple[str, type, dict[str, Any], str]] = [
    ("slug with capitals", web_schemas.IssuerInput, {"slug": "Juniper", "name": "Juniper Falls HS"}, "slug"),
    ("issuer without name", web_schemas.IssuerInput, {"slug": "juniper-falls"}, "name"),
    ("unknown issuer kind", web_schemas.IssuerInput, {"slug": "juniper-falls", "name": "J", "kind": "mall"}, "kind"),
    ("public key not ed25519", web_schemas.IssuerInput,
     {"slug": "juniper-falls", "name": "J", "public_key": "did:key:z6Mkabc#z6Mkabc"}, "public_key"),
    ("unknown field", web_schemas.IssuerInput, {"slug": "juniper-falls", "name": "J", "colour": "teal"}, "colour"),
    ("key time not a time", web_schemas.KeyTimeInput,
     {"slug": "juniper-falls", "key": Signer.generate().key_id, "at": "next tuesday"}, "at"),
    ("key id not a did:key", web_schemas.KeyTimeInput,
     {"slug": "juniper-falls", "key": "z6Mk", "at": "2026-09-01T12:00:00Z"}, "key"),
    ("validity zero months", web_schemas.CredentialInput,
     {"code": "osha10-general", "name": "OSHA 10", "certifyingBody": "OSHA", "validityMonths": 0}, "validityMonths"),
    ("credential type unknown", web_schemas.CredentialInput,
     {"code": "osha10-general", "name": "OSHA 10", "certifyingBody": "OSHA", "credentialType": "badge"},
     "credentialType"),
    ("birth date malformed", web_schemas.StudentInput, STUDENT_OK | {"birth_date": "04/01/2008"}, "birth_date"),
    ("student without local id", web_schemas.StudentInput,
     {k: v for k, v in STUDENT_OK.items() if k != "local_id"}, "local_id"),
    ("student id not a uuid", web_schemas.IssueInput, ISSUE_OK | {"student": "Odessa"}, "student"),
    ("earned not a date", web_schemas.IssueInput, ISSUE_OK | {"earned": "2026-02-30"}, "earned"),
    ("float evidence", web_schemas.IssueInput, ISSUE_OK | {"evidence": {"score": 9.5}}, "evidence"),
    ("huge evidence", web_schemas.IssueInput, ISSUE_OK | {"evidence": {"score": 2**60}}, "evidence"),
    ("unknown reason", web_schemas.RevokeInput, {"award": AWARD, "reason": "bored", "note": "n"}, "reason"),
    ("empty note", web_schemas.RevokeInput, {"award": AWARD, "reason": "other", "note": ""}, "note"),
    ("award not a uuid", web_schemas.RevokeInput, {"award": "42", "reason": "other", "note": "n"}, "award"),
    ("no awards to transfer", web_schemas.TransferInput, {"awards": [], "to": "juniper-falls"}, "awards"),
    ("transfer to a bad slug", web_schemas.TransferInput, {"awards": [AWARD], "to": "Juniper Falls"}, "to"),
]


@pytest.mark.parametrize(("schema", "data", "field"), [(s, data, f) for _, s, data, f in BAD_COMMANDS],
                         ids=[desc for desc, _, _, _ in BAD_COMMANDS])
def test_command_loader_names_the_field(schema: type, data: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as info:
        web_schemas.load(schema, data)
    assert field in info.value.errors, info.value.errors
    assert field in str(info.value)


def test_command_loaders_return_typed_values() -> None:
    student = load(web_schemas.StudentInput, **STUDENT_OK)
    assert student["birth_date"] == date(2008, 4, 1)
    request = load(web_schemas.IssueInput, **ISSUE_OK)
    assert request["student"] == uuid.UUID(STUDENT) and request["earned"] == date(2026, 5, 20)
    assert request["supersedes"] is None
    revoke = load(web_schemas.RevokeInput, award=AWARD, reason="other", note="n", effective="2026-09-01T12:00:00")
    assert revoke["effective"] == datetime(2026, 9, 1, 12, 0, tzinfo=timezone.utc)  # no zone: UTC
    issuer = load(web_schemas.IssuerInput, slug="juniper-falls", name="Juniper Falls High")
    assert issuer["kind"] == "school" and issuer["public_key"] is None
    key = Signer.generate().key_id
    assert load(web_schemas.IssuerInput, slug="juniper-falls", name="J", public_key=key)["public_key"] == key
