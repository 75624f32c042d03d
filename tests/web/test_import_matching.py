"""Vendor reality in the award import (issue 14): the crosswalk of vendors' exam codes, and students matched
by id, local id, state id, or name and birth date, with a review step for the rows that could be several
students (or match a name only loosely). Every door: the console, the API and the CLI; a table test of the
matching rule itself. The people are fictional; each test registers its own, with names of its own.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from ledger.application import Ledger
from tests.support import DEMO_PASSPHRASE, invoke_cli, make_demo_world, signed_in_client
from web.accounts import Accounts
from web.roster import StudentIdentity
from web.student_match import LOCAL_ID, NAME, STATE_ID, StudentMatcher

CSRF = "test-csrf-token"
EARNED = (date.today() - timedelta(days=10)).isoformat()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("web.security.SCRYPT_N", 2**10)
        built = make_demo_world(tmp_path_factory.mktemp("matching") / "instance", students=4,
                                staff=["rb_registrar", "rb_viewer", "lk_registrar"])
        yield built
    built.ledger.close()


def register(ledger: Ledger, name: str, birth_date: str = "2009-02-03", *, slug: str = "riverbend",
             state_id: str | None = None, local_id: str | None = None) -> tuple[str, str]:
    """A new student: (student id, local id)."""
    local_id = local_id or f"VM-{uuid.uuid4().hex[:8]}"
    claims = {"name": name, "birth_date": birth_date, "local_id": local_id} | ({"state_id": state_id} if state_id
                                                                               else {})
    return ledger.register_student(slug, claims), local_id


def unique(word: str) -> str:
    """A fictional surname no other test uses."""
    return f"{word}{uuid.uuid4().hex[:6]}"


def ssid() -> str:
    return "QZ" + uuid.uuid4().hex[:7].upper()


def awards_of(ledger: Ledger, student_id: str) -> list[str]:
    return [r.originator_id for r in ledger.store.select_journal_of_type("CredentialIssued")
            if r.student_id == student_id]


def client(world: Any, who: str) -> FlaskClient:
    return signed_in_client(world.app, CSRF, world.users[who])


def upload(c: FlaskClient, url: str, data: str) -> Any:
    return c.post(url, data={"csrf_token": CSRF, "file": (io.BytesIO(data.encode()), "file.csv")},
                  content_type="multipart/form-data")


def job_of(world: Any, response: Any) -> Any:
    assert response.status_code == 303, response.text
    return world.app.extensions["imports"].get(response.location.rsplit("/", 1)[1])


def committed(world: Any, job_id: str) -> Any:
    imports = world.app.extensions["imports"]
    imports.wait(job_id)
    return imports.get(job_id)


def api(world: Any, token: str, path: str, body: dict[str, Any] | None = None) -> Any:
    c = world.app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    return c.post(path, json=body, headers=headers) if body is not None else c.get(path, headers=headers)


# The rule: a table of rows and what they match -------------------------------------------------------

PEOPLE = [
    StudentIdentity("s-zoe", "Zoë García", "2009-04-12", "RB-1", "OH1000001"),
    StudentIdentity("s-ana1", "Ana Ruiz", "2008-01-01", "RB-2", ""),
    StudentIdentity("s-ana2", "Ana Ruiz", "2008-01-01", "RB-3", "OH1000003"),
    StudentIdentity("s-twin1", "Kit Maren", "2009-09-09", "RB-9", "OH1000009"),
    StudentIdentity("s-twin2", "Kit Maren", "2010-10-10", "RB-9", ""),  # two students with one local id
]


@pytest.mark.parametrize("cells, birth_date, student, candidates, error", [
    ({"local_id": "rb-1"}, None, "s-zoe", (), None),                                   # local id, any case
    ({"state_id": "oh1000001"}, None, "s-zoe", (), None),                              # state id, any case
    ({"state_id": "OH 1000001"}, None, "s-zoe", (), None),                             # spaces a sheet added
    ({"name": "Zoë García", "birth_date": "x"}, "2009-04-12", "s-zoe", (), None),      # exact name and date
    ({"name": "zoe  garcia", "birth_date": "x"}, "2009-04-12", None, ("s-zoe",), None),  # near: review, no guess
    ({"name": "ZOË GARCÍA", "birth_date": "x"}, "2009-04-12", None, ("s-zoe",), None),   # case only: review
    ({"name": "Ana Ruiz", "birth_date": "x"}, "2008-01-01", None, ("s-ana1", "s-ana2"), None),  # several
    ({"local_id": "RB-9"}, None, None, ("s-twin1", "s-twin2"), None),                  # one local id, two students
    ({"name": "Zoë García", "birth_date": "x"}, "2009-04-13", None, (),
     "name: none of your students has this name and birth date"),
    ({"state_id": "OH9999999"}, None, None, (), "state_id: none of your students has this state id"),
    ({"local_id": "RB-404"}, None, None, (), "local_id: none of your students has local id 'RB-404'; register them "
                                             "first"),
    ({"name": "Zoë García"}, None, None, (), "birth_date: required with name (or give local_id or state_id)"),
    ({"birth_date": "2009-04-12"}, "2009-04-12", None, (), "name: required with birth_date (or give local_id or "
                                                           "state_id)"),
    ({"local_id": "RB-1", "state_id": "OH1000003"}, None, None, (),
     "state_id: not the state id of the student found by local_id"),
    ({"state_id": "OH1000001", "name": "Ana Ruiz"}, None, None, (),
     "name: not the name of the student found by state_id"),
    ({"local_id": "RB-1", "birth_date": "x"}, "2001-01-01", None, (),
     "birth_date: not the birth date of the student found by local_id"),
    ({"student": "not-a-uuid"}, None, None, (), "student: not a student id (a UUID)"),
    ({"student": str(uuid.uuid4())}, None, None, (), "student: no student has this id"),
    ({}, None, None, (), "local_id: required (or student, state_id, or name and birth_date)"),
])
def test_the_matching_rule(cells: dict[str, str], birth_date: str | None, student: str | None,
                           candidates: tuple[str, ...], error: str | None) -> None:
    match = StudentMatcher(PEOPLE).match(cells, birth_date)
    assert match.student == student
    assert match.candidates == candidates
    assert match.errors == ((error,) if error else ())


def test_what_found_the_student_is_said() -> None:
    matcher = StudentMatcher(PEOPLE)
    assert matcher.match({"local_id": "RB-1"}, None).by == LOCAL_ID
    assert matcher.match({"state_id": "OH1000001"}, None).by == STATE_ID
    assert matcher.match({"name": "Ana Ruiz", "birth_date": "x"}, "2008-01-01").by == NAME


# The crosswalk, in the console ----------------------------------------------------------------------


def test_the_console_crosswalk_previews_stores_all_or_nothing_and_removes(world: Any) -> None:
    registrar = client(world, "rb_registrar")
    page = registrar.get("/console/riverbend/crosswalk")
    assert page.status_code == 200 and "Crosswalk of vendors" in page.text
    bad = "vendor,exam_code,credential\nServSafe,FH-X1,servsafe-handler\nServSafe,,servsafe-manager\n" \
          "NCCER,CORE-X1,basket-weaving\nservsafe,fh-x1,servsafe-manager\n"
    checked = upload(registrar, "/console/riverbend/crosswalk", bad)
    assert checked.status_code == 200
    assert "exam_code: required" in checked.text and "&#39;basket-weaving&#39; is not in the catalog" in checked.text
    assert "is mapped on line 2 already" in checked.text and "Confirm: store" not in checked.text
    refused = registrar.post("/console/riverbend/crosswalk/commit", data={"csrf_token": CSRF, "csv": bad})
    assert refused.status_code == 400 and "line 3.exam_code" in refused.text
    assert world.app.extensions["crosswalk"].lookup("riverbend").get(("servsafe", "FH-X1")) is None

    good = "vendor,exam_code,credential\nServSafe,FH-X1,servsafe-handler\nCompTIA,220-X1,comptia-a-plus\n"
    preview = upload(registrar, "/console/riverbend/crosswalk", good)
    assert preview.status_code == 200 and "Confirm: store 2 mapping(s)" in preview.text
    assert world.app.extensions["crosswalk"].lookup("riverbend").get(("servsafe", "FH-X1")) is None
    stored = registrar.post("/console/riverbend/crosswalk/commit", data={"csrf_token": CSRF, "csv": good})
    assert stored.status_code == 303
    assert world.app.extensions["crosswalk"].lookup("riverbend")[("servsafe", "FH-X1")] == "servsafe-handler"

    again = upload(registrar, "/console/riverbend/crosswalk", "vendor,exam_code,credential\n"
                                                               "SERVSAFE,fh-x1,servsafe-manager\n")
    assert "replaces servsafe-handler" in again.text
    registrar.post("/console/riverbend/crosswalk/commit", data={"csrf_token": CSRF, "csv": "vendor,exam_code,"
                   "credential\nSERVSAFE,fh-x1,servsafe-manager\n"})
    assert world.app.extensions["crosswalk"].lookup("riverbend")[("servsafe", "FH-X1")] == "servsafe-manager"

    listed = registrar.get("/console/riverbend/crosswalk")
    assert "220-X1" in listed.text and 'aria-label="Remove the mapping of 220-X1 (comptia)"' in listed.text
    removed = registrar.post("/console/riverbend/crosswalk/remove",
                             data={"csrf_token": CSRF, "vendor": "CompTIA", "exam_code": "220-x1"})
    assert removed.status_code == 303 and ("comptia", "220-X1") not in world.app.extensions["crosswalk"].lookup(
        "riverbend")
    missing = registrar.post("/console/riverbend/crosswalk/remove",
                             data={"csrf_token": CSRF, "vendor": "CompTIA", "exam_code": "220-x1"})
    assert missing.status_code == 404 and "no such mapping" in missing.text


def test_the_crosswalk_is_the_institutions_own(world: Any) -> None:
    registrar = client(world, "rb_registrar")
    registrar.post("/console/riverbend/crosswalk/commit", data={"csrf_token": CSRF, "csv": "vendor,exam_code,"
                   "credential\nNCCER,OWN-1,nccer-core\n"})
    viewer = client(world, "rb_viewer")
    assert viewer.get("/console/riverbend/crosswalk").status_code == 200
    assert upload(viewer, "/console/riverbend/crosswalk", "vendor,exam_code,credential\nA,B,nccer-core\n"
                  ).status_code == 403
    assert viewer.post("/console/riverbend/crosswalk/remove", data={"csrf_token": CSRF, "vendor": "NCCER",
                                                                    "exam_code": "OWN-1"}).status_code == 403
    other = client(world, "lk_registrar")
    assert other.get("/console/riverbend/crosswalk").status_code == 403
    assert "OWN-1" not in other.get("/console/lakeshore/crosswalk").text
    assert ("nccer", "OWN-1") not in world.app.extensions["crosswalk"].lookup("lakeshore")


# The award import with exam codes and matching, in the console ------------------------------------


def test_a_vendor_file_imports_through_the_crosswalk_by_state_id(world: Any) -> None:
    ledger = world.ledger
    registrar = client(world, "rb_registrar")
    registrar.post("/console/riverbend/crosswalk/commit", data={"csrf_token": CSRF, "csv": "vendor,exam_code,"
                   "credential\nServSafe,FM-V1,servsafe-manager\n"})
    state_id = ssid()
    student, _ = register(ledger, f"Ines {unique('Okafor')}", state_id=state_id)
    data = (f"ssid,vendor,exam_code,earned,certificate\n{state_id.lower()},servsafe,fm-v1,{EARNED},SS-1\n"
            f"{state_id},ServSafe,NOPE-9,{EARNED},SS-2\n"
            f"{state_id},,FM-V1,{EARNED},SS-3\n")
    job = job_of(world, upload(registrar, "/console/riverbend/import", data))
    errors = {r.line: r.errors for r in job.rows}
    assert errors[2] == [] and job.rows[0].credential == "servsafe-manager" and job.rows[0].student == student
    assert job.rows[0].matched_by == "state_id"
    assert errors[3] == ["exam_code: 'NOPE-9' of 'ServSafe' is not in your crosswalk; add it on the crosswalk page"]
    assert errors[4] == ["vendor: required with exam_code"]
    # The vendor's code stays as evidence; the state id is never evidence, nor in an error.
    assert job.rows[0].evidence == {"vendor": "servsafe", "exam_code": "fm-v1", "certificate": "SS-1"}
    assert state_id not in json.dumps([r.errors for r in job.rows]) and state_id.lower() not in json.dumps(
        [r.evidence for r in job.rows])

    both = job_of(world, upload(registrar, "/console/riverbend/import", "state_id,vendor,exam_code,credential,earned\n"
                                f"{state_id},ServSafe,FM-V1,servsafe-handler,{EARNED}\n"))
    assert both.rows[0].errors == ["credential: 'servsafe-handler', but your crosswalk maps 'FM-V1' to "
                                   "'servsafe-manager'"]

    good = job_of(world, upload(registrar, "/console/riverbend/import", data.rsplit("\n", 3)[0] + "\n"))
    assert good.status == "ready" and not good.review
    assert registrar.post(f"/console/riverbend/import/{good.id}/commit", data={"csrf_token": CSRF}).status_code == 303
    assert committed(world, good.id).status == "done" and len(awards_of(ledger, student)) == 1


def test_ambiguous_rows_go_to_review_and_commit_with_the_registrars_choices(world: Any) -> None:
    ledger = world.ledger
    surname = unique("Vasquez")
    first, first_local = register(ledger, f"Maya {surname}", "2009-06-01")
    second, second_local = register(ledger, f"Maya {surname}", "2009-06-01")  # the same name and birthday
    near, _ = register(ledger, f"Zoë {surname}", "2010-01-02")
    exact, _ = register(ledger, f"Tomas {surname}", "2009-07-07")
    # Lakeshore's student with the same name and birthday: never a candidate here.
    foreign, _ = register(ledger, f"Maya {surname}", "2009-06-01", slug="lakeshore")
    data = ("name,birth_date,credential,earned\n"
            f"Maya {surname},2009-06-01,osha10-general,{EARNED}\n"         # 2 two candidates
            f"zoe  {surname.upper()},1/2/2010,bls-provider,{EARNED}\n"     # 3 a near match: review
            f"Tomas {surname},2009-07-07,epa-608,{EARNED}\n"               # 4 exact
            f"Maya {surname},2009-06-01,stna,{EARNED}\n")                  # 5 two candidates: to skip
    registrar = client(world, "rb_registrar")
    job = job_of(world, upload(registrar, "/console/riverbend/import", data))
    assert job.status == "ready" and job.invalid == 0
    rows = {r.line: r for r in job.rows}
    assert rows[2].candidates == sorted([first, second]) and rows[2].student is None
    assert rows[3].candidates == [near] and rows[3].student is None
    assert rows[4].student == exact and not rows[4].candidates
    assert foreign not in rows[2].candidates + rows[5].candidates

    page = registrar.get(f"/console/riverbend/import/{job.id}")
    assert "Rows to review (3)" in page.text and f"local id {first_local}" in page.text
    assert f"local id {second_local}" in page.text and foreign not in page.text
    assert f'name="choice-2" value="{first}"' in page.text and 'name="choice-5" value="skip"' in page.text
    assert "Confirm: record 4 credentials" not in page.text  # only the form that carries the choices

    before = ledger.store.journal_size()
    missing = registrar.post(f"/console/riverbend/import/{job.id}/commit",
                             data={"csrf_token": CSRF, "choice-2": first, "choice-3": near})
    assert missing.status_code == 400 and "choose one of the candidates, or skip the row" in missing.text
    assert f'value="{first}" required checked' in missing.text  # the choices made are kept
    smuggled = registrar.post(f"/console/riverbend/import/{job.id}/commit",
                              data={"csrf_token": CSRF, "choice-2": foreign, "choice-3": near, "choice-5": "skip"})
    assert smuggled.status_code == 400 and "not one of the candidates for this line" in smuggled.text
    assert ledger.store.journal_size() == before

    done = registrar.post(f"/console/riverbend/import/{job.id}/commit",
                          data={"csrf_token": CSRF, "choice-2": second, "choice-3": near, "choice-5": "skip"})
    assert done.status_code == 303
    result = committed(world, job.id)
    assert result.status == "done" and result.recorded == 3
    assert len(awards_of(ledger, second)) == 1 and awards_of(ledger, first) == [] and len(awards_of(ledger, near)) == 1
    assert awards_of(ledger, foreign) == []
    assert "Signed and recorded 3 credentials (1 row(s) skipped)" in registrar.get(
        f"/console/riverbend/import/{job.id}").text


def test_a_choice_that_duplicates_another_row_is_refused(world: Any) -> None:
    ledger = world.ledger
    surname = unique("Lund")
    first, first_local = register(ledger, f"Eli {surname}", "2009-03-03")
    register(ledger, f"Eli {surname}", "2009-03-03")
    data = (f"local_id,name,birth_date,credential,earned\n{first_local},,,osha10-general,{EARNED}\n"
            f",Eli {surname},2009-03-03,osha10-general,{EARNED}\n")
    registrar = client(world, "rb_registrar")
    job = job_of(world, upload(registrar, "/console/riverbend/import", data))
    refused = registrar.post(f"/console/riverbend/import/{job.id}/commit", data={"csrf_token": CSRF, "choice-3": first})
    assert refused.status_code == 400 and "the student chosen makes it a duplicate of line 2" in refused.text
    assert awards_of(ledger, first) == []


def test_identity_columns_are_never_evidence_nor_echoed(world: Any) -> None:
    ledger = world.ledger
    name = f"Rosa {unique('Achebe')}"
    student, local_id = register(ledger, name, "2009-05-05", state_id=ssid())
    data = (f"local_id,name,dob,credential,earned\n{local_id},{name},2009-05-05,osha10-general,{EARNED}\n"
            f"{local_id},{name},2009-05-06,bls-provider,{EARNED}\n"
            f",Nobody {unique('Here')},2009-05-05,bls-provider,{EARNED}\n"
            f",{name},31/31/2009,bls-provider,{EARNED}\n")
    job = job_of(world, upload(client(world, "rb_registrar"), "/console/riverbend/import", data))
    rows = {r.line: r for r in job.rows}
    assert rows[2].errors == [] and rows[2].student == student and rows[2].evidence == {}
    assert rows[3].errors == ["birth_date: not the birth date of the student found by local_id"]
    assert rows[4].errors == ["name: none of your students has this name and birth date"]
    assert rows[5].errors == ["birth_date: not a date (YYYY-MM-DD)"]
    assert name not in json.dumps([r.errors for r in job.rows]) and "2009-05" not in json.dumps(
        [r.errors for r in job.rows])


# The API ----------------------------------------------------------------------------------------------


def test_the_api_answers_candidates_and_commits_with_choices(world: Any) -> None:
    ledger = world.ledger
    token = Accounts(ledger.store).add_api_token("riverbend", "registrar", "award import")
    surname = unique("Oduya")
    first, first_local = register(ledger, f"June {surname}", "2009-08-08")
    second, second_local = register(ledger, f"June {surname}", "2009-08-08")
    foreign, _ = register(ledger, f"June {surname}", "2009-08-08", slug="lakeshore")
    assert api(world, token, "/api/v1/crosswalk/import", {"csv": "vendor,exam_code,credential\nNCCER,CORE-A1,"
                                                                 "nccer-core\n", "commit": True}).status_code == 200
    csv = (f"name,birth_date,vendor,exam_code,earned\nJune {surname},2009-08-08,NCCER,core-a1,{EARNED}\n"
           f"June {surname},2009-08-08,NCCER,CORE-Z9,{EARNED}\n")
    preview = api(world, token, "/api/v1/awards/import", {"csv": csv})
    assert preview.status_code == 200
    rows = preview.get_json()["rows"]
    assert rows[0]["result"] == "review" and rows[0]["credential"] == "nccer-core"
    assert rows[0]["candidates"] == sorted([{"student": first, "local_id": first_local},
                                            {"student": second, "local_id": second_local}],
                                           key=lambda c: c["student"])
    assert foreign not in preview.text and surname not in preview.text  # opaque ids and local ids only
    assert rows[1]["errors"] == ["exam_code: 'CORE-Z9' of 'NCCER' is not in your crosswalk; add it on the "
                                 "crosswalk page"]

    before = ledger.store.journal_size()
    bad_rows = api(world, token, "/api/v1/awards/import", {"csv": csv, "commit": True, "choices": {"2": first}})
    assert bad_rows.status_code == 400 and "line 3.exam_code" in bad_rows.get_json()["errors"]
    one = csv.rsplit("\n", 2)[0] + "\n"
    unchosen = api(world, token, "/api/v1/awards/import", {"csv": one, "commit": True})
    assert unchosen.status_code == 400
    assert unchosen.get_json()["errors"] == {"line 2.student": ["choose one of the candidates, or skip the row"]}
    smuggled = api(world, token, "/api/v1/awards/import", {"csv": one, "commit": True, "choices": {"2": foreign}})
    assert smuggled.status_code == 400 and smuggled.get_json()["errors"] == {
        "line 2.student": ["not one of the candidates for this line"]}
    assert ledger.store.journal_size() == before

    done = api(world, token, "/api/v1/awards/import", {"csv": one, "commit": True, "choices": {"2": first}})
    assert done.status_code == 200, done.text
    body = done.get_json()
    assert body["committed"] and len(body["awards"]) == 1 and body["rows"][0]["result"] == "recorded"
    assert awards_of(ledger, first) == body["awards"] and awards_of(ledger, second) == []


def test_the_api_crosswalk_show_and_remove(world: Any) -> None:
    token = Accounts(world.ledger.store).add_api_token("lakeshore", "registrar", "crosswalk")
    preview = api(world, token, "/api/v1/crosswalk/import", {"csv": "vendor,exam_code,credential\nOSHA Outreach,"
                                                                    "OT-LK,osha10-general\nX,,nope\n"})
    assert preview.status_code == 200 and preview.get_json()["rows"][1]["result"] == "error"
    refused = api(world, token, "/api/v1/crosswalk/import", {"csv": "vendor,exam_code,credential\nX,,nope\n",
                                                             "commit": True})
    assert refused.status_code == 400 and set(refused.get_json()["errors"]) == {"line 2.exam_code",
                                                                                 "line 2.credential"}
    api(world, token, "/api/v1/crosswalk/import", {"csv": "vendor,exam_code,credential\nOSHA  Outreach,OT-LK,"
                                                          "osha10-general\n", "commit": True})
    shown = api(world, token, "/api/v1/crosswalk").get_json()["mappings"]
    assert [(m["vendor"], m["exam_code"], m["credential"]) for m in shown] == [("osha outreach", "OT-LK",
                                                                                 "osha10-general")]
    assert api(world, token, "/api/v1/crosswalk/remove", {"vendor": "osha outreach", "exam_code": "ot-lk"}
               ).get_json() == {"removed": True}
    assert api(world, token, "/api/v1/crosswalk/remove", {"vendor": "osha outreach", "exam_code": "ot-lk"}
               ).status_code == 404
    viewer = Accounts(world.ledger.store).add_api_token("lakeshore", "viewer", "crosswalk viewer")
    assert api(world, viewer, "/api/v1/crosswalk").status_code == 200
    assert api(world, viewer, "/api/v1/crosswalk/import", {"csv": "vendor,exam_code,credential\n"}).status_code == 403


# The CLI ----------------------------------------------------------------------------------------------


def test_the_cli_crosswalk_and_an_import_that_needs_a_choice(world: Any, tmp_path: Path) -> None:
    ledger = world.ledger
    data = ledger.config.data_dir
    walk = tmp_path / "crosswalk.csv"
    walk.write_text("vendor,exam_code,credential\nCompTIA,220-C1,comptia-a-plus\n")
    checked = invoke_cli(data, "crosswalk", "import", str(walk), "--issuer", "riverbend", passphrase=DEMO_PASSPHRASE)
    assert checked.code == 0 and "Run again with --commit" in checked.out
    stored = invoke_cli(data, "crosswalk", "import", str(walk), "--issuer", "riverbend", "--commit",
                        passphrase=DEMO_PASSPHRASE)
    assert stored.code == 0 and "Stored 1 mapping(s)" in stored.out
    shown = invoke_cli(data, "--json", "crosswalk", "show", "--issuer", "riverbend", passphrase=DEMO_PASSPHRASE)
    assert {"vendor": "comptia", "exam_code": "220-C1", "credential": "comptia-a-plus"}.items() <= next(
        m for m in json.loads(shown.out) if m["exam_code"] == "220-C1").items()
    walk.write_text("vendor,exam_code,credential\nCompTIA,220-C2,not-a-code\n")
    refused = invoke_cli(data, "crosswalk", "import", str(walk), "--issuer", "riverbend", "--commit",
                         passphrase=DEMO_PASSPHRASE)
    assert refused.code == 2 and "line 2.credential" in refused.err

    surname = unique("Haddad")
    first, first_local = register(ledger, f"Noor {surname}", "2009-11-11")
    second, second_local = register(ledger, f"Noor {surname}", "2009-11-11")
    awards = tmp_path / "awards.csv"
    awards.write_text(f"name,birth_date,vendor,exam_code,earned\nNoor {surname},2009-11-11,comptia,220-c1,{EARNED}\n")
    ambiguous = invoke_cli(data, "import", str(awards), "--issuer", "riverbend", "--commit",
                           passphrase=DEMO_PASSPHRASE)
    assert ambiguous.code == 2 and "line 2.student" in ambiguous.err and "--choose LINE=STUDENT" in ambiguous.err
    assert f"{first} (local id {first_local})" in ambiguous.err and f"{second} (local id {second_local})" in \
        ambiguous.err
    assert surname not in ambiguous.err and "2009-11-11" not in ambiguous.err
    wrong = invoke_cli(data, "import", str(awards), "--issuer", "riverbend", "--commit", "--choose",
                       f"2={uuid.uuid4()}", passphrase=DEMO_PASSPHRASE)
    assert wrong.code == 2 and "not one of the candidates for this line" in wrong.err
    malformed = invoke_cli(data, "import", str(awards), "--issuer", "riverbend", "--choose", "two",
                           passphrase=DEMO_PASSPHRASE)
    assert malformed.code == 2 and "choose" in malformed.err
    assert awards_of(ledger, first) == [] and awards_of(ledger, second) == []
    chosen = invoke_cli(data, "--json", "import", str(awards), "--issuer", "riverbend", "--commit", "--choose",
                        f"2={second}", passphrase=DEMO_PASSPHRASE)
    assert chosen.code == 0, chosen.err
    assert awards_of(ledger, second) == json.loads(chosen.out)["awards"] and awards_of(ledger, first) == []
