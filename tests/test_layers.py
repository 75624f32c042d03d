"""The dependency direction cannot rot: web → ledger → keys → verifiers, nothing imports upward,
and the web sees the ledger only as plain values (ledger.values), never its aggregates.
credledger_tools (demo data, benchmarks, the load test) stands above them all: it may import any of
them, and nothing of the core imports it, except the CLI's `demo` and `bench` commands, lazily (inside
the command), so the service never loads it.

The contracts are import-linter's, in pyproject.toml ([tool.importlinter]); this test runs them.
verifiers imports nothing of ours (its own purity test checks stdlib + cryptography only). And what
an employer, an auditor or a witness runs alone loads nothing of the ledger: checked in a fresh
interpreter, by what it actually imported.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The modules import-linter lets import credledger_tools (pyproject's ignore_imports): inside a function only.
LAZY_TOOLS = {"web/cli/bench.py", "web/cli/instance.py"}


def test_the_import_contracts_hold() -> None:
    done = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--config", str(ROOT / "pyproject.toml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def _module_level_packages(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", sorted(LAZY_TOOLS))
def test_the_cli_loads_the_tools_only_inside_its_commands(module: str) -> None:
    assert "credledger_tools" not in _module_level_packages(ROOT / module)


@pytest.mark.parametrize("statement", [
    "SELECT * FROM rm_awards",
    "SELECT sealed FROM {vault}",
    "SELECT 1 FROM {t:web_users} JOIN ledger_journal ON 1 = 1",
    "DELETE FROM {t:rm_awards}",
    "SELECT 1 FROM {t:web_users} JOIN STORED_EVENTS ON 1 = 1",
    "SELECT 1 FROM {t:web_users} JOIN Rm_Awards ON 1 = 1",
    "SELECT 1 FROM {web_users}",
])
def test_the_webs_sql_reaches_only_the_webs_own_tables(statement: str) -> None:
    """web writes no SQL against the ledger's tables: it asks ledger and ledger.readmodels."""
    from web.db import WebTables

    with pytest.raises(ValueError, match="names only the web's own tables"):
        WebTables(None).query(statement)  # type: ignore[arg-type]  (refused before any connection is used)


VERIFIERS = sorted(".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                   for path in (ROOT / "verifiers").rglob("*.py"))
ALONE = {
    "every verifiers module": VERIFIERS,
    "the bundle verifier": ["verifiers.bundle"],
    "the monitor": ["web.monitor"],
}


def loaded_by(modules: list[str]) -> list[str]:
    """The modules a fresh interpreter holds after importing ``modules`` from this checkout."""
    code = ("import importlib, json, sys\n"
            "for name in sys.argv[1:]:\n    importlib.import_module(name)\n"
            "print(json.dumps(sorted(sys.modules)))")
    run = subprocess.run([sys.executable, "-c", code, *modules], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=60)
    return list(json.loads(run.stdout))


@pytest.mark.parametrize("what", sorted(ALONE))
def test_what_runs_alone_loads_nothing_of_the_ledger(what: str) -> None:
    loaded = loaded_by(ALONE[what])
    assert set(ALONE[what]) <= set(loaded)
    ours = {name.partition(".")[0] for name in loaded} & {"ledger", "keys", "eventsourcing", "flask"}
    assert ours == set(), f"{what} loads {sorted(ours)}"

