"""Console pages for the registrar's roster: students imported from CSV, and the facts of a student's
record (the graduating class corrected, enrolled, exited, graduated, moved to another district).

The import is checked and previewed first (web.roster_import); the preview carries the file back in
its form, and the commit checks it again and registers every new student in one transaction, or none.
The facts of a record are signed events of the district of record (ledger.enrollment): the form is
offered only there, and the ledger's rule refuses anyone else the way it answers an unknown student.

    /console/import/students-template.csv            GET   the roster CSV template          any staff
    /console/<slug>/students/import                  GET POST upload a roster CSV (preview) registrar
    /console/<slug>/students/import/commit           POST  register the previewed file      registrar
    /console/<slug>/students/<id>/record             GET   the record's forms               registrar
    /console/<slug>/students/<id>/cohort             POST  correct the graduating class     registrar
    /console/<slug>/students/<id>/enrollment         POST  record an enrollment fact        registrar
    /console/<slug>/students/<id>/state-id           POST  give or correct the state id     registrar
    /console/<slug>/assessments/import               GET POST WorkKeys score reports (check) registrar
    /console/<slug>/assessments/import/commit        POST  record the checked file          registrar

WorkKeys score reports follow the same two steps, with the API's and CLI's one rule
(ledger.assessments.workkeys_requests): every row named, then every sitting recorded, or none.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request

from ledger.assessments import WORKKEYS_COLUMNS, record_assessments, workkeys_requests
from ledger.enrollment import correct_cohort, record_enrollment, record_state_id
from ledger.errors import InputError, LedgerError
from ledger.rules import DIPLOMA_TYPES, EXIT_REASONS
from web import schemas
from web.auth import staff_required
from web.console_common import Scope, done, form_error, issuer_names, scope, today
from web.roster import local_id_resolver
from web.roster_import import FORMAT, RosterRow, template_csv
from web.services import ledger, projections, roster, roster_import

bp = Blueprint("console_roster", __name__, url_prefix="/console")
TEMPLATE = "console/student_import.html"
WORKKEYS_TEMPLATE = "console/workkeys_import.html"


@bp.route("/<slug>/students/import", methods=["GET", "POST"])
@staff_required
def student_import(slug: str) -> Any:
    s = scope(slug, "registrar")
    context: dict[str, Any] = {"scope": s, "format": FORMAT, "rows": None, "csv_text": ""}
    if request.method == "GET":
        return render_template(TEMPLATE, errors={}, **context)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InputError.for_field("file", "choose a CSV file")
        data = upload.read()
        rows = roster_import().check(slug, data, today())
    except LedgerError as e:
        return form_error(TEMPLATE, e, **context)
    # The preview: the file rides back in the commit form (decoded: parse_csv accepted it as UTF-8).
    return render_template(TEMPLATE, errors={}, **{**context, "rows": rows,
                                                   "csv_text": data.decode("utf-8-sig")})


@bp.post("/<slug>/students/import/commit")
@staff_required
def student_import_commit(slug: str) -> Any:
    s = scope(slug, "registrar")
    data = request.form.get("csv", "").encode()
    try:
        if not data:
            raise InputError.for_field("file", "upload the file again")
        rows, ids = roster_import().commit(slug, data, today())
    except LedgerError as e:
        try:
            shown: list[RosterRow] | None = roster_import().check(slug, data, today())  # each row's problem again
        except LedgerError:
            shown = None
        return form_error(TEMPLATE, e, scope=s, format=FORMAT, rows=shown, csv_text=data.decode())
    added = sum(1 for r in rows if r.adds_state_id)
    skipped = len(rows) - len(ids) - added
    return done(f"Registered {len(ids)} student(s)" + (f"; added the state id of {added}" if added else "")
                + (f"; {skipped} were registered already." if skipped else "."), "console.students", slug=slug)


@bp.get("/import/students-template.csv")
@staff_required
def student_import_template() -> Response:
    return Response(template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="credledger-students-template.csv"'})


def record_context(s: Scope, student_id: str) -> dict[str, Any]:
    """What the record's forms show; 404 for a student the institution does not see (ledger.access)."""
    projections().catch_up()
    ledger().access.require_visible(s.did, student_id)
    record = projections().student_record(student_id)
    return {"scope": s, "student_id": student_id, "identity": roster().identity(student_id), "record": record,
            "keeps_record": record["district"] == s.did, "exit_reasons": EXIT_REASONS, "diplomas": DIPLOMA_TYPES,
            "districts": [(i["slug"], i["name"]) for i in projections().issuers() if i["did"] != s.did],
            "issuer_names": issuer_names(), "today": today().isoformat(), "form": {}}


@bp.get("/<slug>/students/<student_id>/record")
@staff_required
def record(slug: str, student_id: str) -> Any:
    return render_template("console/student_record.html", errors={}, **record_context(scope(slug, "registrar"),
                                                                                      student_id))


@bp.post("/<slug>/students/<student_id>/cohort")
@staff_required
def cohort(slug: str, student_id: str) -> Any:
    s = scope(slug, "registrar")
    context = record_context(s, student_id)
    try:
        data = schemas.load(schemas.CohortInput, {"cohort": request.form.get("cohort", "").strip() or None})
        correct_cohort(ledger(), slug, student_id, data["cohort"])
    except LedgerError as e:
        return form_error("console/student_record.html", e, **{**context, "form": request.form})
    return done(f"The graduating class is now {data['cohort']}.", "console.student", slug=slug,
                student_id=student_id)


@bp.post("/<slug>/students/<student_id>/state-id")
@staff_required
def state_id(slug: str, student_id: str) -> Any:
    s = scope(slug, "registrar")
    context = record_context(s, student_id)
    try:
        data = schemas.load(schemas.StateIdInput, {"state_id": request.form.get("state_id", "").strip()})
        record_state_id(ledger(), slug, student_id, schemas.state_id_of(data))
    except LedgerError as e:
        return form_error("console/student_record.html", e, **{**context, "form": request.form})
    # The id is not repeated in the message: the flash is stored in the session cookie.
    return done("The state student id is recorded.", "console.student", slug=slug, student_id=student_id)


@bp.post("/<slug>/students/<student_id>/enrollment")
@staff_required
def enrollment(slug: str, student_id: str) -> Any:
    s = scope(slug, "registrar")
    context = record_context(s, student_id)
    form = request.form
    kind = form.get("kind", "")
    try:
        data = schemas.load(schemas.EnrollmentInput, {
            "kind": kind, "date": form.get("date", ""),
            **({schemas.ENROLLMENT_DETAILS[kind]: form.get(schemas.ENROLLMENT_DETAILS[kind], "").strip()}
               if kind in schemas.ENROLLMENT_DETAILS else {})})
        record_enrollment(ledger(), slug, student_id, schemas.enrollment_fact(data))
    except LedgerError as e:
        return form_error("console/student_record.html", e, **{**context, "form": form})
    return done("Recorded.", "console.student", slug=slug, student_id=student_id)


@bp.route("/<slug>/assessments/import", methods=["GET", "POST"])
@staff_required
def workkeys_import(slug: str) -> Any:
    s = scope(slug, "registrar")
    context: dict[str, Any] = {"scope": s, "columns": list(WORKKEYS_COLUMNS), "checked": None, "csv_text": ""}
    if request.method == "GET":
        return render_template(WORKKEYS_TEMPLATE, errors={}, **context)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InputError.for_field("file", "choose a CSV file")
        text = upload.read().decode("utf-8-sig")
        requests = _workkeys(slug, s, text)
    except UnicodeDecodeError:
        return form_error(WORKKEYS_TEMPLATE, InputError.for_field("file", "save it as CSV UTF-8"), **context)
    except LedgerError as e:
        return form_error(WORKKEYS_TEMPLATE, e, **context)
    return render_template(WORKKEYS_TEMPLATE, errors={}, **{**context, "checked": len(requests), "csv_text": text})


@bp.post("/<slug>/assessments/import/commit")
@staff_required
def workkeys_import_commit(slug: str) -> Any:
    s = scope(slug, "registrar")
    text = request.form.get("csv", "")
    try:
        if not text:
            raise InputError.for_field("file", "upload the file again")
        ids = record_assessments(ledger(), _workkeys(slug, s, text))
    except LedgerError as e:
        return form_error(WORKKEYS_TEMPLATE, e, scope=s, columns=list(WORKKEYS_COLUMNS), checked=None, csv_text="")
    return done(f"Recorded {len(ids)} WorkKeys sitting(s).", "console.students", slug=slug)


def _workkeys(slug: str, s: Scope, text: str) -> list[Any]:
    return workkeys_requests(text, slug, local_id_resolver(roster(), s.did))
