"""Console pages for CSV import (`/console/<slug>/import…`): upload, preview, commit or discard.

An upload is checked row by row and shown as a preview (web.imports holds the
jobs); nothing is stored until a registrar commits, and then every row is
stored in one transaction, or none. The page refreshes itself while the
commit runs and while the log catches up. A blueprint of its own; the scope
rule and helpers are web.console_common.

    /console/import/template.csv                     GET   the CSV template                   any staff
    /console/<slug>/import                           GET POST upload a CSV (preview)          registrar
    /console/<slug>/import/<id>                      GET   preview, progress, result          viewer
    /console/<slug>/import/<id>/commit|discard       POST                                     registrar
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from ledger.errors import InputError, LedgerError
from web.auth import staff_required
from web.console_common import catalog, done, forbid, form_error, now, scope, today
from web.imports import COMMITTING, DONE, FORMAT, ImportJob, template_csv
from web.services import imports, ledger, projections, roster

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
    s = scope(slug)
    job = job_of(slug, job_id)
    in_log = imports().in_log(job) if job.status == DONE else False
    # Refresh while the commit runs, then while the log catches up (a minute at most: without a
    # running `credledger worker` it never will, and the page should not spin forever).
    refresh = (job.status == COMMITTING and not job.stale
               or job.status == DONE and not in_log and seconds_since(job.finished) < LOG_WAIT_SECONDS)
    projections().catch_up()
    related = ledger().access.students(s.did)
    names = {k: v.name for k, v in roster().identities({str(r.student) for r in job.rows} & related).items()}
    bad = [r for r in job.rows if r.errors]
    good = [r for r in job.rows if not r.errors]
    html = render_template("console/import_job.html", scope=s, job=job, bad=bad, good=good[:PREVIEW_VALID_ROWS],
                           more=max(0, len(good) - PREVIEW_VALID_ROWS), names=names, in_log=in_log,
                           refresh=REFRESH_SECONDS if refresh else None,
                           catalog={c.code: c.name for c in catalog()})
    response = Response(html)
    if refresh:
        response.headers["Refresh"] = str(REFRESH_SECONDS)  # and a <meta> refresh in the page: no script needed
    return response


@bp.post("/<slug>/import/<job_id>/commit")
@staff_required
def import_commit(slug: str, job_id: str) -> Any:
    scope(slug, "registrar")
    job = job_of(slug, job_id)
    imports().start_commit(job.id)  # 409 with the reason if it has bad rows or was committed already
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
