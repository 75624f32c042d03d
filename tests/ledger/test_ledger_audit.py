"""Tamper tests: change stored bytes behind the ledger's back; `credledger audit` must say where.

Events live in eventsourcing's `stored_events` table on SQLite and in
`<schema>.ledger_events` on PostgreSQL (the library names it after the application).

The store is real (a SQLite file, a PostgreSQL schema) and the audit runs as
the real console script in a subprocess, exactly as an operator would run it.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ledger.application import IssueRequest
from ledger.audit import audit
from ledger.config import SQLITE_FILE
from ledger.instance import init_instance, open_ledger
from tests.support import invoke_cli, run_cli, transfer

PASSPHRASE = "audit-test-passphrase"
MARKER = b"SS-9977331"


@dataclass
class Instance:
    data: Path
    marked_award: str  # the award whose evidence carries MARKER
    awards: list[str]


def build(data: Path, database_url: str | None = None) -> Instance:
    """A small district: issuers, catalog, students, awards, a revocation, a transfer, a rotation."""
    ledger = init_instance(data, PASSPHRASE, database_url=database_url, scrypt_n=2**10)
    try:
        ledger.register_issuer("willow-creek", "Willow Creek School District", "district")
        ledger.register_issuer("ferncliff-ctc", "Ferncliff Technical Center", "cte_center")
        ledger.define_credential("servsafe-handler", {
            "name": "ServSafe Food Handler", "certifyingBody": "National Restaurant Association",
            "credentialType": "certificate", "validityMonths": 36, "careerField": "Hospitality & Tourism"})
        ledger.define_credential("nccer-core", {
            "name": "NCCER Core Curriculum", "certifyingBody": "NCCER", "credentialType": "certificate",
            "validityMonths": None, "careerField": "Construction"})
        students = ledger.register_students("willow-creek", [
            {"name": "Ilse Marrowby", "birth_date": "2008-02-11", "local_id": "WC-1001"},
            {"name": "Rafferty Oduya", "birth_date": "2007-10-30", "local_id": "WC-1002"},
            {"name": "Sunniva Calder", "birth_date": "2008-06-05", "local_id": "WC-1003"},
        ])
        ledger.share_roster("willow-creek", "ferncliff-ctc", students, purpose="record", until=date(2027, 6, 30))
        earned = date(2026, 3, 9)
        awards = ledger.issue([
            IssueRequest("willow-creek", students[0], "servsafe-handler", earned, {"certificate": "SS-1000001"}),
            IssueRequest("ferncliff-ctc", students[0], "nccer-core", earned, {"certificate": "NC-2000001"}),
            IssueRequest("willow-creek", students[1], "servsafe-handler", earned,
                         {"certificate": MARKER.decode(), "score": 88}),
        ])
        ledger.rotate_issuer_key("ferncliff-ctc")
        awards += ledger.issue([
            IssueRequest("ferncliff-ctc", students[1], "nccer-core", earned, {"certificate": "NC-2000002"}),
            IssueRequest("ferncliff-ctc", students[2], "nccer-core", earned, {"certificate": "NC-2000003"}),
        ])
        ledger.revoke(awards[1], "issued_in_error", "Recorded for the wrong student.")
        transfer(ledger, [awards[0]], "ferncliff-ctc", "Student enrolled at Ferncliff")
        ledger.transparency_log.integrate()
        assert audit(ledger).ok
    finally:
        ledger.close()
    return Instance(data, awards[2], awards)


def run_audit(data: Path) -> tuple[int, dict, str]:
    result = run_cli(data, "audit", passphrase=PASSPHRASE, json_out=True, timeout=60)
    return result.code, result.json() if result.out.strip() else {}, result.err


def run_audit_human(data: Path) -> tuple[int, str]:
    result = run_cli(data, "audit", passphrase=PASSPHRASE, timeout=60)
    return result.code, result.output


def position_of(data: Path, stream: str, sequence: int = 1) -> int:
    ledger = open_ledger(data, PASSPHRASE)
    try:
        rows = ledger.store.select_journal(0, 1000)
    finally:
        ledger.close()
    (row,) = [r for r in rows if (r.originator_id, r.originator_version) == (stream, sequence)]
    return row.position


# SQLite ----------------------------------------------------------------------


@pytest.fixture
def sqlite_instance(tmp_path: Path) -> Instance:
    instance = build(tmp_path / "instance")
    assert not (tmp_path / "instance" / (SQLITE_FILE + "-wal")).exists() or \
        (tmp_path / "instance" / (SQLITE_FILE + "-wal")).stat().st_size == 0
    return instance


def hex_id(stream: str) -> str:
    """eventsourcing's SQLite recorder stores originator ids as 32 hex digits."""
    return uuid.UUID(stream).hex


def flip_one_byte(path: Path, needle: bytes, offset: int) -> None:
    data = bytearray(path.read_bytes())
    assert data.count(needle) == 1, "the needle must be found exactly once"
    at = data.index(needle) + offset
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_an_untampered_store_audits_clean(sqlite_instance: Instance) -> None:
    code, report, stderr = run_audit(sqlite_instance.data)
    assert code == 0, stderr
    assert report["ok"] is True and report["finding"] is None
    assert report["events"] == 17 and report["log_size"] == 17


def test_one_byte_of_evidence_changed_in_the_sqlite_file_is_caught(sqlite_instance: Instance) -> None:
    flip_one_byte(sqlite_instance.data / SQLITE_FILE, MARKER, len(MARKER) - 1)  # SS-9977331 -> SS-9977330
    code, report, _ = run_audit(sqlite_instance.data)
    assert code == 1
    finding = report["finding"]
    assert finding["stream"] == sqlite_instance.marked_award and finding["sequence"] == 1
    assert "signature" in finding["problem"].lower()
    code, text = run_audit_human(sqlite_instance.data)
    assert code == 1
    assert "FAILED" in text and sqlite_instance.marked_award in text


def test_one_byte_of_a_journal_leaf_changed_is_caught(sqlite_instance: Instance) -> None:
    target = sqlite_instance.awards[3]
    position = position_of(sqlite_instance.data, target)
    with sqlite3.connect(sqlite_instance.data / SQLITE_FILE) as conn:
        (leaf,) = conn.execute("SELECT leaf FROM ledger_journal WHERE position = ?", (position,)).fetchone()
    flip_one_byte(sqlite_instance.data / SQLITE_FILE, bytes(leaf), 20)
    code, report, _ = run_audit(sqlite_instance.data)
    assert code == 1
    assert report["finding"]["position"] == position
    assert report["finding"]["stream"] == target


def test_a_deleted_middle_event_is_caught(sqlite_instance: Instance) -> None:
    target = sqlite_instance.awards[1]
    position = position_of(sqlite_instance.data, target)
    with sqlite3.connect(sqlite_instance.data / SQLITE_FILE) as conn:
        deleted = conn.execute("DELETE FROM stored_events WHERE originator_id = ? AND originator_version = 1",
                               (hex_id(target),)).rowcount
    assert deleted == 1
    code, report, _ = run_audit(sqlite_instance.data)
    assert code == 1
    assert report["finding"]["position"] == position


@pytest.mark.parametrize("spell", [
    lambda text, i: text[:i] + text[i].upper() + text[i + 1:],  # one letter's case: one bit of the file
    lambda text, i: text[:i] + "g" + text[i + 1:],  # not a hex digit at all
], ids=["letter-case", "non-hex"])
def test_a_misspelled_stream_id_is_caught_and_named(sqlite_instance: Instance, spell: Any) -> None:
    """Issue 10, finding 1: a case flip in `stored_events.originator_id` hid a revocation from its
    stream while the audit, which parsed the id into a UUID, said OK."""
    revoked = hex_id(sqlite_instance.awards[1])  # its second event is the revocation
    letter = next(i for i, ch in enumerate(revoked) if ch in "abcdef")
    misspelled = spell(revoked, letter)
    with sqlite3.connect(sqlite_instance.data / SQLITE_FILE) as conn:
        changed = conn.execute("UPDATE stored_events SET originator_id = ? WHERE originator_id = ? AND "
                               "originator_version = 2", (misspelled, revoked)).rowcount
    assert changed == 1
    code, report, stderr = run_audit(sqlite_instance.data)
    assert code == 1 and "Traceback" not in stderr
    assert report["finding"]["stream"] == misspelled and report["finding"]["sequence"] == 2
    assert "not in canonical form" in report["finding"]["problem"]
    assert report["finding"]["position"] == position_of_notification(sqlite_instance.data, revoked, 2)


def position_of_notification(data: Path, stream_hex: str, sequence: int) -> int:
    return position_of(data, str(uuid.UUID(stream_hex)), sequence)


def test_a_deleted_last_event_is_caught(sqlite_instance: Instance) -> None:
    with sqlite3.connect(sqlite_instance.data / SQLITE_FILE) as conn:
        conn.execute("DELETE FROM stored_events WHERE rowid = (SELECT MAX(rowid) FROM stored_events)")
    code, report, _ = run_audit(sqlite_instance.data)
    assert code == 1
    assert report["finding"] is not None


def test_two_swapped_event_states_are_caught(sqlite_instance: Instance) -> None:
    first, second = sqlite_instance.awards[3], sqlite_instance.awards[4]
    with sqlite3.connect(sqlite_instance.data / SQLITE_FILE) as conn:
        rows = {r[0]: r[1] for r in conn.execute(
            "SELECT originator_id, state FROM stored_events WHERE originator_id IN (?, ?) AND originator_version = 1",
            (hex_id(first), hex_id(second)))}
        conn.execute("UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = 1",
                     (rows[hex_id(second)], hex_id(first)))
        conn.execute("UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = 1",
                     (rows[hex_id(first)], hex_id(second)))
    code, report, _ = run_audit(sqlite_instance.data)
    assert code == 1
    assert report["finding"]["stream"] == first
    assert "stream" in report["finding"]["problem"]


def test_an_event_rewritten_and_resigned_by_an_outsider_is_caught(sqlite_instance: Instance) -> None:
    # Not a byte flip: a well-formed document, signed by a key the issuer never had.
    from keys.signer import Signer

    with sqlite3.connect(sqlite_instance.data / SQLITE_FILE) as conn:
        (state,) = conn.execute("SELECT state FROM stored_events WHERE originator_id = ? AND originator_version = 1",
                                (hex_id(sqlite_instance.marked_award),)).fetchone()
        event = json.loads(state)
        document = {k: v for k, v in event["document"].items() if k != "proof"}
        event["document"] = Signer.generate().sign(document, document["time"])
        conn.execute("UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = 1",
                     (json.dumps(event).encode(), hex_id(sqlite_instance.marked_award)))
    code, report, _ = run_audit(sqlite_instance.data)
    assert code == 1
    assert report["finding"]["stream"] == sqlite_instance.marked_award


def test_audit_in_process_names_the_same_event(sqlite_instance: Instance) -> None:
    flip_one_byte(sqlite_instance.data / SQLITE_FILE, MARKER, 3)
    ledger = open_ledger(sqlite_instance.data, PASSPHRASE)
    try:
        report = audit(ledger)
    finally:
        ledger.close()
    assert not report.ok
    assert report.finding is not None and report.finding.stream == sqlite_instance.marked_award


# PostgreSQL --------------------------------------------------------------------


@pytest.mark.postgres
def test_one_byte_changed_in_a_postgres_row_is_caught(tmp_path: Path, postgres_url: str) -> None:
    instance = build(tmp_path / "instance", database_url=postgres_url)
    code, report, stderr = run_audit(instance.data)
    assert code == 0, stderr
    server, schema = postgres_url.split("?schema=")
    with psycopg.connect(server, autocommit=True) as conn:
        changed = conn.execute(
            f"UPDATE {schema}.ledger_events "
            "SET state = set_byte(state, position(%s::bytea in state) + 4, "
            "get_byte(state, position(%s::bytea in state) + 4) # 1) "
            "WHERE position(%s::bytea in state) > 0",
            (MARKER, MARKER, MARKER),
        ).rowcount
    assert changed == 1
    code, report, _ = run_audit(instance.data)
    assert code == 1
    assert report["finding"]["stream"] == instance.marked_award
    code, text = run_audit_human(instance.data)
    assert code == 1 and instance.marked_award in text


@pytest.mark.postgres
def test_a_deleted_postgres_row_is_caught(tmp_path: Path, postgres_url: str) -> None:
    instance = build(tmp_path / "instance", database_url=postgres_url)
    target = instance.awards[3]
    server, schema = postgres_url.split("?schema=")
    with psycopg.connect(server, autocommit=True) as conn:
        deleted = conn.execute(
            f"DELETE FROM {schema}.ledger_events WHERE originator_id = %s AND originator_version = 1",
            (target,)).rowcount
    assert deleted == 1
    code, report, _ = run_audit(instance.data)
    assert code == 1
    assert report["finding"]["position"] == position_of(instance.data, target)


# The log's anchor outside the database (issue 10, findings 4 and 6) -------------------------------


def cli(data: Path, *args: str) -> tuple[int, str]:
    result = run_cli(data, *args, passphrase=PASSPHRASE, timeout=60)
    return result.code, result.output


def test_deleting_every_checkpoint_is_caught(sqlite_instance: Instance) -> None:
    with sqlite3.connect(sqlite_instance.data / SQLITE_FILE) as conn:
        assert conn.execute("DELETE FROM log_checkpoints").rowcount >= 1
    code, report, _ = run_audit(sqlite_instance.data)
    assert code == 1
    assert "the log's anchor" in report["finding"]["problem"] and "deleted" in report["finding"]["problem"]


def test_a_consistent_rollback_is_caught(sqlite_instance: Instance) -> None:
    """An older copy of the database, every row consistent with every other: the award revoked
    since is active again in it. Only the anchor beside the key store knows better."""
    data = sqlite_instance.data
    earlier = (data / SQLITE_FILE).read_bytes()
    ledger = open_ledger(data, PASSPHRASE)
    try:
        ledger.revoke(sqlite_instance.awards[0], "misconduct", "Obtained by cheating.")
        ledger.transparency_log.integrate()
        assert audit(ledger).ok
    finally:
        ledger.close()
    for suffix in ("-wal", "-shm"):
        (data / (SQLITE_FILE + suffix)).unlink(missing_ok=True)
    (data / SQLITE_FILE).write_bytes(earlier)
    code, report, _ = run_audit(data)
    assert code == 1 and "rolled back" in report["finding"]["problem"]
    # And the log key refuses to sign a head that does not extend the one it signed.
    code, out = cli(data, "issuer", "add", "maplewood", "--name", "Maplewood Academy")
    assert code != 0 and "rolled back or replaced" in out


@pytest.mark.parametrize("destroy", ["delete", "truncate"])
def test_a_destroyed_database_is_named_and_migrate_will_not_start_over(sqlite_instance: Instance,
                                                                       destroy: str) -> None:
    data = sqlite_instance.data
    for suffix in ("", "-wal", "-shm"):
        path = data / (SQLITE_FILE + suffix)
        if destroy == "delete" or suffix:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(b"")
    code, out = cli(data, "audit")
    assert code == 5 and "restore it from backup" in out and "run `credledger migrate`" not in out
    code, out = cli(data, "migrate")
    assert code == 5 and "never lays a new ledger over a lost one" in out
    code, out = cli(data, "audit")
    assert code != 0 and "OK" not in out


def test_a_damaged_vault_row_is_named_and_takes_no_page_down(sqlite_instance: Instance) -> None:
    """Issue 10, finding 3 (in part): one flipped bit in a `student_identities` row made the console's
    student list a 500 for the whole institution, and the audit did not look at the vault."""
    data = sqlite_instance.data
    with sqlite3.connect(data / SQLITE_FILE) as conn:
        (student, sealed) = conn.execute("SELECT student_id, sealed FROM student_identities "
                                         "ORDER BY student_id LIMIT 1").fetchone()
        flipped = bytearray(sealed)
        flipped[-1] ^= 0x01
        conn.execute("UPDATE student_identities SET sealed = ? WHERE student_id = ?", (bytes(flipped), student))
    code, report, _ = run_audit(data)
    assert code == 1 and report["finding"]["stream"] == "student_identities"
    assert report["finding"]["problem"] == (f"the vault row of student {student} does not open (damaged, or "
                                            "moved from another student)")
    from ledger.readmodels import Projections
    from web.roster import Roster
    from web.student_list import student_page

    ledger = open_ledger(data, PASSPHRASE)
    try:
        roster = Roster(ledger, Projections.of(ledger))
        roster.projections.catch_up()
        assert roster.identity(student) is None  # shown without an identity, not an error for everyone
        listing = student_page(roster, ledger.issuer_did("willow-creek"), ledger.clock().date(), sort="name")
        assert [entry for entry in listing.students if entry.identity is not None]  # the others are still found
    finally:
        ledger.close()


def test_a_deleted_vault_row_is_not_an_erasure(sqlite_instance: Instance) -> None:
    """Issue 10, finding 3: a deleted `student_identities` row looked exactly like `student erase`.
    An erasure is now a signed event stored with the deletion; a row gone without one is named."""
    data = sqlite_instance.data
    ledger = open_ledger(data, PASSPHRASE)
    try:
        erased, lost = sorted(r[0] for r in ledger.store.query("SELECT student_id FROM {vault}"))[:2]
        assert ledger.erase_identity(erased)
        ledger.transparency_log.integrate()
        assert audit(ledger).ok
    finally:
        ledger.close()
    with sqlite3.connect(data / SQLITE_FILE) as conn:
        assert conn.execute("DELETE FROM student_identities WHERE student_id = ?", (lost,)).rowcount == 1
    code, report, _ = run_audit(data)
    assert code == 1 and report["finding"]["problem"] == (
        f"the vault row of student {lost} is missing, and no erasure of it is recorded")


def test_audit_read_models_names_a_read_model_that_differs_and_rebuilds_it(sqlite_instance: Instance) -> None:
    data = sqlite_instance.data
    code, out = cli(data, "audit", "--read-models")
    assert code == 0 and "OK:" in out and "differed" not in out
    with sqlite3.connect(data / SQLITE_FILE) as conn:  # a read model edited behind the ledger's back
        assert conn.execute("UPDATE rm_awards SET custodian = 'did:web:elsewhere' WHERE award_id = ?",
                            (sqlite_instance.awards[2],)).rowcount == 1
    code, out = cli(data, "audit", "--read-models")
    assert code == 1 and "rm_awards (2 rows)" in out
    code, out = cli(data, "audit", "--read-models")
    assert code == 0  # rebuilt from the events


def test_an_internal_error_has_its_own_exit_code_and_no_traceback(sqlite_instance: Instance,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 10, finding 5: a fault of ours printed a traceback and exited 1, which reads as "tampering
    found". It exits 70, says it is ours, and prints none of the values it was holding. The fault is
    injected (a correct build has none to find)."""
    import ledger.audit

    def faulty(*_: Any) -> Any:
        raise RuntimeError("Juniper Okafor-Lind, born 2008-10-03")  # what a real bug's message could hold

    monkeypatch.setattr(ledger.audit, "changes_of", faulty)
    result = invoke_cli(sqlite_instance.data, "audit", passphrase=PASSPHRASE, env={"CREDLEDGER_DEBUG": ""},
                        catch_exceptions=True, expect=70)  # and, as every run, no traceback
    assert "internal error: RuntimeError at ledger/audit.py:" in result.output
    assert "not a finding about your data" in result.output
    assert "Juniper" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("room", [0, "database"])
def test_a_full_disk_is_named_and_stores_nothing(sqlite_instance: Instance, room: Any) -> None:
    """Issue 10, finding 8: `issuer key rotate` on a full disk printed a traceback. The disk is
    filled with a file-size limit (Python turns SIGXFSZ into an OSError, SQLite into "database or disk
    is full"): no room for a new key file at all (0), or room for the key file (under 1 KiB) but not
    for one more page of the database's write-ahead log (4 KiB)."""
    import resource

    data = sqlite_instance.data
    limit = 0 if room == 0 else 2048
    before = journal_rows(data)
    keys_before = [p for p in sorted(p.name for p in (data / "keys").iterdir()) if p.endswith(".json")]  # no orphan
    result = run_cli(data, "issuer", "key", "rotate", "willow-creek", passphrase=PASSPHRASE, timeout=60, expect=5,
                     preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY)))
    out = result.output
    assert ("File too large" in out) if room == 0 else ("nothing was stored" in out), out
    assert journal_rows(data) == before
    assert [p for p in sorted(p.name for p in (data / "keys").iterdir()) if p.endswith(".json")] == keys_before
    code, report, _ = run_audit(data)
    assert code == 0, report


def journal_rows(data: Path) -> int:
    with sqlite3.connect(data / SQLITE_FILE) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM ledger_journal").fetchone()[0])


def test_a_damaged_key_file_is_named(sqlite_instance: Instance) -> None:
    """The key store is part of what the audit reads: one flipped bit in a server-held private key's
    file (it would sign nothing valid again) is named, with its file."""
    data = sqlite_instance.data
    ledger = open_ledger(data, PASSPHRASE)
    try:
        issuer = ledger.issuer("willow-creek")
        (key_id,) = [k for k in issuer.keys if k in ledger.keystore]
    finally:
        ledger.close()
    (path,) = [p for p in (data / "keys").glob("*.json") if json.loads(p.read_text()).get("key_id") == key_id]
    record = json.loads(path.read_text())
    ciphertext = bytearray(base64.b64decode(record["ciphertext"]))
    ciphertext[5] ^= 0x01
    record["ciphertext"] = base64.b64encode(bytes(ciphertext)).decode()
    path.write_text(json.dumps(record))
    code, report, _ = run_audit(data)
    assert code == 1
    assert report["finding"]["stream"] == "key store"
    assert report["finding"]["problem"].startswith("a key file does not open") and path.name in report["finding"]["problem"]
