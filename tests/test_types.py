"""The code type-checks: mypy, configured in pyproject.toml ([tool.mypy]), finds no error in ledger, web,
keys, verifiers or credledger_tools (verifiers and keys with the strict flags)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_errors() -> None:
    done = subprocess.run([str(Path(sys.executable).with_name("mypy")), "--config-file", "pyproject.toml"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
