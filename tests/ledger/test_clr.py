"""The transcript as a CLR 2.0 credential (ledger.vc.clr), checked by verifiers.clr: its own proof by
the home institution, and every nested Open Badge by its own institution."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.application import IssueRequest, Ledger
from ledger.errors import InputError
from ledger.vc.clr import clr_credential
from tests.support import transfer
from verifiers.didkey import public_key_from_verification_method
from verifiers.didweb import did_document
from verifiers.clr import verify_clr

SAMPLE = Path(__file__).resolve().parents[1] / "vectors" / "1edtech-validator" / "clr20" / "simple.json"
HANDLER = {"name": "ServSafe Food Handler", "certifyingBody": "National Restaurant Association",
           "credentialType": "certificate", "validityMonths": 36, "careerField": "Hospitality & Tourism"}
WELD = {"name": "AWS Certified Welder", "certifyingBody": "American Welding Society",
        "credentialType": "certification", "validityMonths": None, "careerField": "Manufacturing"}


@pytest.fixture
def world(ledger: Ledger) -> dict[str, Any]:
    ledger.register_issuer("fernhill", "Fernhill School District", "district")
    ledger.register_issuer("fernhill-ctc", "Fernhill Career Center", "cte_center")
    ledger.define_credential("servsafe-handler", HANDLER)
    ledger.define_credential("aws-welder", WELD)
    student = ledger.register_student("fernhill", {"name": "Oriel Vantongeren", "birth_date": "2009-09-09",
                                                   "local_id": "FH-330"})
    ledger.share_roster("fernhill", "fernhill-ctc", [student], purpose="record", until=date(2027, 6, 30))
    handler, = ledger.issue([IssueRequest("fernhill", student, "servsafe-handler", date(2026, 4, 1), {})])
    weld, = ledger.issue([IssueRequest("fernhill-ctc", student, "aws-welder", date(2026, 5, 2), {"cert": "AWS-1"})])
    return {"student": student, "handler": handler, "weld": weld}


def _documents(ledger: Ledger) -> dict[str, dict[str, Any]]:
    return {i.did: did_document(i.did, i.keys.values(), ledger.clock()) for i in ledger.issuers()}


def test_a_transcript_is_a_clr_of_signed_badges_each_by_its_institution(ledger: Ledger, world: dict[str, Any]) -> None:
    clr = clr_credential(ledger, world["student"])
    home = ledger.issuer("fernhill")
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"] and clr["issuer"]["id"] == home.did
    assert clr["proof"]["verificationMethod"].startswith(home.did + "#")  # the home institution signs
    nested = clr["credentialSubject"]["verifiableCredential"]
    assert [b["issuer"]["id"] for b in nested] == [home.did, ledger.issuer("fernhill-ctc").did]
    assert [a["name"] for a in clr["credentialSubject"]["achievement"]] == ["ServSafe Food Handler",
                                                                            "AWS Certified Welder"]
    result = verify_clr(clr, _documents(ledger), ledger.clock())
    assert result.ok and [s.ok for s in result.steps] == [True, True, True]
    assert [c.ok for c in result.credentials] == [True, True]


def test_a_changed_nested_badge_fails_that_badge_and_the_clr(ledger: Ledger, world: dict[str, Any]) -> None:
    clr = copy.deepcopy(clr_credential(ledger, world["student"]))
    clr["credentialSubject"]["verifiableCredential"][1]["name"] = "AWS Certified Welding Inspector"
    result = verify_clr(clr, _documents(ledger), ledger.clock())
    assert not result.ok
    assert [c.ok for c in result.credentials] == [True, False]  # the changed one is named
    assert result.credentials[1].steps[1].detail == "Signature is invalid for input"
    assert result.steps[1].ok is False  # and the CLR's own signature covers it too


def test_a_changed_clr_fails_its_own_signature(ledger: Ledger, world: dict[str, Any]) -> None:
    clr = dict(clr_credential(ledger, world["student"]), name="A better transcript")
    result = verify_clr(clr, _documents(ledger), ledger.clock())
    assert result.steps[1].ok is False and all(c.ok for c in result.credentials)


def test_after_a_transfer_and_a_revocation(ledger: Ledger, world: dict[str, Any]) -> None:
    transfer(ledger, [world["weld"]], "fernhill", "records consolidated")
    ledger.revoke(world["handler"], "issued_in_error", "wrong student")
    clr = clr_credential(ledger, world["student"])
    assert [b["id"].rsplit("/", 1)[1] for b in clr["credentialSubject"]["verifiableCredential"]] == [world["weld"]]
    assert verify_clr(clr, _documents(ledger), ledger.clock()).ok
    ledger.revoke(world["weld"], "issued_in_error", "wrong student")
    with pytest.raises(InputError, match="student: no credential of this student counts now"):
        clr_credential(ledger, world["student"])


def test_a_clr_that_is_not_one() -> None:
    from datetime import datetime, timezone

    result = verify_clr({"type": ["VerifiableCredential"]}, {}, datetime.now(timezone.utc))
    assert not result.ok and "its type is not VerifiableCredential and ClrCredential" in result.steps[0].detail


def test_1edtechs_signed_clr_sample_verifies() -> None:
    """tests/vectors/1edtech-validator/SOURCE.md: its methods are `[controller URL]#[multikey]`."""
    from datetime import datetime, timezone

    sample = json.loads(SAMPLE.read_text())
    documents: dict[str, Any] = {}
    for doc in [sample, *sample["credentialSubject"]["verifiableCredential"]]:
        method = doc["proof"][0]["verificationMethod"] if isinstance(doc["proof"], list) else doc["proof"]["verificationMethod"]
        controller, _, multikey = method.partition("#")
        public_key_from_verification_method(f"did:key:{multikey}")  # the fragment is a key
        documents[controller] = {"id": controller, "assertionMethod": [method], "verificationMethod": [
            {"id": method, "type": "Multikey", "controller": controller, "publicKeyMultibase": multikey}]}
    result = verify_clr(sample, documents, datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert [s.ok for s in result.steps][:2] == [True, True], result.steps
    assert all(c.steps[1].ok for c in result.credentials), result.credentials
