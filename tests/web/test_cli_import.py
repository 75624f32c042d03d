"""`credledger import`: every row checked, nothing stored unless all are good, then all in one go."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from credledger_tools.demo.district import load_demo
from ledger.instance import init_instance, open_ledger
from web.db import create_web_tables

CLI = [sys.executable, "-c", "from web.cli import main; main()"]


def run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"CREDLEDGER_DATA": str(data), "CREDLEDGER_PASSPHRASE": "pw"}
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)


def test_import_checks_every_row_and_stores_all_or_nothing(tmp_path: Path) -> None:
    data = tmp_path / "instance"
    ledger = init_instance(data, "pw", scrypt_n=2**10)
    create_web_tables(ledger.store)
    summary = load_demo(ledger, students=5)
    student = summary["sample_student"]
    journal = ledger.store.journal_size()
    ledger.close()
    good = tmp_path / "good.csv"
    good.write_text(f"student,credential,earned,certificate\n{student},emt,2026-04-02,NREMT-1\n"
                    f"{student},epa-608,2026-05-02,EPA-2\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text() + f"{student},not-in-catalog,2026-05-02,X\n")

    refused = run(data, "import", str(bad), "--issuer", "riverbend", "--commit")
    assert refused.returncode == 2
    assert "line 4: credential: 'not-in-catalog' is not in the catalog" in refused.stderr
    checked = run(data, "import", str(good), "--issuer", "riverbend")
    assert checked.returncode == 0 and "Run again with --commit" in checked.stdout
    stored = run(data, "--json", "import", str(good), "--issuer", "riverbend", "--commit")
    assert stored.returncode == 0, stored.stderr
    assert len(json.loads(stored.stdout)["awards"]) == 2

    reopened = open_ledger(data, "pw")
    assert reopened.store.journal_size() == journal + 2  # nothing from the refused run
    reopened.close()
