"""Console pages for CSV import (`/console/<slug>/import…`): upload, preview, commit or discard.

An upload is checked row by row and shown as a preview (web.imports holds the
jobs); nothing is stored until a registrar commits, and then every row is
stored in one transaction, or none. A row that could be several students (or
matches a name only loosely) is for review: the preview asks which student it
is, or to skip it, and the commit carries the answers. The institution's
crosswalk of vendors' exam codes (web.crosswalk) is kept here too: shown,
replaced from a CSV after a preview, one mapping removed. The page refreshes itself while the
commit runs and while the log catches up. A blueprint of its own; the scope
rule and helpers are web.console_common.

    /console/import/template.csv                     GET   the CSV template                   any staff
    /console/<slug>/import                           GET POST upload a CSV (preview)          registrar
    /console/<slug>/import/<id>                      GET   preview, progress, result          viewer
    /console/<slug>/import/<id>/commit|discard       POST  (commit: with the choices of review) registrar
    /console/<slug>/crosswalk                        GET POST the crosswalk; a CSV (preview)    viewer / registrar
    /console/<slug>/crosswalk/commit                 POST  store the previewed file            registrar
    /console/<slug>/crosswalk/remove                 POST  remove one mapping                  registrar
    /console/import/crosswalk-template.csv           GET   the crosswalk CSV template          any staff
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from ledger.errors import InputError, LedgerError
from web import crosswalk as cw
from web.auth import staff_required
from web.console_common import catalog, done, forbid, form_error, now, scope, today
from web.imports import COMMITTING, DONE, FORMAT, ImportJob, template_csv
from web.services import crosswalk, imports, ledger, projections, roster

bp = Blueprint("console_import", __name__, url_prefix="/console")

PREVIEW_VALID_ROWS = 200  # valid rows shown in a preview; every row with an error is always shown
REFRESH_SECONDS = 1
LOG_WAIT_SECONDS = 60


def seconds_since(moment: str | None) -> float:
    if not moment:
        return float("inf")
    return (now() - datetime.fromisoformat(moment)).total_seconds()


@bp.route("/<slug>/import", methods=["GET", "POST"])
@staff_required
def import_upload(slug: str) -> Any:
    s = scope(slug, "registrar" if request.method == "POST" else "viewer")
    context = {"scope": s, "format": FORMAT, "catalog": catalog(), "recent": imports().recent(slug)}
    if request.method == "GET":
        return render_template("console/import.html", errors={}, **context)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InputError.for_field("file", "choose a CSV file")
        job = imports().create(slug, s.actor.id, upload.filename, upload.read(), today())
    except LedgerError as e:
        return form_error("console/import.html", e, **context)
    return redirect(url_for(".import_job", slug=slug, job_id=job.id), code=303)


def job_of(slug: str, job_id: str) -> ImportJob:
    job = imports().get(job_id)  # 404 if there is none
    if job.issuer != slug:
        forbid("That import belongs to another institution.")
    return job


@bp.get("/<slug>/import/<job_id>")
@staff_required
def import_job(slug: str, job_id: str) -> Any:
    return job_page(slug, job_id)


def job_page(slug: str, job_id: str, error: LedgerError | None = None) -> Any:
    """The preview, progress or result of an import; with `error`, a refused commit's message and fields
    (the registrar's choices kept, so a missing one is all there is to add)."""
    s = scope(slug)
    job = job_of(slug, job_id)
    in_log = imports().in_log(job) if job.status == DONE else False
    # Refresh while the commit runs, then while the log catches up (a minute at most: without a
    # running `credledger worker` it never will, and the page should not spin forever).
    refresh = (job.status == COMMITTING and not job.stale
               or job.status == DONE and not in_log and seconds_since(job.finished) < LOG_WAIT_SECONDS)
    projections().catch_up()
    related = ledger().access.students(s.did)
    # Candidates are students the institution may record for (ledger.access), so it sees who they are.
    shown = {str(r.student) for r in job.rows} | {c for r in job.review for c in r.candidates}
    people = roster().identities(shown & related)
    names = {k: v.name for k, v in people.items()}
    bad = [r for r in job.rows if r.errors]
    good = [r for r in job.rows if not r.errors and not r.in_review]
    html = render_template("console/import_job.html", scope=s, job=job, bad=bad, good=good[:PREVIEW_VALID_ROWS],
                           more=max(0, len(good) - PREVIEW_VALID_ROWS), names=names, people=people,
                           review=job.review, in_log=in_log, refresh=REFRESH_SECONDS if refresh else None,
                           catalog={c.code: c.name for c in catalog()}, error=str(error) if error else None,
                           errors=getattr(error, "errors", {}), chosen=request.form)
    status = 200 if error is None else 400 if isinstance(error, InputError) else 409
    response = Response(html, status=status)
    if refresh:
        response.headers["Refresh"] = str(REFRESH_SECONDS)  # and a <meta> refresh in the page: no script needed
    return response


@bp.post("/<slug>/import/<job_id>/commit")
@staff_required
def import_commit(slug: str, job_id: str) -> Any:
    scope(slug, "registrar")
    job = job_of(slug, job_id)
    try:
        choices = {int(k.removeprefix("choice-")): v for k, v in request.form.items()
                   if k.startswith("choice-") and k.removeprefix("choice-").isdigit()}
        imports().start_commit(job.id, choices)  # 409 if it has bad rows or was committed; 400 naming a choice
    except InputError as e:
        return job_page(slug, job_id, e)
    return redirect(url_for(".import_job", slug=slug, job_id=job.id), code=303)


@bp.post("/<slug>/import/<job_id>/discard")
@staff_required
def import_discard(slug: str, job_id: str) -> Any:
    scope(slug, "registrar")
    job = job_of(slug, job_id)
    imports().cancel(job.id)
    return done("Discarded. Nothing was stored.", ".import_upload", slug=slug)


@bp.get("/import/template.csv")
@staff_required
def import_template() -> Response:
    return Response(template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="credledger-import-template.csv"'})


# The crosswalk of vendors' exam codes ---------------------------------------------

CROSSWALK = "console/crosswalk.html"


def crosswalk_context(slug: str, **extra: Any) -> dict[str, Any]:
    return {"scope": scope(slug, "registrar" if request.method == "POST" else "viewer"),
            "entries": crosswalk().entries(slug), "format": cw.FORMAT, "catalog": catalog(), "rows": None,
            "csv_text": "", **extra}


@bp.route("/<slug>/crosswalk", methods=["GET", "POST"])
@staff_required
def crosswalk_page(slug: str) -> Any:
    context = crosswalk_context(slug)
    if request.method == "GET":
        return render_template(CROSSWALK, errors={}, **context)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InputError.for_field("file", "choose a CSV file")
        data = upload.read()
        rows = crosswalk().check(slug, data)
    except LedgerError as e:
        return form_error(CROSSWALK, e, **context)
    # The preview: the file rides back in the commit form (decoded: parse_csv accepted it as UTF-8).
    return render_template(CROSSWALK, errors={}, **{**context, "rows": rows, "csv_text": data.decode("utf-8-sig")})


@bp.post("/<slug>/crosswalk/commit")
@staff_required
def crosswalk_commit(slug: str) -> Any:
    s = scope(slug, "registrar")
    data = request.form.get("csv", "").encode()
    try:
        if not data:
            raise InputError.for_field("file", "upload the file again")
        rows = crosswalk().commit(slug, data, s.actor.id)
    except LedgerError as e:
        try:
            shown = crosswalk().check(slug, data)  # each row's problem again
        except LedgerError:
            shown = None
        return form_error(CROSSWALK, e, **crosswalk_context(slug, rows=shown, csv_text=data.decode()))
    return done(f"Stored {len(rows)} mapping(s) of exam codes.", ".crosswalk_page", slug=slug)


@bp.post("/<slug>/crosswalk/remove")
@staff_required
def crosswalk_remove(slug: str) -> Any:
    scope(slug, "registrar")
    vendor, exam_code = request.form.get("vendor", ""), request.form.get("exam_code", "")
    try:
        crosswalk().remove(slug, vendor, exam_code)
    except LedgerError as e:
        return form_error(CROSSWALK, e, **crosswalk_context(slug))
    return done(f"Removed the mapping of {cw.code_key(exam_code)} ({cw.vendor_key(vendor)}).", ".crosswalk_page",
                slug=slug)


@bp.get("/import/crosswalk-template.csv")
@staff_required
def crosswalk_template() -> Response:
    return Response(cw.template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="credledger-crosswalk-template.csv"'})
