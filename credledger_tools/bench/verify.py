"""`credledger bench verify`: offline verification of a transcript bundle, against the bare floor.

The bundle (one student, `credentials` awards, a checkpoint) comes from a
scratch instance; what is timed is `verify_bundle` in-process, and, in the
same run, the floor the issue set: per credential, canonicalize + Ed25519
verify + inclusion proof. May import ledger and verifiers.
"""

from __future__ import annotations

import base64
import statistics
from datetime import date
from typing import Any

from credledger_tools.bench.measure import percentile_ms, samples
from credledger_tools.bench.scratch import DISTRICT, issue_request, scratch_dir, scratch_instance, setup_district
from ledger.export import export_bundle
from verifiers.bundle import leaf_from_entry, verify_bundle
from verifiers.checkpoint import checkpoint_from_text
from verifiers.dataintegrity import verify_proof
from verifiers.jcs import canonicalize
from verifiers.merkle import hash_leaf, verify_inclusion

TODAY = date(2026, 11, 1)


def run_verify_benchmark(*, credentials: int = 20, runs: int = 300) -> dict[str, Any]:
    """Verify a 20-credential bundle in-process; the bare floor is measured in the same run."""
    with scratch_dir("credledger-bench-verify-") as scratch:
        ledger = scratch_instance(scratch / "instance")
        student = setup_district(ledger)
        ledger.issue([issue_request(student)] * credentials)
        bundle = export_bundle(ledger, student, disclose=["name"])
        key = ledger.transparency_log.verifier_key
        public_key = ledger.issuer(DISTRICT).keys
        ledger.close()
    checkpoint = checkpoint_from_text(bundle["checkpoint"].split("\n\n")[0] + "\n")
    entries = [bundle["streams"][award][0] for award in bundle["awards"]]
    raw_key = next(iter(public_key.values())).public_key

    def floor() -> None:
        # The issue's bare floor: per credential, canonicalize + Ed25519 verify + inclusion proof.
        for entry in entries:
            document = entry["event"]
            canonicalize(document)
            verify_proof(document, document["proof"], raw_key)
            verify_inclusion(entry["index"], checkpoint.size, hash_leaf(leaf_from_entry(entry)),
                             [base64.b64decode(h) for h in entry["inclusion"]], checkpoint.root_hash)

    result = verify_bundle(bundle, [key], today=TODAY)
    if not result.ok:
        raise AssertionError("the benchmark bundle does not verify")
    ours = samples(lambda: verify_bundle(bundle, [key], today=TODAY), runs)
    bare = samples(floor, runs)
    return {
        "credentials": len(bundle["awards"]),
        "verify_p50_ms": round(statistics.median(ours) * 1e3, 2),
        "verify_p99_ms": percentile_ms(ours, 0.99, 2),
        "bare_floor_p50_ms": round(statistics.median(bare) * 1e3, 2),
        "ours_over_floor": round(statistics.median(ours) / statistics.median(bare), 2),
    }
