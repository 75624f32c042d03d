"""The registrar's roster at every door: the student import (console, API, CLI), the graduating class
corrected and the enrollment facts (console, API, CLI), and who may do what (ledger.access: another
district neither sees nor imports onto a student). On the demo district; every person is fictional."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger.application import Ledger
from ledger.instance import SQLITE_FILE
from tests.support import invoke_cli, make_demo_world, signed_in_client
from web.accounts import Accounts

CSRF = "test-csrf-token"
HEADER = "local_id,state_id,name,birth_date,cohort,building"


@dataclass
class Env:
    ledger: Ledger
    app: Flask
    users: dict[str, str]
    tokens: dict[str, str]

    def client(self, who: str) -> FlaskClient:
        return signed_in_client(self.app, CSRF, self.users[who])

    def journal(self) -> int:
        return self.ledger.store.journal_size()

    def api(self, method: str, path: str, who: str, body: Any = None) -> Any:
        return self.app.test_client().open("/api/v1" + path, method=method, json=body,
                                           headers={"Authorization": f"Bearer {self.tokens[who]}"})


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("web.security.SCRYPT_N", 2**10)
        world = make_demo_world(tmp_path_factory.mktemp("roster") / "instance", students=10,
                                staff=["rb_registrar", "rb_viewer", "lk_registrar"])
        accounts = Accounts(world.ledger.store)
        tokens = {who: accounts.add_api_token(slug, "registrar", who)
                  for who, slug in [("riverbend", "riverbend"), ("lakeshore", "lakeshore")]}
        yield Env(world.ledger, world.app, world.users, tokens)
    world.ledger.close()


def roster(*rows: str) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode()


def fresh(n: int) -> list[tuple[str, str]]:
    """n (local id, state id) pairs nobody has yet."""
    tag = uuid.uuid4().hex[:6].upper()
    return [(f"RI-{tag}{i}", f"QZ{tag}{i}") for i in range(n)]


def upload(client: FlaskClient, data: bytes, slug: str = "riverbend") -> Any:
    return client.post(f"/console/{slug}/students/import", content_type="multipart/form-data",
                       data={"csrf_token": CSRF, "file": (io.BytesIO(data), "roster.csv")})


def commit(client: FlaskClient, data: bytes, slug: str = "riverbend") -> Any:
    return client.post(f"/console/{slug}/students/import/commit", data={"csrf_token": CSRF, "csv": data.decode()})


def find(env: Env, slug: str, local_id: str) -> list[str]:
    projections = env.app.extensions["projections"]
    projections.catch_up()
    return env.app.extensions["roster"].by_local_id(env.ledger.issuer(slug).did).get(local_id.casefold(), [])


# Console ------------------------------------------------------------------------


def test_console_import_previews_then_registers_and_a_second_import_registers_nobody(
        env: Env, caplog: pytest.LogCaptureFixture) -> None:
    (a_local, a_state), (b_local, b_state) = fresh(2)
    data = roster(f"{a_local},{a_state},Tamsin Okoro-Vale,2010-03-14,2028,RB-HS",
                  f"{b_local},{b_state.lower()},Bram Castellanos-Ruiz,11/2/2009,2027,")
    client = env.client("rb_registrar")
    before = env.journal()
    caplog.set_level(logging.DEBUG)
    preview = upload(client, data)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Confirm: register 2 student(s)" in page and "Tamsin Okoro-Vale" in page
    assert env.journal() == before  # the preview stores nothing
    done = commit(client, data)
    assert done.status_code == 303 and env.journal() == before + 2
    (a,) = find(env, "riverbend", a_local)
    assert env.ledger.student(a).cohort == 2028
    identity = env.ledger.identity(a)
    assert identity is not None and identity.claims["state_id"] == a_state
    (b,) = find(env, "riverbend", b_local)
    b_identity = env.ledger.identity(b)
    assert b_identity is not None and b_identity.claims == {"name": "Bram Castellanos-Ruiz", "birth_date": "2009-11-02",
                                                            "local_id": b_local, "state_id": b_state}
    # The same file again: both rows are the students already registered, and nobody is registered twice.
    again = upload(client, data).get_data(as_text=True)
    assert again.count("already registered</span>") == 2 and "Confirm" not in again
    assert commit(client, data).status_code == 303 and env.journal() == before + 2
    assert find(env, "riverbend", a_local) == [a]
    # The state id is shown to staff of the district, and never written to a log or a URL.
    student_page = client.get(f"/console/riverbend/students/{a}").get_data(as_text=True)
    assert a_state in student_page and "Graduating class <strong>2028</strong>" in student_page
    assert a_state not in caplog.text and a_state.lower() not in caplog.text


def test_a_bad_row_names_its_field_and_nobody_is_registered(env: Env) -> None:
    (a_local, a_state), (b_local, b_state), (c_local, c_state) = fresh(3)
    data = roster(f"{a_local},{a_state},Ilse Marchetti,2009-04-01,2027,",
                  f"{b_local},{b_state},Corin Abernathy,2009-02-30,2027,",
                  f"{c_local},{a_state},Wren Holloway,2009-06-01,twenty,")
    client = env.client("rb_registrar")
    before = env.journal()
    page = upload(client, data).get_data(as_text=True)
    assert "2 with errors" in page and "Confirm" not in page
    assert "birth_date: &#39;2009-02-30&#39; is not a date (YYYY-MM-DD)" in page
    assert "state_id: the same state id as line 2" in page
    assert "cohort: &#39;twenty&#39; is not a graduating class" in page
    # A commit of the same file (a hand-made form) is refused the same way: nothing stored.
    refused = commit(client, data)
    assert refused.status_code == 400 and "nothing was stored" in refused.get_data(as_text=True)
    assert env.journal() == before and find(env, "riverbend", a_local) == []
    header = upload(client, b"local_id,name,birth_date,grade\r\nX1,Ann Example,2009-01-01,A\r\n")
    assert header.status_code == 400 and "unknown column(s): grade" in header.get_data(as_text=True)


def test_another_district_neither_imports_onto_nor_sees_a_student(env: Env) -> None:
    ((local, state),) = fresh(1)
    data = roster(f"{local},{state},Pell Yamashiro,2009-08-08,2027,")
    assert commit(env.client("rb_registrar"), data).status_code == 303
    (riverbends,) = find(env, "riverbend", local)
    lakeshore = env.client("lk_registrar")
    # Lakeshore's staff cannot use Riverbend's import at all.
    assert upload(lakeshore, data, "riverbend").status_code == 403
    assert commit(lakeshore, data, "riverbend").status_code == 403
    # The same local id at Lakeshore is Lakeshore's own numbering: it registers a student of its own, and
    # Riverbend's student (and state id) stays out of Lakeshore's sight.
    page = upload(lakeshore, data, "lakeshore").get_data(as_text=True)
    assert "Confirm: register 1 student(s)" in page
    assert lakeshore.get(f"/console/lakeshore/students/{riverbends}").status_code == 404
    assert lakeshore.get(f"/console/lakeshore/students/{riverbends}/record").status_code == 404
    before = env.journal()
    assert lakeshore.post(f"/console/lakeshore/students/{riverbends}/cohort",
                          data={"csrf_token": CSRF, "cohort": "2030"}).status_code == 404
    assert env.journal() == before and env.ledger.student(riverbends).cohort == 2027


def test_the_class_and_enrollment_facts_from_the_student_page(env: Env) -> None:
    ((local, state),) = fresh(1)
    client = env.client("rb_registrar")
    assert commit(client, roster(f"{local},{state},Sunniva Petrosyan,2008-12-12,2026,RB-HS")).status_code == 303
    (student,) = find(env, "riverbend", local)
    base = f"/console/riverbend/students/{student}"
    assert "Class, state id and enrollment" in client.get(base).get_data(as_text=True)
    assert client.post(base + "/cohort", data={"csrf_token": CSRF, "cohort": "2027"}).status_code == 303
    assert env.ledger.student(student).cohort == 2027
    unchanged = client.post(base + "/cohort", data={"csrf_token": CSRF, "cohort": "2027"})
    assert unchanged.status_code == 409 and "already 2027" in unchanged.get_data(as_text=True)
    bad = client.post(base + "/enrollment", data={"csrf_token": CSRF, "kind": "exited", "date": "2026-06-01",
                                                  "reason": "bored"})
    assert bad.status_code == 400 and "reason" in bad.get_data(as_text=True)
    assert client.post(base + "/enrollment", data={"csrf_token": CSRF, "kind": "graduated", "date": "2026-05-30",
                                                   "diploma": "honors"}).status_code == 303
    page = client.get(base).get_data(as_text=True)
    assert "graduated 2026-05-30 (regular diploma with honors or a state seal)" in page
    assert "Enrollment history" in page and "class of 2027" in page
    # A viewer may look, not change.
    viewer = env.client("rb_viewer")
    assert viewer.post(base + "/cohort", data={"csrf_token": CSRF, "cohort": "2028"}).status_code == 403


# API ------------------------------------------------------------------------------


def test_api_import_preview_commit_and_errors(env: Env) -> None:
    (a_local, a_state), (b_local, b_state) = fresh(2)
    text = roster(f"{a_local},{a_state},Ottilie Ferreira,2009-01-20,2027,",
                  f"{b_local},{b_state},Jonah Whitfield,2009-03-03,,").decode()
    before = env.journal()
    preview = env.api("POST", "/students/import", "riverbend", {"csv": text})
    body = preview.get_json()
    assert preview.status_code == 200 and body["committed"] is False and body["registered"] == 0
    assert [r["result"] for r in body["rows"]] == ["new", "new"] and env.journal() == before
    assert a_state not in preview.get_data(as_text=True)  # the answer carries no PII
    done = env.api("POST", "/students/import", "riverbend", {"csv": text, "commit": True}).get_json()
    assert done["registered"] == 2 and env.journal() == before + 2
    assert done["rows"][0]["student"] == find(env, "riverbend", a_local)[0]
    again = env.api("POST", "/students/import", "riverbend", {"csv": text, "commit": True}).get_json()
    assert again["registered"] == 0 and [r["result"] for r in again["rows"]] == ["registered", "registered"]
    bad = env.api("POST", "/students/import", "riverbend",
                  {"csv": roster(f"{b_local},{b_state},Jonah Whitfield,2009-03-04,,").decode(), "commit": True})
    assert bad.status_code == 400 and list(bad.get_json()["errors"]) == ["line 2.birth_date"]
    assert env.journal() == before + 2


def test_api_class_enrollment_and_record(env: Env) -> None:
    ((local, state),) = fresh(1)
    env.api("POST", "/students/import", "riverbend",
            {"csv": roster(f"{local},{state},Marit Delacroix,2009-05-05,2027,").decode(), "commit": True})
    (student,) = find(env, "riverbend", local)
    corrected = env.api("POST", f"/students/{student}/cohort", "riverbend", {"cohort": 2028})
    assert corrected.status_code == 200 and corrected.get_json()["cohort"] == 2028
    assert env.api("POST", f"/students/{student}/cohort", "riverbend", {"cohort": 2028}).get_json()["code"] == \
        "unchanged"
    missing = env.api("POST", f"/students/{student}/enrollment", "riverbend", {"kind": "exited", "date": "2026-01-05"})
    assert missing.status_code == 400 and "reason" in missing.get_json()["errors"]
    # Lakeshore does not see the student: 404, as for an unknown id, before the move …
    assert env.api("GET", f"/students/{student}/record", "lakeshore").status_code == 404
    moved = env.api("POST", f"/students/{student}/enrollment", "riverbend",
                    {"kind": "moved", "date": "2026-01-05", "to": "lakeshore"})
    assert moved.status_code == 200 and moved.get_json()["district"] == env.ledger.issuer_did("lakeshore")
    # … and keeps the record after it; Riverbend still sees the student, and no longer signs its facts.
    assert env.api("GET", f"/students/{student}/record", "lakeshore").status_code == 200
    late = env.api("POST", f"/students/{student}/enrollment", "riverbend",
                   {"kind": "graduated", "date": "2026-05-30", "diploma": "regular"})
    assert late.status_code == 409 and late.get_json()["code"] == "not_district_of_record"
    graduated = env.api("POST", f"/students/{student}/enrollment", "lakeshore",
                        {"kind": "graduated", "date": "2026-05-30", "diploma": "regular"}).get_json()
    assert [h["type"] for h in graduated["history"]] == ["CohortCorrected", "StudentMoved", "StudentGraduated"]
    identity = env.api("GET", f"/students/{student}", "riverbend").get_json()["identity"]
    assert identity["state_id"] == state


# CLI ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return make_demo_world(tmp_path_factory.mktemp("roster-cli") / "instance", students=8, web=False, close=True)


def test_cli_import_class_enrollment_and_the_audit(instance: Any, tmp_path: Any) -> None:
    data, pw = instance.data_dir, instance.passphrase
    file = tmp_path / "roster.csv"
    ((local, state),) = fresh(1)
    file.write_bytes(roster(f"{local},{state},Anouk Brightwater,2008-10-10,2026,RB-HS",
                            f"{local}X,{state},Teodor Quintero,2008-10-11,2026,"))
    failed = invoke_cli(data, "student", "import", str(file), "--issuer", "riverbend", "--commit", passphrase=pw,
                        json_out=True, expect=2)
    assert "line 3.state_id" in failed.output and state not in failed.output
    file.write_bytes(roster(f"{local},{state},Anouk Brightwater,2008-10-10,2026,RB-HS"))
    checked = invoke_cli(data, "student", "import", str(file), "--issuer", "riverbend", passphrase=pw, expect=0)
    assert "1 new" in checked.out
    done = json.loads(invoke_cli(data, "student", "import", str(file), "--issuer", "riverbend", "--commit",
                                 passphrase=pw, json_out=True, expect=0).out)
    (student,) = done["students"]
    again = json.loads(invoke_cli(data, "student", "import", str(file), "--issuer", "riverbend", "--commit",
                                  passphrase=pw, json_out=True, expect=0).out)
    assert again["registered"] == 0
    invoke_cli(data, "student", "class", student, "--issuer", "riverbend", "--cohort", "2027", passphrase=pw,
               expect=0)
    invoke_cli(data, "student", "graduate", student, "--issuer", "lakeshore", "--date", "2026-05-30",
               "--diploma", "regular", passphrase=pw, expect=4)  # not Lakeshore's student: not found
    invoke_cli(data, "student", "graduate", student, "--issuer", "riverbend", "--date", "2026-05-30",
               "--diploma", "regular", passphrase=pw, expect=0)
    shown = invoke_cli(data, "show", student, passphrase=pw, json_out=True, expect=0).json()
    assert [e["type"] for e in shown] == ["StudentRegistered", "CohortCorrected", "StudentGraduated"]
    assert "graduated 2026-05-30: regular high school diploma" in shown[2]["summary"]
    invoke_cli(data, "student", "move", student, "--issuer", "riverbend", "--date", "2026-08-01", "--to", "lakeshore",
               passphrase=pw, expect=0)
    invoke_cli(data, "student", "enroll", student, "--issuer", "lakeshore", "--date", "2026-08-20",
               "--building", "LCS-HS", passphrase=pw, expect=0)
    refused = invoke_cli(data, "student", "exit", student, "--issuer", "riverbend", "--date", "2026-08-21",
                         "--reason", "transferred", passphrase=pw, expect=3)
    assert "not_district_of_record" in refused.output
    assert invoke_cli(data, "audit", "--read-models", passphrase=pw, expect=0)
    # A class changed in the read model behind the ledger's back: the comparison with a rebuild names the table.
    with sqlite3.connect(data / SQLITE_FILE) as conn:
        conn.execute("UPDATE rm_students SET cohort = 2031 WHERE student_id = ?", (student,))
    tampered = invoke_cli(data, "audit", "--read-models", passphrase=pw, json_out=True, expect=1).json()
    assert tampered["finding"] is None and "rm_students" in tampered["read_models"]
    # The rebuild the audit made restored it from the signed events.
    with sqlite3.connect(data / SQLITE_FILE) as conn:
        assert conn.execute("SELECT cohort FROM rm_students WHERE student_id = ?", (student,)).fetchone() == (2027,)
    # And the class changed in the stored signed event itself: the audit names the event, by its signature.
    with sqlite3.connect(data / SQLITE_FILE) as conn:
        (state,) = conn.execute("SELECT state FROM stored_events WHERE originator_id = ? AND originator_version = 2",
                                (uuid.UUID(student).hex,)).fetchone()
        event = json.loads(state)
        assert event["document"]["type"] == "CohortCorrected"
        event["document"]["cohort"] = 2031
        conn.execute("UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = 2",
                     (json.dumps(event).encode(), uuid.UUID(student).hex))
    finding = invoke_cli(data, "audit", passphrase=pw, json_out=True, expect=1).json()["finding"]
    assert (finding["stream"], finding["sequence"]) == (student, 2) and "signature" in finding["problem"].lower()


# A state id recorded after the registration ---------------------------------------------------------


def no_state_id(env: Env, client: FlaskClient, name: str = "Liesl Amankwah") -> tuple[str, str]:
    """A student imported without a state id: (student id, local id)."""
    ((local, _),) = fresh(1)
    assert commit(client, roster(f"{local},,{name},2009-07-07,2027,RB-HS")).status_code == 303
    (student,) = find(env, "riverbend", local)
    identity = env.ledger.identity(student)
    assert identity is not None and "state_id" not in identity.claims
    return student, local


def test_console_gives_a_state_id_later_and_corrects_it(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    client = env.client("rb_registrar")
    student, _ = no_state_id(env, client)
    ((_, first), (_, second)) = fresh(2)
    base = f"/console/riverbend/students/{student}"
    page = client.get(base + "/record").get_data(as_text=True)
    assert "State student id" in page and "Not recorded yet." in page and "Record the state id" in page
    assert 'name="state_id" maxlength="20" autocomplete="off" required aria-describedby="state-id-help"' in page
    caplog.set_level(logging.DEBUG)
    before = env.journal()
    done = client.post(base + "/state-id", data={"csrf_token": CSRF, "state_id": first.lower()})
    assert done.status_code == 303 and env.journal() == before + 1
    identity = env.ledger.identity(student)
    assert identity is not None and identity.claims["state_id"] == first  # upper case, as registration stores it
    assert first not in done.location
    record = client.get(base + "/record").get_data(as_text=True)
    assert f"Recorded: <strong>{first}</strong>" in record and "Correct the state id" in record
    assert client.post(base + "/state-id", data={"csrf_token": CSRF, "state_id": second}).status_code == 303
    identity = env.ledger.identity(student)
    assert identity is not None and identity.claims["state_id"] == second
    shown = client.get(base).get_data(as_text=True)
    assert f"state id <strong>{second}</strong>" in shown and shown.count("state id recorded") == 2
    # Bad input names the field and changes nothing; the same id again is refused the same way.
    before = env.journal()
    bad = client.post(base + "/state-id", data={"csrf_token": CSRF, "state_id": "QZ-12"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "letters and digits only, at most 20" in html and 'aria-invalid="true"' in html
    same = client.post(base + "/state-id", data={"csrf_token": CSRF, "state_id": second})
    assert same.status_code == 400 and "this is already the student&#39;s state id" in same.get_data(as_text=True)
    assert env.journal() == before
    # A viewer may look, not change; another district hears what an unknown student gets.
    assert env.client("rb_viewer").post(base + "/state-id", data={"csrf_token": CSRF, "state_id": "QZ9"}
                                        ).status_code == 403
    assert env.client("lk_registrar").post(f"/console/lakeshore/students/{student}/state-id",
                                           data={"csrf_token": CSRF, "state_id": "QZ9"}).status_code == 404
    assert env.journal() == before
    assert first not in caplog.text and second not in caplog.text


def test_a_roster_import_adds_a_missing_state_id_but_never_changes_one(env: Env) -> None:
    client = env.client("rb_registrar")
    student, local = no_state_id(env, client, "Casimir Oyelaran")
    ((_, state), (_, other)) = fresh(2)
    with_id = roster(f"{local},{state},Casimir Oyelaran,2009-07-07,2027,RB-HS")
    before = env.journal()
    page = upload(client, with_id).get_data(as_text=True)
    assert "adds the state id</span>" in page and "Confirm: register 0 student(s) and add 1 state id(s)" in page
    assert env.journal() == before  # the preview stores nothing
    assert commit(client, with_id).status_code == 303 and env.journal() == before + 1
    identity = env.ledger.identity(student)
    assert identity is not None and identity.claims["state_id"] == state
    # The same file again: the student agrees now, and is skipped.
    assert "already registered</span>" in upload(client, with_id).get_data(as_text=True)
    # Another state id for that student is a correction: the record page's, never a file's.
    changed = upload(client, roster(f"{local},{other},Casimir Oyelaran,2009-07-07,2027,RB-HS")).get_data(as_text=True)
    assert "state_id: the student has another state id; to correct it, use the student&#39;s record page" in changed
    # A state id another of the district's students has is refused for a student without one too.
    second, second_local = no_state_id(env, client, "Oriane Lindqvist")
    taken = upload(client, roster(f"{second_local},{state},Oriane Lindqvist,2009-07-07,2027,RB-HS"))
    assert "state_id: already the state id of your student with local id" in taken.get_data(as_text=True)
    assert env.journal() == before + 1 + 1  # the second student's registration only


def test_api_records_a_state_id_as_the_district_of_record_only(env: Env) -> None:
    client = env.client("rb_registrar")
    student, local = no_state_id(env, client, "Thandiwe Okonkwo-Reyes")
    ((_, state), (_, later)) = fresh(2)
    assert env.api("POST", f"/students/{student}/state-id", "lakeshore", {"state_id": state}).status_code == 404
    done = env.api("POST", f"/students/{student}/state-id", "riverbend", {"state_id": state})
    assert done.status_code == 200 and state not in done.get_data(as_text=True)  # not echoed
    assert [h["type"] for h in done.get_json()["history"]] == ["StateIdRecorded"]
    assert env.api("GET", f"/students/{student}", "riverbend").get_json()["identity"]["state_id"] == state
    before = env.journal()
    for body, field in [({"state_id": "Q Z"}, "state_id"), ({}, "state_id"), ({"state_id": state, "x": 1}, "x")]:
        bad = env.api("POST", f"/students/{student}/state-id", "riverbend", body)
        assert bad.status_code == 400 and field in bad.get_json()["errors"], body
    same = env.api("POST", f"/students/{student}/state-id", "riverbend", {"state_id": state})
    assert same.status_code == 400 and same.get_json()["errors"] == {"state_id": ["this is already the student's "
                                                                                  "state id"]}
    assert env.journal() == before
    # After a move the receiving district keeps the record: the sending one sees the student, may not.
    env.api("POST", f"/students/{student}/enrollment", "riverbend", {"kind": "moved", "date": "2026-01-05",
                                                                    "to": "lakeshore"})
    late = env.api("POST", f"/students/{student}/state-id", "riverbend", {"state_id": later})
    assert late.status_code == 409 and late.get_json()["code"] == "not_district_of_record"
    assert env.api("POST", f"/students/{student}/state-id", "lakeshore", {"state_id": later}).status_code == 200
    assert env.api("GET", f"/students/{student}", "lakeshore").get_json()["identity"]["state_id"] == later


def test_cli_student_state_id_and_the_audit(instance: Any, tmp_path: Any) -> None:
    data, pw = instance.data_dir, instance.passphrase
    file = tmp_path / "roster.csv"
    ((local, state),) = fresh(1)
    file.write_bytes(roster(f"{local},,Ysolde Achterberg,2008-10-10,2026,RB-HS"))
    (student,) = json.loads(invoke_cli(data, "student", "import", str(file), "--issuer", "riverbend", "--commit",
                                       passphrase=pw, json_out=True, expect=0).out)["students"]
    refused = invoke_cli(data, "student", "state-id", student, "--issuer", "riverbend", "--state-id", "QZ-1",
                         passphrase=pw, json_out=True, expect=2)
    assert "state_id" in refused.output
    invoke_cli(data, "student", "state-id", student, "--issuer", "lakeshore", "--state-id", state, passphrase=pw,
               expect=4)  # not Lakeshore's student: not found
    done = invoke_cli(data, "student", "state-id", student, "--issuer", "riverbend", "--state-id", state,
                      passphrase=pw, expect=0)
    assert "The state student id is recorded." in done.out and state not in done.out
    shown = invoke_cli(data, "show", student, passphrase=pw, json_out=True, expect=0).json()
    assert [e["type"] for e in shown] == ["StudentRegistered", "StateIdRecorded"]
    assert shown[1]["summary"] == "state student id recorded (kept in the vault)"
    # The file with the state id now agrees with the student: nothing to add.
    file.write_bytes(roster(f"{local},{state},Ysolde Achterberg,2008-10-10,2026,RB-HS"))
    again = json.loads(invoke_cli(data, "student", "import", str(file), "--issuer", "riverbend", "--commit",
                                  passphrase=pw, json_out=True, expect=0).out)
    assert (again["registered"], again["state_ids"]) == (0, 0)
    # (The audit of a recorded state id is tests/ledger/test_enrollment.py's: this instance holds an event
    # the test above tampered with.)
