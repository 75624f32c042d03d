"""The README's walkthrough runs as written, so it cannot go stale."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_blocks() -> list[str]:
    text = README.read_text()
    return re.findall(r"<!-- readme-test -->\n```sh\n(.*?)```", text, flags=re.S)


def test_readme_has_a_tested_walkthrough() -> None:
    assert readme_blocks(), "README.md lost its <!-- readme-test --> block"
    for command in ("make run", "make test"):
        assert command in README.read_text()


def test_readme_walkthrough_runs(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDLEDGER_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    for block in readme_blocks():
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert "Registered Lakeview School District" in out
        assert "OK:" in out and "events verified" in out
        assert "proof:" in out
        assert "✓ witnessed: the bundle's checkpoint" in out  # the walkthrough's own witness cosigned it
        # The student's name went to the vault, never to output or the ledger's events.
        assert "Rowan Tally" not in out
        assert b"Rowan Tally" not in (tmp_path / "walkthrough" / "ledger.sqlite").read_bytes()
        _the_exports_verify(tmp_path)


def _the_exports_verify(folder: Path) -> None:
    """The walkthrough's CLR and badges verify against the institutions' DID documents, as the site
    serves them (the issuer of each is an institution of the walkthrough's instance)."""
    import json

    from ledger.instance import open_ledger
    from verifiers.clr import verify_clr
    from verifiers.didweb import did_document

    ledger = open_ledger(folder / "walkthrough", "walkthrough-passphrase")
    try:
        documents = {i.did: did_document(i.did, i.keys.values(), ledger.clock()) for i in ledger.issuers()}
        clr = json.loads((folder / "transcript.clr.json").read_text())
        result = verify_clr(clr, documents, ledger.clock())
        assert result.ok and len(result.credentials) >= 1, (result.steps, result.credentials)
        assert len(list((folder / "badges").glob("*.json"))) == len(result.credentials)
    finally:
        ledger.close()
