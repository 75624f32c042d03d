"""Signing in and staff accounts, through the Flask test client on a real SQLite instance:
where sign-in may send you, sessions that end, account management, lock-out, passwords.
(Issue 9, findings 5 and 6.) People and schools are fictional."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from ledger.application import Ledger
from ledger.errors import InputError
from tests.web.test_console import CSRF, Env, post, text
from web.accounts import Accounts
from web.db import create_web_tables

ADMIN = ("admin@riverbend.example", "password-rb-1")


def fresh_client(env: Env) -> FlaskClient:
    client = env.app.test_client()
    with client.session_transaction() as session:
        session["csrf"] = CSRF
    return client


CLIENTS = itertools.count(1)


def sign_in(env: Env, email: str, password: str, url: str = "/login", **environ: Any) -> Any:
    """A sign-in from a new browser, each from its own address (the per-client limit is tested apart)."""
    n = next(CLIENTS)
    environ.setdefault("REMOTE_ADDR", f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")
    client = fresh_client(env)
    return client, client.post(url, data={"csrf_token": CSRF, "email": email, "password": password},
                               environ_base=environ)


# Finding 5: where sign-in sends you ------------------------------------------------


@pytest.mark.parametrize("target", [
    "/%09/evil.example", "/%5Cevil.example", "//evil.example", "/%0d%0aSet-Cookie:%20x=1",
    "https://evil.example/", "/%0a/evil.example", "%2F%2Fevil.example", "/%20/evil.example",
])
def test_sign_in_never_redirects_off_site(env: Env, target: str) -> None:
    _, response = sign_in(env, *ADMIN, url=f"/login?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"


def test_sign_in_returns_to_the_page_asked_for(env: Env) -> None:
    _, response = sign_in(env, *ADMIN, url="/login?next=/console/riverbend/keys")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/riverbend/keys"


# Finding 6: sessions end, accounts are managed, sign-in locks, passwords ------------

COOKIE = "credledger_session"
PASSWORD = "orchard-lantern-41"


def new_staff(env: Env, role: str = "registrar", issuer: str = "riverbend") -> tuple[str, str]:
    email = f"staff-{uuid.uuid4().hex[:8]}@{issuer}.example"
    return Accounts(env.ledger.store).add_user(email, "Tamsin Quarrie", PASSWORD, issuer=issuer, role=role), email


def signed_in(env: Env, email: str, password: str = PASSWORD) -> FlaskClient:
    client, response = sign_in(env, email, password)
    assert response.status_code == 302, text(response)
    assert client.get("/console/riverbend/students").status_code == 200
    return client


def copy_of(env: Env, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of this one's session cookie."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    other = env.app.test_client()
    other.set_cookie(COOKIE, cookie.value)
    return other


def is_signed_out(client: FlaskClient) -> bool:
    response = client.get("/console/riverbend/students")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_session_copied_before_sign_out_is_dead_after_it(env: Env) -> None:
    _, email = new_staff(env)
    client = signed_in(env, email)
    stolen, elsewhere = copy_of(env, client), signed_in(env, email)
    assert client.post("/logout", data={"csrf_token": session_csrf(client)}).status_code == 302
    assert is_signed_out(stolen) and is_signed_out(elsewhere) and is_signed_out(client)
    assert signed_in(env, email)  # signing in again works


def session_csrf(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        return str(session["csrf"])


def admin_post(env: Env, who: str, url: str, **data: str) -> Any:
    return post(env.client(who), url, **data)


def test_disabling_ends_sessions_and_sign_in_until_enabled(env: Env) -> None:
    user, email = new_staff(env)
    client = signed_in(env, email)
    response = admin_post(env, "rb_admin", f"/console/riverbend/staff/{user}/disable")
    assert response.status_code == 303
    assert is_signed_out(client)
    _, refused = sign_in(env, email, PASSWORD)
    assert refused.status_code == 401
    assert admin_post(env, "rb_admin", f"/console/riverbend/staff/{user}/enable").status_code == 303
    assert signed_in(env, email)


def test_a_role_change_ends_sessions_and_takes_effect(env: Env) -> None:
    user, email = new_staff(env, role="registrar")
    client = signed_in(env, email)
    assert admin_post(env, "operator", f"/console/riverbend/staff/{user}/role", role="viewer").status_code == 303
    assert is_signed_out(client)
    again = signed_in(env, email)
    assert again.get("/console/riverbend/students/new").status_code == 200
    assert post(again, "/console/riverbend/students/new", csrf_token=session_csrf(again), name="X",
                birth_date="2008-01-01", local_id="L-1").status_code == 403
    bad = admin_post(env, "rb_admin", f"/console/riverbend/staff/{user}/role", role="operator")
    assert bad.status_code == 400 and "role: one of viewer, registrar, admin" in text(bad)


def test_an_admin_reset_ends_sessions_and_replaces_the_password(env: Env) -> None:
    user, email = new_staff(env)
    client = signed_in(env, email)
    weak = admin_post(env, "rb_admin", f"/console/riverbend/staff/{user}/password", password="password123")
    assert weak.status_code == 400 and "password: not one of the most common passwords" in text(weak)
    assert not is_signed_out(client)  # a refused reset changes nothing
    assert admin_post(env, "rb_admin", f"/console/riverbend/staff/{user}/password",
                      password="copper-meadow-77").status_code == 303
    assert is_signed_out(client)
    assert sign_in(env, email, PASSWORD)[1].status_code == 401
    assert signed_in(env, email, "copper-meadow-77")


def test_changing_ones_own_password_needs_the_current_one_and_ends_other_sessions(env: Env) -> None:
    _, email = new_staff(env)
    client, elsewhere = signed_in(env, email), signed_in(env, email)
    assert client.get("/console/account/password").status_code == 200
    wrong = post(client, "/console/account/password", csrf_token=session_csrf(client),
                 current_password="not-it-at-all", password="harbor-thistle-93")
    assert wrong.status_code == 400 and "current_password: not your current password" in text(wrong)
    weak = post(client, "/console/account/password", csrf_token=session_csrf(client),
                current_password=PASSWORD, password="aaaaaaaaaaaa")
    assert weak.status_code == 400 and "password: not a repeated pattern" in text(weak)
    assert not is_signed_out(elsewhere)
    done = post(client, "/console/account/password", csrf_token=session_csrf(client),
                current_password=PASSWORD, password="harbor-thistle-93")
    assert done.status_code == 303
    assert is_signed_out(elsewhere) and not is_signed_out(client)
    assert signed_in(env, email, "harbor-thistle-93")


@pytest.mark.parametrize("who, slug, status", [
    ("lk_admin", "riverbend", 403), ("lk_admin", "lakeshore", 403),  # another institution's admin, either way
    ("rb_registrar", "riverbend", 403), (None, "riverbend", 302),
])
def test_only_an_admin_of_the_institution_manages_its_staff(env: Env, who: str | None, slug: str,
                                                            status: int) -> None:
    user, email = new_staff(env)
    for change, data in [("disable", {}), ("role", {"role": "admin"}), ("password", {"password": "copper-meadow-77"})]:
        assert admin_post(env, who, f"/console/{slug}/staff/{user}/{change}", **data).status_code == status
    assert signed_in(env, email)  # nothing changed
    rows = env.ledger.store.query("SELECT role, disabled FROM {t:web_users} WHERE id = ?", [user])
    assert rows == [("registrar", 0)]


def test_an_unknown_account_or_change_is_404(env: Env) -> None:
    user, _ = new_staff(env)
    assert admin_post(env, "rb_admin", f"/console/riverbend/staff/{uuid.uuid4()}/disable").status_code == 404
    assert admin_post(env, "rb_admin", f"/console/riverbend/staff/{user}/delete").status_code == 404


def test_ten_failures_lock_one_email_from_every_client_without_revealing_accounts(env: Env) -> None:
    _, email = new_staff(env)
    absent = f"nobody-{uuid.uuid4().hex[:8]}@riverbend.example"
    answers = {}
    for target in (email, absent):
        for i in range(10):
            _, response = sign_in(env, target, "wrong-password-x", REMOTE_ADDR=f"10.9.{len(answers)}.{i}")
            assert response.status_code == 401
        _, locked = sign_in(env, target, PASSWORD, REMOTE_ADDR="10.9.9.9")  # the right password, a new client
        assert locked.status_code == 429
        answers[target] = text(locked)
    assert answers[email] == answers[absent]
    _, other = sign_in(env, ADMIN[0], ADMIN[1], REMOTE_ADDR="10.9.9.9")  # other emails are not locked
    assert other.status_code == 302


@pytest.mark.parametrize("password, problem", [
    ("short-1", "at least 10 characters"), ("aaaaaaaaaaaa", "not a repeated pattern"),
    ("password123", "not one of the most common passwords"), ("Qwertyuiop!", "not one of the most common passwords"),
    ("1234567890", "not digits and symbols alone"), ("tamsin.quarrie@riverbend.example", "not your email or name"),
    ("Tamsin Quarrie", "not your email or name"), ("quarrie2026", "not your email or name"),
])
def test_weak_passwords_are_refused_wherever_an_account_is_added(env: Env, password: str, problem: str) -> None:
    # Accounts.add_user is what the console's staff form and `credledger user add` both call.
    with pytest.raises(InputError) as caught:
        Accounts(env.ledger.store).add_user("tamsin.quarrie@riverbend.example", "Tamsin Quarrie", password,
                                            issuer="riverbend", role="viewer")
    assert caught.value.errors == {"password": [problem]}
    page = post(env.client("rb_admin"), "/console/riverbend/staff", name="Tamsin Quarrie", role="viewer",
                email="tamsin.quarrie@riverbend.example", password=password)
    assert page.status_code == 400 and f"password: {problem}" in text(page)
    assert not env.ledger.store.query("SELECT 1 FROM {t:web_users} WHERE email = ?",
                                      ["tamsin.quarrie@riverbend.example"])


def test_migrate_adds_the_session_version_to_an_existing_users_table(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    # web_users as the previous version made it.
    ledger.store.execute("CREATE TABLE {t:web_users} (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, "
                         "name TEXT NOT NULL, password_hash TEXT NOT NULL, issuer TEXT, role TEXT NOT NULL, "
                         "created TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0)")
    ledger.store.execute("INSERT INTO {t:web_users} VALUES ('u1', 'a@b.example', 'A', 'x', NULL, 'operator', "
                         "'2026-01-01', 0)")
    create_web_tables(ledger.store)
    create_web_tables(ledger.store)  # and again: migrate is safe to repeat
    assert ledger.store.query("SELECT session_version FROM {t:web_users} WHERE id = 'u1'") == [(0,)]


def test_wrong_current_passwords_lock_the_password_change(env: Env) -> None:
    _, email = new_staff(env)
    client = signed_in(env, email)
    for _ in range(10):
        wrong = post(client, "/console/account/password", csrf_token=session_csrf(client),
                     current_password="not-it-at-all", password="harbor-thistle-93")
        assert wrong.status_code == 400
    locked = post(client, "/console/account/password", csrf_token=session_csrf(client),
                  current_password=PASSWORD, password="harbor-thistle-93")
    assert locked.status_code == 429
    assert signed_in(env, email, PASSWORD)  # unchanged
