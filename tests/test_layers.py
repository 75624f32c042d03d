"""The dependency direction cannot rot: web → ledger → verifiers, web → keys → verifiers.

Nothing imports web; ledger reaches keys only for the signer port and the key
store; keys never imports ledger; verifiers imports nothing of ours (its own
purity test checks stdlib + cryptography only). And what an employer, an auditor
or a witness runs alone loads nothing of the ledger: checked in a fresh
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
ALLOWED = {
    "verifiers": {"verifiers"},
    "keys": {"keys", "verifiers"},
    "ledger": {"ledger", "keys", "verifiers"},
    "web": {"web", "ledger", "keys", "verifiers"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_its_layer_may(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) - ALLOWED[package])
        for path in (ROOT / package).rglob("*.py")
        if imported_packages(path) - ALLOWED[package]
    }
    assert offenders == {}


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

