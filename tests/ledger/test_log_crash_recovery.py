"""Crash safety of the log on SQLite: a real process killed with SIGKILL mid-work.

A child process issues batches of events and integrates the log in small
steps, so a kill lands inside an event save, inside an integration or between
the two. After each kill the instance is reopened and integrated, and the log
must equal the journal exactly: no leaf skipped or duplicated, the same tree
as a naive recomputation from every stored event, and a clean audit.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from ledger.application import Ledger
from ledger.audit import audit
from ledger.instance import init_instance, open_ledger
from verifiers.checkpoint import verify_checkpoint
from verifiers.merkle import hash_leaf, verify_consistency
from tests.support import naive_root
from verifiers.note import Verifier

PASSPHRASE = "crash-test-passphrase"
ROOT = Path(__file__).resolve().parents[2]
KILLS = 5

CHILD = r"""
import sys
from datetime import date
from pathlib import Path

from ledger.application import IssueRequest
from ledger.instance import open_ledger

data_dir, passphrase, student, seed = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ledger = open_ledger(data_dir, passphrase)
print("ready", flush=True)
round_ = 0
while True:
    count = 1 + round_ % 23
    ledger.issue([
        IssueRequest("oak-valley", student, "epa-608", date(2026, 2, 2), {"certificate": f"EPA-{seed}-{round_}-{i}"})
        for i in range(count)
    ])
    # Integrate in small steps, so that many kills land inside an integration.
    while ledger.transparency_log.integrate(limit=3) < ledger.store.journal_size():
        pass
    round_ += 1
"""


def check_log_equals_journal(ledger: Ledger, note: str) -> int:
    store = ledger.store
    size = ledger.transparency_log.integrate()  # picks up whatever the killed process left
    report = audit(ledger)
    assert report.ok, (note, report.finding)
    events = store.journal_size()
    assert events == ledger.recorder.max_notification_id(), note  # every stored event has its journal row
    assert size == events == ledger.transparency_log.size() == report.log_size, note

    journal = store.select_journal(0, events + 10)
    assert [row.position for row in journal] == list(range(events)), note
    assert [row.notification_id for row in journal] == list(range(1, events + 1)), note
    # Leaf i is journal position i: nothing skipped, nothing duplicated.
    assert store.select_level(0, 0, events + 10) == [hash_leaf(row.leaf) for row in journal], note
    leaves = [row.leaf for row in journal]
    verifier = Verifier.from_key_string(ledger.transparency_log.verifier_key)
    kept = store.select_checkpoints()
    assert kept[-1][0] == events
    assert verify_checkpoint(ledger.transparency_log.checkpoint(), verifier).root_hash == naive_root(leaves) == kept[-1][1]
    for (size1, root1, note1), (size2, root2, _) in zip(kept, kept[1:]):
        assert size1 < size2
        assert verify_checkpoint(note1, verifier).root_hash == root1
        verify_consistency(size1, size2, ledger.transparency_log.consistency_proof(size1, size2), root1, root2)
    return events


def test_killed_writer_leaves_log_and_journal_in_agreement(tmp_path: Path) -> None:
    data_dir = tmp_path / "instance"
    ledger = init_instance(data_dir, PASSPHRASE, scrypt_n=2**10)
    ledger.register_issuer("oak-valley", "Oak Valley Test Technical School", "school")
    ledger.define_credential("epa-608", {"name": "EPA Section 608", "certifyingBody": "U.S. EPA",
                                         "credentialType": "certification", "validityMonths": None,
                                         "careerField": "Construction"})
    student = ledger.register_student(
        "oak-valley", {"name": "Sam Madeup", "birth_date": "2007-01-19", "local_id": "OV-4004"})
    ledger.transparency_log.integrate()
    ledger.close()
    script = tmp_path / "writer.py"
    script.write_text(CHILD)

    rng = random.Random(20260901)
    delays = [rng.uniform(0.02, 0.4) for _ in range(KILLS)]
    events = 3
    for attempt, delay in enumerate(delays):
        child = subprocess.Popen(
            [sys.executable, str(script), str(data_dir), PASSPHRASE, student, str(attempt)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line == "ready\n", (line, child.stderr.read() if child.poll() is not None else "")
            time.sleep(delay)
            assert child.poll() is None, child.stderr.read()  # still working when killed
            os.kill(child.pid, signal.SIGKILL)
            assert child.wait(timeout=10) == -signal.SIGKILL
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            for stream in (child.stdout, child.stderr):
                if stream is not None:
                    stream.close()
        reopened = open_ledger(data_dir, PASSPHRASE)
        try:
            now = check_log_equals_journal(reopened, f"kill {attempt} after {delay:.3f}s")
        finally:
            reopened.close()
        assert now >= events
        events = now
    assert events > 3, "the writer never stored anything before being killed"


def test_events_stored_by_a_killed_process_are_integrated_on_restart(tmp_path: Path) -> None:
    """The deterministic corner: the process dies right after saving, before any integration."""
    data_dir = tmp_path / "instance"
    ledger = init_instance(data_dir, PASSPHRASE, scrypt_n=2**10)
    ledger.register_issuer("oak-valley", "Oak Valley Test Technical School", "school")
    ledger.transparency_log.integrate()
    ledger.close()
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from ledger.instance import open_ledger\n"
        "ledger = open_ledger(Path(sys.argv[1]), sys.argv[2])\n"
        "ledger.define_credential('epa-608', {'name': 'EPA Section 608', 'certifyingBody': 'U.S. EPA',"
        " 'credentialType': 'certification', 'validityMonths': None, 'careerField': None})\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(data_dir), PASSPHRASE], cwd=ROOT,
                            capture_output=True, timeout=60)
    assert result.returncode == -signal.SIGKILL, result.stderr
    reopened = open_ledger(data_dir, PASSPHRASE)
    try:
        assert reopened.store.journal_size() == 2 and reopened.transparency_log.size() == 1
        assert check_log_equals_journal(reopened, "killed after saving, before integrating") == 2
    finally:
        reopened.close()
