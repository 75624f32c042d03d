"""Response headers: HSTS in production, and nothing private in a cache (issue 9, finding 8)."""

from __future__ import annotations


import pytest

from tests.web.test_console import Env
from web import create_app

STAFF_BLUEPRINTS = ("console", "console_import", "console_shares", "console_admin", "reports")


def test_hsts_exactly_when_the_session_cookie_is_secure(env: Env) -> None:
    secure = create_app({"LEDGER": env.ledger, "TESTING": True, "SESSION_COOKIE_SECURE": True})
    for path in ("/", "/login", "/log/checkpoint"):
        assert secure.test_client().get(path).headers["Strict-Transport-Security"] == \
            "max-age=31536000; includeSubDomains"
        assert "Strict-Transport-Security" not in env.app.test_client().get(path).headers


def staff_get_urls(env: Env) -> list[str]:
    """Every GET page of the console (with its admin pages) and of the reports that needs no id but the
    institution: read from the URL map, so a new page is covered without a change here."""
    urls = []
    for rule in env.app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in STAFF_BLUEPRINTS and "GET" in (rule.methods or ()) \
                and set(rule.arguments) <= {"slug", "name"}:
            values = {"slug": "riverbend", "name": "irc-summary"}
            built = rule.build({k: values[k] for k in rule.arguments})
            assert built is not None
            urls.append(built[1])
    return sorted(set(urls))


def test_every_staff_page_is_never_cached(env: Env) -> None:
    client = env.client("rb_admin")
    urls = staff_get_urls(env)
    assert "/reports/" in urls and "/console/riverbend/staff" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302), url  # 302: /tokens lands on the staff page
        assert response.headers["Cache-Control"] == "no-store", url


@pytest.mark.parametrize("url", ["/console/import/template.csv", "/reports/irc-summary?format=csv"])
def test_every_csv_download_is_never_cached(env: Env, url: str) -> None:
    response = env.client("rb_admin").get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_favicon(env: Env) -> None:
    client = env.app.test_client()
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer.location.endswith("/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<title>credledger</title>" in icon.data
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/").text
