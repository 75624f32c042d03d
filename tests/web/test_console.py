"""The issuer console through the Flask test client, on a real SQLite instance.

One demo district per module (Riverbend Unified, its CTE center, Lakeshore
County Schools); each test makes the students it changes, so tests do not
depend on each other's order. Key management, which changes what every later
signature needs, runs on its own instance. Every write is also tried by
someone who must not make it: another institution's registrar, a viewer,
nobody signed in; and the ledger is checked to be unchanged afterwards.
People and schools are fictional.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger.application import IssueRequest, Ledger
from tests.support import STAFF, make_demo_world, signed_in_client, transfer

CSRF = "test-csrf-token"
TODAY = date.today()


@dataclass
class Env:
    ledger: Ledger
    app: Flask
    users: dict[str, str]

    def client(self, who: str | None) -> FlaskClient:
        return signed_in_client(self.app, CSRF, self.users[who] if who else None)

    def student(self, slug: str = "riverbend", name: str | None = None, local_id: str | None = None) -> str:
        local_id = local_id or f"T-{uuid.uuid4().hex[:8]}"
        return self.ledger.register_student(slug, {"name": name or "Wren Halloway-Ibsen", "birth_date": "2008-03-14",
                                                   "local_id": local_id})

    def award(self, student: str, slug: str = "riverbend", code: str = "osha10-general", days_ago: int = 40,
              **evidence: Any) -> str:
        (award_id,) = self.ledger.issue([IssueRequest(slug, student, code, TODAY - timedelta(days=days_ago),
                                                      evidence or {"certificate": "OSHA-5551212"})])
        return award_id

    def journal(self) -> int:
        return self.ledger.store.journal_size()

    def transcript(self, student: str) -> list[dict[str, Any]]:
        projections = self.app.extensions["projections"]
        projections.catch_up()
        return list(projections.transcript(student, TODAY)["awards"])


def make_env(data_dir: Path, database_url: str | None = None) -> Env:
    world = make_demo_world(data_dir, database_url=database_url, students=10, staff=list(STAFF))
    return Env(world.ledger, world.app, world.users)


def post(client: FlaskClient, url: str, **data: Any) -> Any:
    return client.post(url, data={"csrf_token": CSRF, **data})


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def custodian_slug(env: Env, award_id: str) -> str:
    return env.ledger.award(award_id).custodian.rsplit(":", 1)[-1]


# Signing in ------------------------------------------------------------------


def test_every_console_page_needs_a_signed_in_staff_member(env: Env) -> None:
    client = env.client(None)
    student = env.student()
    for url in ["/console/", "/console/riverbend/students", f"/console/riverbend/students/{student}",
                "/console/riverbend/students/new", "/console/riverbend/import", "/console/riverbend/keys",
                "/console/riverbend/staff", "/console/import/template.csv"]:
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/login"), url
    before = env.journal()
    response = post(client, "/console/riverbend/students/new", name="Nobody", birth_date="2008-01-01", local_id="X1")
    assert response.status_code == 302 and response.location.startswith("/login")
    response = post(client, f"/console/riverbend/students/{student}/awards/new", credential="osha10-general",
                    earned=TODAY.isoformat())
    assert response.status_code == 302 and env.journal() == before


def test_a_form_without_its_csrf_token_is_refused(env: Env) -> None:
    student = env.student()
    before = env.journal()
    response = env.client("rb_registrar").post(f"/console/riverbend/students/{student}/awards/new",
                                               data={"credential": "osha10-general", "earned": TODAY.isoformat()})
    assert response.status_code == 400 and "Reload the page" in text(response)
    assert env.journal() == before


# Dashboard -------------------------------------------------------------------


def test_dashboard_shows_counts_activity_with_log_index_and_pending_transfers(env: Env) -> None:
    student = env.student(name="Dashiell Moreau-Kapoor")
    env.award(student)
    last = env.ledger.store.journal_size() - 1
    page = text(env.client("rb_registrar").get("/console/"))
    assert "Riverbend Unified School District" in page and "credentials active" in page
    assert "Log index" in page and f'<td class="mono" data-label="Log index">{last}</td>' in page
    assert "OSHA 10-Hour General Industry" in page and "Dashiell Moreau-Kapoor" in page
    assert "Transfers waiting for you" in page
    # The feed's events in words (verifiers.protocol.event_words), never their class names.
    assert '<td data-label="Event">Credential recorded</td>' in page and "CredentialIssued" not in page
    # A registrar never sees another institution's dashboard, whatever the URL says.
    assert env.client("rb_registrar").get("/console/?issuer=lakeshore").status_code == 403


def test_the_operator_picks_an_institution(env: Env) -> None:
    client = env.client("operator")
    page = text(client.get("/console/"))
    assert "Choose an institution" in page and "/console/?issuer=lakeshore" in page
    assert "Lakeshore County Schools" in text(client.get("/console/?issuer=lakeshore"))
    assert client.get("/console/?issuer=no-such-school").status_code == 404


def test_the_csv_template_downloads(env: Env) -> None:
    response = env.client("rb_viewer").get("/console/import/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert text(response).startswith("local_id,student,credential,earned,certificate,score,license_number")


# Finding students --------------------------------------------------------------


def test_find_a_student_by_name_local_id_or_id(env: Env) -> None:
    student = env.student(name="Zoë Quillfeather", local_id="RB-7001")
    client = env.client("rb_viewer")
    for query in ("zoe", "QUILL", "rb-7001"):
        page = text(post(client, "/console/riverbend/students", q=query))
        assert "Zoë Quillfeather" in page and student in page, query
    response = post(client, "/console/riverbend/students", q=student.upper())
    assert response.status_code == 303 and response.location.endswith(f"/console/riverbend/students/{student}")
    assert post(client, "/console/riverbend/students", q=str(uuid.uuid4())).status_code == 404
    assert "No student matches" in text(post(client, "/console/riverbend/students", q="zzzz"))
    # Lakeshore has no relationship with this student: the name search does not find them.
    page = text(post(env.client("lk_registrar"), "/console/lakeshore/students", q="Quillfeather"))
    assert "Zoë Quillfeather" not in page and "No student matches" in page
    assert env.client("lk_registrar").get("/console/riverbend/students").status_code == 403


def test_student_page_shows_identity_only_to_an_institution_with_a_relationship(env: Env) -> None:
    student = env.student(name="Imogen Strathearn", local_id="RB-7002")
    env.award(student, code="bls-provider", certificate="BLS-8")
    page = text(env.client("rb_viewer").get(f"/console/riverbend/students/{student}"))
    assert "Imogen Strathearn" in page and "RB-7002" in page and "BLS Provider" in page
    assert 'class="badge active"' in page
    assert "Record a credential" not in page  # a viewer gets no write buttons
    # Lakeshore does not relate to the student: the very answer an unknown id gets (ledger.access).
    outsider = env.client("lk_registrar")
    unknown = str(uuid.uuid4())
    other = outsider.get(f"/console/lakeshore/students/{student}")
    missing = outsider.get(f"/console/lakeshore/students/{unknown}")
    assert other.status_code == missing.status_code == 404
    assert text(other).replace(student, "ID") == text(missing).replace(unknown, "ID")
    assert "Imogen Strathearn" not in text(other) and "BLS Provider" not in text(other)
    assert env.client("rb_viewer").get(f"/console/riverbend/students/{uuid.uuid4()}").status_code == 404


# Registering students and claim codes ------------------------------------------


def test_register_a_student_with_a_claim_code_shown_once(env: Env) -> None:
    client = env.client("rb_registrar")
    assert "Register a student" in text(client.get("/console/riverbend/students/new"))
    response = post(client, "/console/riverbend/students/new", name="Tobias Fenwick-Adeyemi",
                    birth_date="2009-02-11", local_id="RB-7003", claim="yes")
    assert response.status_code == 201
    page = text(response)
    (link,) = set(re.findall(r'href="(http://localhost/claim/[A-Z0-9-]+)"', page))
    code = link.rsplit("/", 1)[1]
    assert f">{code}<" in page and "only this once" in page
    student = env.app.extensions["accounts"].claim(code)
    assert student is not None
    assert env.ledger.identity(student).claims["local_id"] == "RB-7003"


def test_register_a_student_refuses_bad_input_naming_the_field(env: Env) -> None:
    client = env.client("rb_registrar")
    env.student(local_id="RB-7004")
    before = env.journal()
    for data, field in [({"name": "", "birth_date": "2009-02-11", "local_id": "RB-7005"}, "name"),
                        ({"name": "A B", "birth_date": "2099-01-01", "local_id": "RB-7005"}, "birth_date"),
                        ({"name": "A B", "birth_date": "11/02/2009", "local_id": "RB-7005"}, "birth_date"),
                        ({"name": "A B", "birth_date": "2009-02-11", "local_id": "rb-7004"}, "local_id"),
                        ({"name": "A B", "birth_date": "2009-02-11", "local_id": "RB-7005", "cohort": "1889"},
                         "cohort"),
                        ({"name": "A B", "birth_date": "2009-02-11", "local_id": "RB-7005", "cohort": "next year"},
                         "cohort")]:
        response = post(client, "/console/riverbend/students/new", **data)
        assert response.status_code == 400, data
        assert f"{field}:" in text(response)
    assert env.journal() == before


def test_register_a_student_with_a_graduating_class(env: Env) -> None:
    """Issue 13: pathway status asks for the graduating class, and nothing in the console recorded it."""
    client = env.client("rb_registrar")
    assert 'name="cohort"' in text(client.get("/console/riverbend/students/new"))
    response = post(client, "/console/riverbend/students/new", name="Tomasz Reyes-Akande", birth_date="2010-01-20",
                    local_id="RB-7010", cohort="2028")
    assert response.status_code == 303
    student = response.location.rsplit("/", 1)[1]
    assert env.ledger.student(student).cohort == 2028


def test_register_a_student_is_refused_to_viewers_and_other_institutions(env: Env) -> None:
    before = env.journal()
    data = {"name": "Mallory Intruder", "birth_date": "2009-02-11", "local_id": "RB-7006"}
    assert post(env.client("rb_viewer"), "/console/riverbend/students/new", **data).status_code == 403
    assert post(env.client("lk_registrar"), "/console/riverbend/students/new", **data).status_code == 403
    assert env.journal() == before


def test_claim_codes_are_made_and_revoked_by_the_institution_that_knows_the_student(env: Env) -> None:
    accounts = env.app.extensions["accounts"]
    student = env.student(name="Priya Oduya", local_id="RB-7007")
    client = env.client("rb_registrar")
    response = post(client, f"/console/riverbend/students/{student}/claims")
    assert response.status_code == 201
    code = re.search(r"/claim/([A-Z0-9-]+)", text(response)).group(1)  # type: ignore[union-attr]
    assert accounts.claim(code) == student
    (claim,) = accounts.claims(student)
    # Lakeshore knows nothing of this student: no claim code from them, and no revoking Riverbend's.
    outsider = env.client("lk_registrar")
    assert post(outsider, f"/console/lakeshore/students/{student}/claims").status_code == 404
    # Another institution's code is answered like an unknown one.
    assert post(outsider, f"/console/lakeshore/students/{student}/claims/{claim['id']}/revoke").status_code == 404
    assert post(outsider, f"/console/riverbend/students/{student}/claims/{claim['id']}/revoke").status_code == 403
    assert post(env.client("rb_viewer"), f"/console/riverbend/students/{student}/claims").status_code == 403
    assert len(accounts.claims(student)) == 1 and accounts.claim(code) == student
    assert post(client, f"/console/riverbend/students/{student}/claims/{uuid.uuid4()}/revoke").status_code == 404
    # A new code replaces the old one (it was lost, say); revoking the new one leaves none that works.
    response = post(client, f"/console/riverbend/students/{student}/claims")
    new_code = re.search(r"/claim/([A-Z0-9-]+)", text(response)).group(1)  # type: ignore[union-attr]
    assert accounts.claim(code) is None and accounts.claim(new_code) == student
    (claim,) = [c for c in accounts.claims(student) if not c["revoked"]]
    response = post(client, f"/console/riverbend/students/{student}/claims/{claim['id']}/revoke")
    assert response.status_code == 303
    assert accounts.claim(new_code) is None
    assert "revoked" in text(client.get(f"/console/riverbend/students/{student}"))
    assert post(client, f"/console/riverbend/students/{uuid.uuid4()}/claims").status_code == 404


# Recording awards ----------------------------------------------------------------


def test_record_an_award_from_the_catalog_with_evidence(env: Env) -> None:
    student = env.student(name="Nadia Voskuijlen")
    client = env.client("rb_registrar")
    form = text(client.get(f"/console/riverbend/students/{student}/awards/new"))
    assert '<option value="servsafe-manager"' in form and 'name="evidence_key_0" value="certificate"' in form
    earned = (TODAY - timedelta(days=10)).isoformat()
    response = post(client, f"/console/riverbend/students/{student}/awards/new", credential="servsafe-manager",
                    earned=earned, evidence_key_0="certificate", evidence_value_0="SSM-20931",
                    evidence_key_1="score", evidence_value_1="92", evidence_key_2="license_number",
                    evidence_value_2="")
    assert response.status_code == 303 and response.location.endswith(f"/console/riverbend/students/{student}")
    (award,) = env.transcript(student)
    assert award["credential"] == "servsafe-manager" and award["earned"] == earned
    assert award["evidence"] == {"certificate": "SSM-20931", "score": 92}
    page = text(client.get(response.location))
    assert "ServSafe Food Protection Manager" in page and "Recorded ServSafe" in page and "SSM-20931" in page


@pytest.mark.parametrize(("data", "status", "says"), [
    ({"credential": "osha10-general", "earned": "2026-13-01"}, 400, "earned"),
    ({"credential": "osha10-general", "earned": ""}, 400, "earned"),
    ({"credential": "basket-weaving", "earned": "2026-01-01"}, 400, "credential"),
    ({"credential": "osha10-general", "earned": "2026-01-01", "evidence_value_4": "x"}, 400, "evidence"),
    ({"credential": "osha10-general", "earned": (TODAY + timedelta(days=30)).isoformat()}, 409,
     "cannot be earned in the future"),
    ({"credential": "osha10-general", "earned": "2026-01-01", "supersedes": "not-a-uuid"}, 400, "supersedes"),
])
def test_record_an_award_refuses_naming_the_field_or_the_ledgers_reason(env: Env, data: dict[str, str], status: int,
                                                                        says: str) -> None:
    student = env.student()
    before = env.journal()
    response = post(env.client("rb_registrar"), f"/console/riverbend/students/{student}/awards/new", **data)
    assert response.status_code == status
    assert says in text(response)
    assert env.journal() == before


def test_an_amendment_needs_the_old_award_revoked_as_superseded(env: Env) -> None:
    student = env.student()
    old = env.award(student)
    before = env.journal()
    response = post(env.client("rb_registrar"), f"/console/riverbend/students/{student}/awards/new",
                    credential="osha10-general", earned=TODAY.isoformat(), supersedes=old)
    assert response.status_code == 409 and "revoke the old award with reason" in text(response)
    assert env.journal() == before


def test_record_an_award_is_refused_to_viewers_other_institutions_and_unknown_students(env: Env) -> None:
    student = env.student()
    before = env.journal()
    data = {"credential": "osha10-general", "earned": TODAY.isoformat()}
    assert env.client("rb_viewer").get(f"/console/riverbend/students/{student}/awards/new").status_code == 403
    assert post(env.client("rb_viewer"), f"/console/riverbend/students/{student}/awards/new", **data).status_code == 403
    # Lakeshore's registrar posting to Riverbend's form: Riverbend's key would sign it. Never.
    response = post(env.client("lk_registrar"), f"/console/riverbend/students/{student}/awards/new", **data)
    assert response.status_code == 403
    assert post(env.client("rb_registrar"), f"/console/riverbend/students/{uuid.uuid4()}/awards/new",
                **data).status_code == 404
    assert env.journal() == before


# Revocation and amendment --------------------------------------------------------


def test_revoke_with_a_reason_and_a_note(env: Env) -> None:
    student = env.student()
    award = env.award(student)
    client = env.client("rb_registrar")
    form = text(client.get(f"/console/riverbend/awards/{award}/revoke"))
    assert '<option value="misconduct"' in form and "obtained by cheating or fraud" in form
    response = post(client, f"/console/riverbend/awards/{award}/revoke", reason="misconduct",
                    note="Exam proctor reported the result void.")
    assert response.status_code == 303
    assert env.ledger.award(award).revocation["reason"] == "misconduct"  # type: ignore[index]
    page = text(client.get(response.location))  # the status in words, never its code
    assert "revoked (obtained by cheating or fraud)" in page and "revoked: misconduct" not in page
    again = post(client, f"/console/riverbend/awards/{award}/revoke", reason="other", note="twice")
    assert again.status_code == 409 and "already revoked" in text(again)


def test_revoke_refuses_bad_input_other_institutions_and_unknown_awards(env: Env) -> None:
    student = env.student()
    award = env.award(student)
    before = env.journal()
    client = env.client("rb_registrar")
    response = post(client, f"/console/riverbend/awards/{award}/revoke", reason="bored", note="x")
    assert response.status_code == 400 and "reason" in text(response)
    response = post(client, f"/console/riverbend/awards/{award}/revoke", reason="other", note="")
    assert response.status_code == 400 and "note" in text(response)
    outsider = env.client("lk_registrar")
    assert post(outsider, f"/console/riverbend/awards/{award}/revoke", reason="other", note="x").status_code == 403
    # Another institution's award is answered like an unknown one (as the API does).
    assert post(outsider, f"/console/lakeshore/awards/{award}/revoke", reason="other", note="x").status_code == 404
    assert outsider.get(f"/console/lakeshore/awards/{award}/revoke").status_code == 404
    assert post(env.client("rb_viewer"), f"/console/riverbend/awards/{award}/revoke", reason="other",
                note="x").status_code == 403
    assert post(client, f"/console/riverbend/awards/{uuid.uuid4()}/revoke", reason="other",
                note="x").status_code == 404
    assert env.journal() == before and env.ledger.award(award).revocation is None


def test_amend_revokes_as_superseded_then_records_the_prefilled_correction(env: Env) -> None:
    student = env.student(name="Felix Abernathy-Tan")
    old = env.award(student, code="comptia-a-plus", days_ago=20, certificate="COMP-001", score=81)
    client = env.client("rb_registrar")
    form = text(client.get(f"/console/riverbend/awards/{old}/revoke", query_string={"amend": "1"}))
    assert '<option value="superseded" selected>' in form
    response = post(client, f"/console/riverbend/awards/{old}/revoke", reason="superseded",
                    note="Score corrected from the vendor report.")
    assert response.status_code == 303 and f"supersedes={old}" in response.location
    prefilled = text(client.get(response.location))
    assert '<option value="comptia-a-plus" selected>' in prefilled and 'value="COMP-001"' in prefilled
    assert f'name="supersedes" value="{old}"' in prefilled
    earned = (TODAY - timedelta(days=20)).isoformat()
    response = post(client, f"/console/riverbend/students/{student}/awards/new", credential="comptia-a-plus",
                    earned=earned, supersedes=old, evidence_key_0="certificate", evidence_value_0="COMP-001",
                    evidence_key_1="score", evidence_value_1="86")
    assert response.status_code == 303
    awards = {a["award"]: a for a in env.transcript(student)}
    new = next(a for a in awards.values() if a["supersedes"] == old)
    assert awards[old]["status"] == "superseded" and new["evidence"]["score"] == 86 and new["status"] == "active"
    assert client.get(f"/console/riverbend/students/{student}/awards/new",
                      query_string={"supersedes": str(uuid.uuid4())}).status_code == 404


# Transfers -----------------------------------------------------------------------


def propose(env: Env, student: str, to: str = "lakeshore") -> str:
    response = post(env.client("rb_registrar"), f"/console/riverbend/students/{student}/transfer", to=to,
                    reason="Student enrolled at Lakeshore County Schools")
    assert response.status_code == 303, text(response)
    (transfer,) = env.app.extensions["transfers"].pending_for("riverbend", student)
    return transfer.id


def test_transfer_to_another_institution_which_accepts(env: Env) -> None:
    student = env.student(name="Marisol Okonkwo-Berg")
    awards = [env.award(student), env.award(student, code="bls-provider", certificate="BLS-55")]
    client = env.client("rb_registrar")
    form = text(client.get(f"/console/riverbend/students/{student}/transfer"))
    assert "Lakeshore County Schools" in form and "BLS Provider" in form and "server holds" in form
    transfer_id = propose(env, student)
    assert [custodian_slug(env, a) for a in awards] == ["riverbend", "riverbend"]  # nothing moved yet
    assert "waiting for them to accept" in text(client.get(f"/console/riverbend/students/{student}"))
    again = post(client, f"/console/riverbend/students/{student}/transfer", to="lakeshore", reason="again")
    assert again.status_code == 409 and "already waiting" in text(again)

    receiver = env.client("lk_registrar")
    dashboard = text(receiver.get("/console/"))
    assert "Marisol Okonkwo-Berg" in dashboard and f"/console/lakeshore/transfers/{transfer_id}/accept" in dashboard
    review = text(receiver.get(f"/console/lakeshore/transfers/{transfer_id}"))
    assert "Marisol Okonkwo-Berg" in review and "BLS Provider" in review and "Accept and countersign" in review

    # Nobody else may decide it.
    before = env.journal()
    assert post(client, f"/console/riverbend/transfers/{transfer_id}/accept").status_code == 403
    assert post(env.client("ctc_registrar"), f"/console/riverbend-ctc/transfers/{transfer_id}/accept").status_code == 404
    assert env.client("ctc_registrar").get(f"/console/riverbend-ctc/transfers/{transfer_id}").status_code == 404
    assert post(env.client("lk_viewer"), f"/console/lakeshore/transfers/{transfer_id}/accept").status_code == 403
    assert post(receiver, f"/console/lakeshore/transfers/{transfer_id}/withdraw").status_code == 403
    assert env.journal() == before

    response = post(receiver, f"/console/lakeshore/transfers/{transfer_id}/accept")
    assert response.status_code == 303 and response.location.endswith(f"/console/lakeshore/students/{student}")
    assert env.journal() == before + 3  # two transfers, countersigned, and the offer closed
    assert [custodian_slug(env, a) for a in awards] == ["lakeshore", "lakeshore"]
    page = text(receiver.get(response.location))
    assert "Marisol Okonkwo-Berg" in page and "held by Lakeshore County Schools" in page
    assert "Revoke" in page  # the new custodian may now revoke
    twice = post(receiver, f"/console/lakeshore/transfers/{transfer_id}/accept")
    assert twice.status_code == 409 and "already accepted" in text(twice)
    # The releasing institution no longer holds them: it cannot revoke or transfer them again.
    assert post(client, f"/console/riverbend/awards/{awards[0]}/revoke", reason="other", note="x").status_code == 403
    response = post(client, f"/console/riverbend/students/{student}/transfer", to="lakeshore", reason="again")
    assert response.status_code == 409 and "holds no credentials" in text(response)


def test_transfer_declined_or_withdrawn_changes_nothing(env: Env) -> None:
    student = env.student()
    award = env.award(student)
    transfer_id = propose(env, student)
    receiver = env.client("lk_registrar")
    assert post(receiver, f"/console/lakeshore/transfers/{transfer_id}/decline").status_code == 303
    assert env.app.extensions["transfers"].get(transfer_id).status == "declined"
    assert post(receiver, f"/console/lakeshore/transfers/{transfer_id}/accept").status_code == 409
    transfer_id = propose(env, student)
    assert post(env.client("rb_registrar"), f"/console/riverbend/transfers/{transfer_id}/withdraw").status_code == 303
    assert env.app.extensions["transfers"].get(transfer_id).status == "withdrawn"
    assert custodian_slug(env, award) == "riverbend"
    # Offer and decision are signed ledger facts; no custody changed.
    kinds = [doc["type"] for _, doc, _ in env.ledger.student_history(student)]
    assert kinds.count("TransferOffered") == 2 and "CredentialTransferred" not in kinds
    assert post(receiver, f"/console/lakeshore/transfers/{uuid.uuid4()}/accept").status_code == 404
    # Once closed, the receiver no longer relates to the student.
    assert receiver.get(f"/console/lakeshore/students/{student}").status_code == 404


def test_transfer_refuses_bad_destinations(env: Env) -> None:
    student = env.student()
    env.award(student)
    client = env.client("rb_registrar")
    for to, says in [("", "to"), ("riverbend", "another institution"), ("atlantis", "no such institution")]:
        response = post(client, f"/console/riverbend/students/{student}/transfer", to=to, reason="x")
        assert response.status_code == 400 and says in text(response), to
    # Only an institution that knows the student can start a transfer of their record.
    assert post(env.client("lk_registrar"), f"/console/lakeshore/students/{student}/transfer", to="riverbend",
                reason="x").status_code == 404
    assert post(env.client("rb_viewer"), f"/console/riverbend/students/{student}/transfer", to="lakeshore",
                reason="x").status_code == 403


def test_a_stale_transfer_is_refused_on_acceptance_with_the_ledgers_reason(env: Env) -> None:
    student = env.student()
    award = env.award(student)
    transfer_id = propose(env, student)
    # Meanwhile the award went elsewhere: the center countersigned it off the console.
    transfer(env.ledger, [award], "riverbend-ctc", "Enrolled at the CTE center")
    assert env.app.extensions["transfers"].get(transfer_id).status == "overtaken"
    before = env.journal()
    response = post(env.client("lk_registrar"), f"/console/lakeshore/transfers/{transfer_id}/accept")
    assert response.status_code == 409 and "the offer is overtaken" in text(response)
    assert env.journal() == before and custodian_slug(env, award) == "riverbend-ctc"


# Staff and API tokens --------------------------------------------------------------


def test_staff_and_api_tokens(env: Env) -> None:
    accounts = env.app.extensions["accounts"]
    client = env.client("rb_admin")
    page = text(client.get("/console/riverbend/staff"))
    assert "reg@riverbend.example" in page and "reg@lakeshore.example" not in page
    response = post(client, "/console/riverbend/staff", name="Sam Newhire", email="sam@riverbend.example",
                    role="viewer", password="long-enough-pw")
    assert response.status_code == 303
    assert accounts.authenticate("sam@riverbend.example", "long-enough-pw").role == "viewer"  # type: ignore[union-attr]
    for data, field in [({"email": "not-an-email", "password": "long-enough-pw", "role": "viewer"}, "email"),
                        ({"email": "x@riverbend.example", "password": "short", "role": "viewer"}, "password"),
                        ({"email": "y@riverbend.example", "password": "long-enough-pw", "role": "operator"}, "role"),
                        ({"email": "sam@riverbend.example", "password": "long-enough-pw", "role": "viewer"}, "email")]:
        response = post(client, "/console/riverbend/staff", name="N", **data)
        assert response.status_code == 400 and f"{field}:" in text(response), data

    response = post(client, "/console/riverbend/tokens", label="SIS nightly sync", role="registrar")
    assert response.status_code == 201
    token = re.search(r"clt_[A-Za-z0-9_-]+", text(response)).group(0)  # type: ignore[union-attr]
    actor = accounts.api_actor(token)
    assert actor is not None and actor.issuer == "riverbend" and actor.role == "registrar"
    assert token not in text(client.get("/console/riverbend/staff"))  # shown once only
    assert post(client, "/console/riverbend/tokens", label="x", role="operator").status_code == 400

    (row,) = [t for t in accounts.api_tokens("riverbend") if t["label"] == "SIS nightly sync"]
    assert post(env.client("lk_admin"), f"/console/lakeshore/tokens/{row['id']}/revoke").status_code == 403
    assert post(env.client("lk_admin"), f"/console/riverbend/tokens/{row['id']}/revoke").status_code == 403
    assert post(env.client("rb_registrar"), f"/console/riverbend/tokens/{row['id']}/revoke").status_code == 403
    assert accounts.api_actor(token) is not None
    assert post(client, f"/console/riverbend/tokens/{row['id']}/revoke").status_code == 303
    assert accounts.api_actor(token) is None
    assert post(client, f"/console/riverbend/tokens/{row['id']}/revoke").status_code == 404
    assert post(client, f"/console/riverbend/tokens/{uuid.uuid4()}/revoke").status_code == 404


def test_staff_pages_are_for_administrators_of_that_institution(env: Env) -> None:
    accounts = env.app.extensions["accounts"]
    assert env.client("rb_registrar").get("/console/riverbend/staff").status_code == 403
    assert env.client("lk_admin").get("/console/riverbend/staff").status_code == 403
    data = {"name": "Eve", "email": "eve@evil.example", "role": "admin", "password": "long-enough-pw"}
    assert post(env.client("rb_registrar"), "/console/riverbend/staff", **data).status_code == 403
    assert post(env.client("lk_admin"), "/console/riverbend/staff", **data).status_code == 403
    assert post(env.client("lk_admin"), "/console/riverbend/tokens", label="x", role="admin").status_code == 403
    assert accounts.authenticate("eve@evil.example", "long-enough-pw") is None
    assert all(t["label"] != "x" for t in accounts.api_tokens("riverbend"))
    assert env.client("operator").get("/console/riverbend/staff").status_code == 200


# Keys (their own instance: they change what every later signature needs) -------------


@pytest.fixture
def key_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    monkeypatch.setattr("web.security.SCRYPT_N", 2**10)
    environment = make_env(tmp_path / "keys")
    yield environment
    environment.ledger.close()


def key_states(env: Env, slug: str) -> dict[str, Any]:
    return dict(env.ledger.issuer(slug).keys)


def test_keys_rotate_retire_and_declare_compromise(key_env: Env) -> None:
    env = key_env
    client = env.client("rb_admin")
    (first,) = key_states(env, "riverbend")
    page = text(client.get("/console/riverbend/keys"))
    assert first.rsplit("#", 1)[1][:12] in page and "held by this server" in page

    assert post(client, "/console/riverbend/keys/rotate").status_code == 303
    keys = key_states(env, "riverbend")
    (second,) = set(keys) - {first}
    assert keys[first].retired_at is not None
    page = text(client.get("/console/riverbend/keys"))
    assert "retired" in page and "held by your institution" not in page  # the server made it (issue 13)
    # The tokens form's address answers a GET too: the tokens are on the staff page.
    answer = client.get("/console/riverbend/tokens")
    assert answer.status_code == 302 and answer.location.endswith("/console/riverbend/staff#tokens")

    # Retire: never backdated (the ledger says why), a future time is scheduled.
    past = (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = post(client, "/console/riverbend/keys/retire", key=second, at=past)
    assert response.status_code == 409 and "cannot be backdated" in text(response)
    soon = (datetime.now(timezone.utc) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    assert post(client, "/console/riverbend/keys/retire", key=second, at=soon).status_code == 303
    assert key_states(env, "riverbend")[second].retired_at is not None
    assert "retiring" in text(client.get("/console/riverbend/keys"))
    response = post(client, "/console/riverbend/keys/retire", key="did:key:z6Mkx#z6Mkx", at=soon)
    assert response.status_code == 400 and "key:" in text(response)
    response = post(client, "/console/riverbend/keys/retire", key=second, at="tomorrow")
    assert response.status_code == 400 and "at:" in text(response)

    # Compromise: needs the confirmation box and a time, which may be in the past.
    response = post(client, "/console/riverbend/keys/compromise", key=first, at=past)
    assert response.status_code == 400 and "confirm:" in text(response)
    response = post(client, "/console/riverbend/keys/compromise", key=first, at="", confirm="yes")
    assert response.status_code == 400 and "at:" in text(response)
    future = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = post(client, "/console/riverbend/keys/compromise", key=first, at=future, confirm="yes")
    assert response.status_code == 409 and "future" in text(response)
    assert post(client, "/console/riverbend/keys/compromise", key=first, at=past, confirm="yes").status_code == 303
    assert key_states(env, "riverbend")[first].compromised_at is not None
    assert "compromised" in text(client.get("/console/riverbend/keys"))


def test_keys_are_managed_only_by_administrators_of_that_institution(key_env: Env) -> None:
    env = key_env
    before = key_states(env, "riverbend")
    (key,) = before
    journal = env.journal()
    assert env.client("rb_registrar").get("/console/riverbend/keys").status_code == 403
    for who in ("rb_registrar", "rb_viewer", "lk_admin"):
        client = env.client(who)
        assert post(client, "/console/riverbend/keys/rotate").status_code == 403
        assert post(client, "/console/riverbend/keys/retire", key=key, at="").status_code == 403
        assert post(client, "/console/riverbend/keys/compromise", key=key, at="2026-01-01T00:00",
                    confirm="yes").status_code == 403
    # Lakeshore's admin naming Riverbend's key on Lakeshore's own form: not one of their keys.
    response = post(env.client("lk_admin"), "/console/lakeshore/keys/compromise", key=key, at="2026-01-01T00:00",
                    confirm="yes")
    assert response.status_code == 400
    assert key_states(env, "riverbend") == before and env.journal() == journal
    assert post(env.client("operator"), "/console/riverbend/keys/rotate").status_code == 303


# PostgreSQL ------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_console_on_postgresql(postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same SQL on the production backend: dashboard, search, record, import, transfer, keys."""
    import io

    monkeypatch.setattr("web.security.SCRYPT_N", 2**10)
    env = make_env(tmp_path / "pg", database_url=postgres_url)
    try:
        student = env.student(name="Octavia Pemberton-Suarez", local_id="PG-1")
        client = env.client("rb_admin")
        assert "credentials active" in text(client.get("/console/"))
        assert "Octavia Pemberton-Suarez" in text(post(client, "/console/riverbend/students", q="oct"))
        response = post(client, f"/console/riverbend/students/{student}/awards/new", credential="bls-provider",
                        earned=TODAY.isoformat(), evidence_key_0="certificate", evidence_value_0="BLS-1")
        assert response.status_code == 303
        data = f"local_id,credential,earned\r\nPG-1,osha10-general,{TODAY.isoformat()}\r\n".encode()
        response = client.post("/console/riverbend/import", data={"csrf_token": CSRF, "file": (io.BytesIO(data), "a.csv")},
                               content_type="multipart/form-data")
        job_id = response.location.rsplit("/", 1)[1]
        assert post(client, f"/console/riverbend/import/{job_id}/commit").status_code == 303
        env.app.extensions["imports"].wait(job_id)
        assert env.app.extensions["imports"].get(job_id).status == "done"
        transfer_id = propose(env, student)
        assert post(env.client("lk_registrar"), f"/console/lakeshore/transfers/{transfer_id}/accept").status_code == 303
        assert {a["custodian_name"] for a in env.transcript(student)} == {"Lakeshore County Schools"}
        assert "held by this server" in text(client.get("/console/riverbend/keys"))
    finally:
        env.ledger.close()


def test_console_templates_have_no_inline_style_or_script() -> None:
    """The Content-Security-Policy forbids them: they would silently not work."""
    folder = Path(__file__).parents[2] / "web" / "templates" / "console"
    for template in folder.glob("*.html"):
        source = template.read_text().lower()
        for forbidden in ("style=", "<style", "<script", " on" + "click=", " on" + "submit=", "javascript:"):
            assert forbidden not in source, f"{template.name} contains {forbidden!r}"


def test_an_institution_cannot_record_for_a_student_it_does_not_serve(env: Env) -> None:
    # Recording would create a relationship, which opens the student's identity and claim codes.
    student = env.ledger.register_student("riverbend", {"name": "Quinn Unserved", "birth_date": "2008-06-01",
                                                        "local_id": "RB-880001"})
    lakeshore = env.client("lk_registrar")
    before = env.journal()
    assert lakeshore.get(f"/console/lakeshore/students/{student}/awards/new").status_code == 404
    response = post(lakeshore, f"/console/lakeshore/students/{student}/awards/new", credential="osha10-general",
                    earned=TODAY.isoformat(), evidence_key_0="certificate", evidence_value_0="OSHA-1")
    assert response.status_code == 404
    assert env.journal() == before
    page = lakeshore.get(f"/console/lakeshore/students/{student}")
    assert "Quinn Unserved" not in text(page) and "RB-880001" not in text(page)
