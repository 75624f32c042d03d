"""WorkKeys score reports imported as CSV (issue 14): the API (`POST /api/v1/assessments/import`) and the
CLI (`credledger assessment import`), one rule (ledger.assessments.workkeys_requests): every row checked
and every bad field named, all or nothing, local ids of students the issuer may record for. Fictional
people (the demo world)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from tests.support import DEMO_PASSPHRASE, invoke_cli, make_demo_world, signed_in_client
from web.accounts import Accounts


CSRF = "test-csrf-token"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("web.security.SCRYPT_N", 2**10)
        built = make_demo_world(tmp_path_factory.mktemp("workkeys") / "instance", students=6,
                                staff=["rb_registrar", "rb_viewer"])
        yield built
    built.ledger.close()


def local_ids(ledger: Ledger, slug: str) -> list[str]:
    students = sorted(ledger.access.students(ledger.issuer_did(slug)))
    return sorted(i.claims["local_id"] for i in ledger.identities(students).values() if i.claims.get("local_id"))


def sittings(ledger: Ledger) -> int:
    return len(ledger.store.select_journal_of_type("AssessmentRecorded"))


def post(world: Any, token: str, csv: str, commit: bool) -> Any:
    return world.app.test_client().post("/api/v1/assessments/import", json={"csv": csv, "commit": commit},
                                        headers={"Authorization": f"Bearer {token}"})


def test_the_api_checks_every_row_then_records_all(world: Any) -> None:
    ledger = world.ledger
    token = Accounts(ledger.store).add_api_token("riverbend", "registrar", "workkeys import")
    first, second = local_ids(ledger, "riverbend")[:2]
    csv = ("local_id,taken,applied_math,graphic_literacy,workplace_documents,score_report\n"
           f"{first},2026-03-04,5,4,6,WK-88120\n{second},2026-03-04,3,,7,\n")
    before = sittings(ledger)
    preview = post(world, token, csv, commit=False)
    assert preview.status_code == 200 and preview.get_json() == {"committed": False, "sittings": 2, "assessments": []}
    assert sittings(ledger) == before
    done = post(world, token, csv, commit=True)
    assert done.status_code == 200 and done.get_json()["sittings"] == 2 and len(done.get_json()["assessments"]) == 2
    assert sittings(ledger) == before + 2


def test_a_bad_row_names_its_field_and_records_nothing(world: Any) -> None:
    ledger = world.ledger
    token = Accounts(ledger.store).add_api_token("riverbend", "registrar", "workkeys errors")
    first = local_ids(ledger, "riverbend")[0]
    csv = ("local_id,taken,applied_math,graphic_literacy,workplace_documents\n"
           f"{first},2026-03-04,5,4,6\n"
           f"{first},2026-13-04,9,,\n"
           "NOBODY-1,2026-03-04,4,4,4\n"
           f"{first},2026-03-05,,,\n")
    before = sittings(ledger)
    answer = post(world, token, csv, commit=True)
    assert answer.status_code == 400
    errors = answer.get_json()["errors"]
    assert errors["row 3.taken"] == ["a date, YYYY-MM-DD"]
    assert errors["row 3.applied_math"] == ["a WorkKeys level, 3 to 7"]
    assert errors["row 4.local_id"] == ["no student you may record for has this local id (or several have)"]
    assert errors["row 5.scores"] == ["give at least one of applied_math, graphic_literacy, workplace_documents"]
    assert "row 2" not in " ".join(errors)
    assert sittings(ledger) == before


def test_another_institutions_students_are_not_found_by_local_id(world: Any) -> None:
    """Lakeshore's staff cannot record for Riverbend's students by their local ids."""
    ledger = world.ledger
    token = Accounts(ledger.store).add_api_token("lakeshore", "registrar", "workkeys other")
    theirs = sorted(set(local_ids(ledger, "riverbend")) - set(local_ids(ledger, "lakeshore")))[0]
    answer = post(world, token, f"local_id,taken,applied_math\n{theirs},2026-03-04,5\n", commit=True)
    assert answer.status_code == 400 and "row 2.local_id" in answer.get_json()["errors"]


def test_the_cli_previews_then_commits(world: Any, tmp_path: Path) -> None:
    ledger = world.ledger
    first = local_ids(ledger, "riverbend")[0]
    file = tmp_path / "workkeys.csv"
    file.write_text(f"local_id,taken,applied_math,graphic_literacy,workplace_documents\n{first},2026-04-01,6,6,6\n")
    data = ledger.config.data_dir
    before = sittings(ledger)
    checked = invoke_cli(data, "assessment", "import", str(file), "--issuer", "riverbend", passphrase=DEMO_PASSPHRASE)
    assert checked.code == 0 and "1 sitting(s), every row valid; nothing recorded (add --commit)" in checked.out
    assert sittings(ledger) == before
    done = invoke_cli(data, "assessment", "import", str(file), "--issuer", "riverbend", "--commit",
                      passphrase=DEMO_PASSPHRASE)
    assert done.code == 0 and "Recorded 1 sitting(s)" in done.out
    file.write_text("local_id,taken,applied_math\nNOBODY,2026-04-01,6\n")
    refused = invoke_cli(data, "assessment", "import", str(file), "--issuer", "riverbend", "--commit",
                         passphrase=DEMO_PASSPHRASE)
    assert refused.code == 2 and "row 2.local_id" in refused.err


def test_the_console_checks_then_records_on_confirmation(world: Any) -> None:
    ledger = world.ledger
    client = signed_in_client(world.app, CSRF, world.users["rb_registrar"])
    page = client.get("/console/riverbend/assessments/import")
    assert page.status_code == 200 and "Import WorkKeys score reports" in page.text
    first = local_ids(ledger, "riverbend")[0]
    csv = f"local_id,taken,applied_math,graphic_literacy,workplace_documents\n{first},2026-05-02,4,5,5\n"
    before = sittings(ledger)
    checked = client.post("/console/riverbend/assessments/import",
                          data={"csrf_token": CSRF, "file": (io.BytesIO(csv.encode()), "wk.csv")})
    assert checked.status_code == 200 and "1 sitting(s) to record" in checked.text
    assert sittings(ledger) == before
    done = client.post("/console/riverbend/assessments/import/commit", data={"csrf_token": CSRF, "csv": csv})
    assert done.status_code == 303 and sittings(ledger) == before + 1
    bad = client.post("/console/riverbend/assessments/import",
                      data={"csrf_token": CSRF, "file": (io.BytesIO(b"local_id,taken,applied_math\nX,2026-05-02,2\n"),
                                                         "wk.csv")})
    assert bad.status_code == 400 and "row 2.applied_math" in bad.text and "a WorkKeys level, 3 to 7" in bad.text
    viewer = signed_in_client(world.app, CSRF, world.users["rb_viewer"])
    assert viewer.get("/console/riverbend/assessments/import").status_code == 403
