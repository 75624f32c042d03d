"""Console pages beside the daily record-keeping: CSV import, signing keys,
staff and API tokens, one's own password. Routes on the `console` blueprint
(see web.console).

Staff accounts (admin of the same institution, or the operator):
    /console/<slug>/staff/<user_id>/disable|enable|role|password   POST
Any signed-in staff member:
    /console/account/password                                    GET POST
Each change ends every session of the account it changes (web.accounts).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for

from ledger.errors import InputError, LedgerError, NotFoundError
from web import schemas
from web.accounts import ROLES
from web.auth import ACCOUNT_LIMIT, current_actor, limiter, staff_required, start_staff_session
from web.console import (
    Scope,
    accounts,
    bp,
    catalog,
    done,
    forbid,
    form_error,
    imports,
    ledger,
    now,
    page,
    projections,
    roster,
    scope,
    today,
)
from web.imports import COMMITTING, DONE, FORMAT, ImportJob
from web.roster import short_key

# CSV import --------------------------------------------------------------------

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


# Signing keys ------------------------------------------------------------------


def key_rows(s: Scope) -> list[dict[str, Any]]:
    projections().catch_up()
    entry = next(i for i in projections().issuers() if i["did"] == s.did)
    moment = now()
    rows = []
    for key in sorted(entry["keys"], key=lambda k: k["valid_from"], reverse=True):
        record = s.issuer.keys[key["key_id"]]
        state = record.state_at(moment)
        if state == "active" and record.retired_at is not None:
            state = "retiring"  # still signing, until the retirement it was given
        badge = {"compromised": "revoked", "retired": "expired", "retiring": "warn", "pending": "warn"}.get(state, "active")
        rows.append(key | {"short": short_key(key["key_id"]), "held": ledger().holds_key(key["key_id"]),
                           "state": state, "badge": badge})
    return rows


def keys_page(s: Scope, status: int = 200, **context: Any) -> tuple[str, int]:
    return page("console/keys.html", status, scope=s, keys=key_rows(s), form=context.pop("form", {}),
                errors=context.pop("errors", {}), **context)


@bp.get("/<slug>/keys")
@staff_required
def keys(slug: str) -> Any:
    return keys_page(scope(slug, "admin"))


@bp.post("/<slug>/keys/rotate")
@staff_required
def key_rotate(slug: str) -> Any:
    s = scope(slug, "admin")
    try:
        key_id = ledger().rotate_issuer_key(slug)
    except LedgerError as e:
        return keys_page(s, 409, error=str(e))
    return done(f"New signing key {short_key(key_id)} in use; the previous ones are retired. Credentials they "
                "signed stay valid.", ".keys", slug=slug)


def key_time(s: Scope, form: Any, *, default_now: bool) -> dict[str, Any]:
    key = form.get("key", "")
    if key not in s.issuer.keys:
        raise InputError.for_field("key", "choose one of your institution's keys")
    at = form.get("at", "").strip()
    if not at and default_now:
        return {"key": key, "at": now()}
    if not at:
        raise InputError.for_field("at", "required: from when the key is untrusted (UTC)")
    return schemas.load(schemas.KeyTimeInput, {"slug": s.slug, "key": key, "at": at})


@bp.post("/<slug>/keys/retire")
@staff_required
def key_retire(slug: str) -> Any:
    s = scope(slug, "admin")
    try:
        data = key_time(s, request.form, default_now=True)
        ledger().retire_issuer_key(slug, data["key"], data["at"])
    except LedgerError as e:
        return form_error("console/keys.html", e, scope=s, keys=key_rows(s), form=request.form, action="retire")
    return done(f"Key {short_key(data['key'])} retires at {data['at']:%Y-%m-%d %H:%M} UTC. What it signed before "
                "stays valid.", ".keys", slug=slug)


@bp.post("/<slug>/keys/compromise")
@staff_required
def key_compromise(slug: str) -> Any:
    s = scope(slug, "admin")
    try:
        data = key_time(s, request.form, default_now=False)
        if request.form.get("confirm") != "yes":
            raise InputError.for_field("confirm", "tick the box to confirm: this cannot be undone")
        ledger().declare_key_compromised(slug, data["key"], data["at"])
    except LedgerError as e:
        return form_error("console/keys.html", e, scope=s, keys=key_rows(s), form=request.form, action="compromise")
    return done(f"Key {short_key(data['key'])} is untrusted from {data['at']:%Y-%m-%d %H:%M} UTC: anything it signed "
                "that the log recorded after that no longer verifies. Rotate to a new key now if you have not.",
                ".keys", slug=slug)


# Staff and API tokens ----------------------------------------------------------


def staff_page(s: Scope, status: int = 200, **context: Any) -> tuple[str, int]:
    return page("console/staff.html", status, scope=s, staff=accounts().staff(s.slug),
                tokens=accounts().api_tokens(s.slug), roles=ROLES, form=context.pop("form", {}),
                errors=context.pop("errors", {}), **context)


@bp.get("/<slug>/staff")
@staff_required
def staff(slug: str) -> Any:
    return staff_page(scope(slug, "admin"))


@bp.post("/<slug>/staff")
@staff_required
def staff_add(slug: str) -> Any:
    s = scope(slug, "admin")
    form = request.form
    try:
        role = form.get("role", "")
        if role not in ROLES:
            raise InputError.for_field("role", f"one of {', '.join(ROLES)}")
        name = form.get("name", "").strip()
        if not name or len(name) > 200:
            raise InputError.for_field("name", "required, at most 200 characters")
        accounts().add_user(form.get("email", ""), name, form.get("password", ""), issuer=slug, role=role)
    except LedgerError as e:
        return staff_page(s, 400, form=form, errors=getattr(e, "errors", {}), error=str(e), action="staff")
    return done(f"Added as {role}. Give them the password through a separate channel.", ".staff", slug=slug)


def staff_member(slug: str, user_id: str) -> str:
    """`user_id`, if it is a staff account of this institution (404 if no account, 403 if another's)."""
    if accounts().user_issuer(user_id) != slug:
        forbid("That account belongs to another institution.")
    return user_id


@bp.post("/<slug>/staff/<user_id>/<change>")
@staff_required
def staff_change(slug: str, user_id: str, change: str) -> Any:
    s = scope(slug, "admin")
    staff_member(slug, user_id)
    form = request.form
    try:
        if change in ("disable", "enable"):
            accounts().set_disabled(user_id, change == "disable")
            message = "Account disabled: it cannot sign in, and its sessions ended." if change == "disable" \
                else "Account enabled: it can sign in again."
        elif change == "role":
            accounts().set_role(user_id, form.get("role", ""))
            message = f"Role changed to {form.get('role')}; the account's sessions ended."
        elif change == "password":
            accounts().set_password(user_id, form.get("password", ""))
            message = "Password reset; the account's sessions ended. Give the new one through a separate channel."
        else:
            raise NotFoundError("no such change to an account")
    except InputError as e:
        return staff_page(s, 400, form=form, errors=e.errors, error=str(e), action=f"{change}:{user_id}")
    if user_id == s.actor.id and change != "disable":
        start_staff_session(user_id)  # your own change: this session goes on, the others end
    return done(message, ".staff", slug=slug)


@bp.route("/account/password", methods=["GET", "POST"])
@staff_required
def password_change() -> Any:
    actor = current_actor()
    assert actor is not None  # staff_required
    if request.method == "GET":
        return page("console/password.html", actor=actor, errors={})
    # A borrowed session must not become a way to guess the password: wrong ones count as at sign-in.
    guesses = f"password-change:{actor.id}"
    if limiter().over(guesses, *ACCOUNT_LIMIT):
        abort(429, description="Too many wrong passwords. Wait a few minutes and try again.")
    try:
        accounts().change_password(actor.id, request.form.get("current_password", ""),
                                   request.form.get("password", ""))
    except InputError as e:
        if "current_password" in e.errors:
            limiter().hit(guesses, *ACCOUNT_LIMIT)
        return page("console/password.html", 400, actor=actor, errors=e.errors, error=str(e))
    start_staff_session(actor.id)  # this session goes on; every other one (a lost laptop's) ends
    return done("Password changed. You were signed out everywhere else.", ".home")


@bp.post("/<slug>/tokens")
@staff_required
def token_new(slug: str) -> Any:
    s = scope(slug, "admin")
    form = request.form
    role = form.get("role", "")
    if role not in ROLES:
        return staff_page(s, 400, form=form, errors={"token_role": [f"one of {', '.join(ROLES)}"]},
                          error="token role: choose a role", action="token")
    label = form.get("label", "").strip() or "API token"
    token = accounts().add_api_token(slug, role, label)
    return page("console/token_created.html", 201, scope=s, token=token, label=label[:100], role=role)


@bp.post("/<slug>/tokens/<token_id>/revoke")
@staff_required
def token_revoke(slug: str, token_id: str) -> Any:
    scope(slug, "admin")
    if accounts().api_token_issuer(token_id) != slug:  # 404 if there is no such token
        forbid("That token belongs to another institution.")
    accounts().revoke_api_token(slug, token_id)  # 404 if it was revoked already
    return done("Token revoked: systems using it are refused from now on.", ".staff", slug=slug)
