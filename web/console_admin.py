"""Console pages for an institution's administration: signing keys, staff, API tokens; one's own password.

A blueprint of its own under `/console`; the scope rule and helpers are
web.console_common. Each change to an account ends every session of the
account it changes (web.accounts).

    /console/<slug>/keys                                          GET   key history               admin
    /console/<slug>/keys/rotate|retire|compromise                 POST                            admin
    /console/<slug>/staff                                         GET POST list, add staff        admin
    /console/<slug>/staff/<user_id>/disable|enable|role|password  POST                            admin
    /console/<slug>/tokens, /tokens/<id>/revoke              GET, POST  API tokens (shown once;   admin
                                                                        GET: to the staff page)
    /console/account/password                                     GET POST your own password      any staff
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, request, url_for

from ledger.errors import InputError, LedgerError, NotFoundError
from web import schemas
from web.accounts import ROLES
from web.auth import ACCOUNT_LIMIT, current_actor, limiter, staff_required, start_staff_session
from web.console_common import Scope, done, forbid, form_error, now, page, scope
from web.issuers import KEY_BADGES
from web.roster import short_key
from web.services import accounts, ledger, projections

bp = Blueprint("console_admin", __name__, url_prefix="/console")

# Signing keys ------------------------------------------------------------------


def key_rows(s: Scope) -> list[dict[str, Any]]:
    projections().catch_up()
    entry = next(i for i in projections().issuers() if i["did"] == s.did)
    moment = now()
    rows = []
    for key in sorted(entry["keys"], key=lambda k: k["valid_from"], reverse=True):
        state = s.issuer.keys[key["key_id"]].state_in_words(moment)
        badge = KEY_BADGES[state]
        rows.append(key | {"short": short_key(key["key_id"]), "custody": _custody(key, state),
                           "state": state, "badge": badge})
    return rows


def _custody(key: dict[str, Any], state: str) -> str:
    """Where the private key is, as far as this server knows. A retired or compromised key it does not
    hold may have been its own, destroyed at rotation: not "held by your institution"."""
    if ledger().holds_key(key["key_id"]):
        return "held by this server (encrypted)"
    if state in ("retired", "compromised"):
        return "not held by this server (it signs nothing more)"
    return "held by your institution, not by this server"


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
    return done("Password changed. You were signed out everywhere else.", "console.home")


@bp.get("/<slug>/tokens")
@staff_required
def tokens(slug: str) -> Any:
    """The tokens are listed on the staff page: a bookmark or a reload of the form's address lands there."""
    scope(slug, "admin")
    return redirect(url_for(".staff", slug=slug, _anchor="tokens"))


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
