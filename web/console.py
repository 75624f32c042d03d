"""The issuer console (`/console`): the daily record-keeping, for registrars and administrators.

Students, claim codes, awards and transfers; the scope rule every view starts
with (`scope(slug, role)`) and the helpers all console pages share are
web.console_common. The console's other pages are blueprints of their own:
CSV import (web.console_import), roster shares (web.console_shares), keys,
staff, API tokens and one's own password (web.console_admin).

Routes (methods; role):
    /console/                                        GET   dashboard (operator: ?issuer=slug)
    /console/<slug>/students                         GET POST the students, in pages (?sort= &cohort= &page=;
                                                           POST q=name, local id or id: a search)
    /console/<slug>/students/new                     GET POST register a student        registrar
    (importing a roster and the facts of a student's record: web.console_roster)
    /console/<slug>/students/<id>                    GET   student: identity, transcript, actions
    /console/<slug>/students/<id>/claims             POST  make a claim code (shown once) registrar
    /console/<slug>/students/<id>/claims/<c>/revoke  POST  revoke a claim code           registrar
    /console/<slug>/claim-letters?cohort=YEAR        GET POST a class's claim-code letters (new codes) registrar
    /console/<slug>/students/<id>/awards/new         GET POST record an award (?supersedes=) registrar
    /console/<slug>/awards/<id>/revoke               GET POST revoke, or amend (?amend=1) registrar
    /console/<slug>/students/<id>/transfer           GET POST propose a transfer        registrar
    /console/<slug>/transfers/<id>                   GET   a pending transfer
    /console/<slug>/transfers/<id>/accept|decline|withdraw  POST                     registrar
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ledger.application import IssueRequest
from ledger.errors import InputError, LedgerError, NotFoundError
from ledger.relations import OWN_BASES, RECORDING_BASES
from ledger.reports.student import student_pathways
from ledger.rules import DIPLOMA_TYPES, EXIT_REASONS, REVOCATION_REASONS
from ledger.values import AwardInfo
from verifiers.protocol.status import status_in_words
from web import schemas
from web.auth import current_actor, staff_required
from web.console_common import (
    Scope,
    catalog,
    done,
    forbid,
    form_error,
    issuer_names,
    page,
    scope,
    today,
)
from web.imports import evidence_value
from web.qr import qr_svg
from web.roster import folded
from web.student_list import PAGE_SIZE, SORTS, student_page
from web.services import accounts, imports, ledger, projections, roster, transfers

bp = Blueprint("console", __name__, url_prefix="/console")

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
EVIDENCE_ROWS = 5
EVIDENCE_KEYS = ("certificate", "score", "license_number")  # offered first on the award form

BASIS_LABELS = {
    "registered": "your institution registered them",
    "moved-in": "they moved to your district, now their district of record",
    "issued": "your institution recorded one of their credentials",
    "holds": "your institution holds one of their credentials",
    "amended": "your institution corrected one of their credentials",
    "offered": "their record is offered to your institution (a transfer waiting for you)",
    "shared-record": "their school shared them with your institution to record credentials",
    "shared-report": "their school shared them with your institution for reporting",
}


@bp.app_template_filter("basis_label")
def basis_label(basis: str) -> str:
    return BASIS_LABELS.get(basis, basis)


@bp.app_template_filter("status_words")
def status_words(status: str) -> str:
    """An award's status as people read it ("revoked (obtained by cheating or fraud)"), never its code."""
    return status_in_words(status)


@bp.app_template_filter("console_time")
def console_time(value: str | None) -> str:
    """A stored ISO / RFC 3339 time as people read it: 2026-09-01 12:00 UTC."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return f"{moment.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC"


# Dashboard ---------------------------------------------------------------------


@bp.get("/")
@staff_required
def home() -> Any:
    actor = current_actor()
    assert actor is not None  # staff_required
    slug = request.args.get("issuer") or actor.issuer
    if slug is None:  # the operator, before choosing an institution
        return render_template("console/pick.html", issuers=projections().issuers(), actor=actor)
    s = scope(slug)
    projections().catch_up()
    activity, incoming = roster().activity(s.issuer), transfers().incoming(s.slug)
    mentioned = {e["student"] for e in activity if e["student"]} | {t.student_id for t in incoming}
    visible = ledger().access.students(s.did, today())
    names = {k: v.name for k, v in roster().identities(mentioned & visible).items()}
    return render_template(
        "console/home.html", scope=s, stats=roster().stats(s.did, today()), activity=activity,
        names=names, incoming=incoming,
        outgoing=transfers().outgoing(s.slug), imports=imports().recent(s.slug, limit=5),
        issuer_names=issuer_names())


# Students ----------------------------------------------------------------------


@bp.route("/<slug>/students", methods=["GET", "POST"])
@staff_required
def students(slug: str) -> Any:
    s = scope(slug)
    # The list's own parameters (a sort, a class, a page: no one's data) are in the query string. A
    # name or local id searched for is posted, and the page's paging controls post it again, so it
    # never appears in a URL, a history or an access log. An empty field of the GET form means "any".
    args = schemas.load(schemas.ConsoleStudentQuery, {k: v for k, v in request.args.items() if v})
    query = request.form.get("q", "").strip() if request.method == "POST" else ""
    projections().catch_up()
    if query and UUID_TEXT.fullmatch(query.lower()):
        ledger().access.require_visible(s.did, query.lower())  # unknown and unrelated alike: 404
        return redirect(url_for(".student", slug=slug, student_id=query.lower()), code=303)
    sort = args["sort"] or "name"
    listing = student_page(roster(), s.did, today(), sort=sort, cohort=args["cohort"], text=query,
                           offset=(args["page"] - 1) * PAGE_SIZE, clamp=True)
    return render_template("console/students.html", scope=s, query=query, listing=listing, sort=sort,
                           sorts=SORTS, cohort=args["cohort"],
                           cohorts=projections().cohorts(ledger().access.students_query(s.did, today())))


@bp.route("/<slug>/students/new", methods=["GET", "POST"])
@staff_required
def student_new(slug: str) -> Any:
    s = scope(slug, "registrar" if request.method == "POST" else "viewer")
    if request.method == "GET":
        return render_template("console/student_new.html", scope=s, form={}, errors={})
    form = request.form
    try:
        data = schemas.load(schemas.StudentInput, {"issuer": slug, "name": form.get("name", ""),
                                                   "birth_date": form.get("birth_date", ""),
                                                   "local_id": form.get("local_id", ""),
                                                   "state_id": form.get("state_id", "").strip() or None,
                                                   "cohort": form.get("cohort", "").strip() or None})
        projections().catch_up()
        if folded(data["local_id"]) in roster().by_local_id(s.did):
            raise InputError.for_field("local_id", "a student of your institution already has this local id")
        student_id = ledger().register_student(slug, schemas.student_claims(data), cohort=data["cohort"])
    except LedgerError as e:
        return form_error("console/student_new.html", e, scope=s, form=form)
    if form.get("claim"):
        return claim_page(s, student_id, data["name"], status=201)
    return done("Registered.", ".student", slug=slug, student_id=student_id)  # no name: flashes ride in the cookie


@bp.get("/<slug>/students/<student_id>")
@staff_required
def student(slug: str, student_id: str) -> Any:
    s = scope(slug)
    related_or_404(s, student_id)
    bases = ledger().access.bases(s.did, student_id)
    awards, others = roster().awards_of(s.did, student_id, today())
    return render_template(
        "console/student.html", scope=s, student_id=student_id, bases=sorted(bases),
        may_record=bool(bases & RECORDING_BASES), own=bool(bases & OWN_BASES),
        identity=roster().identity(student_id), awards=awards, others=others,
        claims=[c for c in accounts().claims(student_id) if c["issuer"] == slug],
        registered_by=ledger().student(student_id).registered_by,
        pending=transfers().pending_for(slug, student_id), issuer_names=issuer_names(),
        pathways=student_pathways(projections(), student_id, today=today()),
        record=projections().student_record(student_id), exit_reasons=EXIT_REASONS, diplomas=DIPLOMA_TYPES)


def related_or_404(s: Scope, student_id: str, *, recording: bool = False) -> None:
    """The ledger's access rule (ledger.access): an unrelated student is answered like an unknown id.
    The pages then read the student's awards from the read models, caught up first."""
    projections().catch_up()
    ledger().access.require_visible(s.did, student_id)
    if recording and not ledger().access.may_record(s.did, student_id):
        forbid("This student was shared with your institution for reporting only: it cannot record for them.")


# Claim codes -------------------------------------------------------------------


def claim_page(s: Scope, student_id: str, name: str, status: int = 201) -> tuple[str, int]:
    """A new claim code, shown once. It replaces the codes this institution gave the student before:
    a registrar makes a new one when the old one was lost, and a lost code must stop working."""
    code = accounts().replace_claims([student_id], s.slug)[student_id]
    link = url_for("auth.claim_link", code=code, _external=True)
    return page("console/claim_code.html", status, scope=s, student_id=student_id, name=name, code=code, link=link)


@bp.post("/<slug>/students/<student_id>/claims")
@staff_required
def claim_new(slug: str, student_id: str) -> Any:
    s = scope(slug, "registrar")
    # A claim code opens the student's whole record: only for a student this institution serves
    # itself (registered, issued or holds), never by a roster share or a transfer offer.
    ledger().access.require_own(s.did, student_id)
    identity = roster().identity(student_id)
    return claim_page(s, student_id, identity.name if identity else "this student")


@bp.route("/<slug>/claim-letters", methods=["GET", "POST"])
@staff_required
def claim_letters(slug: str) -> Any:
    """Printable claim-code letters for a graduating class, one page per student. GET says what printing
    does; the POST issues the codes and shows the letters, once. Codes are stored only as fingerprints,
    so printing is issuing: each student's earlier codes from this institution stop working."""
    s = scope(slug, "registrar")
    cohort = schemas.load(schemas.ClaimLettersQuery, request.args.to_dict())["cohort"]
    projections().catch_up()
    # Only the students this institution serves itself (as for one claim code: ledger.access.require_own),
    # by name, as a teacher hands the letters out.
    own = ledger().access.students_query(s.did, today(), own=True)
    if cohort is None:
        if request.method == "POST":
            raise InputError.for_field("cohort", "choose a graduating class")
        return render_template("console/claim_letters_confirm.html", scope=s, cohort=None,
                               cohorts=projections().cohorts(own))
    rows, _ = projections().students_page(s.did, own, cohort=cohort)
    people = sorted(roster().identities(r.student for r in rows).values(), key=lambda p: (folded(p.name), p.local_id))
    if request.method == "GET":
        return render_template("console/claim_letters_confirm.html", scope=s, cohort=cohort, count=len(people))
    if not people:
        raise InputError.for_field("cohort", f"no student of the class of {cohort} that your institution serves "
                                             "itself has a name on record")
    codes = accounts().replace_claims([p.student_id for p in people], s.slug)
    letters = [{"name": p.name, "code": codes[p.student_id],
                "qr": qr_svg(url_for("auth.claim_link", code=codes[p.student_id], _external=True),
                             title=f"QR code: the claim link for {p.name}")} for p in people]
    return page("console/claim_letters.html", 201, scope=s, cohort=cohort, letters=letters, printed=today(),
                claim_url=url_for("auth.claim_form", _external=True))


@bp.post("/<slug>/students/<student_id>/claims/<claim_id>/revoke")
@staff_required
def claim_revoke(slug: str, student_id: str, claim_id: str) -> Any:
    scope(slug, "registrar")
    try:
        issued_by = accounts().claim_issuer(claim_id, student_id)
    except NotFoundError:
        issued_by = None
    if issued_by != slug:  # another institution's code is answered like an unknown one
        raise NotFoundError("no such claim code")
    accounts().revoke_claim(claim_id)
    return done("The claim code no longer works. Students already signed in stay signed in until their session "
                "ends.", ".student", slug=slug, student_id=student_id)


# Awards ------------------------------------------------------------------------


def evidence_from_form(form: Any) -> dict[str, str | int]:
    evidence: dict[str, str | int] = {}
    for i in range(EVIDENCE_ROWS):
        key = "_".join(form.get(f"evidence_key_{i}", "").strip().lower().split())
        value = form.get(f"evidence_value_{i}", "").strip()
        if not value:
            continue
        if not key:
            raise InputError.for_field("evidence", f"row {i + 1}: name the evidence field")
        if key in evidence:
            raise InputError.for_field("evidence", f"{key!r} is named twice")
        evidence[key] = evidence_value(key, value)
    return evidence


def evidence_rows(evidence: dict[str, Any] | None = None, form: Any = None) -> list[tuple[str, str]]:
    """The key/value rows of the award form: as submitted, or prefilled."""
    if form is not None:
        return [(form.get(f"evidence_key_{i}", ""), form.get(f"evidence_value_{i}", "")) for i in range(EVIDENCE_ROWS)]
    pairs = [(k, str(v)) for k, v in (evidence or {}).items()]
    pairs += [(k, "") for k in EVIDENCE_KEYS if k not in (evidence or {})]
    return (pairs + [("", "")] * EVIDENCE_ROWS)[:max(EVIDENCE_ROWS, len(pairs))]


@bp.route("/<slug>/students/<student_id>/awards/new", methods=["GET", "POST"])
@staff_required
def award_new(slug: str, student_id: str) -> Any:
    s = scope(slug, "registrar")
    # Recording an award creates a relationship, and a relationship opens the student's identity
    # and claim codes: so only an institution that already serves the student may record one.
    related_or_404(s, student_id, recording=True)
    credentials = catalog()
    context = {"scope": s, "student_id": student_id, "catalog": credentials, "identity": roster().identity(student_id)}
    if request.method == "GET":
        form: dict[str, Any] = {"earned": today().isoformat()}
        evidence = None
        supersedes = request.args.get("supersedes")
        if supersedes:
            old = next((a for a in roster().awards_of(s.did, student_id, today())[0] if a["award"] == supersedes),
                       None)
            if old is None:
                raise NotFoundError("no such award of this student at your institution")
            form = {"credential": old["credential"], "earned": old["earned"], "supersedes": supersedes}
            evidence = old["evidence"]
        return render_template("console/award_new.html", form=form, rows=evidence_rows(evidence), errors={},
                               **context)
    form = request.form
    try:
        credential = form.get("credential", "")
        if credential not in {c.code for c in credentials}:
            raise InputError.for_field("credential", "choose a credential from the catalog")
        data = schemas.load(schemas.IssueInput, {
            "issuer": slug, "student": student_id, "credential": credential, "earned": form.get("earned", ""),
            "evidence": evidence_from_form(form), "supersedes": form.get("supersedes") or None})
        (award_id,) = ledger().issue([IssueRequest(
            slug, str(data["student"]), data["credential"], data["earned"], data["evidence"],
            str(data["supersedes"]) if data["supersedes"] else None)])
    except LedgerError as e:
        return form_error("console/award_new.html", e, form=form, rows=evidence_rows(form=form), **context)
    name = next(c.name for c in credentials if c.code == credential)
    return done(f"Recorded {name}, earned {data['earned'].isoformat()} (award {award_id}).", ".student",
                slug=slug, student_id=student_id)


def held_award_or_403(s: Scope, award_id: str) -> AwardInfo:
    award = ledger().find_award(award_id)
    # Another institution's award is answered like an unknown one; one this institution issued but
    # handed on is a 403 with the reason.
    if award is None or s.did not in (award.issuer, award.custodian):
        raise NotFoundError(f"no award {award_id!r}")
    if award.custodian != s.did:
        forbid("That credential is held by another institution: only its custodian may change it.")
    return award


@bp.route("/<slug>/awards/<award_id>/revoke", methods=["GET", "POST"])
@staff_required
def award_revoke(slug: str, award_id: str) -> Any:
    s = scope(slug, "registrar")
    award = held_award_or_403(s, award_id)
    projections().catch_up()
    entry = next((a for a in roster().awards_of(s.did, award.student, today())[0] if a["award"] == award_id), None)
    context = {"scope": s, "award": entry, "student_id": award.student, "reasons": REVOCATION_REASONS}
    if request.method == "GET":
        amend = request.args.get("amend") == "1"
        return render_template("console/revoke.html", form={"reason": "superseded" if amend else ""}, errors={},
                               amend=amend, **context)
    form = request.form
    try:
        data = schemas.load(schemas.RevokeInput, {"award": award_id, "reason": form.get("reason", ""),
                                                  "note": form.get("note", "").strip()})
        ledger().revoke(award_id, data["reason"], data["note"], by=slug, seen=award.version)
    except LedgerError as e:
        return form_error("console/revoke.html", e, form=form, amend=form.get("reason") == "superseded", **context)
    if data["reason"] == "superseded":
        flash("Revoked as superseded. Now record the corrected credential; it will name the one it replaces.",
              "success")
        return redirect(url_for(".award_new", slug=slug, student_id=award.student, supersedes=award_id), code=303)
    return done(f"Revoked ({REVOCATION_REASONS[data['reason']]}).", ".student", slug=slug,
                student_id=award.student)


# Transfers ---------------------------------------------------------------------


@bp.route("/<slug>/students/<student_id>/transfer", methods=["GET", "POST"])
@staff_required
def transfer_new(slug: str, student_id: str) -> Any:
    s = scope(slug, "registrar")
    related_or_404(s, student_id)
    held = set(transfers().held_awards(slug, student_id))
    awards = [a for a in roster().awards_of(s.did, student_id, today())[0] if a["award"] in held]
    context = {"scope": s, "student_id": student_id, "awards": awards, "identity": roster().identity(student_id),
               "issuers": [i for i in projections().issuers() if i["slug"] != slug]}
    if request.method == "GET":
        return render_template("console/transfer_new.html", form={}, errors={}, **context)
    form = request.form
    try:
        transfer = transfers().propose(slug, form.get("to", ""), student_id, form.get("reason", ""))
    except LedgerError as e:
        return form_error("console/transfer_new.html", e, form=form, **context)
    return done(f"Sent {len(transfer.awards)} credential(s) to {issuer_names().get(transfer.to_issuer)}. They move "
                "when that institution accepts.", ".student", slug=slug, student_id=student_id)


def transfer_of(s: Scope, transfer_id: str, *, side: str | None = None) -> Any:
    transfer = transfers().get(transfer_id)  # 404 if there is none
    sides = {"to": transfer.to_issuer, "from": transfer.from_issuer}
    if s.slug not in sides.values():
        raise NotFoundError("no such transfer")  # another institution's transfer is not confirmed to exist
    if side and sides[side] != s.slug:
        forbid("Only the receiving institution accepts or declines a transfer, and only the sending one "
               "withdraws it.")
    return transfer


@bp.get("/<slug>/transfers/<transfer_id>")
@staff_required
def transfer(slug: str, transfer_id: str) -> Any:
    s = scope(slug)
    t = transfer_of(s, transfer_id)
    projections().catch_up()
    # The student's identity and awards only while the institution relates to them (a declined
    # offer, or custody handed on, leaves the bare record of the transfer).
    related = ledger().access.may_see(s.did, t.student_id)
    awards = {a["award"]: a for a in projections().transcript(t.student_id, today())["awards"]} if related else {}
    return render_template("console/transfer.html", scope=s, t=t,
                           identity=roster().identity(t.student_id) if related else None,
                           awards=[awards[a] for a in t.awards if a in awards], issuer_names=issuer_names())


@bp.post("/<slug>/transfers/<transfer_id>/accept")
@staff_required
def transfer_accept(slug: str, transfer_id: str) -> Any:
    s = scope(slug, "registrar")
    t = transfer_of(s, transfer_id, side="to")
    ledger().accept_transfer(t.id, slug)  # a refusal is a 409 page with the ledger's reason
    return done(f"Accepted: your institution now holds {len(t.awards)} credential(s) of this student.",
                ".student", slug=slug, student_id=t.student_id)


@bp.post("/<slug>/transfers/<transfer_id>/decline")
@staff_required
def transfer_decline(slug: str, transfer_id: str) -> Any:
    s = scope(slug, "registrar")
    t = transfer_of(s, transfer_id, side="to")
    ledger().close_transfer_offer(t.id, slug, "declined")
    return done("Declined. Nothing changed in the ledger; the sending institution still holds the record.",
                ".home", issuer=slug)


@bp.post("/<slug>/transfers/<transfer_id>/withdraw")
@staff_required
def transfer_withdraw(slug: str, transfer_id: str) -> Any:
    s = scope(slug, "registrar")
    t = transfer_of(s, transfer_id, side="from")
    ledger().close_transfer_offer(t.id, slug, "withdrawn")
    return done("Withdrawn. Nothing changed in the ledger.", ".student", slug=slug, student_id=t.student_id)

