"""No student data or secret where it does not belong: URLs, access logs, the session cookie,
abandoned imports, world-readable files (issue 9, finding 7). People and schools are fictional."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shlex
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask.testing import FlaskClient
from werkzeug.serving import make_server

from ledger.instance import init_instance, open_ledger
from tests.support import DEMO_PASSPHRASE
from tests.web.test_console import CSRF, Env, post, text
from web.security import new_token

REPO = Path(__file__).resolve().parents[2]
COOKIE = "credledger_session"


# (a) Student search is a POST ------------------------------------------------------


def test_student_search_is_a_post_form_whose_results_render_directly(env: Env) -> None:
    student = env.student(name="Ilse Marchbanks-Toy", local_id="RB-8123")
    client = env.client("rb_viewer")
    for page in (text(client.get("/console/riverbend/students")), text(client.get("/console/"))):
        form = re.search(r'<form method="(\w+)"[^>]*>\s*<input type="hidden" name="csrf_token"[^>]*>\s*'
                         r'<label>[^<]*<input type="search" name="q"', page)
        assert form is not None and form.group(1) == "post"
    for query in ("Marchbanks", "rb-8123"):
        response = post(client, "/console/riverbend/students", q=query)
        assert response.status_code == 200 and "Location" not in response.headers
        assert "Ilse Marchbanks-Toy" in text(response) and student in text(response)
    # A query in the URL is no search (an old bookmark): nothing echoes it.
    page = text(client.get("/console/riverbend/students", query_string={"q": "Marchbanks"}))
    assert "students</h2>" in page and "for “Marchbanks”" not in page and 'value="Marchbanks"' not in page
    refused = client.post("/console/riverbend/students", data={"q": "Marchbanks"})  # no CSRF token
    assert refused.status_code == 400


# (b) Access logs -------------------------------------------------------------------


def secret_urls(env: Env) -> tuple[list[str], list[str]]:
    """Paths carrying a share token, a claim code and searched-for names; and those secrets."""
    token, student = new_token(), env.student()
    code = env.app.extensions["accounts"].add_claim(student, "riverbend")
    paths = [f"/v/{token}", f"/v/{token}.json", f"/v/{token}/print", f"/claim/{code}",
             f"/verify?token={token}", "/console/riverbend/students?q=Marchbanks&code=ABCD-EFGH"]
    return paths, [token, code, "Marchbanks", "ABCD-EFGH"]


def test_redact_keeps_the_route_and_drops_the_secret() -> None:
    from web.access_log import redact
    assert redact('"GET /v/AbC-d_9/print?x=1 HTTP/1.1" 200 -') == '"GET /v/[redacted]/print?x=1 HTTP/1.1" 200 -'
    assert redact("/v/AbC.json") == "/v/[redacted].json"
    assert redact("/claim/ABCD-EFGH-2345") == "/claim/[redacted]"
    assert redact("/verify?Token=s3cret&b=2") == "/verify?Token=[redacted]&b=2"
    assert redact("/verify") == "/verify" and redact("/view/x") == "/view/x"


def test_the_development_servers_request_log_never_holds_a_token_or_code(env: Env) -> None:
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    werkzeug = logging.getLogger("werkzeug")
    handler = Capture()
    werkzeug.addHandler(handler)
    werkzeug.setLevel(logging.INFO)
    server = make_server("127.0.0.1", 0, env.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        paths, secrets = secret_urls(env)
        for path in paths:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}", timeout=10).close()
            except urllib.error.HTTPError:
                pass  # an unknown token is a 404: the line is logged all the same
    finally:
        server.shutdown()
        werkzeug.removeHandler(handler)
    log = "\n".join(lines)
    assert log.count("/v/[redacted]") == 3 and "/claim/[redacted]" in log, log
    for secret in secrets:
        assert secret not in log


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def readme_gunicorn_command() -> list[str]:
    readme = (REPO / "README.md").read_text()
    command = re.search(r"^(gunicorn .*?(?:\\\n.*?)*'web\.wsgi:app')$", readme, flags=re.M)
    assert command is not None
    return shlex.split(command.group(1).replace("\\\n", " "))


def test_the_documented_gunicorn_access_log_never_holds_a_token_or_code(env: Env) -> None:
    args = readme_gunicorn_command()
    port = free_port()
    args[args.index("--bind") + 1] = f"127.0.0.1:{port}"
    args[args.index("--workers") + 1] = "1"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CREDLEDGER_")}
    environ |= {"CREDLEDGER_DATA": str(env.ledger.config.data_dir), "CREDLEDGER_PASSPHRASE": DEMO_PASSPHRASE,
                "PYTHONPATH": str(REPO)}
    server = subprocess.Popen([sys.executable, "-m", *args], env=environ, cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    paths, secrets = secret_urls(env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                break
            # Not up yet: refused, or bound by gunicorn's master while its worker still boots (a busy machine
            # can take longer than the 2 s a request is given).
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        for path in paths:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).close()
            except urllib.error.HTTPError:
                pass
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert out.count("/v/[redacted]") == 3 and "/claim/[redacted]" in out, out + err
    for secret in secrets:
        assert secret not in out and secret not in err


# (c) No PII in a flash message (the session cookie is signed, not encrypted) ------------


def session_of(env: Env, client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return json.dumps(env.app.session_interface.get_signing_serializer(env.app).loads(cookie.value))


def test_registering_a_student_puts_no_name_or_id_in_the_session_cookie(env: Env) -> None:
    client = env.client("rb_registrar")
    response = post(client, "/console/riverbend/students/new", name="Perpetua Vanstone-Oduya",
                    birth_date="2008-11-02", local_id="RB-55012")
    assert response.status_code == 303
    cookie = session_of(env, client)
    assert "_flashes" in cookie  # the message is there: only without the name
    for pii in ("Perpetua", "Vanstone", "2008-11-02", "RB-55012"):
        assert pii not in cookie
    assert "Perpetua Vanstone-Oduya" in text(client.get(response.headers["Location"]))  # the page shows it


# (d) Imports never committed: sealed at rest, purged ------------------------------------


def raw_bytes(env: Env) -> bytes:
    data = env.ledger.config.data_dir
    return b"".join((data / name).read_bytes() for name in ("ledger.sqlite", "ledger.sqlite-wal")
                    if (data / name).exists())


def upload(client: FlaskClient, csv: str) -> str:
    response = client.post("/console/riverbend/import", content_type="multipart/form-data",
                           data={"csrf_token": CSRF, "file": (io.BytesIO(csv.encode()), "awards.csv")})
    assert response.status_code == 303, text(response)
    return str(response.headers["Location"])


def test_import_rows_are_sealed_at_rest_and_dropped_on_discard(env: Env) -> None:
    env.student(local_id="RB-39917")
    client = env.client("rb_registrar")
    job_url = upload(client, "local_id,credential,earned\r\nRB-39917,osha10-general,2026-05-01\r\n"
                             "RB-NOSUCH-4471,osha10-general,2026-05-01\r\n")
    page = text(client.get(job_url))
    assert "RB-NOSUCH-4471" in page  # the preview still shows what the file said
    stored = env.ledger.store.query("SELECT * FROM {t:web_imports}")
    assert "RB-39917" not in str(stored) and "RB-NOSUCH-4471" not in str(stored)
    assert b"RB-NOSUCH-4471" not in raw_bytes(env)
    assert post(client, f"{job_url}/discard").status_code == 303
    job_id = job_url.rsplit("/", 1)[1]
    assert env.app.extensions["imports"].get(job_id).rows == []


def test_imports_never_committed_are_deleted_after_a_day(env: Env) -> None:
    client = env.client("rb_registrar")
    old = upload(client, "local_id,credential,earned\r\nRB-NOSUCH-1,osha10-general,2026-05-01\r\n").rsplit("/")[-1]
    day_ago = (datetime.now(timezone.utc) - timedelta(days=1, minutes=1)).isoformat(timespec="seconds")
    env.ledger.store.execute("UPDATE {t:web_imports} SET created = ? WHERE id = ?", [day_ago, old])
    assert client.get("/console/riverbend/import").status_code == 200
    assert env.ledger.store.query("SELECT id FROM {t:web_imports} WHERE id = ?", [old]) == []


# (e) Files owner-only ---------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_its_wal_and_the_data_dir_are_owner_only(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # the usual umask, under which files are born 0644
    try:
        data = tmp_path / "instance"
        ledger = init_instance(data, "pw", scrypt_n=2**10)
        ledger.register_issuer("riverbend", "Riverbend Unified", "district")  # a write: the WAL exists
        assert (data / "ledger.sqlite-wal").exists()
        for name in ("ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm", "config.json"):
            assert mode(data / name) == 0o600, name
        assert mode(data) == 0o700 and mode(data / "keys") == 0o700
        ledger.close()
        # An instance made by an older version: opening it mends the modes.
        for name in ("ledger.sqlite", "config.json"):
            os.chmod(data / name, 0o644)
        os.chmod(data, 0o755)
        reopened = open_ledger(data, "pw")
        reopened.issuer("riverbend")
        for name in ("ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm", "config.json"):
            assert mode(data / name) == 0o600, name
        assert mode(data) == 0o700
        reopened.close()
    finally:
        os.umask(previous)
