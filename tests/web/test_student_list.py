"""The student list in pages (console and API, web.student_list) and a class's claim-code letters,
on SQLite and PostgreSQL.

One world per backend: the demo district, and Maplewood High, a school of its own with 120 students
of three classes (and some of no class), a few with credentials recorded, one erased; Riverbend's
students are never Maplewood's to see. People and schools are fictional.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger.application import IssueRequest, Ledger
from ledger.readmodels.queries import STUDENT_ORDERS
from tests.support import make_demo_world, signed_in_client
from web.accounts import Accounts
from web.roster import Roster, folded
from web.student_list import SORTS

CSRF = "test-csrf-token"
TODAY = date.today()
FIRST = ["Amara", "Bastien", "Céleste", "Dorian", "Elif", "Fenna", "Gideon", "Hollis", "Ines", "Jarrah", "Kenji",
         "Liesel"]
LAST = ["Abernathy", "Brightwater", "Castellanos", "Drummond", "Eastwood", "Fairweather", "Greenhalgh", "Holloway",
        "Ivanova", "Jessop"]
CLASSES = [2027, 2028, 2029, None]


@dataclass
class World:
    ledger: Ledger
    app: Flask
    users: dict[str, str]
    students: dict[str, dict[str, Any]]  # Maplewood's: id -> name, local_id, cohort
    awarded: list[str]  # Maplewood students with a credential, the latest recorded last
    erased: str
    riverbend: str  # one of Riverbend's students, unrelated to Maplewood

    def client(self, who: str) -> FlaskClient:
        return signed_in_client(self.app, CSRF, self.users[who])


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr("web.security.SCRYPT_N", 2**10)
    url, schema = None, f"t_{uuid.uuid4().hex[:16]}"
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        url = f"{server}?schema={schema}"
    built = make_demo_world(tmp_path_factory.mktemp("list") / "i", students=4, database_url=url)
    ledger = built.ledger
    ledger.register_issuer("maplewood", "Maplewood High School", "school")
    people = [{"name": f"{FIRST[i % 12]} {LAST[i % 10]}-{i:03d}", "birth_date": "2009-04-01",
               "local_id": f"MW-{(i * 37) % 1000:04d}"} for i in range(120)]
    cohorts = [CLASSES[i % 4] for i in range(120)]
    ids = ledger.register_students("maplewood", people, cohorts=cohorts)
    students = {sid: {**p, "cohort": c} for sid, p, c in zip(ids, people, cohorts)}
    awarded = [ids[7], ids[3], ids[90]]
    for days, sid in zip((30, 20, 10), awarded):  # recorded one after another: ids[90] the latest
        ledger.issue([IssueRequest("maplewood", sid, "osha10-general", TODAY - timedelta(days=days),
                                   {"certificate": f"OSHA-{days}"})])
    erased = ids[5]
    ledger.erase_identity(erased)
    accounts = Accounts(ledger.store)
    users = {"registrar": accounts.add_user("reg@maplewood.example", "Mira Maple", "password-mw-1",
                                            issuer="maplewood", role="registrar"),
             "viewer": accounts.add_user("view@maplewood.example", "Vera Maple", "password-mw-2",
                                         issuer="maplewood", role="viewer")}
    riverbend = next(iter(ledger.access.registered_by(ledger.issuer_did("riverbend"))))
    yield World(ledger, built.app, users, students, awarded, erased, riverbend)
    ledger.close()
    monkeypatch.undo()
    if url:
        with psycopg.connect(request.getfixturevalue("postgres_server"), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def listed(page: str) -> list[str]:
    """The student ids of a list page's rows, in order."""
    return re.findall(r'<td class="mono" data-label="Student id">([0-9a-f-]{36})</td>', page)


def by_name(world: World, ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda s: (folded(world.students[s]["name"]), world.students[s]["local_id"], s))


def named(world: World) -> list[str]:
    return [s for s in world.students if s != world.erased]


# The console's list --------------------------------------------------------------


def test_every_sort_is_the_read_models_or_by_identity() -> None:
    # Name and local id live only in the vault; every other order is the query's (STUDENT_ORDERS).
    assert set(SORTS) - {"name", "local_id"} == set(STUDENT_ORDERS)


def test_pages_of_fifty_by_name_with_next_and_previous(world: World) -> None:
    client = world.client("viewer")
    first = text(client.get("/console/maplewood/students"))
    expected = by_name(world, named(world)) + [world.erased]  # an erased identity last, shown as none on record
    assert "120 students" in first and "Page 1 of 3" in first
    assert listed(first) == expected[:50]
    assert 'rel="next" href="/console/maplewood/students?sort=name&amp;page=2"' in first and 'rel="prev"' not in first
    third = text(client.get("/console/maplewood/students?sort=name&page=3"))
    assert listed(third) == expected[100:] and "No identity on record" in third
    assert 'rel="prev" href="/console/maplewood/students?sort=name&amp;page=2"' in third and 'rel="next"' not in third
    # A page past the end shows the last one; Riverbend's student is never Maplewood's.
    assert listed(text(client.get("/console/maplewood/students?page=40"))) == expected[100:]
    assert world.riverbend not in first + third


def test_sorted_and_filtered_by_the_query_itself(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[int] = []
    identities = Roster.identities

    def counting(self: Roster, student_ids: Any) -> Any:
        ids = list(student_ids)
        opened.append(len(ids))
        return identities(self, ids)

    monkeypatch.setattr(Roster, "identities", counting)
    client = world.client("viewer")
    page = text(client.get("/console/maplewood/students?cohort=2028&sort=class"))
    class_of_2028 = [s for s, p in world.students.items() if p["cohort"] == 2028]
    assert "30 students in the class of 2028" in page and sorted(listed(page)) == sorted(class_of_2028)
    # Ordered, filtered and cut by the database: only the page's identities were decrypted.
    assert opened == [30]
    opened.clear()
    page = text(client.get("/console/maplewood/students?sort=class&page=3"))
    order = [world.students[s]["cohort"] for s in listed(page)]
    assert order == sorted(order, key=lambda c: (c is None, c or 0)) and order[-1] is None and opened == [20]
    latest = listed(text(client.get("/console/maplewood/students?sort=activity")))
    assert latest[:3] == world.awarded[::-1]  # the latest credential recorded first; none after
    local = listed(text(client.get("/console/maplewood/students?sort=local_id")))
    assert local[:3] == sorted(named(world), key=lambda s: world.students[s]["local_id"])[:3]
    # A name in the address is no search (searches are posted): ignored, never echoed.
    stray = text(client.get("/console/maplewood/students?q=Amara"))
    assert "120 students" in stray and "Amara" not in stray.split("<tbody>")[0]
    # The form's "any" (an empty field) is no filter.
    assert "120 students" in text(client.get("/console/maplewood/students?cohort=&sort=name"))


@pytest.mark.parametrize("query, field", [
    ("page=-1", "page"), ("page=0", "page"), ("page=two", "page"), ("page=99999999999999999999", "page"),
    ("sort=evil", "sort"), ("sort=name%3BDROP", "sort"), ("cohort=1850", "cohort"), ("cohort=abc", "cohort"),
])
def test_bad_parameters_are_a_400_naming_them(world: World, query: str, field: str) -> None:
    response = world.client("viewer").get(f"/console/maplewood/students?{query}")
    assert response.status_code == 400 and f"{field}: " in text(response)


def test_a_search_is_posted_and_its_pages_post_it_again(world: World) -> None:
    client = world.client("viewer")
    response = client.post("/console/maplewood/students?cohort=2027&sort=name",
                           data={"csrf_token": CSRF, "q": "amara"})
    page = text(response)
    matches = by_name(world, [s for s, p in world.students.items() if p["name"].startswith("Amara")
                              and p["cohort"] == 2027 and s != world.erased])
    assert response.status_code == 200 and listed(page) == matches
    assert f"{len(matches)} matches for “amara” in the class of 2027" in page
    # Every address on the page is free of the term; the search box keeps it.
    assert not re.search(r'(href|action)="[^"]*amara', page, re.IGNORECASE) and 'value="amara"' in page
    wide = text(client.post("/console/maplewood/students", data={"csrf_token": CSRF, "q": "e"}))  # many pages
    assert '<form method="post" action="/console/maplewood/students?sort=name&amp;page=2"' in wide
    assert '<input type="hidden" name="q" value="e">' in wide
    second = text(client.post("/console/maplewood/students?sort=name&page=2", data={"csrf_token": CSRF, "q": "e"}))
    everyone = by_name(world, [s for s, p in world.students.items() if "e" in folded(p["name"]) + p["local_id"].lower()
                               and s != world.erased])
    assert listed(second) == everyone[50:100]


# The API's list --------------------------------------------------------------------


def test_the_api_pages_sorts_and_filters_by_the_same_rule(world: World) -> None:
    token = Accounts(world.ledger.store).add_api_token("maplewood", "viewer", "SIS sync")
    client = world.app.test_client()

    def get(query: str) -> Any:
        return client.get(f"/api/v1/students?{query}", headers={"Authorization": f"Bearer {token}"})

    first = get("limit=50").get_json()
    assert first["total"] == 120 and first["next_offset"] == 50 and len(first["students"]) == 50
    rest = get("limit=50&offset=100").get_json()
    assert rest["next_offset"] is None and len(rest["students"]) == 20
    everyone = [s["student"] for s in first["students"]] + [s["student"] for s in get("limit=50&offset=50")
                                                            .get_json()["students"]] + [s["student"] for s in rest["students"]]
    assert sorted(everyone) == sorted(world.students)  # each once, registration order, world.riverbend never
    latest = get("sort=activity&limit=3").get_json()["students"]
    assert [s["student"] for s in latest] == world.awarded[::-1] and latest[0]["latest_award"] is not None
    class_of_2029 = get("cohort=2029").get_json()
    assert class_of_2029["total"] == 30 and {s["cohort"] for s in class_of_2029["students"]} == {2029}
    for query, field in (("sort=evil", "sort"), ("offset=-1", "offset"), ("cohort=x", "cohort"), ("q=Amara", "q")):
        response = get(query)
        assert response.status_code == 400 and field in response.get_json()["errors"], query


# Claim-code letters ------------------------------------------------------------------


def test_printing_a_class_issues_new_codes_one_letter_each(world: World) -> None:
    client, accounts = world.client("registrar"), Accounts(world.ledger.store)
    class_of_2027 = [s for s, p in world.students.items() if p["cohort"] == 2027 and s != world.erased]
    old = accounts.replace_claims([class_of_2027[0]], "maplewood")[class_of_2027[0]]
    confirm = client.get("/console/maplewood/claim-letters?cohort=2027")
    assert confirm.status_code == 200 and "Printing issues new codes" in text(confirm)
    assert f"{len(class_of_2027)} students" in text(confirm)
    assert accounts.claim(old) == class_of_2027[0]  # asking changes nothing
    response = client.post("/console/maplewood/claim-letters?cohort=2027", data={"csrf_token": CSRF})
    page = text(response)
    assert response.status_code == 201 and "no-store" in response.headers["Cache-Control"]
    assert page.count('<article class="card letter"') == len(class_of_2027)
    codes = re.findall(r'<strong class="mono claim-code">([A-Z0-9-]+)</strong>', page)
    assert sorted(accounts.claim(code) for code in codes) == sorted(class_of_2027)  # each opens its own student
    assert accounts.claim(old) is None  # the earlier code no longer works
    names = [world.students[s]["name"] for s in class_of_2027]
    assert re.findall(r"Your credentials record, ([^<]+)</h2>", page) == sorted(names, key=folded)
    assert "Maplewood High School" in page and page.count("<svg") >= len(class_of_2027)  # a QR code each
    assert not any(re.search(rf'(href|action|src)="[^"]*{code}', page) for code in codes)  # in no address


def test_letters_need_a_registrar_a_class_and_the_csrf_token(world: World) -> None:
    accounts = Accounts(world.ledger.store)
    student = next(s for s, p in world.students.items() if p["cohort"] == 2029)
    code = accounts.replace_claims([student], "maplewood")[student]
    viewer, registrar = world.client("viewer"), world.client("registrar")
    assert viewer.get("/console/maplewood/claim-letters?cohort=2029").status_code == 403
    assert viewer.post("/console/maplewood/claim-letters?cohort=2029", data={"csrf_token": CSRF}).status_code == 403
    assert registrar.post("/console/maplewood/claim-letters?cohort=2029").status_code == 400  # no CSRF token
    # Without a class, the page asks for one (of the classes there are); posting none is refused.
    picker = text(registrar.get("/console/maplewood/claim-letters"))
    assert '<option value="2027">Class of 2027</option>' in picker and "<option value=\"\"" not in picker
    missing = registrar.post("/console/maplewood/claim-letters", data={"csrf_token": CSRF})
    assert missing.status_code == 400 and "cohort: choose a graduating class" in text(missing)
    assert registrar.get("/console/maplewood/claim-letters?cohort=1850").status_code == 400
    empty = registrar.post("/console/maplewood/claim-letters?cohort=2035", data={"csrf_token": CSRF})
    assert empty.status_code == 400 and "cohort: no student of the class of 2035" in text(empty)
    # Another institution's registrar gets a 403 before anything is looked up.
    riverbend = signed_in_client(world.app, CSRF, Accounts(world.ledger.store).add_user(
        f"reg-{uuid.uuid4().hex[:6]}@riverbend.example", "Rhea Riverbend", "password-rb-9", issuer="riverbend",
        role="registrar"))
    assert riverbend.post("/console/maplewood/claim-letters?cohort=2029", data={"csrf_token": CSRF}).status_code == 403
    assert accounts.claim(code) == student  # nothing was issued on the way


def test_the_student_list_offers_letters_for_the_class_shown(world: World) -> None:
    page = text(world.client("registrar").get("/console/maplewood/students?cohort=2028"))
    assert 'href="/console/maplewood/claim-letters?cohort=2028"' in page
    assert "claim-letters" not in text(world.client("viewer").get("/console/maplewood/students?cohort=2028"))
