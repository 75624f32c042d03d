"""CSV import: parsing, per-row validation, preview, all-or-nothing commit.

Parsing is tested directly on bytes; everything else through the console with
the Flask test client, on a real SQLite instance holding the demo district.
Each test registers the students it imports for. People are fictional.
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger.application import IssueRequest, Ledger
from ledger.errors import InputError
from tests.support import make_demo_world, signed_in_client
from web.csv_files import MAX_ROWS
from web.imports import parse_award_csv, template_csv

CSRF = "test-csrf-token"
TODAY = date.today()
EARNED = (TODAY - timedelta(days=14)).isoformat()


@dataclass
class Env:
    ledger: Ledger
    app: Flask
    users: dict[str, str]

    def client(self, who: str) -> FlaskClient:
        return signed_in_client(self.app, CSRF, self.users[who])

    def students(self, count: int, slug: str = "riverbend") -> list[str]:
        """Register `count` students with fresh local ids; returns the local ids."""
        local_ids = [f"IM-{uuid.uuid4().hex[:10]}" for _ in range(count)]
        self.ledger.register_students(slug, [{"name": f"Student {i} Lindqvist", "birth_date": "2008-05-01",
                                              "local_id": local_id} for i, local_id in enumerate(local_ids)])
        return local_ids

    def journal(self) -> int:
        return self.ledger.store.journal_size()

    @property
    def imports(self) -> Any:
        return self.app.extensions["imports"]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("web.security.SCRYPT_N", 2**10)
        world = make_demo_world(tmp_path_factory.mktemp("imports") / "instance", students=10,
                                staff=["rb_registrar", "rb_viewer", "lk_registrar"])
        yield Env(world.ledger, world.app, world.users)
    world.ledger.close()


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def upload(client: FlaskClient, data: bytes, slug: str = "riverbend", name: str = "awards.csv") -> Any:
    return client.post(f"/console/{slug}/import", data={"csrf_token": CSRF, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def post(client: FlaskClient, url: str) -> Any:
    return client.post(url, data={"csrf_token": CSRF})


def job_id_of(response: Any) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    return str(response.location.rsplit("/", 1)[1])


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


# Parsing ---------------------------------------------------------------------


def test_parse_accepts_excel_files_with_bom_semicolons_and_header_aliases() -> None:
    data = "\ufeffLocal ID;Credential Code;Earned Date;Certificate Number;Score\r\nRB-1;osha10-general;2026-01-05;C-1;88\r\n"
    ((line, cells, problems),) = parse_award_csv(data.encode())
    assert line == 2 and problems == []
    assert cells == {"local_id": "RB-1", "credential": "osha10-general", "earned": "2026-01-05",
                     "certificate": "C-1", "score": "88"}


def test_parse_skips_blank_lines_and_flags_extra_cells() -> None:
    rows = parse_award_csv(csv_bytes("local_id,credential,earned", "RB-1,bls-provider,2026-01-05", ",,", "",
                               "RB-2,bls-provider,2026-01-06,surprise"))
    assert [r[0] for r in rows] == [2, 5]
    assert rows[1][2] == ["more cells than there are columns"]


@pytest.mark.parametrize(("data", "says"), [
    (b"", "empty"),
    (b"local_id,credential,earned\r\n", "no rows"),
    (b"name,credential,earned\r\nx,y,z\r\n", "missing column(s): local_id (or student, state_id, or name and birth_date)"),
    (b"local_id,earned\r\nx,2026-01-01\r\n", "missing column(s): credential"),
    (b"local_id,credential,earned,score,Score\r\nx,y,z,1,2\r\n", "named twice: score"),
    ("local_id,credential,earned\r\nRené,y,z\r\n".encode("latin-1"), "not UTF-8"),
    (b"local_id,credential,earned\r\n" + b"x,y,2026-01-01\r\n" * (MAX_ROWS + 1), "more than 10,000 rows"),
])
def test_parse_refuses_unusable_files_naming_the_file_field(data: bytes, says: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_award_csv(data)
    assert set(caught.value.errors) == {"file"} and says in str(caught.value)


def test_the_template_parses_with_the_documented_columns() -> None:
    rows = parse_award_csv(template_csv().encode())
    assert len(rows) == 3 and set(rows[0][1]) == {"local_id", "student", "credential", "earned", "certificate",
                                                   "score", "license_number"}


def test_the_template_imports_as_it_is_in_the_demo(env: Env) -> None:
    """Issue 13: the template's own sample rows failed. In the demo district every row is valid."""
    client = env.client("rb_registrar")
    job_id = job_id_of(upload(client, template_csv().encode(), name="template.csv"))
    page = text(client.get(f"/console/riverbend/import/{job_id}"))
    assert "Ready: confirm to sign and record all 3 credentials" in page, page[:2000]


# Preview ---------------------------------------------------------------------


def test_preview_shows_every_rows_errors_next_to_it_and_stores_nothing(env: Env) -> None:
    ok, other = env.students(2)
    recorded = f"IM-{uuid.uuid4().hex[:10]}"
    existing = env.ledger.register_student("riverbend", {"name": "Already Recorded", "birth_date": "2008-01-01",
                                                         "local_id": recorded})
    env.ledger.issue([IssueRequest("riverbend", existing, "osha10-general", date.fromisoformat(EARNED), {})])
    student_id = env.ledger.register_student("lakeshore", {"name": "Elsewhere Person", "birth_date": "2008-01-01",
                                                           "local_id": "LK-1"})
    future = (TODAY + timedelta(days=3)).isoformat()
    data = csv_bytes(
        "local_id,student,credential,earned,certificate,score",
        f"{ok},,osha10-general,{EARNED},OSHA-1,",                # 2 valid
        f"NOPE-404,,osha10-general,{EARNED},,",                   # 3 unknown student
        f"{other},,basket-weaving,{EARNED},,",                    # 4 unknown credential
        f"{other},,bls-provider,2026-02-30,,",                    # 5 bad date
        f"{other},,bls-provider,{future},,",                      # 6 future date
        f"{ok},,osha10-general,{EARNED},OSHA-1b,",                # 7 duplicate of line 2
        f"{recorded},,osha10-general,{EARNED},,",                 # 8 already recorded
        f",{student_id},ncrc-workkeys,{EARNED},,Gold",            # 9 another institution's student: unknown here
        f",not-a-uuid,ncrc-workkeys,{EARNED},,",                  # 10 bad student id
        f",,ncrc-workkeys,{EARNED},,",                            # 11 no student at all
        f"{other},,stna,{EARNED},,",                              # 12 valid
    )
    before = env.journal()
    client = env.client("rb_registrar")
    job_id = job_id_of(upload(client, data))
    job = env.imports.get(job_id)
    assert job.status == "invalid" and job.total == 11 and job.invalid == 9
    errors = {r.line: r.errors for r in job.rows}
    assert errors[2] == [] and errors[12] == []
    assert errors[9] == ["student: no student has this id"]  # exactly what an unknown id gets
    assert "none of your students has local id 'NOPE-404'" in errors[3][0]
    assert "'basket-weaving' is not in the catalog" in errors[4][0]
    assert "is not a date" in errors[5][0]
    assert "is in the future" in errors[6][0]
    assert errors[7] == ["duplicate of line 2"]
    assert errors[8][0].startswith("already recorded (award ")
    assert errors[10] == ["student: not a student id (a UUID)"]
    assert errors[11] == ["local_id: required (or student, state_id, or name and birth_date)"]

    page = text(client.get(f"/console/riverbend/import/{job_id}"))
    assert "9 row(s) have errors" in page and "Nothing can be recorded" in page
    assert "Confirm: record" not in page
    assert '<td data-label="Line">4</td>' in page and "is not in the catalog" in page and "duplicate of line 2" in page
    assert "Student 0 Lindqvist" in page  # the registrar sees whom a row will be recorded for
    assert job.rows[7].evidence == {"score": "Gold"}  # not a number: kept as text

    refused = post(client, f"/console/riverbend/import/{job_id}/commit")
    assert refused.status_code == 409 and "9 row(s) have errors" in text(refused)
    assert env.journal() == before


def test_a_fault_past_parsing_a_date_is_a_500_not_a_bad_date(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only parsing `earned` says "not a date": a ValueError in the checks after it is a fault of ours."""
    (student,) = env.students(1)

    def broken(today: date) -> date:
        raise ValueError("a fault in the date rule")

    monkeypatch.setattr("web.imports.latest_day", broken)
    response = upload(env.client("rb_registrar"), csv_bytes("local_id,credential,earned", f"{student},stna,{EARNED}"))
    assert response.status_code == 500 and "not a date" not in text(response)


def test_upload_without_a_usable_file_names_the_file_field(env: Env) -> None:
    client = env.client("rb_registrar")
    response = client.post("/console/riverbend/import", data={"csrf_token": CSRF}, content_type="multipart/form-data")
    assert response.status_code == 400 and "file: choose a CSV file" in text(response)
    response = upload(client, b"who,what\r\n1,2\r\n")
    assert response.status_code == 400 and "missing column(s)" in text(response)
    assert "The format" in text(response)  # the page still documents the format


# Commit ----------------------------------------------------------------------


def test_confirmed_import_stores_every_row_in_one_batch(env: Env) -> None:
    local_ids = env.students(3)
    data = csv_bytes("local_id,credential,earned,certificate,score",
                     *[f"{lid},comptia-a-plus,{EARNED},COMP-{i},8{i}" for i, lid in enumerate(local_ids)])
    client = env.client("rb_registrar")
    job_id = job_id_of(upload(client, data))
    page = text(client.get(f"/console/riverbend/import/{job_id}"))
    assert "all 3 rows are valid" in page and "Confirm: record 3 credentials" in page
    before = env.journal()
    response = post(client, f"/console/riverbend/import/{job_id}/commit")
    assert response.status_code == 303
    env.imports.wait(job_id)
    job = env.imports.get(job_id)
    assert job.status == "done" and job.last_position == before + 2
    assert env.journal() == before + 3
    awards = [env.ledger.award(str(r.award)) for r in job.rows]
    assert [a.credential for a in awards] == ["comptia-a-plus"] * 3 and all(r.local_id == "" for r in job.rows)
    page = text(client.get(f"/console/riverbend/import/{job_id}"))
    assert "Signed and recorded all 3 credentials" in page and f"log index {before + 2}" in page
    # Committing again, or re-importing the same file, records nothing twice.
    again = post(client, f"/console/riverbend/import/{job_id}/commit")
    assert again.status_code == 409 and "done" in text(again)
    second = env.imports.get(job_id_of(upload(client, data)))
    assert second.status == "invalid" and all(r.errors[0].startswith("already recorded") for r in second.rows)
    assert env.journal() == before + 3


def test_a_thousand_rows_commit_in_one_transaction(env: Env) -> None:
    local_ids = env.students(250)
    codes = ["osha10-general", "bls-provider", "ncrc-workkeys", "mos-excel"]
    data = csv_bytes("local_id,credential,earned,certificate",
                     *[f"{lid},{code},{EARNED},{code[:4].upper()}-{i}"
                       for i, (lid, code) in enumerate((lid, code) for lid in local_ids for code in codes)])
    client = env.client("rb_registrar")
    started = time.perf_counter()
    job_id = job_id_of(upload(client, data))
    validated = time.perf_counter()
    assert env.imports.get(job_id).status == "ready"
    before = env.journal()
    post(client, f"/console/riverbend/import/{job_id}/commit")
    env.imports.wait(job_id, timeout=60)
    committed = time.perf_counter()
    job = env.imports.get(job_id)
    assert job.status == "done" and env.journal() == before + 1000
    print(f"\n1,000-row import: validate {validated - started:.2f} s, commit {committed - validated:.2f} s")
    assert committed - started < 20


def test_the_progress_page_refreshes_itself_while_committing(env: Env) -> None:
    local_ids = env.students(1)
    client = env.client("rb_registrar")
    job_id = job_id_of(upload(client, csv_bytes("local_id,credential,earned", f"{local_ids[0]},emt,{EARNED}")))
    env.ledger.store.execute("UPDATE {t:web_imports} SET status = 'committing', started = ? WHERE id = ?",
                             [f"{TODAY.isoformat()}T23:59:59+00:00", job_id])
    response = client.get(f"/console/riverbend/import/{job_id}")
    assert response.headers["Refresh"] == "1"
    assert '<meta http-equiv="refresh" content="1">' in text(response)
    assert "This page refreshes itself" in text(response) and "<script" not in text(response)
    assert post(client, f"/console/riverbend/import/{job_id}/commit").status_code == 409  # already claimed


def test_rows_recorded_meanwhile_fail_the_whole_import_and_store_nothing(env: Env) -> None:
    local_ids = env.students(2)
    data = csv_bytes("local_id,credential,earned", *[f"{lid},epa-608,{EARNED}" for lid in local_ids])
    client = env.client("rb_registrar")
    first, second = job_id_of(upload(client, data)), job_id_of(upload(client, data))
    post(client, f"/console/riverbend/import/{first}/commit")
    env.imports.wait(first)
    before = env.journal()
    post(client, f"/console/riverbend/import/{second}/commit")
    env.imports.wait(second)
    job = env.imports.get(second)
    assert job.status == "failed" and "nothing was stored" in str(job.message) and "line 2" in str(job.message)
    assert env.journal() == before
    assert "nothing was stored" in text(client.get(f"/console/riverbend/import/{second}"))


def test_discard_an_import(env: Env) -> None:
    local_ids = env.students(1)
    client = env.client("rb_registrar")
    job_id = job_id_of(upload(client, csv_bytes("local_id,credential,earned", f"{local_ids[0]},cpht,{EARNED}")))
    before = env.journal()
    assert post(client, f"/console/riverbend/import/{job_id}/discard").status_code == 303
    assert env.imports.get(job_id).status == "cancelled"
    assert post(client, f"/console/riverbend/import/{job_id}/commit").status_code == 409
    assert post(client, f"/console/riverbend/import/{job_id}/discard").status_code == 409
    assert env.journal() == before


# Authorization ---------------------------------------------------------------


def test_imports_are_the_uploading_institutions_alone(env: Env) -> None:
    local_ids = env.students(1)
    data = csv_bytes("local_id,credential,earned", f"{local_ids[0]},mssc-clt,{EARNED}")
    registrar = env.client("rb_registrar")
    job_id = job_id_of(upload(registrar, data))
    before = env.journal()
    outsider, viewer = env.client("lk_registrar"), env.client("rb_viewer")
    assert upload(outsider, data).status_code == 403
    assert upload(viewer, data).status_code == 403
    assert outsider.get(f"/console/riverbend/import/{job_id}").status_code == 403
    assert outsider.get(f"/console/lakeshore/import/{job_id}").status_code == 403
    assert post(outsider, f"/console/lakeshore/import/{job_id}/commit").status_code == 403
    assert post(outsider, f"/console/riverbend/import/{job_id}/commit").status_code == 403
    assert post(outsider, f"/console/lakeshore/import/{job_id}/discard").status_code == 403
    assert post(viewer, f"/console/riverbend/import/{job_id}/commit").status_code == 403
    assert viewer.get(f"/console/riverbend/import/{job_id}").status_code == 200  # a viewer may look
    assert registrar.get(f"/console/riverbend/import/{uuid.uuid4()}").status_code == 404
    assert env.imports.get(job_id).status == "ready" and env.journal() == before
    # Lakeshore cannot import for Riverbend's students by local id: they are not Lakeshore's.
    job = env.imports.get(job_id_of(upload(outsider, data, slug="lakeshore")))
    assert job.status == "invalid" and "none of your students" in job.rows[0].errors[0]


def test_import_page_documents_the_format(env: Env) -> None:
    page = text(env.client("rb_viewer").get("/console/riverbend/import"))
    assert "The format" in page and "<code>local_id</code>" in page and "<code>osha10-general</code>" in page
    assert "/console/import/template.csv" in page and 'type="file"' not in page  # a viewer cannot upload


def test_a_vendor_file_s_personal_columns_are_refused_never_signed_as_evidence(env: Env) -> None:
    # Evidence is signed into a permanent event: a candidate's email or phone column must not land there.
    (student,) = env.students(1)
    client = env.client("rb_registrar")
    journal = env.ledger.store.journal_size()
    data = csv_bytes("local_id,credential,earned,certificate,Candidate Email,Phone",
                     f"{student},osha10-general,{EARNED},OSHA-77,someone@example.org,555-0100")
    job_id = job_id_of(upload(client, data))
    page = text(client.get(f"/console/riverbend/import/{job_id}"))
    assert "looks like personal data about the student, which is never signed" in page
    assert "Ready: confirm" not in page  # the file cannot be committed as it is
    assert env.ledger.store.journal_size() == journal


@pytest.mark.parametrize(("column", "personal"), [
    ("candidate_name", True), ("email", True), ("first_name", True), ("lastName", True), ("dob", True),
    ("phone", True), ("zip", True), ("name", True), ("certificate", False), ("score", False), ("exam_code", False),
    ("exam_name", False), ("vendor_name", False), ("test_center", False), ("license_number", False),
])
def test_which_evidence_names_look_personal(column: str, personal: bool) -> None:
    from ledger.schemas import looks_personal

    assert looks_personal(column) is personal
