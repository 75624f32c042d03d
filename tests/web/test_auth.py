"""Signing in and staff accounts, through the Flask test client on a real SQLite instance:
where sign-in may send you, sessions that end, account management, lock-out, passwords.
(Issue 9, findings 5 and 6.) People and schools are fictional."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.web.test_console import CSRF, Env, make_env, post, text

ADMIN = ("admin@riverbend.example", "password-rb-1")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("web.security.SCRYPT_N", 2**10)  # staff passwords: fast in tests
        environment = make_env(tmp_path_factory.mktemp("auth") / "instance")
        yield environment
    environment.ledger.close()


def fresh_client(env: Env) -> FlaskClient:
    client = env.app.test_client()
    with client.session_transaction() as session:
        session["csrf"] = CSRF
    return client


def sign_in(env: Env, email: str, password: str, url: str = "/login", **environ: Any) -> Any:
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
