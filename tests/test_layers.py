"""The dependency direction cannot rot: web → ledger → keys → verifiers, nothing imports upward,
and the web sees the ledger only as plain values (ledger.values), never its aggregates.

The contracts are import-linter's, in pyproject.toml ([tool.importlinter]); this test runs them.
verifiers imports nothing of ours (its own purity test checks stdlib + cryptography only).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold() -> None:
    done = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--config", str(ROOT / "pyproject.toml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize("statement", [
    "SELECT * FROM rm_awards",
    "SELECT sealed FROM {vault}",
    "SELECT 1 FROM {t:web_users} JOIN ledger_journal ON 1 = 1",
    "DELETE FROM {t:rm_awards}",
])
def test_the_webs_sql_reaches_only_the_webs_own_tables(statement: str) -> None:
    """web writes no SQL against the ledger's tables: it asks ledger and ledger.readmodels."""
    from web.db import WebTables

    with pytest.raises(ValueError, match="names only the web's own tables"):
        WebTables(None).query(statement)  # type: ignore[arg-type]  (refused before any connection is used)
