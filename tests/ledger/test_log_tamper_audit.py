"""Tampering with the stored log is caught by `credledger audit`.

One byte changed (or one row deleted) in the log tables of a real SQLite file
or PostgreSQL schema, through a separate connection; then the audit, both
in-process and as the real console script (exit code 1, the finding in JSON).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ledger.application import IssueRequest
from ledger.audit import AuditReport, audit
from ledger.instance import init_instance, open_ledger
from tests.support import finish_cli, run_cli, start_cli, transfer
from verifiers import compact_range

PASSPHRASE = "tamper-test-passphrase"
SCHOOL = "pine-hollow"
SIZES = [0, 3, 8, 21, 37]  # the kept checkpoints


def build(data_dir: Path, database_url: str | None = None) -> None:
    ledger = init_instance(data_dir, PASSPHRASE, database_url=database_url, scrypt_n=2**10)
    try:
        ledger.register_issuer(SCHOOL, "Pine Hollow Test High School", "school")
        ledger.register_issuer("harbor-ctc", "Harbor Test Career Center", "cte_center")
        ledger.define_credential("comptia-a-plus", {"name": "CompTIA A+", "certifyingBody": "CompTIA",
                                                    "credentialType": "certification", "validityMonths": 36,
                                                    "careerField": "Information Technology"})
        ledger.transparency_log.integrate()
        student = ledger.register_student(
            SCHOOL, {"name": "Alex Notreal", "birth_date": "2008-08-08", "local_id": "PH-5005"})
        awards = ledger.issue([
            IssueRequest(SCHOOL, student, "comptia-a-plus", date(2026, 1, 15), {"certificate": f"COMP-{i:04d}"})
            for i in range(4)])
        ledger.transparency_log.integrate()
        ledger.issue([
            IssueRequest(SCHOOL, student, "comptia-a-plus", date(2026, 1, 16), {"certificate": f"COMP-{i:04d}"})
            for i in range(4, 17)])
        ledger.transparency_log.integrate()
        ledger.revoke(awards[0], "issued_in_error", "Recorded for the wrong fictional student.")
        transfer(ledger, awards[1:3], "harbor-ctc", "Student moved to the career center")
        ledger.issue([
            IssueRequest(SCHOOL, student, "comptia-a-plus", date(2026, 1, 17), {"certificate": f"COMP-{i:04d}"})
            for i in range(17, 30)])
        ledger.transparency_log.integrate()
        assert [size for size, _, _ in ledger.store.select_checkpoints()] == SIZES
        assert audit(ledger).ok
    finally:
        ledger.close()


def start_cli_audit(data_dir: Path) -> subprocess.Popen[str]:
    return start_cli(data_dir, "audit", passphrase=PASSPHRASE, json_out=True)


def run_cli_audit(data_dir: Path) -> tuple[int, dict[str, Any]]:
    result = run_cli(data_dir, "audit", passphrase=PASSPHRASE, json_out=True, timeout=60)
    return result.code, result.json() if result.out.strip() else {"stderr": result.err}


def audit_of(data_dir: Path) -> AuditReport:
    ledger = open_ledger(data_dir, PASSPHRASE)
    try:
        return audit(ledger)
    finally:
        ledger.close()


def flip_byte(value: bytes, at: int = 0) -> bytes:
    return value[:at] + bytes([value[at] ^ 0x20]) + value[at + 1:]


def flip_char(note: str, line: int) -> str:
    """Change one character (one byte) in a line of a note, keeping it base64/ASCII."""
    lines = note.split("\n")
    target = lines[line]
    position = len(target) - 5
    lines[line] = target[:position] + ("A" if target[position] != "A" else "B") + target[position + 1:]
    return "\n".join(lines)


# Each tamper: (SQL against a connection, params from the current rows) -> what the finding says.
Query = Callable[[str, list[Any]], list[Any]]
Execute = Callable[[str, list[Any]], int]


def tamper_node_hash(query: Query, execute: Execute) -> str:
    (value,) = query("SELECT hash FROM {nodes} WHERE level = 2 AND idx = 3", [])[0]
    assert execute("UPDATE {nodes} SET hash = ? WHERE level = 2 AND idx = 3", [flip_byte(bytes(value), 17)]) == 1
    return "stored log node (2, 3) differs"


def tamper_leaf_hash(query: Query, execute: Execute) -> str:
    (value,) = query("SELECT hash FROM {nodes} WHERE level = 0 AND idx = 30", [])[0]
    assert execute("UPDATE {nodes} SET hash = ? WHERE level = 0 AND idx = 30", [flip_byte(bytes(value))]) == 1
    return "stored log node (0, 30) differs"


def tamper_note_signature(query: Query, execute: Execute) -> str:
    (note,) = query("SELECT note FROM {checkpoints} WHERE size = 8", [])[0]
    tampered = flip_char(note, -2)  # the signature line
    assert execute("UPDATE {checkpoints} SET note = ? WHERE size = 8", [tampered]) == 1
    return "checkpoint of size 8 does not verify"


def tamper_note_root(query: Query, execute: Execute) -> str:
    (note,) = query("SELECT note FROM {checkpoints} WHERE size = 21", [])[0]
    assert execute("UPDATE {checkpoints} SET note = ? WHERE size = 21", [flip_char(note, 2)]) == 1
    return "checkpoint of size 21 does not verify"


def tamper_root(query: Query, execute: Execute) -> str:
    (root,) = query("SELECT root FROM {checkpoints} WHERE size = 21", [])[0]
    assert execute("UPDATE {checkpoints} SET root = ? WHERE size = 21", [flip_byte(bytes(root), 31)]) == 1
    return "checkpoint of size 21 differs from its stored root"


def delete_checkpoint_node(query: Query, execute: Execute) -> str:
    level, index = compact_range.root_path(21)[1]  # (2, 4): part of the size-21 head
    assert execute("DELETE FROM {nodes} WHERE level = ? AND idx = ?", [level, index]) == 1
    return f"stored log node ({level}, {index}) differs"


def delete_last_leaf(query: Query, execute: Execute) -> str:
    assert execute("DELETE FROM {nodes} WHERE level = 0 AND idx = 36", []) == 1
    return "checkpoint of size 37 covers leaves the log does not store"


def add_unsigned_leaf(query: Query, execute: Execute) -> str:
    assert execute("INSERT INTO {nodes} (level, idx, hash) VALUES (0, 37, ?)", [b"\x07" * 32]) == 1
    return "nodes beyond its latest checkpoint"


def tamper_journal_leaf(query: Query, execute: Execute) -> str:
    (leaf,) = query("SELECT leaf FROM {journal} WHERE position = 5", [])[0]
    leaf = bytes(leaf)
    at = leaf.index(b'"type"') + 9
    assert execute("UPDATE {journal} SET leaf = ? WHERE position = 5", [flip_byte(leaf, at)]) == 1
    return "log entry 5 does not match the event"


TAMPERS = [tamper_node_hash, tamper_leaf_hash, tamper_note_signature, tamper_note_root, tamper_root,
           delete_checkpoint_node, delete_last_leaf, add_unsigned_leaf, tamper_journal_leaf]


def _tables(statement: str, prefix: str = "") -> str:
    return statement.format(nodes=prefix + "log_nodes", checkpoints=prefix + "log_checkpoints",
                            journal=prefix + "ledger_journal")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite instance built for the module; each test tampers with its own copy."""
    data_dir = tmp_path_factory.mktemp("tamper-template") / "instance"
    build(data_dir)
    return data_dir


def tampered_copy(template: Path, target: Path, tamper: Callable[[Query, Execute], str]) -> str:
    shutil.copytree(template, target)
    conn = sqlite3.connect(target / "ledger.sqlite")
    try:
        def query(sql: str, params: list[Any]) -> list[Any]:
            return conn.execute(_tables(sql), params).fetchall()

        def execute(sql: str, params: list[Any]) -> int:
            with conn:
                return conn.execute(_tables(sql), params).rowcount

        return tamper(query, execute)
    finally:
        conn.close()


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda t: t.__name__)
def test_sqlite_log_tampering_is_caught(template: Path, tmp_path: Path,
                                        tamper: Callable[[Query, Execute], str]) -> None:
    expected = tampered_copy(template, tmp_path / "instance", tamper)
    report = audit_of(tmp_path / "instance")
    assert not report.ok
    assert expected in report.finding.problem
    if tamper is not tamper_journal_leaf:
        assert report.finding.stream == "log"


def test_cli_audit_exits_1_for_every_tamper(template: Path, tmp_path: Path) -> None:
    expected = {}
    for tamper in TAMPERS:
        expected[tamper.__name__] = tampered_copy(template, tmp_path / tamper.__name__, tamper)
    # The console scripts run side by side: each is a second of interpreter start-up.
    running = {name: start_cli_audit(tmp_path / name) for name in expected}
    for name, process in running.items():
        answer = finish_cli(process, passphrase=PASSPHRASE, expect=1, timeout=60).json()  # no passphrase shown
        assert answer["ok"] is False and expected[name] in answer["finding"]["problem"], name


def test_untampered_instance_audits_clean_through_the_cli(template: Path) -> None:
    code, answer = run_cli_audit(template)
    assert code == 0, answer
    assert answer["ok"] is True and answer["log_size"] == SIZES[-1] and answer["checkpoints"] == len(SIZES)


@pytest.mark.postgres
@pytest.mark.parametrize(("tamper", "with_cli"), [(tamper_node_hash, True), (tamper_root, False),
                                                  (delete_last_leaf, True), (tamper_journal_leaf, False)],
                         ids=lambda t: getattr(t, "__name__", str(t)))
def test_postgres_log_tampering_is_caught(tmp_path: Path, postgres_url: str,
                                          tamper: Callable[[Query, Execute], str], with_cli: bool) -> None:
    data_dir = tmp_path / "instance"
    build(data_dir, postgres_url)
    server, _, schema_param = postgres_url.partition("?")
    prefix = f'"{schema_param.removeprefix("schema=")}".'
    with psycopg.connect(server, autocommit=True) as conn:
        def query(sql: str, params: list[Any]) -> list[Any]:
            return conn.execute(_tables(sql, prefix).replace("?", "%s"), params).fetchall()

        def execute(sql: str, params: list[Any]) -> int:
            return conn.execute(_tables(sql, prefix).replace("?", "%s"), params).rowcount

        expected = tamper(query, execute)

    report = audit_of(data_dir)
    assert not report.ok and expected in report.finding.problem
    if with_cli:
        code, answer = run_cli_audit(data_dir)
        assert code == 1, answer
        assert expected in answer["finding"]["problem"]
