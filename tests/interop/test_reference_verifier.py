"""Our Open Badges 3.0 exports, verified by the reference implementation (issue 12: "verifiable by the
reference implementations"): Digital Bazaar's `@digitalbazaar/vc` with the `eddsa-rdfc-2022`
cryptosuite, pinned in tests/interop/package-lock.json and run by tests/interop/verify.mjs.

The harness serves only what it is given (our bundled contexts, the issuers' DID documents as
/issuers/<slug>/did.json serves them) and never the network. One node process checks every badge of
the world; a second checks the W3C vc-di-eddsa vector (the harness's own sanity check).

Node and tests/interop/node_modules (`make interop`) are needed: when CI=true their absence is a
failure, elsewhere a skip (the policy tests/conftest.py applies to PostgreSQL).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger.application import IssueRequest, Ledger
from ledger.vc.openbadge import open_badge, open_badges
from tests.support import Clock
from verifiers.contexts import BUNDLED
from verifiers.didweb import did_document
from verifiers.openbadge import verify_open_badge
from verifiers.timestamps import format_timestamp

HERE = Path(__file__).resolve().parent
VECTORS = HERE.parent / "vectors"
VC = "https://www.w3.org/ns/credentials/v2"
DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]

NAME = "Teodora Vashti-Lindqvist"  # fictional
OTHER_NAME = "Osric Penhallow-Mbeki"  # fictional
SERVSAFE = {"name": "ServSafe Food Protection Manager", "certifyingBody": "National Restaurant Association",
            "credentialType": "certification", "validityMonths": 60, "careerField": "Hospitality & Tourism",
            "cip": "12.0500", "soc": "35-1012", "naics": "722"}
WELDING = {"name": "AWS D1.1 Structural Welding", "certifyingBody": "American Welding Society",
           "credentialType": "certification", "validityMonths": 6, "careerField": "Manufacturing"}
CPR = {"name": "Adult First Aid/CPR/AED", "certifyingBody": "American Red Cross",
       "credentialType": "certificate", "validityMonths": None, "careerField": None}


@pytest.fixture(scope="session")
def reference_verifier() -> list[str]:
    """The command that runs verify.mjs, or a skip (a failure when CI=true) saying what is missing."""
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "node is not on PATH (Node 20 or later runs the reference verifier)"
    elif not (HERE / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        problem = "tests/interop/node_modules is missing: run `make interop` (npm ci --prefix tests/interop)"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the reference verifier is required in CI: {problem}")
        pytest.skip(problem)
    return [str(node), str(HERE / "verify.mjs")]


def reference_verify(command: list[str], credentials: list[Any], did_documents: dict[str, Any],
                     contexts: dict[str, Any], *, now: str | None = None, check: str = "credential",
                     status_lists: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """What the reference verifier says of each credential: {verified, errors}, in order. `status_lists`:
    the signed status list credentials, by URL, that the badges' entries name."""
    payload = {"credentials": credentials, "didDocuments": did_documents, "contexts": contexts, "check": check,
               "statusLists": status_lists or {}, **({"now": now} if now else {})}
    done = subprocess.run(command, input=json.dumps(payload), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert isinstance(results, list) and len(results) == len(credentials)
    return results


@pytest.fixture
def backend() -> None:
    """SQLite only: what is checked here is the exported document, not the store."""
    return None


def _status_lists(ledger: Ledger, badges: list[dict[str, Any]]) -> dict[str, Any]:
    """The status lists the badges name, as /issuers/<slug>/status/<n> serves them, signed on the wall
    clock: the reference checks a list's validUntil against the real time (it takes no `now`)."""
    from ledger.application import utcnow
    from ledger.readmodels import Projections
    from ledger.vc.statuslist import build_list

    projections = Projections.of(ledger)
    projections.catch_up()
    lists, test_clock = {}, ledger.clock
    ledger.clock = utcnow
    try:
        for badge in badges:
            status = badge.get("credentialStatus")
            if isinstance(status, dict):
                url = status["statusListCredential"]
                slug, _, number = url.rsplit("/issuers/", 1)[1].partition("/status/")
                lists[url] = build_list(ledger, projections, ledger.issuer(slug).did, int(number))[0]
    finally:
        ledger.clock = test_clock
    return lists


def _documents(ledger: Ledger) -> dict[str, dict[str, Any]]:
    """What resolving each issuer's did:web gives (the /issuers/<slug>/did.json route serves exactly this)."""
    return {i.did: did_document(i.did, i.keys.values(), ledger.clock()) for i in ledger.issuers()}


def _changed(badge: dict[str, Any], change: Any) -> dict[str, Any]:
    badge = copy.deepcopy(badge)
    change(badge)
    return badge


@pytest.fixture
def world(ledger: Ledger, clock: Clock) -> dict[str, Any]:
    """Two issuers, three credentials, two students; the second issuer's first key is later compromised."""
    ledger.register_issuer("harrow-vale", "Harrow Vale Unified School District", "district")
    ledger.register_issuer("quillon-ctc", "Quillon Regional Career and Technical Center", "cte_center")
    ledger.define_credential("servsafe-manager", SERVSAFE)
    ledger.define_credential("aws-d11", WELDING)
    ledger.define_credential("cpr-aed", CPR)
    first = ledger.register_student("harrow-vale", {"name": NAME, "birth_date": "2009-03-14", "local_id": "HV-2207"})
    second = ledger.register_student("quillon-ctc", {"name": OTHER_NAME, "birth_date": "2008-10-02",
                                                     "local_id": "QC-0415"})
    ledger.issue([
        IssueRequest("harrow-vale", first, "servsafe-manager", date(2026, 5, 20), {"certificate": "SS-7781", "score": 91}),
        IssueRequest("harrow-vale", first, "cpr-aed", date(2026, 6, 2), {"card": "ARC-55120"}),
    ])
    (weld,) = ledger.issue([IssueRequest("quillon-ctc", second, "aws-d11", date(2026, 8, 3), {"certificate": "AWS-3390"})])
    badges, withdrawn = open_badges(ledger, first)
    assert not withdrawn
    with_evidence = open_badge(ledger, next(iter(badges)), evidence=["certificate", "score"], name_in_plain=True)
    before_compromise = open_badge(ledger, weld)
    old_key = next(iter(ledger.issuer("quillon-ctc").keys))
    ledger.rotate_issuer_key("quillon-ctc")
    clock.advance(days=1)
    ledger.declare_key_compromised("quillon-ctc", old_key, clock() - timedelta(hours=1))
    return {"badges": list(badges.values()), "with_evidence": with_evidence, "compromised": before_compromise,
            "resigned": open_badge(ledger, weld)}


def test_the_reference_verifier_verifies_our_badges_and_refuses_what_we_refuse(
        ledger: Ledger, world: dict[str, Any], reference_verifier: list[str]) -> None:
    documents = _documents(ledger)
    good = [*world["badges"], world["with_evidence"], world["resigned"]]
    servsafe = world["badges"][0]
    other_did = ledger.issuer("quillon-ctc").did
    bad = {
        "a changed name": _changed(servsafe, lambda b: b.update(name=b["name"] + "r")),
        "a changed validFrom": _changed(servsafe, lambda b: b.update(validFrom="2026-05-19T00:00:00Z")),
        "a changed identity hash": _changed(servsafe, lambda b: b["credentialSubject"]["identifier"][0].update(
            identityHash="sha256$" + "0" * 64)),
        "another issuer": _changed(servsafe, lambda b: b.update(issuer=dict(b["issuer"], id=other_did))),
        "an undefined term": _changed(servsafe, lambda b: b.update(favouriteColour="teal")),
        "a compromised key": world["compromised"],
    }
    # Ours first: the same answers, so any disagreement below is the reference's.
    assert all(verify_open_badge(b, documents, ledger.clock()).ok for b in good)
    assert not any(verify_open_badge(b, documents, ledger.clock()).ok for b in bad.values())

    results = reference_verify(reference_verifier, [*good, *bad.values()], documents, dict(BUNDLED),
                               now=format_timestamp(ledger.clock()), status_lists=_status_lists(ledger, good))
    for badge, result in zip(good, results[:len(good)], strict=True):
        assert result == {"verified": True, "errors": []}, (badge["id"], result)
    said = dict(zip(bad, results[len(good):], strict=True))
    assert not any(r["verified"] for r in said.values()), said
    # The reference checks the signature before the issuer, so another issuer is an invalid signature
    # there (ours names the issuer first: "not by a key of the issuer").
    for case in ("a changed name", "a changed validFrom", "a changed identity hash", "another issuer"):
        assert said[case]["errors"] == ["Invalid signature."], (case, said[case])
    assert any("favouriteColour" in e for e in said["an undefined term"]["errors"]), said["an undefined term"]
    (compromised,) = said["a compromised key"]["errors"]
    assert "not authorized by controller for proof purpose \"assertionMethod\"" in compromised


def test_a_badge_past_its_validUntil_is_refused_by_the_reference(ledger: Ledger, world: dict[str, Any],
                                                                  reference_verifier: list[str]) -> None:
    """Where the two differ by design: ours says "expired, genuine"; vc.verifyCredential says not verified."""
    welding = world["resigned"]  # six months' validity
    later = ledger.clock() + timedelta(days=365)
    assert verify_open_badge(welding, _documents(ledger), later).status == "expired"
    (result,) = reference_verify(reference_verifier, [welding], _documents(ledger), dict(BUNDLED),
                                 now=format_timestamp(later))
    assert not result["verified"] and any('is after "validUntil"' in e for e in result["errors"]), result


def test_the_w3c_vector_verifies_in_the_harness(reference_verifier: list[str]) -> None:
    """The harness itself: the W3C vc-di-eddsa eddsa-rdfc-2022 vector's proof verifies. Its issuer is not
    its key's controller, so vc.verifyCredential refuses it for that reason (and only that); the Data
    Integrity check (jsigs.verify, AssertionProofPurpose) is what verifies the proof."""
    signed = json.loads((VECTORS / "w3c-vc-di-eddsa" / "eddsa-rdfc-2022" / "signedDataInt.json").read_text())
    method = signed["proof"]["verificationMethod"]
    did, _, multikey = method.partition("#")
    documents = {did: {"@context": DID_CONTEXT, "id": did, "assertionMethod": [method],
                       "verificationMethod": [{"id": method, "type": "Multikey", "controller": did,
                                               "publicKeyMultibase": multikey}]}}
    contexts = {**BUNDLED, "https://www.w3.org/ns/credentials/examples/v2": json.loads(
        (VECTORS / "contexts" / "credentials-examples-v2.json").read_text())}
    forged = _changed(signed, lambda c: c["credentialSubject"].update(alumniOf="The School of Forgeries"))
    proof_only = reference_verify(reference_verifier, [signed, forged], documents, contexts, check="proof")
    assert proof_only == [{"verified": True, "errors": []}, {"verified": False, "errors": ["Invalid signature."]}]
    (as_credential,) = reference_verify(reference_verifier, [signed], documents, contexts)
    assert as_credential == {"verified": False,
                             "errors": ["Credential issuer must match the verification method controller."]}


def test_the_harness_fetches_nothing(reference_verifier: list[str]) -> None:
    signed = json.loads((VECTORS / "w3c-vc-di-eddsa" / "eddsa-rdfc-2022" / "signedDataInt.json").read_text())
    method = signed["proof"]["verificationMethod"]
    assert reference_verify(reference_verifier, [signed], {}, dict(BUNDLED), check="proof") == [
        {"verified": False, "errors": [f"{method} is not served here (the harness never fetches)"]}]
    did, _, multikey = method.partition("#")
    documents = {did: {"@context": DID_CONTEXT, "id": did, "assertionMethod": [method],
                       "verificationMethod": [{"id": method, "type": "Multikey", "controller": did,
                                               "publicKeyMultibase": multikey}]}}
    (result,) = reference_verify(reference_verifier, [signed], documents, dict(BUNDLED), check="proof")
    assert not result["verified"]
    assert "https://www.w3.org/ns/credentials/examples/v2 is not served here" in " ".join(result["errors"]), result


def test_our_vc_context_is_the_one_the_reference_ships(reference_verifier: list[str]) -> None:
    """A different copy of a context changes the canonical N-Quads (DESIGN.md): @digitalbazaar/vc's own."""
    shipped = HERE / "node_modules" / "@digitalbazaar" / "credentials-context" / "contexts" / "v2.jsonld"
    assert json.loads(shipped.read_text()) == BUNDLED[VC]


def test_the_reference_reads_a_revocation_from_our_status_list(
        ledger: Ledger, world: dict[str, Any], reference_verifier: list[str]) -> None:
    badge = world["badges"][0]
    ledger.revoke(badge["id"].rsplit("/", 1)[1], "misconduct", "exam irregularity")
    (result,) = reference_verify(reference_verifier, [badge], _documents(ledger), dict(BUNDLED),
                                 now=format_timestamp(ledger.clock()), status_lists=_status_lists(ledger, [badge]))
    assert result == {"verified": False, "errors": ["revoked: the status list bit is set"]}
