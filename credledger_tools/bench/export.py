"""`credledger bench export`: signing and verifying one Open Badges 3.0 badge, against the bare floor.

One award from a scratch instance, exported as an `OpenBadgeCredential` signed `eddsa-rdfc-2022`
(ledger.vc.openbadge). Timed in-process, each the median (p50) of `runs` calls:

    badge_sign      `Ledger.sign_export` of the badge's unsigned document (what `open_badge` signs)
    badge_export    all of `open_badge`: reading the award, catalog and identity, building, signing
    badge_verify    `verify_open_badge` against the issuer's DID document
    floor_sign      for the same document: RDFC-1.0 canonical N-Quads (verifiers.rdfc) of the document
                    and of the proof configuration, SHA-256 of each, one Ed25519 signature
    floor_verify    the same canonicalization and hashing, one Ed25519 verification
    floor_crypto    the floor without canonicalizing: SHA-256 of the two N-Quads and one Ed25519
                    signature (so the report shows how much of the floor is canonicalization)

and badge_sign / floor_sign, badge_verify / floor_verify (the floor is measured in the same run).
Issue 12's targets, reported, not asserted: one badge signed in ≤ 6 ms p50, within 1.3× the floor.

Then the CLR 2.0 benchmark (`measure_clr`: 20 badges nested in one `ClrCredential`, exported and
verified, against their floor). May import ledger and verifiers.
"""

from __future__ import annotations

import hashlib
import os
import statistics
from collections.abc import Callable
from datetime import date
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from credledger_tools.bench.measure import interleaved, percentile_ms
from credledger_tools.bench.scratch import DISTRICT, scratch_dir, scratch_instance, setup_district
from ledger.application import IssueRequest, Ledger
from ledger.vc.openbadge import open_badge
from verifiers.dataintegrity import EDDSA_RDFC_2022
from verifiers.didweb import did_document
from verifiers.openbadge import verify_open_badge
from verifiers.rdfc import canonical_nquads

TARGET_SIGN_MS = 6.0
TARGET_RATIO = 1.3
# A catalog entry with everything a badge can carry (alignments, tags), so the document is a full one.
ALIGNED = "bench-welding"
ALIGNED_FIELDS = {"name": "AWS D1.1 Structural Welding", "certifyingBody": "American Welding Society",
                  "credentialType": "certification", "validityMonths": 36, "careerField": "Manufacturing",
                  "cip": "48.0508", "soc": "51-4121", "naics": "332312"}


def run_export_benchmark(*, runs: int = 300) -> dict[str, Any]:
    """Sign, export and verify one badge `runs` times each; the bare floor in the same run."""
    with scratch_dir("credledger-bench-export-") as scratch:
        ledger = scratch_instance(scratch / "instance")
        try:
            return _measure(ledger, runs)
        finally:
            ledger.close()


def _measure(ledger: Ledger, runs: int) -> dict[str, Any]:
    student = setup_district(ledger)
    ledger.define_credential(ALIGNED, ALIGNED_FIELDS)
    (award,) = ledger.issue([IssueRequest(DISTRICT, student, ALIGNED, date(2026, 5, 1), {"certificate": "AWS-1234"})])
    issuer = ledger.issuer(DISTRICT)
    badge = open_badge(ledger, award, evidence=["certificate"])
    unsigned = {k: v for k, v in badge.items() if k != "proof"}
    options = {k: v for k, v in badge["proof"].items() if k != "proofValue"}
    documents = {issuer.did: did_document(issuer.did, issuer.keys.values(), ledger.clock())}
    now = ledger.clock()
    if not verify_open_badge(badge, documents, now).ok:
        raise AssertionError("the benchmark badge does not verify")

    # The floor: a key of the same kind, the same two canonicalizations and hashes, one Ed25519 operation.
    private_key = Ed25519PrivateKey.generate()
    public_key = private_key.public_key()
    signature = private_key.sign(_floor_hash(unsigned, options))
    config_nquads = canonical_nquads({**options, "@context": unsigned["@context"]}).encode("utf-8")
    document_nquads = canonical_nquads(unsigned).encode("utf-8")

    def floor_sign() -> None:
        private_key.sign(_floor_hash(unsigned, options))

    def floor_verify() -> None:
        public_key.verify(signature, _floor_hash(unsigned, options))

    timings = interleaved({
        "badge_sign": lambda: ledger.sign_export(issuer.did, unsigned, EDDSA_RDFC_2022),
        "badge_export": lambda: open_badge(ledger, award, evidence=["certificate"]),
        "badge_verify": lambda: verify_open_badge(badge, documents, now),
        "floor_sign": floor_sign,
        "floor_verify": floor_verify,
        "floor_crypto": lambda: private_key.sign(hashlib.sha256(config_nquads).digest()
                                                 + hashlib.sha256(document_nquads).digest()),
    }, runs)
    p50 = {name: statistics.median(t) for name, t in timings.items()}
    result: dict[str, Any] = {"runs": runs, "nquads": len(document_nquads.splitlines()),
                              "load_average_1m": round(os.getloadavg()[0], 2)}
    for name in timings:
        result[f"{name}_p50_ms"] = round(p50[name] * 1e3, 3)
    result["badge_sign_p99_ms"] = percentile_ms(timings["badge_sign"], 0.99, 3)
    result["badge_verify_p99_ms"] = percentile_ms(timings["badge_verify"], 0.99, 3)
    result["sign_over_floor"] = round(p50["badge_sign"] / p50["floor_sign"], 2)
    result["export_over_floor"] = round(p50["badge_export"] / p50["floor_sign"], 2)
    result["verify_over_floor"] = round(p50["badge_verify"] / p50["floor_verify"], 2)
    result["target"] = f"badge_sign_p50 <= {TARGET_SIGN_MS} ms, within {TARGET_RATIO}x the floor"
    result["target_met"] = (p50["badge_sign"] * 1e3 <= TARGET_SIGN_MS and result["sign_over_floor"] <= TARGET_RATIO
                            and result["verify_over_floor"] <= TARGET_RATIO)
    result.update(measure_clr(ledger, student, runs))
    return result


def _floor_hash(document: dict[str, Any], options: dict[str, Any]) -> bytes:
    """What eddsa-rdfc-2022 signs, from the bare parts: sha256(config N-Quads) + sha256(document N-Quads)."""
    config = canonical_nquads({**options, "@context": document["@context"]}).encode("utf-8")
    transformed = canonical_nquads(document).encode("utf-8")
    return hashlib.sha256(config).digest() + hashlib.sha256(transformed).digest()


def measure_clr(ledger: Ledger, student: str, runs: int) -> dict[str, Any]:
    """The CLR 2.0 benchmark (issue 12 item 7): a `ClrCredential` of 20 badges.

    `student` gets 19 more awards (20 in all). Timed, interleaved, `runs` times each (at most 50: each
    call canonicalizes 21 documents): `clr_export` (all of `clr_credential`: 20 badges built and signed,
    and the CLR), `clr_verify` (`verify_clr`: the CLR's proof and all 20 nested ones), and their floor:
    the same 21 documents canonicalized, hashed and signed (or verified) bare. Targets, reported:
    ≤ 150 ms p50 each, within 1.3x the floor.
    """
    from ledger.vc.clr import clr_credential
    from verifiers.clr import verify_clr

    ledger.issue([IssueRequest(DISTRICT, student, ALIGNED, date(2026, 4, 1 + i), {"certificate": f"AWS-C{i}"})
                  for i in range(19)])
    clr = clr_credential(ledger, student)
    nested = clr["credentialSubject"]["verifiableCredential"]
    if len(nested) != 20:
        raise AssertionError(f"the benchmark CLR holds {len(nested)} badges, not 20")
    issuer = ledger.issuer(DISTRICT)
    documents = {issuer.did: did_document(issuer.did, issuer.keys.values(), ledger.clock())}
    now = ledger.clock()
    if not verify_clr(clr, documents, now).ok:
        raise AssertionError("the benchmark CLR does not verify")
    parts = [({k: v for k, v in d.items() if k != "proof"}, {k: v for k, v in d["proof"].items() if k != "proofValue"})
             for d in [clr, *nested]]
    private_key = Ed25519PrivateKey.generate()
    public_key = private_key.public_key()
    signatures = [private_key.sign(_floor_hash(doc, options)) for doc, options in parts]

    def floor_export() -> None:
        for doc, options in parts:
            private_key.sign(_floor_hash(doc, options))

    def floor_verify() -> None:
        for (doc, options), signature in zip(parts, signatures):
            public_key.verify(signature, _floor_hash(doc, options))

    timings = interleaved({"clr_export": lambda: clr_credential(ledger, student),
                            "clr_verify": lambda: verify_clr(clr, documents, now),
                            "clr_floor_export": floor_export, "clr_floor_verify": floor_verify}, min(runs, 50))
    p50 = {name: statistics.median(t) for name, t in timings.items()}
    result: dict[str, Any] = {f"{name}_p50_ms": round(p50[name] * 1e3, 2) for name in timings}
    result["clr_export_over_floor"] = round(p50["clr_export"] / p50["clr_floor_export"], 2)
    result["clr_verify_over_floor"] = round(p50["clr_verify"] / p50["clr_floor_verify"], 2)
    result["clr_target_met"] = (max(p50["clr_export"], p50["clr_verify"]) * 1e3 <= 150
                                and max(result["clr_export_over_floor"], result["clr_verify_over_floor"]) <= 1.3)
    return result
