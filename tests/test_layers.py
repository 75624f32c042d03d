"""The dependency direction cannot rot: web → ledger → verifiers, web → keys → verifiers.

Nothing imports web; ledger reaches keys only for the signer port and the key
store; keys never imports ledger; verifiers imports nothing of ours (its own
purity test checks stdlib + cryptography only).
"""

from __future__ import annotations

import ast
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
