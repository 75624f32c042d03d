"""`credledger` as a user runs it: the installed console script in a subprocess, on real files.

The subprocess runs on the real clock (it cannot take the tests' fake one), so
dates here are computed from today. Every invocation is checked for the
passphrase leaking into its output. People and schools are fictional.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from keys.signer import Signer
from ledger import documents as d
from ledger.instance import open_ledger

CLI = Path(sys.executable).with_name("credledger")
PASSPHRASE = "cli-Test-passphrase-7f3a"
STUDENT_NAME = "Perpetua Ravensworth-Oyelowo"
EARNED = (date.today() - timedelta(days=30)).isoformat()
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run(data: Path, *args: str, passphrase: str | None = PASSPHRASE, json_out: bool = False) -> Result:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDLEDGER_")}
    if passphrase is not None:
        env["CREDLEDGER_PASSPHRASE"] = passphrase
    command = [str(CLI), "--data", str(data)] + (["--json"] if json_out else []) + list(args)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    result = Result(done.returncode, done.stdout, done.stderr)
    assert PASSPHRASE not in result.out + result.err, "the passphrase leaked into the output"
    assert "Traceback" not in result.err, result.err
    return result


def ok(data: Path, *args: str, json_out: bool = False) -> Result:
    result = run(data, *args, json_out=json_out)
    assert result.code == 0, f"{args}: {result.err}"
    return result


@dataclass
class Instance:
    data: Path
    init: Result
    student: str
    award: str


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Instance:
    data = tmp_path_factory.mktemp("cli") / "instance"
    init = ok(data, "init")
    ok(data, "issuer", "add", "lindenwood", "--name", "Lindenwood Unified School District", "--kind", "district")
    ok(data, "issuer", "add", "saltmarsh-ctc", "--name", "Saltmarsh Career & Technical Center", "--kind", "cte_center")
    ok(data, "credential", "define", "osha10-general", "--name", "OSHA 10-Hour General Industry",
       "--body", "OSHA Outreach Training Program", "--type", "certificate", "--career-field", "Manufacturing")
    student = ok(data, "student", "add", "--issuer", "lindenwood", "--name", STUDENT_NAME,
                 "--birth-date", "2008-10-19", "--local-id", "LW-558120").out.strip()
    award = ok(data, "issue", "--issuer", "lindenwood", "--student", student, "--credential", "osha10-general",
               "--earned", EARNED, "--evidence", "certificate=OSHA-10-8841207", "--evidence", "hours=10").out.strip()
    return Instance(data, init, student, award)


def issue(instance: Instance, issuer: str = "lindenwood") -> str:
    return ok(instance.data, "issue", "--issuer", issuer, "--student", instance.student,
              "--credential", "osha10-general", "--earned", EARNED).out.strip()


# Setting up -------------------------------------------------------------------------


def test_init_prints_the_operator_key_and_student_add_prints_an_id(instance: Instance) -> None:
    assert re.search(r"^Operator key: did:key:z6Mk\w+#z6Mk\w+$", instance.init.out, re.MULTILINE)
    assert (instance.data / "config.json").exists() and (instance.data / "ledger.sqlite").exists()
    assert UUID_RE.match(instance.student) and UUID_RE.match(instance.award)


def test_init_twice_is_refused_as_bad_input(instance: Instance) -> None:
    result = run(instance.data, "init")
    assert result.code == 2
    assert "data" in result.err


def test_init_json_and_a_wrong_passphrase(tmp_path: Path) -> None:
    info = ok(tmp_path / "other", "init", json_out=True).json()
    assert info["operator"].startswith("did:key:z6Mk") and info["operator_key"].startswith(info["operator"] + "#")
    assert info["database"] == "sqlite" and info["encrypt_events"] is False
    wrong = run(tmp_path / "other", "issuer", "list", passphrase="not-the-passphrase")
    assert wrong.code == 5
    assert "not-the-passphrase" not in wrong.out + wrong.err
    assert run(tmp_path / "nowhere", "audit").code == 5  # no instance there
    assert run(tmp_path / "other", "audit", passphrase=None).code == 5  # no passphrase, no terminal


def test_issuers_add_list_show(instance: Instance) -> None:
    listed = ok(instance.data, "issuer", "list", json_out=True).json()
    assert [i["slug"] for i in listed][:2] == ["lindenwood", "saltmarsh-ctc"]
    human = ok(instance.data, "issuer", "list").out
    assert "Lindenwood Unified School District" in human and "saltmarsh-ctc" in human
    shown = ok(instance.data, "issuer", "show", "lindenwood", json_out=True).json()
    assert shown["did"].endswith(":issuers:lindenwood") and shown["kind"] == "district"
    (key,) = shown["keys"]
    assert key["held_by_server"] is True and key["retired_at"] is None
    assert "active" in ok(instance.data, "issuer", "show", "lindenwood").out
    bad = run(instance.data, "issuer", "add", "Bad Slug", "--name", "Bad")
    assert bad.code == 2 and "slug" in bad.err
    assert run(instance.data, "issuer", "add", "lindenwood", "--name", "Again").code == 3
    assert run(instance.data, "issuer", "show", "nowhere-high").code == 4


def test_key_rotate_retire_compromise(instance: Instance) -> None:
    data = instance.data
    ok(data, "issuer", "add", "heronsgate", "--name", "Heronsgate Academy")
    issue(instance, "heronsgate")
    (old,) = [k["key_id"] for k in ok(data, "issuer", "show", "heronsgate", json_out=True).json()["keys"]]
    new = ok(data, "issuer", "key", "rotate", "heronsgate", json_out=True).json()["key_id"]
    keys = {k["key_id"]: k for k in ok(data, "issuer", "show", "heronsgate", json_out=True).json()["keys"]}
    assert keys[old]["retired_at"] is not None and keys[old]["held_by_server"] is False
    assert keys[new]["retired_at"] is None and keys[new]["held_by_server"] is True
    issue(instance, "heronsgate")
    # A key the issuer holds itself: added, then retired from a future time.
    own = Signer.generate().key_id
    ok(data, "issuer", "key", "add", "heronsgate", own)
    later = (datetime.now(timezone.utc) + timedelta(days=30)).isoformat()
    ok(data, "issuer", "key", "retire", "heronsgate", own, "--at", later)
    past = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    assert run(data, "issuer", "key", "retire", "heronsgate", new, "--at", past).code == 3  # backdated
    # Compromise of the server-held key: signing stops, rotation brings the issuer back.
    compromised = ok(data, "issuer", "key", "compromise", "heronsgate", new, "--at",
                     (datetime.now(timezone.utc) - timedelta(seconds=5)).isoformat(), json_out=True).json()
    assert compromised["key_id"] == new
    refused = run(data, "issue", "--issuer", "heronsgate", "--student", instance.student,
                  "--credential", "osha10-general", "--earned", EARNED)
    assert refused.code == 3 and "no_signing_key" in refused.err
    ok(data, "issuer", "key", "rotate", "heronsgate")
    issue(instance, "heronsgate")
    bad = run(data, "issuer", "key", "compromise", "heronsgate", "not-a-key", "--at", past)
    assert bad.code == 2 and "key" in bad.err


def test_credentials_define_and_list(instance: Instance) -> None:
    data = instance.data
    ok(data, "credential", "define", "cpht", "--name", "Certified Pharmacy Technician", "--body", "PTCB",
       "--validity-months", "24", "--career-field", "Health")
    entries = {e["code"]: e for e in ok(data, "credential", "list", json_out=True).json()}
    assert entries["cpht"]["validityMonths"] == 24 and entries["osha10-general"]["validityMonths"] is None
    assert "Certified Pharmacy Technician" in ok(data, "credential", "list").out
    assert run(data, "credential", "define", "cpht", "--name", "Again", "--body", "PTCB").code == 3
    bad = run(data, "credential", "define", "ccma", "--name", "CCMA", "--body", "NHA", "--validity-months", "0")
    assert bad.code == 2 and "validityMonths" in bad.err


def test_issue_revoke_show(instance: Instance) -> None:
    data = instance.data
    award = issue(instance)
    ok(data, "revoke", award, "--reason", "issued_in_error", "--note", "Entered for the wrong student.")
    again = run(data, "revoke", award, "--reason", "other", "--note", "Again.")
    assert again.code == 3 and "already_revoked" in again.err
    bad = run(data, "revoke", instance.award, "--reason", "bored", "--note", "x")
    assert bad.code == 2 and "reason" in bad.err
    human = ok(data, "show", instance.student).out
    assert "StudentRegistered" in human and "CredentialIssued" in human
    assert "revoked: issued_in_error" in human and "signed by Lindenwood Unified School District" in human
    events = ok(data, "show", instance.student, json_out=True).json()
    assert events[0]["type"] == "StudentRegistered"
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)
    by_stream = {e["stream"]: e for e in events if e["type"] == "CredentialIssued"}
    assert by_stream[award]["status"] == "revoked: issued_in_error" and by_stream[instance.award]["status"] == "active"
    for text in (human, json.dumps(events)):
        for pii in (STUDENT_NAME, "Ravensworth", "2008-10-19", "LW-558120"):
            assert pii not in text


def test_issue_input_errors_name_the_field(instance: Instance) -> None:
    data = instance.data
    base = ["issue", "--issuer", "lindenwood", "--student", instance.student, "--credential", "osha10-general"]
    for extra, field in ((["--earned", "last spring"], "earned"),
                         (["--earned", EARNED, "--evidence", "no-equals-sign"], "evidence")):
        result = run(data, *base, *extra)
        assert result.code == 2 and field in result.err, result.err
    not_a_student = run(data, "issue", "--issuer", "lindenwood", "--student", "Perpetua", "--credential",
                        "osha10-general", "--earned", EARNED)
    assert not_a_student.code == 2 and "student" in not_a_student.err
    future = (date.today() + timedelta(days=5)).isoformat()
    refused = run(data, *base, "--earned", future)
    assert refused.code == 3 and "future_date" in refused.err
    missing = run(data, "issue", "--issuer", "lindenwood", "--student", str(uuid.uuid4()), "--credential",
                  "osha10-general", "--earned", EARNED)
    assert missing.code == 4
    assert run(data, "show", str(uuid.uuid4())).code == 4
    odd = run(data, *base, "--earned", EARNED, "--evidence", "score=²")  # not a number: kept as text
    assert odd.code == 0
    bad_birth = run(data, "student", "add", "--issuer", "lindenwood", "--name", "Ada Quist",
                    "--birth-date", "2008-02-30", "--local-id", "LW-1")
    assert bad_birth.code == 2 and "birth_date" in bad_birth.err


def test_transfer_with_both_keys_completes(instance: Instance) -> None:
    award = issue(instance)
    receipts = ok(instance.data, "transfer", award, "--to", "saltmarsh-ctc", json_out=True).json()
    assert [(r["type"], r["stream"], r["sequence"]) for r in receipts] == [("CredentialTransferred", award, 2)]
    events = ok(instance.data, "show", instance.student, json_out=True).json()
    (moved,) = [e for e in events if e["type"] == "CredentialTransferred" and e["stream"] == award]
    assert "Saltmarsh Career & Technical Center" in moved["summary"]


def test_transfer_out_then_countersign(instance: Instance, tmp_path: Path) -> None:
    data = instance.data
    award = issue(instance)
    pending = tmp_path / "pending.json"
    ok(data, "transfer", award, "--to", "saltmarsh-ctc", "--out", str(pending))
    (half,) = json.loads(pending.read_text())
    assert isinstance(half["proof"], dict)  # one proof: the receiver's is missing
    refused = run(data, "submit", str(pending))
    assert refused.code == 3 and "missing_countersignature" in refused.err
    accepted = ok(data, "countersign", str(pending), "--as", "saltmarsh-ctc", json_out=True).json()
    assert accepted[0]["stream"] == award
    again = run(data, "countersign", str(pending), "--as", "saltmarsh-ctc")
    assert again.code == 3 and "broken_chain" in again.err
    # Custody moved: the old custodian can no longer revoke (the server signs as the custodian, now Saltmarsh).
    ok(data, "revoke", award, "--reason", "other", "--note", "Revoked by the new custodian.")
    events = ok(data, "show", instance.student, json_out=True).json()
    (revocation,) = [e for e in events if e["type"] == "CredentialRevoked" and e["stream"] == award]
    assert revocation["signer"] == "Saltmarsh Career & Technical Center"


def test_submit_an_externally_signed_file(instance: Instance, tmp_path: Path) -> None:
    data = instance.data
    signer = Signer.generate()
    ok(data, "issuer", "add", "kestrel-prep", "--name", "Kestrel Preparatory School", "--public-key", signer.key_id)
    shown = ok(data, "issuer", "show", "kestrel-prep", json_out=True).json()
    assert shown["keys"][0]["held_by_server"] is False
    ledger = open_ledger(data, PASSPHRASE)
    try:
        ledger_id, subject, did = ledger.config.ledger_id, ledger.student(instance.student).subject, shown["did"]
    finally:
        ledger.close()
    award = str(uuid.uuid4())
    unsigned = d.unsigned_document(
        d.CREDENTIAL_ISSUED, ledger=ledger_id, stream=award, sequence=1, previous=None, actor=did,
        time=datetime.now(timezone.utc), award=award, issuer=did, student=instance.student,
        credential="osha10-general", earned=EARNED, expires=None, evidence={"certificate": "OSHA-10-5510021"},
        subject=subject, supersedes=None)
    document = signer.sign(unsigned, unsigned["time"])
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document | {"evidence": {"certificate": "OSHA-10-5510022"}}))
    refused = run(data, "submit", str(forged))
    assert refused.code == 3 and "bad_signature" in refused.err
    malformed = tmp_path / "malformed.json"
    malformed.write_text(json.dumps(document | {"evidence": {"score": 9.5}}))
    bad = run(data, "submit", str(malformed))
    assert bad.code == 2 and "events[0].evidence.score" in bad.err
    good = tmp_path / "signed.jsonl"
    good.write_text(json.dumps(document) + "\n")
    (receipt,) = ok(data, "submit", str(good), json_out=True).json()
    assert receipt == {"type": "CredentialIssued", "stream": award, "sequence": 1, "hash": d.document_hash(document)}
    assert run(data, "submit", str(good)).code == 3  # the same event twice: the stream exists
    not_json = tmp_path / "notes.txt"
    not_json.write_text("these are not events\n")
    assert run(data, "submit", str(not_json)).code == 2


def test_audit_passes_on_the_instance(instance: Instance) -> None:
    result = ok(instance.data, "audit")
    assert result.out.startswith("OK:")
    report = ok(instance.data, "audit", json_out=True).json()
    assert report["ok"] is True and report["finding"] is None and report["events"] > 10


def test_demo_loads_a_district_and_audits_clean(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    ok(data, "init")
    summary = ok(data, "demo", json_out=True).json()
    assert (summary["issuers"], summary["credentials"], summary["students"]) == (3, 21, 50)
    assert summary["awards"] >= 200 and summary["revocations"] >= 2 and summary["transfers"] >= 1
    assert summary["key_rotations"] == 1
    assert len(ok(data, "credential", "list", json_out=True).json()) == 21
    assert len(ok(data, "issuer", "list", json_out=True).json()) == 3
    assert ok(data, "audit").code == 0
    assert run(data, "demo").code == 2  # already loaded
    shown = ok(data, "show", summary["transferred_student"], json_out=True).json()
    assert any(e["type"] == "CredentialTransferred" for e in shown)
