"""`credledger import`: every row checked, nothing stored unless all are good, then all in one go."""

from __future__ import annotations

from pathlib import Path

from ledger.instance import open_ledger
from tests.support import CliResult, make_demo_world, run_cli

PASSPHRASE = "import-test-passphrase"


def run(data: Path, *args: str) -> CliResult:
    return run_cli(None, *args, passphrase=PASSPHRASE, env={"CREDLEDGER_DATA": str(data)})


def test_import_checks_every_row_and_stores_all_or_nothing(tmp_path: Path) -> None:
    data = tmp_path / "instance"
    world = make_demo_world(data, students=5, passphrase=PASSPHRASE)
    student = world.demo["sample_student"]
    journal = world.ledger.store.journal_size()
    world.ledger.close()
    good = tmp_path / "good.csv"
    good.write_text(f"student,credential,earned,certificate\n{student},emt,2026-04-02,NREMT-1\n"
                    f"{student},epa-608,2026-05-02,EPA-2\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text() + f"{student},not-in-catalog,2026-05-02,X\n")

    refused = run(data, "import", str(bad), "--issuer", "riverbend", "--commit")
    assert refused.code == 2
    assert "line 4: credential: 'not-in-catalog' is not in the catalog" in refused.err
    checked = run(data, "import", str(good), "--issuer", "riverbend")
    assert checked.code == 0 and "Run again with --commit" in checked.out
    stored = run(data, "--json", "import", str(good), "--issuer", "riverbend", "--commit")
    assert stored.code == 0, stored.err
    assert len(stored.json()["awards"]) == 2

    reopened = open_ledger(data, PASSPHRASE)
    assert reopened.store.journal_size() == journal + 2  # nothing from the refused run
    reopened.close()
