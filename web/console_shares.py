"""Console pages for roster shares: a blueprint of its own under `/console` (helpers: web.console_common).

A home district shares named students with the area CTE center they attend:
the grant is a signed ledger event (ledger.access); the center then finds
those students (name and local id as the district recorded them) and records
their credentials. Both sides see the share; only the granter withdraws it.

    /console/<slug>/shares                      GET   granted and received shares   viewer
    /console/<slug>/shares/new                  GET POST grant a share             registrar
    /console/<slug>/shares/<id>                 GET   one share and its students    viewer
    /console/<slug>/shares/<id>/withdraw        POST  end it now                    registrar
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, render_template, request

from ledger.errors import InputError, LedgerError, NotFoundError
from ledger.rules import MAX_SHARE_DAYS
from web.auth import staff_required
from web.console_common import done, forbid, form_error, issuer_names, scope, today
from web.roster import local_ids_from_csv, resolve_local_ids, share_view
from web.services import ledger, projections, roster

bp = Blueprint("console_shares", __name__, url_prefix="/console")


def default_until(day: date) -> date:
    """The end of the school year (30 June) the day falls in: what a CTE roster is shared for."""
    end = date(day.year if day.month < 7 else day.year + 1, 6, 30)
    return end if (end - day).days <= MAX_SHARE_DAYS else day + timedelta(days=MAX_SHARE_DAYS)


def _share_of(slug: str, share_id: str) -> Any:
    """A share this institution granted or received; any other is answered as unknown."""
    share = ledger().roster_share(share_id)
    if ledger().issuer_did(slug) not in (share.granter, share.grantee):
        raise NotFoundError("no such roster share")
    return share


@bp.get("/<slug>/shares")
@staff_required
def shares(slug: str) -> Any:
    s = scope(slug)
    access = ledger().access
    return render_template("console/shares.html", scope=s, issuer_names=issuer_names(),
                           granted=[share_view(x, today()) for x in access.shares_granted(s.did)],
                           received=[share_view(x, today()) for x in access.shares_received(s.did)])


@bp.route("/<slug>/shares/new", methods=["GET", "POST"])
@staff_required
def share_new(slug: str) -> Any:
    s = scope(slug, "registrar" if request.method == "POST" else "viewer")
    issuers = [i for i in projections().issuers() if i["slug"] != slug]
    context = {"scope": s, "issuers": issuers, "max_days": MAX_SHARE_DAYS}
    if request.method == "GET":
        return render_template("console/share_new.html", form={"until": default_until(today()).isoformat(),
                                                               "purpose": "record"}, errors={}, **context)
    form = request.form
    try:
        local_ids = [line.strip() for line in form.get("local_ids", "").splitlines() if line.strip()]
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            local_ids += local_ids_from_csv(upload.read())
        if not local_ids:
            raise InputError.for_field("local_ids", "list the students' local ids, or upload a CSV of them")
        try:
            until = date.fromisoformat(form.get("until", ""))
        except ValueError:
            raise InputError.for_field("until", "a date as YYYY-MM-DD") from None
        if form.get("purpose") not in ("record", "report"):
            raise InputError.for_field("purpose", "choose what the share is for")
        grantee = form.get("grantee", "")
        if grantee not in {i["slug"] for i in issuers}:
            raise InputError.for_field("grantee", "choose the institution to share with")
        students = resolve_local_ids(roster(), s.did, local_ids)
        share_id = ledger().share_roster(slug, grantee, students, purpose=form["purpose"], until=until,
                                         note=form.get("note", "").strip()[:500])
    except LedgerError as e:
        return form_error("console/share_new.html", e, form=form, **context)
    return done(f"Shared {len(students)} student(s) until {until.isoformat()}. Each student's record of "
                "disclosures shows it.", ".share", slug=slug, share_id=share_id)


@bp.get("/<slug>/shares/<share_id>")
@staff_required
def share(slug: str, share_id: str) -> Any:
    s = scope(slug)
    view = share_view(_share_of(slug, share_id), today())
    # Names only of students this institution may see now (ledger.access): an ended share shows none.
    visible = ledger().access.students(s.did) & set(view["students"])
    people = roster().identities(visible)
    return render_template("console/share.html", scope=s, share=view, issuer_names=issuer_names(),
                           people=[people.get(x) for x in view["students"]], ids=view["students"])


@bp.post("/<slug>/shares/<share_id>/withdraw")
@staff_required
def share_withdraw(slug: str, share_id: str) -> Any:
    s = scope(slug, "registrar")
    if _share_of(slug, share_id).granter != s.did:
        forbid("Only the institution that granted a roster share withdraws it.")
    ledger().withdraw_roster_share(share_id, slug, request.form.get("reason", "").strip()[:1000])
    return done("Withdrawn: that institution no longer sees these students.", ".shares", slug=slug)
