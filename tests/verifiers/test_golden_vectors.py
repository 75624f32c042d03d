"""Golden vectors of credledger's own formats: tests/vectors/credledger (see its README.md).

Transcript bundles, leaf records, C2SP checkpoints and Merkle proofs, exported once from a
fictional instance and committed, with corruptions derived from them and the exact outcome each
must have. The tests only read those files, never write them: a change that makes the committed
bundles (those already in students' hands) fail, or pass where they must fail, fails here.

Verification uses `verifiers` alone, with fixed times (`today`), so the vectors never expire;
one test shows, in a fresh interpreter, that verifying a bundle loads nothing of the ledger.
The last tests tie the vectors to the ledger's own code (leaf records, origin, format name), so
the ledger and the vectors cannot drift apart.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.support import json_patch
from verifiers import errors
from verifiers.bundle import (
    OFFLINE_ONLY,
    STEPS,
    WITHDRAWN,
    BundleResult,
    OnlineEvidence,
    leaf_from_entry,
    verify_bundle,
)
from verifiers.checkpoint import Checkpoint, verify_checkpoint
from verifiers.jcs import canonicalize
from verifiers.merkle import hash_leaf, root_from_inclusion_proof, verify_consistency, verify_inclusion
from verifiers.note import Verifier

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors" / "credledger"
SCHEMA = ROOT / "docs" / "transcript-bundle.schema.json"


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


BUNDLE_CASES = load("bundle-cases.json")
CHECKPOINTS = load("checkpoints.json")
LEAVES = load("leaves.json")
PROOFS = load("proofs.json")


def unb64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def assert_raises_exactly(want: dict[str, str], run: Any) -> None:
    """The exact class (not a subclass, not a parent) and a fragment of the message."""
    cls = getattr(errors, want["class"])
    with pytest.raises(errors.VerificationError) as caught:
        run()
    assert type(caught.value) is cls, (type(caught.value).__name__, str(caught.value))
    assert want["message"] in str(caught.value)


def ids(cases: list[dict[str, Any]]) -> list[str]:
    return [c["desc"] for c in cases]


# The files ------------------------------------------------------------------------------------------


def test_the_vectors_are_there_and_small() -> None:
    files = sorted(p.relative_to(VECTORS).as_posix() for p in VECTORS.rglob("*") if p.is_file())
    bundles = [b[kind] for b in BUNDLE_CASES["bundles"].values() for kind in ("file", "online")]
    assert set(bundles) | {"bundle-cases.json", "checkpoints.json", "leaves.json", "proofs.json",
                           "README.md", "make_vectors.py", "story.txt"} == set(files)
    assert all((VECTORS / f).stat().st_size < 100_000 for f in files)


@pytest.mark.parametrize("name", sorted(BUNDLE_CASES["bundles"]))
def test_the_committed_bundles_conform_to_the_schema(name: str) -> None:
    bundle = load(BUNDLE_CASES["bundles"][name]["file"])
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator(schema).validate(bundle)
    assert sorted(bundle["awards"]) == sorted(BUNDLE_CASES["bundles"][name]["awards"].values())
    assert bundle["student"] == BUNDLE_CASES["bundles"][name]["student"]


def test_the_patches_apply_as_rfc_6902_says() -> None:
    doc = {"a": [1, 2, 3], "b": {"c~/d": "x"}}
    assert json_patch(doc, [{"op": "move", "from": "/a/2", "path": "/a/0"}]) == {"a": [3, 1, 2], "b": {"c~/d": "x"}}
    assert json_patch(doc, [{"op": "replace", "path": "/b/c~0~1d", "value": "y"},
                            {"op": "add", "path": "/a/-", "value": 4}, {"op": "remove", "path": "/a/0"}]) == {
        "a": [2, 3, 4], "b": {"c~/d": "y"}}
    assert doc == {"a": [1, 2, 3], "b": {"c~/d": "x"}}  # a copy is patched
    for wrong in ({"op": "test", "path": "/a/0", "value": 2}, {"op": "replace", "path": "/z", "value": 1},
                  {"op": "remove", "path": "/a/9"}):
        with pytest.raises(ValueError):
            json_patch(doc, [wrong])


# Checkpoints ----------------------------------------------------------------------------------------


def log_verifier(key: str | None = None) -> Verifier:
    return Verifier.from_key_string(key or CHECKPOINTS["log_key"])


@pytest.mark.parametrize("signed", CHECKPOINTS["checkpoints"], ids=lambda c: c["name"])
def test_the_log_checkpoints_verify(signed: dict[str, Any]) -> None:
    checkpoint = verify_checkpoint(signed["note"], log_verifier())
    assert checkpoint == Checkpoint(signed["origin"], signed["size"], unb64(signed["root"]),
                                    tuple(signed["extensions"]))
    assert checkpoint.origin == CHECKPOINTS["origin"] == log_verifier().name


@pytest.mark.parametrize("case", CHECKPOINTS["cases"], ids=ids(CHECKPOINTS["cases"]))
def test_checkpoint_case(case: dict[str, Any]) -> None:
    verifier = log_verifier(case.get("log_key"))
    if "want_error" in case:
        assert_raises_exactly(case["want_error"], lambda: verify_checkpoint(case["note"], verifier))
        return
    want = case["want"]
    checkpoint = verify_checkpoint(case["note"], verifier)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root_hash, list(checkpoint.extensions)) == (
        want["origin"], want["size"], unb64(want["root"]), want["extensions"])


def test_checkpoint_cases_cover_the_corruptions() -> None:
    kinds = {c["desc"] for c in CHECKPOINTS["cases"]}
    for needle in ("size * 2", "one bit flipped", "trailing garbage", "another key"):
        assert any(needle in k for k in kinds), needle
    assert sum("want_error" in c for c in CHECKPOINTS["cases"]) >= 15


# Merkle proofs --------------------------------------------------------------------------------------


def named_roots() -> dict[str, bytes]:
    return {c["name"]: unb64(c["root"]) for c in CHECKPOINTS["checkpoints"]}


def test_the_proofs_are_against_the_signed_checkpoints() -> None:
    roots = named_roots()
    for name, tree in PROOFS["checkpoints"].items():
        assert unb64(tree["root"]) == roots[name]


@pytest.mark.parametrize("case", PROOFS["inclusion"], ids=ids(PROOFS["inclusion"]))
def test_inclusion_case(case: dict[str, Any]) -> None:
    args = (case["index"], case["size"], unb64(case["leaf_hash"]), [unb64(p) for p in case["proof"]])
    if "want_error" in case:
        assert_raises_exactly(case["want_error"], lambda: verify_inclusion(*args, unb64(case["root"])))
        return
    verify_inclusion(*args, unb64(case["root"]))
    assert root_from_inclusion_proof(*args) == unb64(case["root"])


@pytest.mark.parametrize("case", PROOFS["consistency"], ids=ids(PROOFS["consistency"]))
def test_consistency_case(case: dict[str, Any]) -> None:
    def run() -> None:
        verify_consistency(case["size1"], case["size2"], [unb64(p) for p in case["proof"]], unb64(case["root1"]),
                           unb64(case["root2"]))

    if "want_error" in case:
        assert_raises_exactly(case["want_error"], run)
    else:
        run()


# Leaf records ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", LEAVES["cases"], ids=ids(LEAVES["cases"]))
def test_leaf_record(case: dict[str, Any]) -> None:
    leaf = leaf_from_entry({"event": case["event"], "recorded": case["recorded"]})
    assert leaf == case["leaf"].encode("utf-8")
    assert hashlib.sha256(canonicalize(case["event"])).hexdigest() == case["event_hash"]
    assert json.loads(case["leaf"])["event"] == case["event_hash"]
    assert hash_leaf(leaf) == unb64(case["leaf_hash"])
    verify_inclusion(case["index"], LEAVES["tree_size"], hash_leaf(leaf), [unb64(p) for p in case["inclusion"]],
                     unb64(LEAVES["root"]))


def test_leaf_records_are_in_the_later_checkpoint() -> None:
    (n2,) = [c for c in CHECKPOINTS["checkpoints"] if c["name"] == "N2"]
    assert (LEAVES["tree_size"], LEAVES["root"]) == (n2["size"], n2["root"])
    assert {c["event"]["type"] for c in LEAVES["cases"]} >= {
        "IssuerRegistered", "IssuerKeyAdded", "IssuerKeyRetired", "CredentialDefined", "StudentRegistered",
        "CredentialIssued", "CredentialRevoked", "CredentialTransferred"}


@pytest.mark.parametrize("case", LEAVES["malformed"], ids=ids(LEAVES["malformed"]))
def test_malformed_leaf_entry(case: dict[str, Any]) -> None:
    assert_raises_exactly(case["want_error"], lambda: leaf_from_entry(case["entry"]))


# Transcript bundles ---------------------------------------------------------------------------------


def online_of(case: dict[str, Any]) -> OnlineEvidence | Any:
    mode = case.get("online")
    if mode is None:
        assert "online_patch" not in case
        return None
    if mode == "offline_only":
        return OFFLINE_ONLY
    if mode == "withdrawn":
        return WITHDRAWN
    assert mode == "evidence", mode
    answer = json_patch(load(BUNDLE_CASES["bundles"][case["bundle"]]["online"]), case.get("online_patch", []))
    return OnlineEvidence(answer["checkpoint"], [unb64(h) for h in answer["consistency"]], answer["streams"])


def verify_case(case: dict[str, Any]) -> BundleResult:
    bundle = json_patch(load(BUNDLE_CASES["bundles"][case["bundle"]]["file"]), case["patch"])
    today = date.fromisoformat(case.get("today", BUNDLE_CASES["today"]))
    return verify_bundle(bundle, case.get("log_keys", [BUNDLE_CASES["log_key"]]), today=today,
                         online=online_of(case))


@pytest.mark.parametrize("case", BUNDLE_CASES["cases"], ids=ids(BUNDLE_CASES["cases"]))
def test_bundle_case(case: dict[str, Any]) -> None:
    want = case["want"]
    if "raises" in want:
        assert_raises_exactly(want["raises"], lambda: verify_case(case))
        return
    result = verify_case(case)
    assert (result.ok, result.checkpoint.ok, result.checkpoint_size, result.identity) == (
        want["ok"], want["checkpoint"], want["checkpoint_size"], want["identity"]), result.checkpoint
    roles = {award: role for role, award in BUNDLE_CASES["bundles"][case["bundle"]]["awards"].items()}
    got = {roles.get(c.award, c.award): c for c in result.credentials}
    assert list(got) == list(want["credentials"])
    for role, expected in want["credentials"].items():
        credential = got[role]
        steps = {s.step: s for s in credential.steps}
        assert list(steps) == list(STEPS)
        failed = [name for name, s in steps.items() if s.ok is False]
        unchecked = [name for name, s in steps.items() if s.ok is None]
        # Exact: the named steps fail, the named ones are not checked, and every other step passes.
        assert (failed, unchecked) == (expected["fail"], expected["unchecked"]), (role, credential.steps)
        assert all(s.ok is True for name, s in steps.items() if name not in failed + unchecked)
        assert (credential.status, credential.ok) == (expected["status"], expected["ok"]), role
        for step, fragment in expected.get("detail", {}).items():
            assert fragment in steps[step].detail, (role, steps[step])


def test_bundle_cases_cover_the_corruptions() -> None:
    cases = BUNDLE_CASES["cases"]
    failing = {step for c in cases for cred in c["want"].get("credentials", {}).values() for step in cred["fail"]}
    # Every step is shown failing at least once, but "witnessed": these cases pin no witnesses (its
    # failures are tests/verifiers/test_bundle_witnessed.py, over real cosigned checkpoints).
    assert failing == set(STEPS) - {"witnessed"}
    assert sum(not c["patch"] and "log_keys" not in c and "online_patch" not in c for c in cases) >= 6
    assert sum("raises" in c["want"] for c in cases) >= 3
    for needle in ("one bit flipped", "index + 1", "trailing garbage", "removed", "swapped", "wrong key",
                   "without its consistency proof", "countersignature", "tree size * 2"):
        assert any(needle in c["desc"] for c in cases), needle


# Nothing of the ledger ------------------------------------------------------------------------------

VERIFY_ALONE = """
import base64, json, sys
from datetime import date
from pathlib import Path
from verifiers.bundle import OnlineEvidence, verify_bundle

here = Path(sys.argv[1])
cases = json.loads((here / "bundle-cases.json").read_text(encoding="utf-8"))
results = {}
for name, files in sorted(cases["bundles"].items()):
    bundle = json.loads((here / files["file"]).read_text(encoding="utf-8"))
    answer = json.loads((here / files["online"]).read_text(encoding="utf-8"))
    online = OnlineEvidence(answer["checkpoint"], [base64.b64decode(h) for h in answer["consistency"]],
                            answer["streams"])
    for mode, evidence in (("offline", None), ("online", online)):
        result = verify_bundle(bundle, [cases["log_key"]], today=date.fromisoformat(cases["today"]), online=evidence)
        results[f"{name} {mode}"] = [[c.award, c.status, [s.ok for s in c.steps]] for c in result.credentials]
ours = sorted(m for m in sys.modules if m.partition(".")[0] in ("ledger", "web", "keys", "eventsourcing", "flask"))
assert "ledger" not in sys.modules and "web" not in sys.modules, ours
print(json.dumps({"results": results, "loaded": ours}))
"""


def test_verifying_a_bundle_needs_nothing_of_the_ledger() -> None:
    done = subprocess.run([sys.executable, "-c", VERIFY_ALONE, str(VECTORS)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["loaded"] == []
    expected = {}
    for name, files in sorted(BUNDLE_CASES["bundles"].items()):
        for mode, online in (("offline", None), ("online", "evidence")):
            case = {"bundle": name, "patch": [], **({"online": online} if online else {})}
            expected[f"{name} {mode}"] = [[c.award, c.status, [s.ok for s in c.steps]]
                                          for c in verify_case(case).credentials]
    assert report["results"] == expected
    assert any(ok is False for results in expected.values() for _, _, steps in results for ok in steps)


# The ledger and the vectors agree ---------------------------------------------------------------------


def test_leaf_records_match_the_ledger() -> None:
    from verifiers.protocol.documents import document_hash, leaf_record
    from verifiers.timestamps import parse_timestamp

    for case in LEAVES["cases"]:
        event = case["event"]
        assert document_hash(event) == case["event_hash"]
        assert leaf_record(event, document_hash(event), parse_timestamp(case["recorded"])) == case["leaf"].encode()
    entries = [entry for files in BUNDLE_CASES["bundles"].values() for kind in ("file", "online")
               for stream in load(files[kind])["streams"].values() for entry in stream]
    assert len(entries) > 40
    for entry in entries:
        event = entry["event"]
        assert leaf_record(event, document_hash(event), parse_timestamp(entry["recorded"])) == leaf_from_entry(entry)


def test_the_ledger_names_what_the_vectors_name() -> None:
    from verifiers.protocol import documents as d
    from verifiers.protocol.bundle import FORMAT
    from ledger.config import legacy_log_origin

    for name, files in BUNDLE_CASES["bundles"].items():
        bundle = load(files["file"])
        assert bundle["format"] == FORMAT
        assert legacy_log_origin("records.quillfeather.example", bundle["ledger"]) == CHECKPOINTS["origin"]
        for stream, entries in bundle["streams"].items():
            first = entries[0]["event"]
            if first["type"] == d.ISSUER_REGISTERED:
                assert stream == d.issuer_stream(first["slug"])
            elif first["type"] == d.CREDENTIAL_DEFINED:
                assert stream == d.credential_stream(first["credential"])
