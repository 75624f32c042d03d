"""`credledger verify FILE --log-key KEY [--online URL] [--today D] [--json]`, and the
`online` member `credledger export` writes for it.

What an employer runs on a transcript file: no ledger, only the log's key.
Exit codes: 0 every credential verifies, 1 one does not, 2 not a bundle (or bad
input), 5 the --online server cannot be reached, 6 everything in the file verifies
but --online could not check current status (the file's link was withdrawn or
expired, or the file carries none). The online path talks to the real web
application, served over real HTTP from a thread, presenting the file's link in
a header. People and schools are fictional.
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
from ledger.export import export_bundle
from ledger.instance import init_instance
from tests.support import CliResult, Clock, invoke_cli
from tests.support import run_cli as run_installed
from web import create_app
from web.db import create_web_tables
from web.sharing import FILE, ONLINE_CHANNEL, Sharing, embed_file_link

PASSPHRASE = "verify-cli-passphrase"
TODAY = "2026-11-22"


@dataclass
class Files:
    ledger: Ledger
    clock: Clock
    key: str
    good: Path  # one active award, for offline checking only
    mixed: Path  # the active award and a revoked one
    good_award: str
    tmp: Path
    linked: Path  # the active award, with a file link for online checks (as /me/download writes it)
    student: str


UNUSED_URL = "http://127.0.0.1:9/transcripts/evidence"  # what the file names; tests pass --online themselves


def make_files(tmp: Path) -> Files:
    """A school, a student with an active and a revoked award, and two exported bundles."""
    clock = Clock()
    ledger = init_instance(tmp / "instance", PASSPHRASE, scrypt_n=2**10)
    ledger.clock = clock
    create_web_tables(ledger.store)
    ledger.register_issuer("birchfield", "Birchfield Unified School District", "district")
    ledger.define_credential("bls-provider", {"name": "BLS Provider", "certifyingBody": "American Heart Association",
                                              "credentialType": "certificate", "validityMonths": 24,
                                              "careerField": "Health"})
    student = ledger.register_student("birchfield", {"name": "Marisol Quenby", "birth_date": "2008-07-14",
                                                     "local_id": "BF-3310"})
    clock.advance(minutes=5)
    good, bad = ledger.issue([
        IssueRequest("birchfield", student, "bls-provider", date(2026, 8, 28), {"card": "BLS-44120"}),
        IssueRequest("birchfield", student, "bls-provider", date(2026, 8, 28), {"card": "BLS-44121"}),
    ])
    clock.advance(minutes=5)
    ledger.revoke(bad, "issued_in_error", "Duplicate record.")
    clock.advance(minutes=5)
    (tmp / "good.json").write_text(json.dumps(export_bundle(ledger, student, only=[good], disclose=["name"])))
    (tmp / "mixed.json").write_text(json.dumps(export_bundle(ledger, student)))
    linked = embed_file_link(Sharing(ledger.store), export_bundle(ledger, student, only=[good], disclose=["name"]),
                             UNUSED_URL, "Downloaded file", clock())
    (tmp / "linked.json").write_text(json.dumps(linked))
    return Files(ledger, clock, ledger.transparency_log.verifier_key, tmp / "good.json", tmp / "mixed.json", good, tmp,
                 tmp / "linked.json", student)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Files]:
    made = make_files(tmp_path_factory.mktemp("verify-cli"))
    yield made
    made.ledger.close()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Files]:
    """Its own ledger, for a test that writes to it."""
    made = make_files(tmp_path)
    yield made
    made.ledger.close()


def run(*args: str) -> CliResult:
    """`credledger verify ARGS`: needs no instance and no passphrase (the suite's in-process harness)."""
    return invoke_cli(None, "verify", *args, passphrase=None)


def test_a_bundle_that_verifies_exits_0_with_a_readable_table(files: Files) -> None:
    result = run(str(files.good), "--log-key", files.key, "--today", TODAY)
    assert result.code == 0, result.output
    out = result.out
    assert "✓ BLS Provider — Birchfield Unified School District" in out
    assert "✓ signature" in out and "✓ key_validity" in out and "✓ identity" in out
    assert "– consistency" in out and "not checked: offline" in out
    assert "identity: name ✓" in out
    assert "1 of 1 credential(s) verified." in out
    assert "✗" not in out


def test_a_revoked_credential_exits_1_and_says_why(files: Files) -> None:
    result = run(str(files.mixed), "--log-key", files.key, "--today", TODAY)
    assert result.code == 1
    assert "✓" in result.out and "✗" in result.out
    assert "✗ status" in result.out and "issued_in_error (Duplicate record.)" in result.out
    assert "1 of 2 credential(s) verified. NOT everything verified." in result.out


def test_json_output_reports_every_step(files: Files) -> None:
    result = run(str(files.mixed), "--log-key", files.key, "--today", TODAY, "--json")
    assert result.code == 1
    data = json.loads(result.out)
    assert data["ok"] is False and data["format"] == "credledger.transcript/v1"
    assert data["checkpoint"]["ok"] is True and data["identity"] == {}
    statuses = {c["award"]: (c["status"], c["ok"]) for c in data["credentials"]}
    assert statuses[files.good_award] == ("active", True)
    assert sorted(statuses.values()) == [("active", True), ("revoked: issued_in_error", False)]
    steps = [s["step"] for s in data["credentials"][0]["steps"]]
    assert steps == ["checkpoint", "witnessed", "log_inclusion", "hash_chain", "signature", "key_validity", "issuer_authority",
                     "status", "identity", "consistency", "current_status"]
    good = run(str(files.good), "--log-key", files.key, "--today", TODAY, "--json")
    assert good.code == 0 and json.loads(good.out)["ok"] is True


def test_the_group_json_flag_works_too(files: Files) -> None:
    result = invoke_cli(None, "verify", str(files.good), "--log-key", files.key, passphrase=None, json_out=True)
    assert result.code == 0 and json.loads(result.out)["ok"] is True


def test_a_tampered_bundle_exits_1_at_the_right_step(files: Files) -> None:
    bundle = json.loads(files.good.read_text())
    bundle["streams"][files.good_award][0]["event"]["evidence"]["card"] = "BLS-99999"
    tampered = files.tmp / "tampered.json"
    tampered.write_text(json.dumps(bundle))
    result = run(str(tampered), "--log-key", files.key, "--today", TODAY)
    assert result.code == 1
    assert "✗ signature" in result.out and "was changed after signing" in result.out


def test_another_logs_key_fails_every_credential_at_the_checkpoint(files: Files) -> None:
    other = init_instance(files.tmp / "other", PASSPHRASE, scrypt_n=2**10)
    other_key = other.transparency_log.verifier_key
    other.close()
    result = run(str(files.good), "--log-key", other_key, "--json")
    assert result.code == 1
    data = json.loads(result.out)
    assert data["checkpoint"]["ok"] is False
    assert {c["steps"][0]["ok"] for c in data["credentials"]} == {False}
    both = run(str(files.good), "--log-key", other_key, "--log-key", files.key)
    assert both.code == 0


@pytest.mark.parametrize("content", [b"not json at all", b"\xff\xfe\x00", b"[1, 2, 3]", b'{"format": "other"}',
                                     b"{}"])
def test_what_is_not_a_bundle_exits_2(files: Files, content: bytes) -> None:
    path = files.tmp / "not-a-bundle.json"
    path.write_bytes(content)
    result = run(str(path), "--log-key", files.key)
    assert result.code == 2
    assert "not a transcript bundle" in result.err


def test_bad_input_exits_2(files: Files) -> None:
    assert run(str(files.tmp / "missing.json"), "--log-key", files.key).code == 2
    assert run(str(files.good), "--log-key", "no-such-key").code == 2
    assert run(str(files.good), "--log-key", files.key, "--today", "22/11/2026").code == 2
    assert run(str(files.good)).code == 2  # --log-key is required
    assert run(str(files.good), "--log-key", files.key, "--online", "ftp://example.org").code == 2


def test_a_fault_in_verifying_exits_70_not_as_a_bad_log_key(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only parsing --log-key answers "invalid input": a ValueError from inside verification (the
    verifiers' word for misuse, so a bug of ours) is an internal error, exit 70."""
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("misuse inside verification")

    monkeypatch.setattr("verifiers.bundle.verify_bundle", broken)
    result = run(str(files.good), "--log-key", files.key)
    assert result.code == 70 and "--log-key" not in result.err


def test_an_unreachable_server_exits_5(files: Files) -> None:
    result = run(str(files.linked), "--log-key", files.key, "--online", "http://127.0.0.1:9")
    assert result.code == 5
    assert "unreachable" in result.err and "127.0.0.1:9" in result.err


@dataclass
class Server:
    url: str
    requests: list[tuple[str, dict[str, str]]]  # (path?query, HTTP_* headers) of every request, as the server saw it


@pytest.fixture
def server(fresh: Files) -> Iterator[Server]:
    """The real web application over real HTTP, in a thread, noting each request it gets."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app({"LEDGER": fresh.ledger, "TESTING": True})
    seen = Server("", [])

    def noting(environ: dict[str, Any], start_response: Any) -> Any:
        seen.requests.append((f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}",
                              {k: str(v) for k, v in environ.items() if k.startswith("HTTP_")}))
        return app(environ, start_response)

    httpd = make_server("127.0.0.1", 0, noting)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    seen.url = f"http://127.0.0.1:{httpd.server_port}"
    yield seen
    httpd.shutdown()
    thread.join(timeout=5)


def online_records(files: Files) -> list[dict[str, str]]:
    return [r for r in Sharing(files.ledger.store).disclosures(files.student) if r["channel"] == ONLINE_CHANNEL]


def test_online_a_revocation_after_export_is_detected(fresh: Files, server: Server) -> None:
    fresh.clock.advance(hours=1)
    fresh.ledger.issue([IssueRequest("birchfield", fresh.student, "bls-provider", date(2026, 8, 29),
                                     {"card": "BLS-44122"})])  # the log grows past the bundle's checkpoint
    before = run(str(fresh.linked), "--log-key", fresh.key, "--today", TODAY, "--online", server.url, "--json")
    assert before.code == 0, before.output
    steps = {s["step"]: s for s in json.loads(before.out)["credentials"][0]["steps"]}
    assert steps["consistency"]["ok"] is True and steps["current_status"]["ok"] is True
    assert json.loads(before.out)["online_unavailable"] is None

    fresh.clock.advance(days=2)
    fresh.ledger.revoke(fresh.good_award, "misconduct", "Card obtained without the course.")
    after = run(str(fresh.linked), "--log-key", fresh.key, "--today", TODAY, "--online", server.url)
    assert after.code == 1
    assert "✓ consistency" in after.out
    assert "✗ current_status" in after.out and "revoked after the export" in after.out
    assert "status revoked: misconduct" in after.out


def test_online_the_link_goes_in_a_header_and_each_check_is_a_disclosure(fresh: Files, server: Server) -> None:
    token = json.loads(fresh.linked.read_text())["online"]["link"]
    assert run(str(fresh.linked), "--log-key", fresh.key, "--online", server.url).code == 0
    assert [path.split("?")[0] for path, _ in server.requests] == ["/log/checkpoint", "/transcripts/evidence"]
    assert all(token not in path for path, _ in server.requests)  # never in a URL, so never in an access log
    assert server.requests[1][1]["HTTP_AUTHORIZATION"] == f"Bearer {token}"
    assert "HTTP_AUTHORIZATION" not in server.requests[0][1]  # the public log needs no link
    (record,) = online_records(fresh)
    (file_link,) = Sharing(fresh.ledger.store).links(fresh.student)
    assert file_link.kind == FILE and file_link.label.startswith("Downloaded file, ")
    assert (record["link"], record["viewer"]) == (file_link.id, "credledger verify")


@pytest.mark.parametrize("how", ["withdrawn", "expired"])
def test_online_after_the_link_is_gone_the_offline_proof_still_stands(fresh: Files, server: Server,
                                                                       how: str) -> None:
    assert run(str(fresh.linked), "--log-key", fresh.key, "--online", server.url).code == 0
    (file_link,) = Sharing(fresh.ledger.store).links(fresh.student)
    if how == "withdrawn":
        Sharing(fresh.ledger.store).revoke(fresh.student, file_link.id, fresh.clock())
    else:
        fresh.clock.advance(days=31)
    result = run(str(fresh.linked), "--log-key", fresh.key, "--today", TODAY, "--online", server.url)
    assert result.code == 6, result.output
    withdrawn = "online checks were withdrawn by the student or have expired; the offline proof still stands"
    assert f"– consistency       not checked: {withdrawn}" in result.out
    assert f"– current_status    not checked: {withdrawn}" in result.out
    assert "✓ signature" in result.out and "✓ log_inclusion" in result.out and "✗" not in result.out
    assert "1 of 1 credential(s) verified." in result.out
    assert "network" not in result.output and "unreachable" not in result.err
    assert len(online_records(fresh)) == 1  # only the check before; nothing after
    data = json.loads(run(str(fresh.linked), "--log-key", fresh.key, "--online", server.url, "--json").out)
    assert data["ok"] is True and data["online_unavailable"].startswith("online checks were withdrawn")


def test_online_a_file_for_offline_checking_asks_nothing(fresh: Files, server: Server) -> None:
    result = run(str(fresh.good), "--log-key", fresh.key, "--today", TODAY, "--online", server.url)
    assert result.code == 6, result.output
    assert "not checked: this file was exported for offline checking only" in result.out
    assert "1 of 1 credential(s) verified." in result.out
    assert server.requests == []


def test_online_a_server_that_is_not_credledger_exits_5(fresh: Files, server: Server) -> None:
    result = run(str(fresh.linked), "--log-key", fresh.key, "--online", server.url + "/nowhere")
    assert result.code == 5
    assert "HTTP 404" in result.err


def test_a_malformed_online_member_is_not_a_bundle(files: Files) -> None:
    bundle = json.loads(files.linked.read_text())
    bundle["online"] = {"url": "ftp://example.org/", "link": "x"}
    path = files.tmp / "bad-online.json"
    path.write_text(json.dumps(bundle))
    result = run(str(path), "--log-key", files.key)
    assert result.code == 2 and "'online'" in result.err


def test_export_embeds_a_file_link_unless_offline(fresh: Files) -> None:
    def export(*args: str) -> dict[str, Any]:
        out = fresh.tmp / "exported.json"
        invoke_cli(fresh.tmp / "instance", "export", fresh.student, "--out", str(out), *args, passphrase=PASSPHRASE,
                   expect=0)
        return json.loads(out.read_text())  # type: ignore[no-any-return]

    before = {link.id for link in Sharing(fresh.ledger.store).links(fresh.student)}
    online = export()["online"]
    assert online["url"] == "http://localhost:5000/transcripts/evidence"  # from `init --domain`
    (made,) = [link for link in Sharing(fresh.ledger.store).links(fresh.student) if link.id not in before]
    assert made.kind == FILE and made.label.startswith("Exported file") and made.awards is not None
    assert "online" not in export("--offline")
    assert len(Sharing(fresh.ledger.store).links(fresh.student)) == len(before) + 1


def test_online_is_not_asked_for_a_bundle_from_another_log(files: Files) -> None:
    other = init_instance(files.tmp / "other-online", PASSPHRASE, scrypt_n=2**10)
    other_key = other.transparency_log.verifier_key
    other.close()
    # No server listens there: a checkpoint that does not verify is never sent anywhere.
    result = run(str(files.linked), "--log-key", other_key, "--online", "http://127.0.0.1:9", "--json")
    assert result.code == 1
    steps = {s["step"]: s for s in json.loads(result.out)["credentials"][0]["steps"]}
    assert steps["consistency"]["ok"] is None and "did not verify" in steps["consistency"]["detail"]


def test_the_installed_command_needs_no_ledger(files: Files, tmp_path: Path) -> None:
    done = run_installed(tmp_path / "no-instance-here", "verify", str(files.good), "--log-key", files.key,
                         passphrase=None, expect=0)  # nothing to open, no passphrase
    assert "1 of 1 credential(s) verified." in done.out
