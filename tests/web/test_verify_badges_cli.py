"""`credledger verify FILE` for Open Badges 3.0 and CLR 2.0 files, and `credledger issuer did-document`.

An employer's two ways: fully offline with the issuer's DID document and status list saved as files,
or `--fetch`, which resolves did:web and fetches the status lists from the real web application,
served over real HTTP from a thread (the instance's did:web domain is that server's address; http
because it is a loopback host). People and schools are fictional.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from ledger.application import IssueRequest, Ledger
from ledger.instance import init_instance
from ledger.readmodels import Projections
from ledger.vc.clr import clr_credential
from ledger.vc.openbadge import open_badge
from ledger.vc.statuslist import refresh_status_lists
from tests.support import CliResult, invoke_cli
from web import create_app
from web.db import create_web_tables

PASSPHRASE = "verify-badges-passphrase"


@dataclass
class World:
    ledger: Ledger
    data: Path
    url: str
    tmp: Path
    student: str
    kept: str  # an award that stays active
    later: str  # an award revoked by a test
    badge: Path  # `kept` as an OpenBadgeCredential
    later_badge: Path
    clr: Path  # both, as a ClrCredential


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    holder: dict[str, Any] = {}
    httpd = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start))
    url = f"http://127.0.0.1:{httpd.server_port}"
    ledger = init_instance(tmp_path / "instance", PASSPHRASE, scrypt_n=2**10, domain=f"127.0.0.1:{httpd.server_port}")
    create_web_tables(ledger.store)
    ledger.register_issuer("larkspur", "Larkspur Area Career Center", "cte_center")
    ledger.define_credential("servsafe-manager", {"name": "ServSafe Manager", "certifyingBody": "National Restaurant "
                             "Association", "credentialType": "certification", "validityMonths": 60,
                             "careerField": "Hospitality"})
    student = ledger.register_student("larkspur", {"name": "Odalys Brennock", "birth_date": "2009-02-11",
                                                   "local_id": "LK-2207"})
    kept, later = ledger.issue([
        IssueRequest("larkspur", student, "servsafe-manager", date(2026, 5, 2), {"certificate": "SSM-1180"}),
        IssueRequest("larkspur", student, "servsafe-manager", date(2026, 5, 3), {"certificate": "SSM-1181"}),
    ])
    holder["app"] = create_app({"LEDGER": ledger, "TESTING": True})
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    files = {}
    for name, document in [("badge", open_badge(ledger, kept)), ("later", open_badge(ledger, later)),
                           ("clr", clr_credential(ledger, student))]:
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(document))
    yield World(ledger, tmp_path / "instance", url, tmp_path, student, kept, later, files["badge"], files["later"],
                files["clr"])
    httpd.shutdown()
    thread.join(timeout=5)
    ledger.close()


def verify(*args: str | Path) -> CliResult:
    """`credledger verify ARGS`: no instance, no passphrase (what an employer has)."""
    return invoke_cli(None, "verify", *map(str, args), passphrase=None)


def revoke_and_publish(world: World) -> None:
    world.ledger.revoke(world.later, "issued_in_error", "Entered twice.")
    projections = Projections.of(world.ledger)
    projections.catch_up()
    assert refresh_status_lists(world.ledger, projections)  # the worker's duty, seconds after a revocation


def test_fetch_resolves_did_web_and_reads_the_status_list(world: World) -> None:
    done = verify(world.badge, "--fetch")
    assert done.code == 0, done.err
    assert "✓ ServSafe Manager — Larkspur Area Career Center: genuine and current" in done.out
    assert "1 of 1 credential(s) verified." in done.out
    data = json.loads(verify(world.badge, "--fetch", "--json").out)
    assert data["kind"] == "open_badge" and data["verified"] is True and data["status"] == "active"
    assert [s["ok"] for s in data["steps"]] == [True, True, True, True]


def test_a_revocation_after_export_is_seen_through_the_published_list(world: World) -> None:
    assert verify(world.later_badge, "--fetch").code == 0
    revoke_and_publish(world)
    done = verify(world.later_badge, "--fetch")
    assert done.code == 1
    assert "ServSafe Manager — Larkspur Area Career Center: revoked" in done.out
    assert json.loads(verify(world.later_badge, "--fetch", "--json").out)["status"] == "revoked"


def test_a_clr_checks_its_own_proof_and_every_badge(world: World) -> None:
    done = verify(world.clr, "--fetch")
    assert done.code == 0, done.err
    assert done.out.startswith("CLR 2.0 transcript")
    assert "2 of 2 credential(s) verified." in done.out
    revoke_and_publish(world)
    data = json.loads(verify(world.clr, "--fetch", "--json").out)
    assert data["verified"] is False
    assert sorted(c["status"] for c in data["credentials"]) == ["active", "revoked"]


def test_fully_offline_with_saved_files(world: World) -> None:
    did = world.tmp / "did.json"
    shown = invoke_cli(world.data, "issuer", "did-document", "larkspur", "--out", str(did), passphrase=PASSPHRASE)
    assert shown.code == 0 and "Wrote the DID document of did:web:127.0.0.1%3A" in shown.out
    assert json.loads(did.read_text())["id"] == world.ledger.issuer("larkspur").did
    printed = invoke_cli(world.data, "issuer", "did-document", "larkspur", passphrase=PASSPHRASE)
    assert json.loads(printed.out) == json.loads(did.read_text())

    # The DID document alone: genuine, status not asked for (exit 0, the status step says not checked).
    done = verify(world.badge, "--did-document", did, "--json")
    assert done.code == 0
    status = [s for s in json.loads(done.out)["steps"] if s["step"] == "status"][0]
    assert status["ok"] is None

    # With the saved status list too: checked. A list given but not the badge's: asked, not checked → 6.
    entry = json.loads(world.badge.read_text())["credentialStatus"]
    status_list = world.tmp / "list.json"
    status_list.write_text(json.dumps(_get(world, entry["statusListCredential"])))
    assert verify(world.badge, "--did-document", did, "--status-list", status_list).code == 0
    other = json.loads(status_list.read_text()) | {"id": world.url + "/issuers/larkspur/status/999"}
    (world.tmp / "other.json").write_text(json.dumps(other))
    done = verify(world.badge, "--did-document", did, "--status-list", world.tmp / "other.json")
    assert done.code == 6
    assert "Current status not checked for 1 credential(s)" in done.out


def test_a_changed_badge_or_a_foreign_key_is_not_genuine(world: World) -> None:
    badge = json.loads(world.badge.read_text())
    altered = world.tmp / "altered.json"
    altered.write_text(json.dumps(badge | {"name": "ServSafe Manager (altered)"}))
    done = verify(altered, "--fetch", "--json")
    assert done.code == 1
    steps = {s["step"]: s for s in json.loads(done.out)["steps"]}
    assert steps["signature"]["ok"] is False
    # A DID document that does not list the badge's key: the signature step fails, naming the key.
    foreign = {"@context": ["https://www.w3.org/ns/did/v1"], "id": world.ledger.issuer("larkspur").did,
               "verificationMethod": [], "assertionMethod": []}
    (world.tmp / "foreign.json").write_text(json.dumps(foreign))
    done = verify(world.badge, "--did-document", world.tmp / "foreign.json", "--json")
    assert done.code == 1
    assert [s["ok"] for s in json.loads(done.out)["steps"] if s["step"] == "signature"] == [False]


@pytest.mark.parametrize(("extra", "error"), [
    (["--log-key", "x"], "--log-key is for transcript bundles; this file is an Open Badges 3.0 credential"),
    (["--online", "http://127.0.0.1:9"], "--online is for transcript bundles"),
    (["--did-document", "missing.json"], "cannot read: --did-document missing.json"),
    (["--today", "2026-13-01"], "--today: expected YYYY-MM-DD, got '2026-13-01'"),
])
def test_bad_input_exits_2_naming_the_option(world: World, extra: list[str], error: str) -> None:
    done = verify(world.badge, *extra)
    assert done.code == 2
    assert error in done.err


def test_bundle_options_and_badge_options_stay_apart(world: World) -> None:
    bundle = world.tmp / "bundle.json"
    bundle.write_text(json.dumps({"format": "credledger-transcript"}))
    done = verify(bundle, "--fetch")
    assert done.code == 2 and "--fetch is for Open Badges 3.0 and CLR files; this is not one" in done.err
    done = verify(bundle)
    assert done.code == 2 and "--log-key is required to verify a transcript bundle" in done.err


def test_an_unreachable_issuer_exits_5(world: World) -> None:
    badge = json.loads(world.badge.read_text())
    elsewhere = badge | {"issuer": badge["issuer"] | {"id": "did:web:127.0.0.1%3A9:issuers:larkspur"}}
    path = world.tmp / "elsewhere.json"
    path.write_text(json.dumps(elsewhere))
    done = verify(path, "--fetch")
    assert done.code == 5
    assert "cannot fetch the DID document at http://127.0.0.1:9/issuers/larkspur/did.json" in done.err


def _get(world: World, url: str) -> Any:
    import urllib.request

    assert url.startswith(f"https://127.0.0.1:{world.url.rsplit(':', 1)[1]}/")
    with urllib.request.urlopen(url.replace("https://", "http://", 1), timeout=10) as response:
        return json.loads(response.read())
