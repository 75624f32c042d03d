"""District reports (`/reports`) and a student's pathway status, for staff.

Thin views over `ledger.reports`: the same reports as `credledger report`,
as pages with bar charts (inline SVG sized by attributes, never a style
attribute: the CSP forbids inline styles) and as CSV downloads; and the
state's files (`POST /reports/state-file`, ledger.reports.state_files) as
downloads. Report inputs
that the ledger does not keep (free/reduced lunch, concentrators, pathway
inputs) are uploaded with the request and never stored.

Scope: the operator sees every institution's students and may pick a
district; an institution's staff see the students their institution
registered.

Other pages show a student's pathway status with
`ledger.reports.student.student_pathways(projections, student_id, today=...)` and the
`pathway_status` macro of `reports/_pathways.html`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)

from ledger.errors import InputError, LedgerError, NotFoundError
from ledger.reports import REPORTS, build_report
from ledger.pathways.states import load_issuer_states
from ledger.reports.inputs import parse_concentrators, parse_inputs_csv, parse_student_ids
from ledger.reports.layouts import layout_names, load_layout
from ledger.reports.state_files import build_state_file
from ledger.reports.student import student_pathways
from ledger.statelists import STATES, school_year_of, school_year_to_text
from web.auth import current_actor, staff_required
from web.services import ledger

bp = Blueprint("reports", __name__, url_prefix="/reports")

DESCRIPTIONS = {
    "irc-summary": ("District IRC summary", ("Credentials earned, by attending center, school, program, cluster and "
                                            "year, with each center's share.")),
    "perkins-5s1": ("Perkins V 5S1", "CTE concentrators who attained a recognized postsecondary credential."),
    "ohio-status": ("Ohio credential option", "Each student's points, WorkKeys, IRC seal and two demonstrations."),
    "colorado-incentive": ("Colorado incentive claim", ("Each district's Career Development Incentive claim, in "
                                                       "tier order, with the caps.")),
}
# The files each report reads, as `credledger report NAME --frl/--inputs/--concentrators FILE` does:
# report -> ((form field, label, what the file holds), ...). Read by ledger.reports.inputs, never stored.
UPLOADS = {
    "colorado-incentive": (
        ("frl", "Free/reduced lunch list", "Students eligible for free/reduced lunch: one student id a line."),
        ("inputs", "Workplace training and CS AP", "CSV with the columns student, workplace_training, cs_ap "
                                                   "(yes/no; for the report's school year)."),
    ),
    "perkins-5s1": (("concentrators", "CTE concentrators", "CSV with the columns student, graduated "
                                                           "(yes, no or the date), or one student id a line."),),
    "ohio-status": (("inputs", "Pathway inputs", "CSV: student, wbl_hours, webxams_pathway, webxams_passed, "
                                                 "pre_apprenticeship, omj_seal, eoc_retake (and the other input "
                                                 "columns)."),),
}
FORM_FIELDS = ("year", "state", "funds", "district", "frl", "inputs", "concentrators", "graduated")


# The state files (ledger.reports.state_files), as the index offers them.
STATE_FILES = {"oh": "Ohio EMIS FA Student Assessment records (GW, WK), fixed width",
               "nm": "New Mexico STARS CTE Student Industry Credential (CSV)",
               "co": "Colorado CDIP claim data (CSV; needs the funds)"}


def _projections() -> Any:
    projections = current_app.extensions["projections"]
    projections.catch_up()
    return projections


def _scope() -> str | None:
    """The district (issuer slug) the signed-in staff member may report on; None: every one (operator)."""
    actor = current_actor()
    if actor is None:
        abort(403)
    if actor.is_operator:
        return request.values.get("district") or None
    return actor.issuer


def _index(status: int = 200, **extra: Any) -> Any:
    files = {n: STATE_FILES.get(n) or _layout_title(n) for n in layout_names(ledger().config.data_dir)}
    return render_template("reports/index.html", reports=DESCRIPTIONS, uploads=UPLOADS, states=STATES,
                           this_year=school_year_to_text(school_year_of(_today())), district=_scope(),
                           actor=current_actor(), state_files=files, **extra), status


def _layout_title(name: str) -> str:
    """An instance's own layout by its title; a broken one by its name (choosing it names the problem)."""
    try:
        return load_layout(name, ledger().config.data_dir).title
    except InputError:
        return name


@bp.get("/")
@staff_required
def index() -> Any:
    return _index()


@bp.post("/state-file")
@staff_required
def state_file() -> Any:
    """The state's file as a download: the students the reader's institution may see (ledger.access), the
    operator's of one district or of all. Refused, with every problem named, rather than written with holes."""
    district = _scope()
    values = request.values
    served = ledger().access.students(ledger().issuer_did(district)) if district else None
    try:
        frl, inputs = _upload("frl"), _upload("inputs")
        built = build_state_file(
            values.get("state") or "", _projections().view, year=values.get("year") or None,
            identities=lambda ids: ledger().identities([i for i in ids if served is None or i in served]),
            data_dir=ledger().config.data_dir, district=district, served=served,
            issuer_states=load_issuer_states(ledger().config.data_dir), funds_cents=_funds(values.get("funds")),
            frl=parse_student_ids(frl, what="frl") if frl else None,
            inputs=parse_inputs_csv(inputs) if inputs else None, omit_missing=values.get("omit_missing") == "yes")
    except (InputError, NotFoundError) as e:
        errors = getattr(e, "errors", None) or {}
        return _index(400, error=str(e), errors=errors, chosen="state-file", fields=_fields_in_error(errors))
    mimetype = "text/csv" if built.layout.format == "csv" else "text/plain"
    # How many were left out for want of a state id (a count: the ids are on the refusal page, not in a header).
    return Response(built.text.encode("utf-8"), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{built.filename}"',
                             "X-Records": str(len(built.records)), "X-Omitted-Students": str(len(built.omitted))})


@bp.route("/<name>", methods=["GET", "POST"])
@staff_required
def show(name: str) -> Any:
    if name not in REPORTS:
        abort(404)
    district = _scope()
    values = request.values
    # The students this reader may see (an institution's: those it relates to; the operator: all), and
    # only theirs are named beside their opaque ids.
    served = ledger().access.students(ledger().issuer_did(district)) if district else None
    try:
        inputs, frl, concentrators = _upload("inputs"), _upload("frl"), _upload("concentrators")
        report = build_report(
            name, _projections().view, today=_today(), year=values.get("year") or None,
            state=(values.get("state") or "").upper() or None, district=district,
            inputs=parse_inputs_csv(inputs) if inputs else None,
            frl=parse_student_ids(frl, what="frl") if frl else None,
            concentrators=parse_concentrators(concentrators) if concentrators else None,
            issuer_states=load_issuer_states(ledger().config.data_dir),
            funds_cents=_funds(values.get("funds")),
            served=served,
            identities=lambda ids: ledger().identity_claims([i for i in ids if served is None or i in served]),
        )
    except (InputError, NotFoundError) as e:
        errors = getattr(e, "errors", None) or {}
        return _index(400, error=str(e), errors=errors, chosen=name, fields=_fields_in_error(errors))
    if values.get("format") == "csv":
        filename = f"{name}-{report.parameters.get('year') or 'all'}.csv"
        return Response(report.to_csv(), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    # The page's own parameters only: `name` is the route's, and url_for's own keywords (_external,
    # _anchor, ...) must not be settable from the query string. Any: those are typed apart from **values.
    query: dict[str, Any] = {k: v for k, v in request.args.items()
                             if k not in ("format", "name") and not k.startswith("_")}
    csv_link = url_for("reports.show", name=name, format="csv", **query)
    return render_template("reports/report.html", report=report, csv_link=csv_link if request.method == "GET"
                           else None, bars=_bars(report), name=name)


@bp.get("/students/<student_id>")
@staff_required
def student(student_id: str) -> Any:
    projections = _projections()
    _check_student_scope(student_id)
    try:
        results = student_pathways(projections, student_id, today=_today())
    except LedgerError as e:
        if isinstance(e, NotFoundError):
            abort(404)
        raise
    return render_template("reports/student.html", student_id=student_id, results=results)


def _check_student_scope(student_id: str) -> None:
    actor = current_actor()
    if actor is None:
        abort(403)
    if actor.is_operator:
        return
    if actor.issuer is None:  # only the operator has no institution (web.accounts)
        abort(403)
    # The ledger's one access rule (ledger.access), as for the console and the API.
    if not ledger().access.may_see(ledger().issuer_did(actor.issuer), student_id):
        abort(404)


def _today() -> date:
    return ledger().clock().date()


def _upload(field: str) -> str | None:
    file = request.files.get(field)
    if file is None or not file.filename:
        return None
    try:
        return file.read().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError.for_field(field, "not UTF-8 text (save it as CSV UTF-8)") from None


def _fields_in_error(errors: dict[str, Any]) -> dict[str, str]:
    """Error key -> the form field it is about ("inputs row 3" -> "inputs", "frl line 2" -> "frl"), so the
    page links each error to its field; keys naming no field of the form are left out."""
    fields = {key: key.split(" ", 1)[0].split(".", 1)[0] for key in errors}
    # "graduated" is a column of the concentrators file (its upload is where it is fixed).
    return {key: "concentrators" if field == "graduated" else field for key, field in fields.items()
            if field in FORM_FIELDS}


def _funds(text: str | None) -> int | None:
    if not text:
        return None
    cleaned = text.replace(",", "").replace("$", "").strip()
    if not cleaned.isdigit():
        raise InputError.for_field("funds", "whole dollars, like 2500000")
    return int(cleaned) * 100


def _bars(report: Any) -> dict[int, list[float]]:
    """For each table with a chart: each row's share (0–100), the width of its bar (an SVG attribute)."""
    bars: dict[int, list[float]] = {}
    for index, table in enumerate(report.tables):
        if table.chart and table.chart in table.columns:
            column = table.columns.index(table.chart)
            bars[index] = [min(100.0, max(0.0, float(row[column]))) for row in table.rows]
    return bars
