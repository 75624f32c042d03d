"""`verifiers.bundle`: portable transcript bundles, verified with only the log key pinned.

Bundles come from real ledgers (SQLite files) through `ledger.export`, never
from hand-written JSON, so the verifier and the exporter cannot drift apart.
People, schools and certificate numbers are fictional.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from keys.signer import Signer
from ledger.application import IssueRequest, Ledger
from ledger.export import export_bundle, online_evidence
from ledger.instance import init_instance
from verifiers.protocol.status import award_status, is_withdrawn
from tests.support import Clock, transfer
from verifiers import bundle as vb
from verifiers.bundle import (
    OFFLINE_ONLY,
    WITHDRAWN,
    BundleResult,
    CredentialResult,
    OnlineAccess,
    OnlineEvidence,
    OnlineUnavailable,
    StepResult,
    VerificationPolicy,
    leaf_from_entry,
    online_access_from_bundle,
    verify_bundle,
)
from verifiers.didkey import did_key_from_public_key
from verifiers.errors import BundleFormatError, MalformedError
from verifiers.protocol import authority
from verifiers.protocol.bundle import Bundle
from verifiers.protocol import documents as d
from verifiers.timestamps import format_timestamp, parse_timestamp

PASSPHRASE = "bundle-test-passphrase"
TODAY = date(2026, 11, 22)
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "transcript-bundle.schema.json"
OFFLINE = ("consistency", "current_status")
UNPINNED = ("witnessed",)  # these tests pin no witnesses (tests/verifiers/test_bundle_witnessed.py does)

CATALOG = {
    "servsafe-handler": ("ServSafe Food Handler", "National Restaurant Association", 36),
    "nccer-core": ("NCCER Core Curriculum", "NCCER", None),
    "aws-welder": ("AWS Certified Welder", "American Welding Society", 6),
    "osha10-general": ("OSHA 10-Hour General Industry", "OSHA Outreach Training Program", None),
    "epa-608": ("EPA Section 608", "U.S. EPA", None),
}
ISSUERS = [("willow", "Willow Creek School District", "district"),
           ("ferncliff", "Ferncliff Technical Center", "cte_center"),
           ("lakeshore", "Lakeshore County Schools", "district")]


def share_with_all(ledger: Ledger, home: str, students: list[str]) -> None:
    """The home district shares its students with every other institution, to record for them."""
    for slug, _, _ in ISSUERS:
        if slug != home:
            ledger.share_roster(home, slug, students, purpose="record", until=ledger.clock().date() + timedelta(days=300))


def new_ledger(path: Path, clock: Clock) -> Ledger:
    ledger = init_instance(path, PASSPHRASE, scrypt_n=2**10)
    ledger.clock = clock
    for slug, name, kind in ISSUERS:
        ledger.register_issuer(slug, name, kind)
    for code, (name, body, months) in CATALOG.items():
        ledger.define_credential(code, {"name": name, "certifyingBody": body, "credentialType": "certification",
                                        "validityMonths": months, "careerField": None})
    clock.advance(minutes=1)
    return ledger


def issue(ledger: Ledger, issuer: str, student: str, code: str, earned: date, **evidence: Any) -> str:
    (award,) = ledger.issue([IssueRequest(issuer, student, code, earned, evidence)])
    return award


def verify(bundle: Any, ledger: Ledger, **kwargs: Any) -> BundleResult:
    return verify_bundle(bundle, [ledger.transparency_log.verifier_key], today=kwargs.pop("today", TODAY), **kwargs)


def evidence_now(ledger: Ledger, bundle: dict[str, Any]) -> OnlineEvidence:
    """What `credledger verify --online` fetches, built by the server's own code."""
    since = int(bundle["checkpoint"].split("\n")[1])
    return online_evidence(ledger, bundle["awards"], since)


def failing(credential: CredentialResult) -> set[str]:
    return {s.step for s in credential.steps if s.ok is False}


def assert_verified(credential: CredentialResult, *, online: bool = False) -> None:
    for step in credential.steps:
        expected = None if (step.step in OFFLINE and not online) or step.step in UNPINNED else True
        if step.step == "identity" and step.ok is None:
            continue  # nothing disclosed
        assert step.ok is expected, (credential.award, step)
    assert credential.ok


# A district, exported once -----------------------------------------------------------------


@dataclass
class World:
    ledger: Ledger
    student: str
    awards: dict[str, str]  # role -> award id
    bundle: dict[str, Any]
    other_bundle: dict[str, Any]  # another student's
    baseline: BundleResult
    foreign_key: str  # another instance's log key
    foreign_bundle: dict[str, Any]  # a bundle exported by that instance

    def role(self, award: str) -> str:
        return next((r for r, a in self.awards.items() if a == award), award)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("bundle")
    clock = Clock()
    ledger = new_ledger(tmp / "main", clock)
    student = ledger.register_student("willow", {"name": "Rowan Tally", "birth_date": "2008-04-17",
                                                 "local_id": "WC-2041"})
    other = ledger.register_student("willow", {"name": "Imre Soltvedt", "birth_date": "2008-09-02",
                                               "local_id": "WC-2042"})
    share_with_all(ledger, "willow", [student, other])
    clock.advance(minutes=1)
    awards = {
        "active": issue(ledger, "willow", student, "servsafe-handler", date(2026, 8, 20),
                        certificate="SS-1000001", score=91),
        "revoked": issue(ledger, "ferncliff", student, "nccer-core", date(2026, 8, 21), certificate="NC-2000001"),
        "expired": issue(ledger, "willow", student, "aws-welder", date(2025, 1, 10), certificate="AW-31"),
        "transferred": issue(ledger, "willow", student, "osha10-general", date(2026, 8, 22), card="OSHA-77"),
    }
    other_award = issue(ledger, "willow", other, "servsafe-handler", date(2026, 8, 20), certificate="SS-1000002")
    clock.advance(minutes=1)
    ledger.revoke(awards["revoked"], "issued_in_error", "Recorded for the wrong student.")
    clock.advance(minutes=1)
    transfer(ledger, [awards["transferred"]], "lakeshore", "Student moved to Lakeshore")
    clock.advance(minutes=1)
    ledger.rotate_issuer_key("ferncliff")
    clock.advance(minutes=1)
    awards["rotated"] = issue(ledger, "ferncliff", student, "epa-608", date(2026, 8, 30), certificate="EPA-5")
    clock.advance(minutes=1)
    bundle = export_bundle(ledger, student, disclose=["name"])
    other_bundle = export_bundle(ledger, other)
    assert other_bundle["awards"] == [other_award]

    foreign = new_ledger(tmp / "foreign", Clock())
    foreign_student = foreign.register_student("willow", {"name": "Ona Brisk", "birth_date": "2008-01-05",
                                                          "local_id": "WC-9"})
    issue(foreign, "willow", foreign_student, "servsafe-handler", date(2026, 8, 20), certificate="SS-7")
    foreign_bundle = export_bundle(foreign, foreign_student)
    foreign_key = foreign.transparency_log.verifier_key
    foreign.close()

    yield World(ledger, student, awards, bundle, other_bundle, verify(bundle, ledger), foreign_key, foreign_bundle)
    ledger.close()


def by_role(result: BundleResult, world: World) -> dict[str, CredentialResult]:
    return {world.role(c.award): c for c in result.credentials}


def test_an_exported_bundle_verifies_step_by_step(world: World) -> None:
    result = world.baseline
    assert [c.award for c in result.credentials] == list(world.awards.values())
    assert result.format == "credledger.transcript/v1" and result.student == world.student
    assert result.checkpoint.ok and result.checkpoint_size == int(world.bundle["checkpoint"].split("\n")[1])
    assert result.log_origin == world.ledger.transparency_log.origin
    assert result.identity == {"name": True}
    credentials = by_role(result, world)
    for role in ("active", "expired", "transferred", "rotated"):
        assert_verified(credentials[role])
        assert [s.step for s in credentials[role].steps] == list(vb.STEPS)
    active = credentials["active"]
    assert (active.credential, active.name, active.issuer_name, active.earned, active.expires, active.status) == (
        "servsafe-handler", "ServSafe Food Handler", "Willow Creek School District", "2026-08-20", "2029-08-20",
        "active")
    assert "birth_date, local_id not disclosed" in active.step("identity").detail
    assert "Lakeshore" not in credentials["transferred"].step("issuer_authority").detail  # names the DID
    assert "issuers:lakeshore" in credentials["transferred"].step("issuer_authority").detail
    assert not result.ok  # one award is revoked


def test_revoked_is_a_failure_of_that_credential_only(world: World) -> None:
    revoked = by_role(world.baseline, world)["revoked"]
    assert revoked.status == "revoked: issued_in_error" and not revoked.ok
    assert failing(revoked) == {"status"}
    assert "Recorded for the wrong student" in revoked.step("status").detail


def test_expired_is_reported_as_expired_not_revoked(world: World) -> None:
    expired = by_role(world.baseline, world)["expired"]
    assert expired.status == "expired" and expired.ok
    assert expired.step("status").ok is True
    assert "expired on 2025-07-10" in expired.step("status").detail and "not revoked" in expired.step("status").detail
    earlier = by_role(verify(world.bundle, world.ledger, today=date(2025, 7, 10)), world)["expired"]
    assert earlier.status == "active"  # expires < today: the last valid day is still active


def test_leaves_are_recomputed_exactly_as_the_ledger_writes_them(world: World) -> None:
    for entries in world.bundle["streams"].values():
        for entry in entries:
            (stored,) = world.ledger.store.select_journal_leaves(entry["index"], entry["index"] + 1)
            assert leaf_from_entry(entry) == stored
    with pytest.raises(MalformedError):
        leaf_from_entry({"event": "not an object", "recorded": "2026-09-01T12:00:00Z"})


def test_ingest_and_the_verifier_run_the_same_authority_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Custody is decided by verifiers.protocol.authority on the way in and in the bundle alike."""
    asked: list[tuple[str, str]] = []
    rule = authority.check_award_act

    def recorded(view: Any, custodian: str, revoked: bool, event: dict[str, Any]) -> None:
        asked.append((event["type"], custodian))
        rule(view, custodian, revoked, event)

    monkeypatch.setattr(authority, "check_award_act", recorded)
    clock = Clock()
    ledger = new_ledger(tmp_path / "ledger", clock)
    student = ledger.register_student("willow", {"name": "Ona Brisk", "birth_date": "2008-01-05", "local_id": "W-1"})
    award = issue(ledger, "willow", student, "epa-608", date(2026, 8, 20), certificate="EPA-1")
    ledger.revoke(award, "issued_in_error", "Entered twice.")
    willow = ledger.issuer_did("willow")
    assert asked == [(d.CREDENTIAL_REVOKED, willow)]  # ingest
    asked.clear()
    result = verify(export_bundle(ledger, student), ledger)
    assert asked == [(d.CREDENTIAL_REVOKED, willow)]  # offline verification
    assert result.credentials[0].step("issuer_authority").ok is True
    ledger.close()


def test_an_exported_bundle_reads_back_as_written(world: World) -> None:
    assert Bundle.from_json(world.bundle).to_json() == world.bundle
    assert json.dumps(Bundle.from_json(world.bundle).to_json()) == json.dumps(world.bundle)  # member order too


def test_the_protocol_is_written_once() -> None:
    """Event names and the stream namespace live in verifiers.protocol.documents only: the verifier
    reads the very definitions the ledger writes with, so there is nothing to keep equal."""
    import ast

    names = {*d.EVENT_TYPES, str(d.NAMESPACE)}
    package = Path(vb.__file__).resolve().parent
    repeated = {
        str(path.relative_to(package)): sorted(node.value for node in ast.walk(ast.parse(path.read_text()))
                                                if isinstance(node, ast.Constant) and node.value in names)
        for path in package.rglob("*.py") if path != package / "protocol" / "documents.py"
    }
    assert {path: found for path, found in repeated.items() if found} == {}
    assert d.issuer_stream_of("did:web:example.org:issuers:willow") == d.issuer_stream("willow")
    assert d.issuer_stream_of("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK") is None


# The tamper matrix ---------------------------------------------------------------------------


def stream(bundle: dict[str, Any], stream_id: str) -> list[dict[str, Any]]:
    return bundle["streams"][stream_id]


def first_proof(event: dict[str, Any]) -> dict[str, Any]:
    return event["proof"][0] if isinstance(event["proof"], list) else event["proof"]


def ferncliff(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return stream(bundle, d.issuer_stream("ferncliff"))


def set_checkpoint_size(b: dict[str, Any], w: World) -> None:
    lines = b["checkpoint"].split("\n")
    lines[1] = str(int(lines[1]) + 1)
    b["checkpoint"] = "\n".join(lines)


def award_event(role: str, n: int = 0) -> Callable[[dict[str, Any], World], dict[str, Any]]:
    return lambda b, w: stream(b, w.awards[role])[n]["event"]


def award_entry(role: str, n: int = 0) -> Callable[[dict[str, Any], World], dict[str, Any]]:
    return lambda b, w: stream(b, w.awards[role])[n]


def swap(entries: list[Any], i: int, j: int) -> None:
    entries[i], entries[j] = entries[j], entries[i]


def add_unknown_award(b: dict[str, Any], w: World) -> str:
    award = str(uuid.uuid4())
    b["awards"].append(award)
    return award


def add_other_students_award(b: dict[str, Any], w: World) -> str:
    b["streams"] = w.other_bundle["streams"] | b["streams"]
    b["awards"].append(w.other_bundle["awards"][0])
    return w.other_bundle["awards"][0]


def strip_countersignature(b: dict[str, Any], w: World) -> None:
    event = award_event("transferred", 1)(b, w)
    event["proof"] = event["proof"][0]


@dataclass(frozen=True)
class Tamper:
    name: str
    change: Callable[[dict[str, Any], World], Any]  # returns the award it targets, if it adds one
    target: str | None  # role of the award it targets; None: every credential
    fails: frozenset[str]  # exactly the steps that newly fail for the target(s)
    step: str  # the step whose detail says why
    words: str
    unaffected: tuple[str, ...] = ()  # roles whose result must not change at all


def T(name: str, change: Callable[[dict[str, Any], World], Any], target: str | None, fails: set[str], step: str,
      words: str, unaffected: tuple[str, ...] = ()) -> Tamper:
    return Tamper(name, change, target, frozenset(fails), step, words, unaffected)


ALL_BUT = {role: tuple(r for r in ("active", "revoked", "expired", "transferred", "rotated") if r != role)
           for role in ("active", "transferred")}
NOT_FERNCLIFF = ("active", "expired", "transferred")
CHANGED = "was changed after signing"

TAMPERS = [
    T("checkpoint text byte", set_checkpoint_size, None, {"checkpoint"}, "checkpoint", "invalid signature"),
    T("checkpoint of another log", lambda b, w: b.update(checkpoint=w.foreign_bundle["checkpoint"]), None,
      {"checkpoint"}, "checkpoint", "no signature from a known key"),
    T("event: evidence value", lambda b, w: award_event("active")(b, w)["evidence"].update(certificate="SS-9999999"),
      "active", {"signature", "log_inclusion"}, "signature", CHANGED, ALL_BUT["active"]),
    T("event: earned date", lambda b, w: award_event("active")(b, w).update(earned="2026-08-19"),
      "active", {"signature", "log_inclusion"}, "signature", CHANGED, ALL_BUT["active"]),
    T("event: issuer", lambda b, w: award_event("active")(b, w).update(issuer=w.ledger.issuer_did("ferncliff")),
      "active", {"signature", "log_inclusion", "issuer_authority"}, "issuer_authority",
      "issuer, signer and id do not agree", ALL_BUT["active"]),
    T("event: previous", lambda b, w: award_event("transferred", 1)(b, w).update(previous="0" * 64),
      "transferred", {"hash_chain", "signature", "log_inclusion"}, "hash_chain", "not the hash of the event before",
      ALL_BUT["transferred"]),
    T("event: sequence", lambda b, w: award_event("transferred", 1)(b, w).update(sequence=3),
      "transferred", {"hash_chain", "signature", "log_inclusion"}, "hash_chain", "sequence 3 where 2 belongs",
      ALL_BUT["transferred"]),
    T("event: ledger id", lambda b, w: award_event("active")(b, w).update(ledger=str(uuid.uuid4())),
      "active", {"hash_chain", "signature", "log_inclusion"}, "hash_chain", "signed for ledger", ALL_BUT["active"]),
    T("bundle: ledger id", lambda b, w: b.update(ledger=str(uuid.uuid4())), None, {"hash_chain"}, "hash_chain",
      "not this bundle's ledger"),
    T("proofValue", lambda b, w: first_proof(award_event("active")(b, w)).update(
        proofValue=first_proof(award_event("expired")(b, w))["proofValue"]),
      "active", {"signature", "log_inclusion"}, "signature", "does not verify", ALL_BUT["active"]),
    T("verificationMethod", lambda b, w: first_proof(award_event("active")(b, w)).update(
        verificationMethod=ferncliff(b)[1]["event"]["key"]),
      "active", {"signature", "key_validity", "log_inclusion"}, "key_validity", "was not a key of",
      ALL_BUT["active"]),
    T("recorded", lambda b, w: award_entry("active")(b, w).update(
        recorded=format_timestamp(parse_timestamp(award_entry("active")(b, w)["recorded"]) + timedelta(seconds=1))),
      "active", {"log_inclusion"}, "log_inclusion", "not in the log at index", ALL_BUT["active"]),
    T("index", lambda b, w: award_entry("active")(b, w).update(index=award_entry("active")(b, w)["index"] + 1),
      "active", {"log_inclusion"}, "log_inclusion", "not in the log at index", ALL_BUT["active"]),
    T("inclusion hash", lambda b, w: award_entry("active")(b, w)["inclusion"].__setitem__(
        0, base64.b64encode(hashlib.sha256(b"forged").digest()).decode()),
      "active", {"log_inclusion"}, "log_inclusion", "does not lead to the expected root", ALL_BUT["active"]),
    T("event: signer of a key addition", lambda b, w: ferncliff(b)[1]["event"].update(
        actor=w.ledger.issuer_did("willow")), "rotated",
      {"hash_chain", "signature", "key_validity", "log_inclusion", "issuer_authority"}, "issuer_authority",
      "neither the operator nor the issuer", NOT_FERNCLIFF),
    T("removed entry (a key addition)", lambda b, w: ferncliff(b).pop(1), "rotated", {"hash_chain", "key_validity"},
      "hash_chain", "an event is missing or out of order", NOT_FERNCLIFF),
    T("removed stream (the student's registration)", lambda b, w: b["streams"].pop(w.student), None,
      {"log_inclusion"}, "log_inclusion", "the student's registration"),
    T("reordered issuer stream", lambda b, w: swap(ferncliff(b), 1, 2), "rotated", {"hash_chain"}, "hash_chain",
      "out of order", NOT_FERNCLIFF),
    T("reordered award stream", lambda b, w: swap(stream(b, w.awards["transferred"]), 0, 1), "transferred",
      {"hash_chain", "issuer_authority"}, "issuer_authority", "is not an award", ALL_BUT["transferred"]),
    T("countersignature removed", strip_countersignature, "transferred", {"log_inclusion", "issuer_authority"},
      "issuer_authority", "no countersignature", ALL_BUT["transferred"]),
    T("disclosed value", lambda b, w: b["disclosed"]["name"].update(value="Rowan Talley"), None, {"identity"},
      "identity", "does not match its commitment"),
    T("disclosed salt", lambda b, w: b["disclosed"]["name"].update(
        salt=("A" if b["disclosed"]["name"]["salt"][0] != "A" else "B") + b["disclosed"]["name"]["salt"][1:]),
      None, {"identity"}, "identity", "does not match its commitment"),
    T("operator", lambda b, w: b.update(operator=did_key_from_public_key(Signer.generate().public_key)), None,
      {"issuer_authority"}, "issuer_authority", "not by the operator"),
    T("awards list: an award not in the bundle", add_unknown_award, "added", {"log_inclusion"}, "log_inclusion",
      "is not in the bundle", tuple(ALL_BUT["active"]) + ("active",)),
    T("awards list: another student's award", add_other_students_award, "added", {"identity"}, "identity",
      "issued to student", tuple(ALL_BUT["active"]) + ("active",)),
]


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda t: t.name)
def test_tamper_matrix(world: World, tamper: Tamper) -> None:
    bundle = copy.deepcopy(world.bundle)
    added = tamper.change(bundle, world)
    result = verify(bundle, world.ledger)
    before = {c.award: c for c in world.baseline.credentials}
    targets = ({added} if tamper.target == "added" else {world.awards[tamper.target]} if tamper.target
               else set(before))
    assert {c.award for c in result.credentials} >= targets
    for credential in result.credentials:
        role = world.role(credential.award)
        new = failing(credential) - (failing(before[credential.award]) if credential.award in before else set())
        if credential.award in targets:
            assert new == tamper.fails, (role, credential.steps)
            assert tamper.words in credential.step(tamper.step).detail, credential.step(tamper.step)
            assert not credential.ok
        elif role in tamper.unaffected:
            assert credential == before[credential.award], role
    assert not result.ok


def test_a_checkpoint_that_does_not_verify_leaves_inclusion_unchecked(world: World) -> None:
    bundle = copy.deepcopy(world.bundle)
    set_checkpoint_size(bundle, world)
    for credential in verify(bundle, world.ledger).credentials:
        assert credential.step("log_inclusion").ok is None
        assert "no tree to check against" in credential.step("log_inclusion").detail


def test_disclosed_claims_are_reported_per_claim(world: World) -> None:
    bundle = copy.deepcopy(world.bundle)
    bundle["disclosed"]["name"]["value"] = "Rowan Talley"
    assert verify(bundle, world.ledger).identity == {"name": False}
    nothing = copy.deepcopy(world.bundle)
    nothing["disclosed"] = {}
    result = verify(nothing, world.ledger)
    assert result.identity == {}
    assert {c.step("identity").ok for c in result.credentials} == {None}
    assert "no identity claim disclosed" in result.credentials[0].step("identity").detail


# Bundles from elsewhere, and things that are not bundles -------------------------------------


def test_a_bundle_from_another_log_is_refused_at_the_checkpoint(world: World) -> None:
    result = verify(world.foreign_bundle, world.ledger)
    assert result.credentials and not result.ok and result.checkpoint.ok is False
    for credential in result.credentials:
        assert failing(credential) == {"checkpoint"}
        assert "pinned log key" in credential.step("checkpoint").detail
        assert credential.step("log_inclusion").ok is None
    both = verify_bundle(world.foreign_bundle, [world.ledger.transparency_log.verifier_key, world.foreign_key], today=TODAY)
    assert both.ok  # pinning that log's key too: it verifies


@pytest.mark.parametrize("not_a_bundle", [
    [], "transcript", 7, None, {}, {"format": "credledger.transcript/v2"},
    {"format": "credledger.transcript/v1", "ledger": "x"},
])
def test_what_is_not_a_bundle_is_refused_as_a_whole(world: World, not_a_bundle: Any) -> None:
    with pytest.raises(BundleFormatError):
        verify(not_a_bundle, world.ledger)


@pytest.mark.parametrize("member, value", [("streams", []), ("streams", {"x": {}}), ("awards", "a"),
                                           ("awards", [1]), ("disclosed", []), ("checkpoint", None),
                                           ("online", "https://example.org"), ("online", {"url": "x", "link": "t"}),
                                           ("online", {"url": "https://example.org/transcripts/evidence"}),
                                           ("online", {"url": "https://e.org/", "link": "t", "extra": 1})])
def test_a_malformed_top_level_member_is_not_a_bundle(world: World, member: str, value: Any) -> None:
    bundle = copy.deepcopy(world.bundle)
    bundle[member] = value
    with pytest.raises(BundleFormatError):
        verify(bundle, world.ledger)


def test_the_online_member_says_where_and_with_which_link(world: World) -> None:
    assert online_access_from_bundle(world.bundle) is None  # exported for offline checking only
    linked = world.bundle | {"online": {"url": "https://credentials.example/transcripts/evidence", "link": "t0k"}}
    assert online_access_from_bundle(linked) == OnlineAccess("https://credentials.example/transcripts/evidence",
                                                             "t0k")
    assert verify(linked, world.ledger) == world.baseline  # it changes nothing offline
    with pytest.raises(BundleFormatError):
        online_access_from_bundle(["not", "a", "bundle"])


@pytest.mark.parametrize("unavailable", [OFFLINE_ONLY, WITHDRAWN])
def test_online_evidence_unavailable_leaves_the_offline_proof_standing(world: World,
                                                                       unavailable: OnlineUnavailable) -> None:
    result = verify(world.bundle, world.ledger, online=unavailable)
    for offline, now in zip(world.baseline.credentials, result.credentials):
        assert [s for s in now.steps if s.step not in OFFLINE] == [s for s in offline.steps if s.step not in OFFLINE]
        for name in OFFLINE:
            assert now.step(name) == StepResult(name, None, f"not checked: {unavailable.reason}")
    assert result.ok == world.baseline.ok
    assert "withdrawn by the student or have expired; the offline proof still stands" in WITHDRAWN.reason
    assert OFFLINE_ONLY.reason == "this file was exported for offline checking only"


def test_an_unreadable_entry_fails_its_credentials_and_spares_the_others(world: World) -> None:
    bundle = copy.deepcopy(world.bundle)
    stream(bundle, world.awards["active"])[0] = "not an entry"
    stream(bundle, world.awards["rotated"])[0]["index"] = "7"
    result = by_role(verify(bundle, world.ledger), world)
    assert failing(result["active"]) == {"log_inclusion"}
    assert "unreadable" in result["active"].step("log_inclusion").detail
    assert "index is not a non-negative integer" in result["rotated"].step("log_inclusion").detail
    assert result["expired"] == by_role(world.baseline, world)["expired"]


def test_log_keys_are_checked(world: World) -> None:
    with pytest.raises(ValueError, match="not a log verifier key"):
        verify_bundle(world.bundle, ["example.org+00000000+AAAA"], today=TODAY)
    with pytest.raises(ValueError, match="at least one"):
        verify_bundle(world.bundle, [], today=TODAY)
    with pytest.raises(TypeError):
        verify_bundle(world.bundle, world.ledger.transparency_log.verifier_key, today=TODAY)


def test_the_log_keys_are_a_verification_policy(world: World) -> None:
    policy = VerificationPolicy.from_log_keys([world.foreign_key, world.ledger.transparency_log.verifier_key])
    assert policy.log_keys[1].to_key_string() == world.ledger.transparency_log.verifier_key  # type: ignore[attr-defined]
    assert verify_bundle(world.bundle, today=TODAY, policy=policy) == world.baseline
    foreign = verify_bundle(world.bundle, today=TODAY, policy=VerificationPolicy.from_log_keys([world.foreign_key]))
    assert foreign.checkpoint.ok is False
    with pytest.raises(TypeError, match="not both"):
        verify_bundle(world.bundle, [world.ledger.transparency_log.verifier_key], today=TODAY, policy=policy)
    with pytest.raises(ValueError, match="at least one"):
        VerificationPolicy(())
    with pytest.raises(TypeError):
        VerificationPolicy((world.ledger.transparency_log.verifier_key,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a log verifier key"):
        VerificationPolicy.from_log_keys(["example.org+00000000+AAAA"])
    with pytest.raises(BundleFormatError):  # not a bundle is said first, whatever the keys
        verify_bundle({"format": "x"}, ["example.org+00000000+AAAA"], today=TODAY)


JSON = st.recursive(st.none() | st.booleans() | st.integers(-3, 2**60) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=6)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from paths(item, (*prefix, key))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_changes_never_crash_the_verifier(world: World, data: st.DataObject) -> None:
    bundle = copy.deepcopy(world.bundle)
    path = data.draw(st.sampled_from(sorted(paths(bundle), key=repr)))
    parent = bundle
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = data.draw(JSON)
    try:
        result = verify(bundle, world.ledger)
    except BundleFormatError:
        return
    assert len(result.credentials) == len(bundle["awards"])


# Online: a newer checkpoint and current statuses ----------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> Iterator[tuple[Ledger, Clock, str, list[str]]]:
    clock = Clock()
    ledger = new_ledger(tmp_path / "small", clock)
    student = ledger.register_student("willow", {"name": "Kit Aldane", "birth_date": "2008-03-03", "local_id": "W-5"})
    share_with_all(ledger, "willow", [student])
    clock.advance(hours=1)
    awards = [issue(ledger, "ferncliff", student, "nccer-core", date(2026, 8, 20), certificate="NC-1"),
              issue(ledger, "willow", student, "servsafe-handler", date(2026, 8, 20), certificate="SS-1")]
    clock.advance(hours=1)
    yield ledger, clock, student, awards
    ledger.close()


def test_revoked_after_export_is_detected_online(small: tuple[Ledger, Clock, str, list[str]]) -> None:
    ledger, clock, student, (nccer, servsafe) = small
    bundle = export_bundle(ledger, student)
    clock.advance(days=3)
    ledger.revoke(servsafe, "misconduct", "The exam was taken by someone else.")
    offline = verify(bundle, ledger)
    assert offline.ok  # the bundle alone cannot know
    result = verify(bundle, ledger, online=evidence_now(ledger, bundle))
    credentials = {c.award: c for c in result.credentials}
    assert_verified(credentials[nccer], online=True)
    revoked = credentials[servsafe]
    assert revoked.status == "revoked: misconduct" and not revoked.ok and not result.ok
    assert failing(revoked) == {"current_status"}
    assert revoked.step("consistency").ok is True
    assert "revoked after the export" in revoked.step("current_status").detail
    assert "taken by someone else" in revoked.step("current_status").detail


def test_a_revocation_cut_from_the_bundle_is_detected_online(small: tuple[Ledger, Clock, str, list[str]]) -> None:
    ledger, clock, student, (nccer, servsafe) = small
    ledger.revoke(servsafe, "evidence_withdrawn", "The certifying body voided the result.")
    clock.advance(minutes=5)
    bundle = export_bundle(ledger, student)
    stream(bundle, servsafe).pop()  # the one cut nothing offline can see: the stream's end
    assert verify(bundle, ledger).ok
    result = verify(bundle, ledger, online=evidence_now(ledger, bundle))
    cut = next(c for c in result.credentials if c.award == servsafe)
    assert failing(cut) == {"current_status"} and cut.status == "revoked: evidence_withdrawn"


def test_online_evidence_must_extend_the_bundle(small: tuple[Ledger, Clock, str, list[str]], tmp_path: Path) -> None:
    ledger, clock, student, awards = small
    bundle = export_bundle(ledger, student)
    clock.advance(hours=1)
    issue(ledger, "willow", student, "epa-608", date(2026, 8, 21), certificate="EPA-1")  # the log grows
    good = evidence_now(ledger, bundle)
    assert verify(bundle, ledger, online=good).ok

    forged = OnlineEvidence(good.checkpoint, [hashlib.sha256(b"x").digest(), *good.consistency[1:]], good.streams)
    result = verify(bundle, ledger, online=forged)
    for credential in result.credentials:
        assert failing(credential) == {"consistency"}
        assert credential.step("current_status").ok is None

    foreign = new_ledger(tmp_path / "foreign", Clock())
    foreign_checkpoint = foreign.transparency_log.checkpoint()
    foreign.close()
    other_log = OnlineEvidence(foreign_checkpoint, good.consistency, good.streams)
    assert {s for c in verify(bundle, ledger, online=other_log).credentials for s in failing(c)} == {"consistency"}

    missing = OnlineEvidence(good.checkpoint, good.consistency, {k: v for k, v in good.streams.items()
                                                                 if k != awards[0]})
    result = verify(bundle, ledger, online=missing)
    assert "no current record" in result.credentials[0].step("current_status").detail
    assert result.credentials[1].step("current_status").ok is True

    rewritten = copy.deepcopy(good.streams)
    rewritten[awards[1]][0]["event"]["evidence"]["certificate"] = "SS-2"
    result = verify(bundle, ledger, online=OnlineEvidence(good.checkpoint, good.consistency, rewritten))
    assert "does not extend the bundle's" in result.credentials[1].step("current_status").detail


def test_key_compromised_after_issuance(small: tuple[Ledger, Clock, str, list[str]]) -> None:
    """Events the log recorded before the declared compromise stay valid; later ones with that key do not."""
    ledger, clock, student, (early, _) = small
    (key_id,) = ledger.issuer("ferncliff").keys
    stolen_at = clock.advance(hours=2)
    clock.advance(hours=1)
    late = issue(ledger, "ferncliff", student, "epa-608", date(2026, 8, 25), certificate="EPA-2")
    clock.advance(hours=1)
    before_declaration = export_bundle(ledger, student)
    ledger.declare_key_compromised("ferncliff", key_id, stolen_at)
    clock.advance(minutes=1)

    result = {c.award: c for c in verify(export_bundle(ledger, student), ledger).credentials}
    assert_verified(result[early])
    assert failing(result[late]) == {"key_validity"}
    assert "declared compromised" in result[late].step("key_validity").detail

    # Exported before the declaration: offline all is well; online, the compromise shows.
    assert verify(before_declaration, ledger).ok
    online = {c.award: c for c in verify(before_declaration, ledger,
                                         online=evidence_now(ledger, before_declaration)).credentials}
    assert_verified(online[early], online=True)
    assert failing(online[late]) == {"current_status"}
    assert "compromised after the export" in online[late].step("current_status").detail


# Random ledgers: every exported bundle verifies --------------------------------------------------

CODES = sorted(CATALOG)
OPS = st.lists(st.one_of(
    st.tuples(st.just("issue"), st.integers(0, 2), st.integers(0, 1), st.sampled_from(CODES)),
    st.tuples(st.just("revoke"), st.integers(0, 9)),
    st.tuples(st.just("transfer"), st.integers(0, 9), st.integers(0, 2)),
    st.tuples(st.just("rotate"), st.integers(0, 2)),
), min_size=1, max_size=8)


def play(ledger: Ledger, clock: Clock, students: list[str], ops: list[tuple[Any, ...]]) -> list[str]:
    awards: list[str] = []
    for op in ops:
        clock.advance(minutes=7)
        if op[0] == "issue":
            earned = clock().date() - timedelta(days=400 if op[3] == "aws-welder" else 3)
            awards.append(issue(ledger, ISSUERS[op[1]][0], students[op[2]], op[3], earned, certificate="X-1"))
        elif op[0] == "revoke" and awards and ledger.award(awards[op[1] % len(awards)]).revocation is None:
            ledger.revoke(awards[op[1] % len(awards)], "other", "Fictional revocation.")
        elif op[0] == "transfer" and awards:
            award, to = awards[op[1] % len(awards)], ISSUERS[op[2]][0]
            if ledger.award(award).custodian != ledger.issuer_did(to):
                transfer(ledger, [award], to, "Fictional move.")
        elif op[0] == "rotate":
            ledger.rotate_issuer_key(ISSUERS[op[1]][0])
    return awards


@settings(max_examples=8, deadline=None)
@given(ops=OPS)
@example(ops=[("issue", 0, 0, "nccer-core"), ("issue", 1, 1, "aws-welder"), ("transfer", 0, 2), ("rotate", 2),
              ("revoke", 0), ("rotate", 0), ("issue", 0, 0, "epa-608"), ("transfer", 2, 1)])
def test_every_exported_bundle_of_a_random_ledger_verifies(ops: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = Clock()
        ledger = new_ledger(Path(tmp) / "random", clock)
        try:
            students = ledger.register_students("willow", [
                {"name": "Ada Quill", "birth_date": "2008-05-05", "local_id": "R-1"},
                {"name": "Bo Thistle", "birth_date": "2007-11-11", "local_id": "R-2"}])
            share_with_all(ledger, "willow", students)
            play(ledger, clock, students, ops)
            clock.advance(minutes=1)
            today = clock().date()
            for student in students:
                bundle = export_bundle(ledger, student, disclose=["name", "birth_date", "local_id"])
                assert schema_errors(bundle) == []
                result = verify(bundle, ledger, today=today)
                assert result.checkpoint.ok and result.identity == {"name": True, "birth_date": True,
                                                                    "local_id": True}
                for credential in result.credentials:
                    award = ledger.award(credential.award)
                    status = award_status(award.revocation["reason"] if award.revocation else None, award.expires,
                                          today)
                    assert credential.status == status
                    revoked = is_withdrawn(status)
                    assert failing(credential) == ({"status"} if revoked else set()), credential.steps
                    assert all(s.ok is not None for s in credential.steps if s.step not in OFFLINE + UNPINNED)
        finally:
            ledger.close()


# The JSON Schema --------------------------------------------------------------------------------


def schema_errors(instance: Any) -> list[tuple[str, str]]:
    """(failing keyword, path) for every way `instance` breaks the published JSON Schema (2020-12)."""
    schema = json.loads(SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    return [(error.validator, "/".join(map(str, error.absolute_path)))
            for error in Draft202012Validator(schema).iter_errors(instance)]


def test_exported_bundles_match_the_json_schema(world: World) -> None:
    schema = json.loads(SCHEMA.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["required"]) == set(world.bundle) == set(schema["properties"]) - {"online"}
    assert schema["properties"]["format"]["const"] == vb.FORMAT
    linked = world.bundle | {"online": {"url": "https://credentials.example/transcripts/evidence",
                                        "link": "BguTsa_XvyM02krEIBPyQ3v0kMz1bQy4H0cxWn2VdqE"}}
    for bundle in (world.bundle, world.other_bundle, world.foreign_bundle, linked):
        assert schema_errors(bundle) == []


@pytest.mark.parametrize("change, keyword", [
    (lambda b: b.pop("checkpoint"), "required"),
    (lambda b: b.update(format="credledger.transcript/v2"), "const"),
    (lambda b: b.update(extra=1), "additionalProperties"),
    (lambda b: b["disclosed"].update(shoe_size={"value": "9", "salt": "A" * 22}), "enum"),  # claim names
    (lambda b: next(iter(b["streams"].values()))[0].update(index=-1), "minimum"),
    (lambda b: next(iter(b["streams"].values()))[0]["inclusion"].append("short"), "pattern"),
    (lambda b: b.update(online={"url": "https://e.example/transcripts/evidence"}), "required"),
    (lambda b: b.update(online={"url": "ftp://e.example/", "link": "A" * 43}), "pattern"),
])
def test_the_schema_refuses_what_the_format_refuses(world: World, change: Callable[[dict[str, Any]], Any],
                                                     keyword: str) -> None:
    bundle = copy.deepcopy(world.bundle)
    change(bundle)
    assert keyword in [k for k, _ in schema_errors(bundle)], schema_errors(bundle)
