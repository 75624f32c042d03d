"""``verifiers`` stays pure: stdlib and ``cryptography``; no I/O, clock, environment, randomness.

One exception, by decision (verifiers/rdfc.py): ``verifiers.rdfc`` uses PyLD for JSON-LD and
RDFC-1.0, always with the bundled document loader, so PyLD's own (which could fetch) never runs.

Read from the source with ``ast`` so that an import hidden in a function body
counts too, and so the check does not depend on what happens to be installed.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "verifiers"
MODULES = sorted(PACKAGE.rglob("*.py"))

ALLOWED = {"__future__", "verifiers", "cryptography"}
ALLOWED_IN = {"rdfc.py": {"pyld", "cachetools"}}  # the one module that may import PyLD (and its cache)
# Standard library modules that would bring I/O, the clock, the environment or
# randomness into the pure core; those belong to the callers.
FORBIDDEN_STDLIB = {
    "asyncio", "glob", "http", "io", "logging", "os", "pathlib", "random", "secrets",
    "shutil", "socket", "sqlite3", "subprocess", "sys", "tempfile", "threading", "time",
    "urllib",
}  # fmt: skip
FORBIDDEN_CALLS = {
    "open",
    "input",
    "print",
    "now",
    "utcnow",
    "today",
    "getenv",
    "urandom",
    "uuid1",
    "uuid4",
}


def _violations(source: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        for module in modules:
            top = module.partition(".")[0]
            if top in ALLOWED or top in allowed:
                continue
            if top not in sys.stdlib_module_names:
                found.append(f"imports {module}, outside stdlib and cryptography")
            elif top in FORBIDDEN_STDLIB:
                found.append(f"imports {module}: I/O, clock, environment or randomness")
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            if name in FORBIDDEN_CALLS:
                found.append(f"calls {name}()")
    return found


@pytest.mark.parametrize(
    "source",
    [
        "import rfc8785",
        "from nacl.signing import VerifyKey",
        "from ledger.events import Event",
        "def f():\n    import keys.store",
        "import web",
        "import os",
        "from time import time",
        "from datetime import datetime\nx = datetime.now()",
        "x = open('f')",
    ],
)
def test_the_checker_catches(source: str) -> None:
    assert _violations(source)


def test_the_checker_allows() -> None:
    source = (
        "from __future__ import annotations\nimport hashlib, json, re\n"
        "from cryptography.exceptions import InvalidSignature\n"
        "from verifiers.errors import MalformedError\n"
        "from . import jcs\nfrom datetime import datetime, timezone\n"
    )
    assert _violations(source) == []


def test_the_package_has_modules() -> None:
    assert PACKAGE / "__init__.py" in MODULES
    assert len(MODULES) > 5


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_module_is_pure(path: Path) -> None:
    assert _violations(path.read_text(encoding="utf-8"), frozenset(ALLOWED_IN.get(path.name, ()))) == []


def test_pyld_only_in_rdfc() -> None:
    assert _violations("from pyld import jsonld") == ["imports pyld, outside stdlib and cryptography"]
