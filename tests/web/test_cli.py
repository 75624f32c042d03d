"""`credledger` as a user runs it: the installed console script in a subprocess, on real files.

The subprocess runs on the real clock (it cannot take the tests' fake one), so
dates here are computed from today. Every invocation is checked for the
passphrase leaking into its output. Each run costs ~0.5 s of interpreter
start-up, so independent runs (refusals, bad input) go two at a time.
People and schools are fictional.
"""

from __future__ import annotations

import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from keys.signer import Signer
from ledger.instance import init_instance, open_ledger
from tests.support import CliResult, run_cli
from verifiers.protocol import documents as d

PASSPHRASE = "cli-Test-passphrase-7f3a"
STUDENT_NAME = "Perpetua Ravensworth-Oyelowo"
PII = (STUDENT_NAME, "Ravensworth", "2008-10-19", "LW-558120")
EARNED = (date.today() - timedelta(days=30)).isoformat()
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


Result = CliResult


def run(data: Path, *args: str, passphrase: str | None = PASSPHRASE, json_out: bool = False) -> Result:
    return run_cli(data, *args, passphrase=passphrase, json_out=json_out, secrets=[PASSPHRASE])


def ok(data: Path, *args: str, json_out: bool = False) -> Result:
    result = run(data, *args, json_out=json_out)
    assert result.code == 0, f"{args}: {result.err}"
    return result


def expect(data: Path, cases: list[tuple[list[str], int, str]]) -> None:
    """Run independent commands two at a time; each exits with `code` and names `needle` on stderr."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda case: run(data, *case[0]), cases))
    for (args, code, needle), result in zip(cases, results):
        assert (result.code, needle in result.err) == (code, True), f"{args}: {result.code} {result.err}"


@dataclass
class Instance:
    data: Path
    student: str
    award: str


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Instance:
    data = tmp_path_factory.mktemp("cli") / "instance"
    # Created in-process with a cheap key-store KDF, so each later run opens it fast (each
    # run costs ~0.5 s); `credledger init`, `issuer add` and `credential define` are run below.
    ledger = init_instance(data, PASSPHRASE, scrypt_n=2**10)
    ledger.register_issuer("lindenwood", "Lindenwood Unified School District", "district")
    ledger.register_issuer("saltmarsh-ctc", "Saltmarsh Career & Technical Center", "cte_center")
    ledger.define_credential("osha10-general", {
        "name": "OSHA 10-Hour General Industry", "certifyingBody": "OSHA Outreach Training Program",
        "credentialType": "certificate", "validityMonths": None, "careerField": "Manufacturing"})
    ledger.close()
    student = ok(data, "student", "add", "--issuer", "lindenwood", "--name", STUDENT_NAME,
                 "--birth-date", "2008-10-19", "--local-id", "LW-558120").out.strip()
    award = ok(data, "issue", "--issuer", "lindenwood", "--student", student, "--credential", "osha10-general",
               "--earned", EARNED, "--evidence", "certificate=OSHA-10-8841207", "--evidence", "hours=10").out.strip()
    assert UUID_RE.match(student) and UUID_RE.match(award)
    return Instance(data, student, award)


def share(instance: Instance, grantee: str) -> str:
    """Lindenwood shares its student with another institution, to record for them (the CLI's `share grant`)."""
    until = (datetime.now(timezone.utc) + timedelta(days=200)).date().isoformat()
    return str(ok(instance.data, "share", "grant", "--from", "lindenwood", "--to", grantee, "--student",
                  instance.student, "--until", until, json_out=True).json()["share"])


def issue(instance: Instance, issuer: str = "lindenwood") -> str:
    award = ok(instance.data, "issue", "--issuer", issuer, "--student", instance.student,
               "--credential", "osha10-general", "--earned", EARNED).out.strip()
    assert UUID_RE.match(award)
    return award


# Setting up ---------------------------------------------------------------------------


def test_init_json_missing_instance_and_wrong_passphrase(tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    info = ok(data, "init", json_out=True).json()
    assert info["operator"].startswith("did:key:z6Mk") and info["operator_key"].startswith(info["operator"] + "#")
    assert info["database"] == "sqlite" and info["encrypt_events"] is False
    assert info["log_origin"] == "localhost:5000/log"  # the log's URL prefix, C2SP tlog-tiles
    assert (data / "config.json").exists() and (data / "ledger.sqlite").exists()
    cases = [
        (["issuer", "list"], "not-the-passphrase", 5),
        (["audit"], PASSPHRASE, 5, "nowhere"),
        (["init"], PASSPHRASE, 2),
        (["audit"], None, 5),  # no passphrase and no terminal to ask on
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(
            lambda c: run(tmp_path / (c[3] if len(c) > 3 else "fresh"), *c[0], passphrase=c[1]), cases))
    assert [r.code for r in results] == [c[2] for c in cases], [r.err for r in results]
    assert "passphrase" in results[0].err and "not-the-passphrase" not in results[0].out + results[0].err
    assert "credledger init" in results[1].err
    assert "data" in results[2].err


def test_issuers_add_list_show(instance: Instance) -> None:
    listed = ok(instance.data, "issuer", "list", json_out=True).json()
    assert [i["slug"] for i in listed][:2] == ["lindenwood", "saltmarsh-ctc"]
    shown = ok(instance.data, "issuer", "show", "lindenwood", json_out=True).json()
    assert shown["did"].endswith(":issuers:lindenwood") and shown["kind"] == "district"
    (key,) = shown["keys"]
    assert key["held_by_server"] is True and key["retired_at"] is None
    assert key["key_id"].startswith("did:key:z6Mk")
    human = ok(instance.data, "issuer", "show", "saltmarsh-ctc").out
    assert "Saltmarsh Career & Technical Center (cte_center)" in human and "active" in human
    expect(instance.data, [
        (["issuer", "add", "Bad Slug", "--name", "Bad"], 2, "slug"),
        (["issuer", "add", "lindenwood", "--name", "Again"], 3, "stream_exists"),
        (["issuer", "add", "wyvern-hill", "--name", "W", "--public-key", "did:key:z6Mkabc#z6Mkabc"], 2, "public_key"),
        (["issuer", "show", "nowhere-high"], 4, "nowhere-high"),
    ])


def test_an_institution_s_state_and_state_codes_are_set_from_the_cli(instance: Instance) -> None:
    # What the pathways and the state files read (issuer-states.json, issuer-codes.json), never typed by hand.
    assert ok(instance.data, "issuer", "state", "lindenwood", "oh", json_out=True).json() == {
        "slug": "lindenwood", "state": "OH"}
    assert json.loads((instance.data / "issuer-states.json").read_text()) == {"lindenwood": "OH"}
    assert "lindenwood: OH" in ok(instance.data, "issuer", "state", "lindenwood").out
    codes = ok(instance.data, "issuer", "codes", "lindenwood", "irn=099901", "district_code=901", json_out=True).json()
    assert codes == {"slug": "lindenwood", "codes": {"irn": "099901", "district_code": "901"}}
    ok(instance.data, "issuer", "codes", "lindenwood", "district_code=")
    assert json.loads((instance.data / "issuer-codes.json").read_text()) == {"lindenwood": {"irn": "099901"}}
    expect(instance.data, [
        (["issuer", "state", "lindenwood", "TX"], 2, "TX"),
        (["issuer", "state", "nowhere-high", "OH"], 4, "nowhere-high"),
        (["issuer", "codes", "lindenwood", "irn"], 2, "codes: NAME=CODE"),
        (["issuer", "codes", "lindenwood", "irn=has spaces"], 2, "issuer-codes.json"),
    ])
    ok(instance.data, "issuer", "state", "lindenwood", "none")
    assert json.loads((instance.data / "issuer-states.json").read_text()) == {}


def test_issue_refuses_personal_data_as_evidence(instance: Instance) -> None:
    refused = run(instance.data, "issue", "--issuer", "lindenwood", "--student", instance.student, "--credential",
                  "osha10-general", "--earned", EARNED, "--evidence", "candidate_email=someone@example.org")
    assert refused.code == 2 and "evidence" in refused.err and "looks like personal data" in refused.err
    assert "someone@example.org" not in refused.err + refused.out


def test_key_rotate_retire_compromise(instance: Instance) -> None:
    data = instance.data
    ok(data, "issuer", "add", "heronsgate", "--name", "Heronsgate Academy")
    share(instance, "heronsgate")
    new = ok(data, "issuer", "key", "rotate", "heronsgate", json_out=True).json()["key_id"]
    # Compromise of the server-held key: signing stops; rotation (signed by the operator) brings it back.
    at = (datetime.now(timezone.utc) - timedelta(seconds=5)).isoformat()
    assert ok(data, "issuer", "key", "compromise", "heronsgate", new, "--at", at, json_out=True).json()["key_id"] == new
    expect(data, [(["issue", "--issuer", "heronsgate", "--student", instance.student, "--credential",
                    "osha10-general", "--earned", EARNED], 3, "no_signing_key")])
    newest = ok(data, "issuer", "key", "rotate", "heronsgate", json_out=True).json()["key_id"]
    issue(instance, "heronsgate")
    # A key the issuer holds itself: added, retired from a future time; a retirement is never backdated.
    own = Signer.generate().key_id
    ok(data, "issuer", "key", "add", "heronsgate", own)
    later = (datetime.now(timezone.utc) + timedelta(days=30)).isoformat()
    ok(data, "issuer", "key", "retire", "heronsgate", own, "--at", later)
    past = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    expect(data, [(["issuer", "key", "retire", "heronsgate", newest, "--at", past], 3, "backdated"),
                  (["issuer", "key", "retire", "heronsgate", own], 3, "already_retired")])
    keys = ok(data, "issuer", "show", "heronsgate", json_out=True).json()["keys"]
    (first, second, third, fourth) = keys
    assert first["retired_at"] is not None and first["held_by_server"] is False  # rotated out and destroyed
    assert second["key_id"] == new and second["compromised_at"] is not None
    assert third["key_id"] == newest and third["held_by_server"] is True and third["retired_at"] is None
    assert fourth["key_id"] == own and fourth["retired_at"] is not None and fourth["held_by_server"] is False


def test_credentials_define_and_list(instance: Instance) -> None:
    data = instance.data
    ok(data, "credential", "define", "cpht", "--name", "Certified Pharmacy Technician", "--body", "PTCB",
       "--validity-months", "24", "--career-field", "Health")
    entries = {e["code"]: e for e in ok(data, "credential", "list", json_out=True).json()}
    assert entries["cpht"]["validityMonths"] == 24 and entries["osha10-general"]["validityMonths"] is None
    assert entries["cpht"]["certifyingBody"] == "PTCB"
    # Several SOC / CIP codes: the option repeated; signed as lists.
    ok(data, "credential", "define", "pharm-tech", "--name", "Pharmacy Technician", "--body", "NHA",
       "--soc", "29-2052", "--soc", "31-1131", "--cip", "51.0805")
    entries = {e["code"]: e for e in ok(data, "credential", "list", json_out=True).json()}
    assert (entries["pharm-tech"]["soc"], entries["pharm-tech"]["cip"]) == (["29-2052", "31-1131"], ["51.0805"])
    expect(data, [
        (["credential", "define", "ccma", "--name", "CCMA", "--body", "NHA", "--soc", "31-9092", "--soc", "319092"],
         2, "soc"),
        (["credential", "define", "cpht", "--name", "Again", "--body", "PTCB"], 3, "stream_exists"),
        (["credential", "define", "ccma", "--name", "CCMA", "--body", "NHA", "--validity-months", "0"],
         2, "validityMonths"),
    ])


def test_issue_revoke_show(instance: Instance) -> None:
    data = instance.data
    award = issue(instance)
    ok(data, "revoke", award, "--reason", "issued_in_error", "--note", "Entered for the wrong student.")
    human = ok(data, "show", instance.student).out
    # For people, in words: no event class name, no reason code.
    assert "Student registered: registered by" in human and "Credential recorded: " in human
    assert "Credential revoked — recorded by mistake: Entered for the wrong student." in human
    assert "[revoked (recorded by mistake)" in human and "signed by Lindenwood Unified School District" in human
    assert "CredentialRevoked" not in human and "issued_in_error" not in human
    events = ok(data, "show", instance.student, json_out=True).json()
    assert events[0]["type"] == "StudentRegistered"
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)
    by_stream = {e["stream"]: e for e in events if e["type"] == "CredentialIssued"}
    assert by_stream[award]["status"] == "revoked: issued_in_error"
    assert by_stream[instance.award]["status"] == "active"
    for text in (human, json.dumps(events)):
        for pii in PII:
            assert pii not in text
    base = ["issue", "--issuer", "lindenwood", "--student", instance.student, "--credential", "osha10-general"]
    expect(data, [
        (["revoke", award, "--reason", "other", "--note", "Again."], 3, "already_revoked"),
        ([*base, "--earned", "last spring"], 2, "earned"),
        ([*base, "--earned", (date.today() + timedelta(days=5)).isoformat()], 3, "future_date"),
        (["issue", "--issuer", "lindenwood", "--student", str(uuid.uuid4()), "--credential", "osha10-general",
          "--earned", EARNED], 4, "no student"),
        (["student", "add", "--issuer", "lindenwood", "--name", "Ada Quist", "--birth-date", "2008-02-30",
          "--local-id", "LW-1"], 2, "birth_date"),
        ([*base, "--earned", EARNED, "--evidence", "score=²"], 0, ""),  # not a number: kept as text
    ])


def test_transfers_complete_directly_or_by_countersigning_a_file(instance: Instance, tmp_path: Path) -> None:
    data = instance.data
    direct, pending_award = issue(instance), issue(instance)
    offer = ok(data, "transfer", direct, "--to", "saltmarsh-ctc", json_out=True).json()
    assert offer["status"] == "pending"
    listed = ok(data, "transfers", "list", "--issuer", "saltmarsh-ctc", json_out=True).json()
    assert [(t["transfer"], t["status"], t["awards"]) for t in listed] == [(offer["transfer"], "pending", [direct])]
    expect(data, [(["transfers", "accept", offer["transfer"], "--as", "lindenwood"], 4, "no such transfer")])
    receipts = ok(data, "transfers", "accept", offer["transfer"], "--as", "saltmarsh-ctc", json_out=True).json()
    assert [(r["type"], r["stream"], r["sequence"]) for r in receipts] == [
        ("CredentialTransferred", direct, 2), ("TransferOfferClosed", offer["transfer"], 2)]
    expect(data, [(["transfers", "decline", offer["transfer"], "--as", "saltmarsh-ctc"], 3, "not_pending")])
    pending = tmp_path / "pending.json"
    ok(data, "transfer", pending_award, "--to", "saltmarsh-ctc", "--out", str(pending))
    (half,) = json.loads(pending.read_text())
    assert isinstance(half["proof"], dict)  # one proof: the receiver's is missing
    expect(data, [(["submit", str(pending)], 3, "missing_countersignature")])
    accepted = ok(data, "countersign", str(pending), "--as", "saltmarsh-ctc", json_out=True).json()
    assert accepted[0]["stream"] == pending_award
    expect(data, [(["countersign", str(pending), "--as", "saltmarsh-ctc"], 3, "conflict")])  # recorded already
    # Custody moved: the server now signs a revocation as Saltmarsh, no longer as Lindenwood.
    ok(data, "revoke", pending_award, "--reason", "other", "--note", "Revoked by the new custodian.")
    events = ok(data, "show", instance.student, json_out=True).json()
    moves = {e["stream"]: e for e in events if e["type"] == "CredentialTransferred"}
    assert {direct, pending_award} <= set(moves)
    assert "Saltmarsh Career & Technical Center" in moves[direct]["summary"]
    (revocation,) = [e for e in events if e["type"] == "CredentialRevoked" and e["stream"] == pending_award]
    assert revocation["signer"].startswith("Saltmarsh Career & Technical Center")


def test_submit_an_externally_signed_file(instance: Instance, tmp_path: Path) -> None:
    data = instance.data
    signer = Signer.generate()
    ok(data, "issuer", "add", "kestrel-prep", "--name", "Kestrel Preparatory School", "--public-key", signer.key_id)
    share(instance, "kestrel-prep")
    ledger = open_ledger(data, PASSPHRASE)
    try:
        assert signer.key_id not in ledger.keystore
        ledger_id, did = ledger.config.ledger_id, ledger.issuer("kestrel-prep").did
        subject = ledger.student(instance.student).subject
    finally:
        ledger.close()
    award = str(uuid.uuid4())
    unsigned = d.unsigned_document(
        d.CREDENTIAL_ISSUED, ledger=ledger_id, stream=award, sequence=1, previous=None, actor=did,
        time=datetime.now(timezone.utc), award=award, issuer=did, student=instance.student,
        credential="osha10-general", earned=EARNED, expires=None, evidence={"certificate": "OSHA-10-5510021"},
        subject=subject, supersedes=None)
    document = signer.sign(unsigned, unsigned["time"])
    files = {
        "forged.json": json.dumps(document | {"evidence": {"certificate": "OSHA-10-5510022"}}),
        "malformed.json": json.dumps([document | {"evidence": {"score": 9.5}}]),
        "notes.txt": "these are not events\n",
        "signed.jsonl": json.dumps(document) + "\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    expect(data, [
        (["submit", str(tmp_path / "forged.json")], 3, "bad_signature"),
        (["submit", str(tmp_path / "malformed.json")], 2, "events[0].evidence.score"),
        (["submit", str(tmp_path / "notes.txt")], 2, "file"),
    ])
    (receipt,) = ok(data, "submit", str(tmp_path / "signed.jsonl"), json_out=True).json()
    assert receipt == {"type": "CredentialIssued", "stream": award, "sequence": 1, "hash": d.document_hash(document)}
    report = ok(data, "audit", json_out=True).json()
    assert report["ok"] is True and report["finding"] is None and report["events"] > 10


def test_demo_loads_a_district_and_audits_clean(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    init = ok(data, "init").out
    assert re.search(r"^Operator key: did:key:z6Mk\w+#z6Mk\w+$", init, re.MULTILINE)
    summary = ok(data, "demo", json_out=True).json()
    assert (summary["issuers"], summary["credentials"], summary["students"]) == (3, 21, 50)
    assert summary["awards"] >= 200 and summary["revocations"] >= 2 and summary["transfers"] >= 1
    assert summary["key_rotations"] == 1
    audited = ok(data, "audit").out
    assert audited.startswith("OK:")
    shown = ok(data, "show", summary["transferred_student"], json_out=True).json()
    assert any(e["type"] == "CredentialTransferred" and "Lakeshore County Schools" in e["summary"] for e in shown)
    expect(data, [(["demo"], 2, "demo")])  # loaded already


def test_demo_prints_one_working_login_per_role(tmp_path: Path) -> None:
    """`make run` prints where each role starts; every printed login signs in to its own pages."""
    data = tmp_path / "demo"
    run_cli(data, "init", passphrase="demo-roles-passphrase", expect=0)
    out = run_cli(data, "demo", "--students", "4", passphrase="demo-roles-passphrase", expect=0).out
    logins = re.findall(r"email (\S+)  password (\S+)", out)
    assert [email for email, _ in logins] == ["registrar@riverbend-ctc.example", "admin@riverbend.example",
                                              "operator@state-agency.example"]
    assert "Student (claim link):" in out and "Employer (live share link):" in out
    from web import create_app

    ledger = open_ledger(data, "demo-roles-passphrase")
    try:
        app = create_app({"LEDGER": ledger, "TESTING": True})
        for (email, password), home in zip(logins, ["/console/riverbend-ctc/shares", "/console/riverbend/keys",
                                                     "/console/"]):
            client = app.test_client()
            client.get("/login")
            with client.session_transaction() as session:
                token = session["csrf"]
            answer = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
            assert answer.status_code == 302, (email, answer.text[:300])
            assert client.get(home).status_code == 200, (email, home)
    finally:
        ledger.close()


def test_export_as_open_badges_and_clr(instance: Instance, tmp_path: Path) -> None:
    data = instance.data
    mine = ("--only", instance.award)  # (other tests record awards by an issuer that keeps its key off-server)
    badges = ok(data, "export", instance.student, "--as", "ob3", "--out", str(tmp_path / "badges"), *mine,
                json_out=True).json()
    assert badges["files"] and all(Path(f).exists() for f in badges["files"])
    clr = ok(data, "export", instance.student, "--as", "clr", "--out", str(tmp_path / "t.clr.json"), *mine,
             "--disclose", "name", json_out=True).json()
    document = json.loads((tmp_path / "t.clr.json").read_text())
    assert document["type"] == ["VerifiableCredential", "ClrCredential"] and clr["credentials"] >= 1
    assert document["credentialSubject"]["identifier"][0]["hashed"] is False
    refused = run(data, "export", instance.student, "--as", "clr", "--out", str(tmp_path / "x.json"),
                  "--disclose", "birth_date")
    assert refused.code == 2 and "disclose: an Open Badge or a CLR can disclose only the name" in refused.err
    refused = run(data, "export", instance.student, "--out", str(tmp_path / "y.json"), "--evidence", "score")
    assert refused.code == 2 and "evidence: only for --as ob3" in refused.err
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "y.json").exists()


def test_student_add_refuses_a_future_birth_date_and_a_bad_class(instance: Instance) -> None:
    """The same rules as the console and the API, at the CLI's door."""
    base = ("student", "add", "--issuer", "lindenwood", "--name", "Ines Arvelo-Quay", "--local-id", "LW-9901")
    refused = run(instance.data, *base, "--birth-date", "2999-01-01")
    assert refused.code == 2 and "birth_date: not a plausible birth date" in refused.err
    refused = run(instance.data, *base, "--birth-date", "2010-01-01", "--cohort", "1066")
    assert refused.code == 2 and "--cohort" in refused.err
