"""The dependency direction cannot rot: web → ledger → verifiers, web → keys → verifiers.

Nothing imports web; ledger reaches keys only for the signer port and the key
store; keys never imports ledger; verifiers imports nothing of ours (its own
purity test checks stdlib + cryptography only). credledger_tools (demo data,
benchmarks, the load test) stands beside them all: it may import any of them,
and nothing of the core imports it, except the CLI's `demo` and `bench`
commands, lazily (inside the command), so the service never loads it.
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
    "credledger_tools": {"credledger_tools", "web", "ledger", "keys", "verifiers"},
}
# Modules that may import credledger_tools inside a function (never at module level).
LAZY_TOOLS = {"web/cli/bench.py", "web/cli/instance.py"}


def imported_packages(path: Path, *, module_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text())
    nodes = tree.body if module_level_only else ast.walk(tree)
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(ALLOWED)


def offending_imports(path: Path, package: str) -> set[str]:
    if str(path.relative_to(ROOT)) in LAZY_TOOLS:
        return (imported_packages(path) - ALLOWED[package] - {"credledger_tools"}) | (
            imported_packages(path, module_level_only=True) - ALLOWED[package])
    return imported_packages(path) - ALLOWED[package]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_its_layer_may(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(offending_imports(path, package))
        for path in (ROOT / package).rglob("*.py")
        if offending_imports(path, package)
    }
    assert offenders == {}


def test_only_the_cli_commands_load_the_tools() -> None:
    importers = {
        str(path.relative_to(ROOT))
        for package in ALLOWED.keys() - {"credledger_tools"}
        for path in (ROOT / package).rglob("*.py")
        if "credledger_tools" in imported_packages(path)
    }
    assert importers == LAZY_TOOLS
