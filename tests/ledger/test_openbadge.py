"""Each award as an Open Badges 3.0 credential (ledger.vc.openbadge), checked by verifiers.openbadge
against the issuer's did:web document (verifiers.didweb): what a wallet or an employer's verifier reads."""

from __future__ import annotations

import copy
import hashlib
from datetime import date, timedelta
from typing import Any

import pytest

from ledger.application import IssueRequest, Ledger
from ledger.errors import InputError, RejectedError
from ledger.vc.openbadge import open_badge, open_badges
from tests.support import Clock
from verifiers.didweb import did_document
from verifiers.openbadge import verify_open_badge

NAME = "Marisol Quennell-Abara"  # fictional
SERVSAFE = {"name": "ServSafe Food Protection Manager", "certifyingBody": "National Restaurant Association",
            "credentialType": "certification", "validityMonths": 60, "careerField": "Hospitality & Tourism",
            "cip": "12.0500", "soc": "35-1012", "naics": "722",
            "ctid": "ce-5a3c9f1e-2b7d-4e8a-9c6f-0d1e2f3a4b5c"}  # a made-up CTID of the Credential Engine form
OSHA = {"name": "OSHA 10-Hour General Industry", "certifyingBody": "OSHA Outreach Training Program",
        "credentialType": "certificate", "validityMonths": None, "careerField": None}


@pytest.fixture
def world(ledger: Ledger) -> dict[str, Any]:
    ledger.register_issuer("pinecrest", "Pinecrest Unified School District", "district")
    ledger.define_credential("servsafe-manager", SERVSAFE)
    ledger.define_credential("osha10-general", OSHA)
    student = ledger.register_student("pinecrest", {"name": NAME, "birth_date": "2009-02-11", "local_id": "PC-1101"})
    servsafe, osha = ledger.issue([
        IssueRequest("pinecrest", student, "servsafe-manager", date(2026, 5, 20), {"certificate": "SS-4410", "score": 88}),
        IssueRequest("pinecrest", student, "osha10-general", date(2026, 6, 2), {"card": "OSHA-77120"}),
    ])
    return {"student": student, "servsafe": servsafe, "osha": osha}


def _documents(ledger: Ledger) -> dict[str, dict[str, Any]]:
    """What resolving each issuer's did:web would give (the route serves exactly this)."""
    return {i.did: did_document(i.did, i.keys.values(), ledger.clock()) for i in ledger.issuers()}


def _failing(result: Any) -> dict[str, str]:
    return {s.step: s.detail for s in result.steps if s.ok is not True}


def test_an_award_is_a_signed_open_badge_its_issuers_did_document_verifies(ledger: Ledger,
                                                                          world: dict[str, Any]) -> None:
    badge = open_badge(ledger, world["servsafe"])
    issuer = ledger.issuer("pinecrest")
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["id"] == f"https://localhost:5000/credentials/{world['servsafe']}"
    assert badge["issuer"] == {"id": issuer.did, "type": ["Profile"], "name": "Pinecrest Unified School District",
                               "url": "https://localhost:5000/issuers/pinecrest"}
    assert (badge["validFrom"], badge["validUntil"]) == ("2026-05-20T00:00:00Z", "2031-05-20T23:59:59Z")
    achievement = badge["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Certification"
    assert achievement["creator"]["name"] == "National Restaurant Association"
    assert [a["targetName"] for a in achievement["alignment"]] == [
        "CIP 12.0500", "SOC 35-1012", "NAICS 722", "CTID ce-5a3c9f1e-2b7d-4e8a-9c6f-0d1e2f3a4b5c"]
    assert achievement["alignment"][3]["targetUrl"] == \
        "https://credentialengineregistry.org/resources/ce-5a3c9f1e-2b7d-4e8a-9c6f-0d1e2f3a4b5c"
    assert "evidence" not in badge  # only what the student chooses
    proof = badge["proof"]
    assert (proof["cryptosuite"], proof["proofPurpose"]) == ("eddsa-rdfc-2022", "assertionMethod")
    assert proof["verificationMethod"].startswith(issuer.did + "#z6Mk")
    result = verify_open_badge(badge, _documents(ledger), ledger.clock())
    assert result.ok and result.status == "active", result.steps
    assert open_badge(ledger, world["servsafe"])["id"] == badge["id"]  # stable across exports


def test_the_name_is_hashed_and_salted_unless_disclosed(ledger: Ledger, world: dict[str, Any]) -> None:
    (identity,) = open_badge(ledger, world["osha"])["credentialSubject"]["identifier"]
    assert identity["hashed"] is True and NAME not in str(identity)
    # A verifier who knows the name checks it (OB 3.0: sha256 of the identity then the salt).
    assert identity["identityHash"] == "sha256$" + hashlib.sha256((NAME + identity["salt"]).encode()).hexdigest()
    other = open_badge(ledger, world["servsafe"])["credentialSubject"]["identifier"][0]
    assert other["salt"] != identity["salt"]  # each badge its own salt: two badges are not linked by it
    (plain,) = open_badge(ledger, world["osha"], name_in_plain=True)["credentialSubject"]["identifier"]
    assert plain == {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": NAME}


def test_evidence_only_as_chosen(ledger: Ledger, world: dict[str, Any]) -> None:
    badge = open_badge(ledger, world["servsafe"], evidence=["certificate"])
    assert badge["evidence"] == [{"type": ["Evidence"], "name": "certificate", "narrative": "SS-4410"}]
    assert verify_open_badge(badge, _documents(ledger), ledger.clock()).ok
    with pytest.raises(InputError, match="evidence: this award holds no evidence 'license'; it holds certificate, score"):
        open_badge(ledger, world["servsafe"], evidence=["license"])


@pytest.mark.parametrize(("change", "step", "detail"), [
    (lambda b: b.update(name="ServSafe Food Protection Managerr"), "signature", "Signature is invalid for input"),
    (lambda b: b.update(validFrom="2026-05-19T00:00:00Z"), "signature", "Signature is invalid for input"),
    (lambda b: b["credentialSubject"]["identifier"][0].update(identityHash="sha256$" + "0" * 64), "signature",
     "Signature is invalid for input"),
    (lambda b: b["proof"].update(proofValue=b["proof"]["proofValue"][:-1] + "1"), "signature", ""),
    (lambda b: b.update(issuer=dict(b["issuer"], id="did:web:localhost%3A5000:issuers:elsewhere")), "signature",
     "not by a key of the issuer did:web:localhost%3A5000:issuers:elsewhere"),
    (lambda b: b.update(type=["VerifiableCredential"]), "format",
     "its type is not VerifiableCredential and OpenBadgeCredential"),
    (lambda b: b.update(favouriteColour="teal"), "signature", "the term 'favouriteColour' is not defined"),
])
def test_a_changed_badge_fails_naming_the_step(ledger: Ledger, world: dict[str, Any], change: Any, step: str,
                                               detail: str) -> None:
    badge = copy.deepcopy(open_badge(ledger, world["servsafe"]))
    change(badge)
    result = verify_open_badge(badge, _documents(ledger), ledger.clock())
    assert not result.ok
    assert step in _failing(result) and detail in _failing(result)[step], result.steps


def test_a_key_not_in_the_did_document_fails(ledger: Ledger, world: dict[str, Any], clock: Clock) -> None:
    badge = open_badge(ledger, world["servsafe"])
    key_id = next(iter(ledger.issuer("pinecrest").keys))
    # A rotation keeps old badges verifying: a retired key stays in assertionMethod.
    ledger.rotate_issuer_key("pinecrest")
    clock.advance(days=1)
    assert verify_open_badge(badge, _documents(ledger), ledger.clock()).ok
    # A compromise takes the key out: what it signed no longer verifies through did:web.
    ledger.declare_key_compromised("pinecrest", key_id, clock() - timedelta(hours=1))
    result = verify_open_badge(badge, _documents(ledger), ledger.clock())
    assert "does not list" in _failing(result)["signature"] and "for assertionMethod" in _failing(result)["signature"]
    # Exported again, it is signed by the current key and verifies.
    assert verify_open_badge(open_badge(ledger, world["servsafe"]), _documents(ledger), ledger.clock()).ok


def test_an_expired_badge_is_expired_not_forged(ledger: Ledger, world: dict[str, Any], clock: Clock) -> None:
    badge = open_badge(ledger, world["servsafe"])
    clock.advance(days=365 * 6)
    result = verify_open_badge(badge, _documents(ledger), ledger.clock())
    assert result.ok and result.status == "expired"
    assert "expired on 2031-05-20T23:59:59Z: genuine, no longer current" in result.steps[2].detail


def test_a_student_export_leaves_out_withdrawn_awards(ledger: Ledger, world: dict[str, Any]) -> None:
    ledger.revoke(world["osha"], "issued_in_error", "recorded for the wrong student")
    badges, withdrawn = open_badges(ledger, world["student"])
    assert list(badges) == [world["servsafe"]] and withdrawn == [world["osha"]]
    with pytest.raises(InputError, match="only: not this student's award: nope"):
        open_badges(ledger, world["student"], only=["nope"])


def test_refusals(ledger: Ledger, world: dict[str, Any]) -> None:
    ledger.erase_identity(world["student"])
    with pytest.raises(InputError, match="student: this student's identity was erased; a badge cannot name them"):
        open_badge(ledger, world["servsafe"])
    ledger.register_issuer("cedar-ctc", "Cedar Career Center", "cte_center",
                           public_key_id="did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH"
                                         "#z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH")
    with pytest.raises(RejectedError, match="this server holds no valid key of"):
        ledger.sign_export(ledger.issuer("cedar-ctc").did, {"@context": []}, suite=None)  # type: ignore[arg-type]
