"""Student pages (`/me`): transcript, share links, record of disclosures, bundle download.

A student reaches these pages by redeeming the claim code the school gave them
(`/claim`); the session then names their opaque student id and nothing else.
Every query below is scoped to that id: a student can neither see nor revoke
another student's links (a foreign link id is simply not found, 404).

Routes
------
- `GET  /me/`                    the transcript: every award with its status badge
                                 (active / expired / revoked with reason / superseded),
                                 credential, issuer, dates and evidence
- `GET  /me/share`               the form for a new share link
- `POST /me/share`               create it; the link is shown once, with its QR code
- `GET  /me/links`               every link with its state; revoke the active ones
- `POST /me/links/<id>/revoke`   revoke one of the student's own links
- `GET  /me/disclosures`         the record of disclosures: every view of every link
- `GET  /me/download`            choose what goes into the portable file
- `GET  /me/transcript.json`     the portable bundle (`award=` to choose credentials,
                                 `disclose=name|birth_date`, none by default; `offline=1`
                                 for a file without online checks)
- `GET  /me/transcript.clr.json` every credential that counts as one CLR 2.0 file (`name=1`)
- `GET  /me/badges/<award>.json` one credential as an Open Badges 3.0 file, what a wallet
                                 imports (`name=1` shows the name in plain; hashed otherwise)
- `POST /me/badges/<award>/linkedin`  "Add to LinkedIn": a share link of that one credential
                                 (the verification URL LinkedIn shows), then LinkedIn's
                                 add-to-profile page, prefilled; a link only, nothing is sent

A share link always discloses the student's name, so that whoever receives it
can match the transcript to the applicant; the create-link page says so
(web.verifier explains the choice). The downloaded file discloses only what
the student ticks. Unless the student asks for an offline-only file, it carries a
link of its own for online checks (`online`, docs/transcript-bundle.md): a file
link covering exactly the file's awards, labelled "Downloaded file, <date>",
expiring like any link, listed on /me/links and withdrawable there; every online
check with it is in the record of disclosures. It opens no page (web.sharing).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from flask_babel import gettext, lazy_gettext as _l

from ledger.errors import InputError, NotFoundError
from ledger.export import export_bundle
from ledger.readmodels import Projections
from verifiers.protocol.status import ACTIVE, EXPIRED, REVOKED, SUPERSEDED, status_kind
from web.auth import current_student, student_required
from web.qr import qr_svg
from web.roster import share_view
from web.services import ledger as _ledger
from web.services import sharing as _sharing
from web.sharing import DEFAULT_DAYS, MAX_DAYS, embed_file_link
from web.verdicts import evidence_view, reason_in_words, status_words

bp = Blueprint("student", __name__, url_prefix="/me")

DOWNLOAD_CLAIMS = {"name": _l("Your name"), "birth_date": _l("Your date of birth")}
DOWNLOAD_LABEL = "Downloaded file"
SHARE_FIELDS = {"days": _l("Works for how many days"), "credentials": _l("What to share")}  # the form's labels
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"  # LinkedIn's add-to-profile link (startTask=CERTIFICATION_NAME)


def _student() -> str:
    student = current_student()
    if student is None:  # student_required runs first; never reached
        abort(401)
    return student


def _awards(student: str, today: date) -> list[dict[str, Any]]:
    """The student's awards from the transcript projection, with a badge for each status."""
    projections: Projections = current_app.extensions["projections"]
    try:
        awards = projections.transcript(student, today)["awards"]
    except NotFoundError:
        return []  # registered moments ago: the projection has not caught up yet
    for award in awards:
        kind = status_kind(award["status"])
        award["badge"] = kind if kind in (ACTIVE, EXPIRED, REVOKED, SUPERSEDED) else "warn"
        award["badge_words"] = status_words(kind)
        award["evidence_words"] = evidence_view(award)
        revocation = award.get("revocation")
        award["reason_words"] = reason_in_words(revocation["reason"]) if revocation else ""
    return awards


def _student_name(student: str) -> str | None:
    identity = _ledger().identity(student)
    return identity.claims.get("name") if identity is not None else None


@bp.get("/")
@student_required
def transcript() -> Any:
    from ledger.reports.student import student_pathways

    student = _student()
    today = _ledger().clock().date()
    awards = _awards(student, today)
    pathways = student_pathways(current_app.extensions["projections"], student, today=today)
    return render_template("student/transcript.html", awards=awards, name=_student_name(student),
                           pathways=pathways)


def _shareable(awards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a link can share: not the awards an amendment superseded (the amended one replaces them)."""
    return [a for a in awards if a["badge"] != SUPERSEDED]


@bp.get("/share")
@student_required
def share_form() -> Any:
    awards = _shareable(_awards(_student(), _ledger().clock().date()))
    return render_template("student/share.html", awards=awards, form={}, default_days=DEFAULT_DAYS,
                           max_days=MAX_DAYS)


def _days(raw: str) -> int:
    raw = raw.strip() or str(DEFAULT_DAYS)
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_DAYS:
        raise InputError.for_field("days", gettext("a whole number of days from 1 to %(most)d", most=MAX_DAYS))
    return int(raw)


@bp.post("/share")
@student_required
def share_create() -> Any:
    student, ledger = _student(), _ledger()
    awards = _shareable(_awards(student, ledger.clock().date()))
    form = request.form
    try:
        days = _days(form.get("days", ""))
        chosen: list[str] | None = None
        if form.get("scope") == "chosen":
            own = {a["award"] for a in awards}
            chosen = list(dict.fromkeys(form.getlist("award")))
            if not chosen:
                raise InputError.for_field("credentials", gettext("choose at least one to share, or share the whole "
                                                                  "transcript"))
            if any(a not in own for a in chosen):
                raise InputError.for_field("credentials", gettext("you can only share your own credentials"))
    except InputError as e:
        for field, problems in e.errors.items():
            for problem in problems:
                flash(f"{SHARE_FIELDS.get(field, field)}: {problem}", "error")
        return render_template("student/share.html", awards=awards, form=form, default_days=DEFAULT_DAYS,
                               max_days=MAX_DAYS), 400
    label = form.get("label", "")
    now = ledger.clock()
    token = _sharing().create(student, label, awards=chosen, days=days, now=now)
    link = _sharing().open(token, now)
    url = url_for("verifier.shared", token=token, _external=True)
    names = {a["award"]: a["name"] or a["credential"] for a in awards}
    return render_template("student/link_created.html", link=link, url=url,
                           json_url=url_for("verifier.shared_json", token=token, _external=True),
                           qr=qr_svg(url, title=gettext("QR code of your share link")),
                           shared=[names[a] for a in chosen] if chosen else None), 201


@bp.get("/links")
@student_required
def links() -> Any:
    student, sharing = _student(), _sharing()
    now = _ledger().clock()
    views = sharing.view_counts(student)
    rows = [{"link": link, "state": link.state(now), "views": views.get(link.id, 0)} for link in sharing.links(student)]
    return render_template("student/links.html", rows=rows)


@bp.post("/links/<link_id>/revoke")
@student_required
def revoke_link(link_id: str) -> Any:
    try:
        _sharing().revoke(_student(), link_id, _ledger().clock())
    except NotFoundError:
        raise NotFoundError(gettext("You have no active share link with that id.")) from None
    flash(gettext("The link is revoked. Anyone who opens it now sees that it is no longer active."), "success")
    return redirect(url_for("student.links"))


@bp.get("/disclosures")
@student_required
def disclosures() -> Any:
    student, ledger = _student(), _ledger()
    today = ledger.clock().date()
    names = {i.did: i.name for i in ledger.issuers()}
    # What schools disclosed about the student: roster shares (34 CFR 99.32 asks for these too).
    shares = [share_view(x, today) | {"granter_name": names.get(x.granter, x.granter),
                                      "grantee_name": names.get(x.grantee, x.grantee)}
              for x in ledger.access.shares_of_student(student)]
    return render_template("student/disclosures.html", records=_sharing().disclosures(student),
                           shares=sorted(shares, key=lambda x: x["granted"], reverse=True))


@bp.get("/download")
@student_required
def download_form() -> Any:
    awards = _awards(_student(), _ledger().clock().date())
    badges = [a for a in awards if a["badge"] in (ACTIVE, EXPIRED)]  # a badge says what counts
    return render_template("student/download.html", awards=awards, badges=badges, claims=DOWNLOAD_CLAIMS,
                           default_days=DEFAULT_DAYS)


@bp.get("/transcript.json")
@student_required
def bundle() -> Response:
    student, ledger = _student(), _ledger()
    disclose = list(dict.fromkeys(request.args.getlist("disclose")))
    unknown = [c for c in disclose if c not in DOWNLOAD_CLAIMS]
    if unknown:
        raise InputError.for_field("disclose", f"choose from {', '.join(DOWNLOAD_CLAIMS)}")
    only = list(dict.fromkeys(request.args.getlist("award"))) or None
    if only is None and request.args.get("pick"):
        raise InputError.for_field("award", "tick at least one credential to include")
    document = export_bundle(ledger, student, only=only, disclose=disclose)
    if not request.args.get("offline"):
        document = embed_file_link(_sharing(), document, url_for("transcripts.evidence", _external=True),
                                   DOWNLOAD_LABEL, ledger.clock())
    filename = f"credentials-{ledger.clock().date().isoformat()}.json"
    return Response(json.dumps(document, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _own_badge_award(award_id: str) -> Any:
    """One of the student's own awards that a badge may carry (not revoked or replaced); else 404."""
    from verifiers.protocol.status import is_withdrawn

    award = _ledger().find_award(award_id)
    if award is None or award.student != _student() or is_withdrawn(award.status):
        abort(404)
    return award


@bp.get("/badges/<award_id>.json")
@student_required
def badge(award_id: str) -> Response:
    from ledger.vc.openbadge import open_badge

    award = _own_badge_award(award_id)
    document = open_badge(_ledger(), award.id, name_in_plain=request.args.get("name") == "1")
    return Response(json.dumps(document, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="badge-{award.credential}.json"'})


@bp.get("/transcript.clr.json")
@student_required
def clr() -> Response:
    """Every credential that counts as one CLR 2.0 file (name hashed unless `name=1`)."""
    from ledger.vc.clr import clr_credential

    ledger = _ledger()
    document = clr_credential(ledger, _student(), name_in_plain=request.args.get("name") == "1")
    return Response(json.dumps(document, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="transcript-clr.json"'})


@bp.post("/badges/<award_id>/linkedin")
@student_required
def linkedin(award_id: str) -> Any:
    award = _own_badge_award(award_id)
    ledger, student = _ledger(), _student()
    current_app.extensions["projections"].catch_up()  # an award recorded a moment ago is in the ledger already
    entry = next(a for a in _awards(student, ledger.clock().date()) if a["award"] == award.id)
    now = ledger.clock()
    token = _sharing().create(student, f"LinkedIn: {entry['name'] or entry['credential']}", awards=[award.id],
                              days=MAX_DAYS, now=now)
    return redirect(linkedin_add_url(entry, url_for("verifier.shared", token=token, _external=True)), 303)


def linkedin_add_url(award: dict[str, Any], verify_url: str) -> str:
    """LinkedIn's add-to-profile link for one credential: name, organization, issue and expiry month,
    credential id and the URL where it is verified."""
    from urllib.parse import urlencode

    earned = date.fromisoformat(award["earned"])
    query: dict[str, Any] = {"startTask": "CERTIFICATION_NAME", "name": award["name"] or award["credential"],
                             "organizationName": award["issuer_name"], "issueYear": earned.year,
                             "issueMonth": earned.month, "certUrl": verify_url, "certId": award["award"]}
    if award.get("expires"):
        expires = date.fromisoformat(award["expires"])
        query |= {"expirationYear": expires.year, "expirationMonth": expires.month}
    return f"{LINKEDIN_ADD}?{urlencode(query)}"
