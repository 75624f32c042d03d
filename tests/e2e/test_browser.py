"""End to end in a real browser: Debian's Chromium driven by Playwright.

A registrar signs in and records a credential; the student opens their claim
link and shares their transcript; an employer opens the link and sees it
verified; after the registrar revokes the credential the employer's page says
so. The app is served over real HTTP on loopback. Screenshots of the three
main pages are kept in test-artifacts/ (CI keeps that folder).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from credledger_tools.demo.district import load_demo
from credledger_tools.demo.people import REGISTRAR_EMAIL, REGISTRAR_PASSWORD, add_demo_accounts
from ledger.instance import init_instance
from web import create_app
from web.accounts import Accounts
from web.db import create_web_tables

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# As the machine's notes advise: no sandbox as root, and no background traffic to a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    ledger = init_instance(tmp_path_factory.mktemp("e2e") / "instance", "e2e", scrypt_n=2**10)
    create_web_tables(ledger.store)
    load_demo(ledger, students=6)
    add_demo_accounts(ledger)
    # A student the CTE center already serves (it issued them an award): the registrar may record for them.
    student = next(row.student_id for row in ledger.store.select_journal_of_type("CredentialIssued")
                   if ledger.award(row.originator_id).issuer.endswith(":riverbend-ctc"))
    claim_code = Accounts(ledger.store).add_claim(student, "riverbend-ctc")
    app = create_app({"LEDGER": ledger})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"base": f"http://127.0.0.1:{server.server_port}", "student": student, "claim_code": claim_code}
    server.shutdown()
    ledger.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser tests: `make test` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def test_registrar_records_student_shares_employer_verifies_then_revocation_shows(site: dict[str, str],
                                                                                 browser: object) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    base, student = site["base"], site["student"]
    registrar = browser.new_context().new_page()  # type: ignore[attr-defined]
    pupil = browser.new_context().new_page()  # type: ignore[attr-defined]
    employer = browser.new_context().new_page()  # type: ignore[attr-defined]

    # 1. The registrar signs in and records a credential.
    registrar.goto(f"{base}/login")
    registrar.fill("input[name=email]", REGISTRAR_EMAIL)
    registrar.fill("input[name=password]", REGISTRAR_PASSWORD)
    registrar.click("button:has-text('Sign in')")
    registrar.wait_for_url("**/console/**")
    registrar.goto(f"{base}/console/riverbend-ctc/students/{student}/awards/new")
    registrar.select_option("select[name=credential]", "cpht")
    registrar.fill("input[name=earned]", date(2026, 6, 12).isoformat())
    registrar.fill("input[name=evidence_key_0]", "certificate")
    registrar.fill("input[name=evidence_value_0]", "PTCB-7730142")
    registrar.click("button:has-text('Sign and record')")
    registrar.wait_for_selector("text=Certified Pharmacy Technician")
    registrar.screenshot(path=str(ARTIFACTS / "1-issuer-console.png"), full_page=True)

    # 2. The student claims their record and shares the new credential.
    pupil.goto(f"{base}/claim/{site['claim_code']}")
    pupil.click("button:has-text('Open my credentials')")
    pupil.wait_for_selector("text=Certified Pharmacy Technician")
    pupil.screenshot(path=str(ARTIFACTS / "2-student-transcript.png"), full_page=True)
    pupil.goto(f"{base}/me/share")
    pupil.fill("input[name=label]", "Application at Harborview Pharmacy")
    pupil.check("#scope-chosen")
    pupil.check("tr:has-text('Certified Pharmacy Technician') input[type=checkbox]")
    pupil.click("button:has-text('Create the link')")
    link = pupil.input_value("#share-link")
    assert link.startswith(f"{base}/v/")

    # 3. The employer opens the link: every credential verified.
    employer.goto(link)
    employer.wait_for_selector("text=Certified Pharmacy Technician")
    assert "✓ Verified" in employer.content()
    employer.screenshot(path=str(ARTIFACTS / "3-public-verifier.png"), full_page=True)

    # 4. The registrar revokes the new credential; the employer's page now says so.
    registrar.goto(f"{base}/console/riverbend-ctc/students/{student}")
    registrar.click("tr:has-text('Certified Pharmacy Technician') >> text=Revoke")
    registrar.select_option("select[name=reason]", "evidence_withdrawn")
    registrar.fill("textarea[name=note]", "The certifying body voided the exam result.")
    registrar.click("button:has-text('Revoke')")
    registrar.wait_for_selector("text=revoked", timeout=10_000)
    employer.reload()
    employer.wait_for_selector("text=the certifying body withdrew or voided the result", timeout=10_000)
    assert "✗ 1 revoked" in employer.content() and employer.title().startswith("1 revoked")
    employer.screenshot(path=str(ARTIFACTS / "4-public-verifier-revoked.png"), full_page=True)


def axe_violations(page: object) -> list[str]:
    """axe-core (bundled with axe-playwright-python) on the page as it stands: rule ids and where."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]]


def test_the_cte_centers_day_at_phone_width_by_keyboard(site: dict[str, str], browser: object) -> None:
    """The district shares its CTE roster, the center finds a shared student and records a credential;
    every page on the way passes axe at 390 px wide, and the forms are filled by keyboard."""
    from credledger_tools.demo.people import ADMIN_EMAIL, ADMIN_PASSWORD

    ARTIFACTS.mkdir(exist_ok=True)
    base = site["base"]
    phone = {"viewport": {"width": 390, "height": 844}}
    district = browser.new_context(**phone).new_page()  # type: ignore[attr-defined]
    center = browser.new_context(**phone).new_page()  # type: ignore[attr-defined]
    checked: dict[str, list[str]] = {}

    def sign_in(page: object, email: str, password: str) -> None:
        page.goto(f"{base}/login")  # type: ignore[attr-defined]
        checked["login"] = axe_violations(page)
        page.focus("input[name=email]")  # type: ignore[attr-defined]
        page.keyboard.type(email)  # type: ignore[attr-defined]
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        page.keyboard.type(password)  # type: ignore[attr-defined]
        page.keyboard.press("Enter")  # type: ignore[attr-defined]
        page.wait_for_url("**/console/**")  # type: ignore[attr-defined]

    # The district shares one more student with the center, by local id.
    sign_in(district, ADMIN_EMAIL, ADMIN_PASSWORD)
    district.goto(f"{base}/console/riverbend/students/new")
    district.fill("input[name=name]", "Wilhelmina Achterberg")
    district.fill("input[name=birth_date]", "2008-11-23")
    district.fill("input[name=local_id]", "RB-CTE-4242")
    district.click("button:has-text('Register')")
    district.goto(f"{base}/console/riverbend/shares/new")
    checked["share form"] = axe_violations(district)
    district.select_option("select[name=grantee]", "riverbend-ctc")
    district.fill("textarea[name=local_ids]", "RB-CTE-4242")
    district.fill("input[name=note]", "CTE roster, spring term")
    district.click("button:has-text('Sign and share')")
    district.wait_for_selector("text=Wilhelmina Achterberg")
    checked["share"] = axe_violations(district)
    district.screenshot(path=str(ARTIFACTS / "5-roster-share.png"), full_page=True)
    district.goto(f"{base}/console/riverbend/shares")
    checked["shares"] = axe_violations(district)

    # The center's registrar finds the student among those shared with it and records a credential.
    sign_in(center, REGISTRAR_EMAIL, REGISTRAR_PASSWORD)
    center.goto(f"{base}/console/riverbend-ctc/shares")
    checked["shares with us"] = axe_violations(center)
    center.click("tr:has-text('spring term') >> text=See the students")
    center.click("tr:has-text('Wilhelmina Achterberg') >> text=Open")
    center.wait_for_selector("text=their school shared them with your institution to record credentials")
    checked["student"] = axe_violations(center)
    center.click("text=Record a credential")
    center.select_option("select[name=credential]", "osha10-general")
    center.fill("input[name=earned]", date(2026, 4, 2).isoformat())
    center.click("button:has-text('Sign and record')")
    center.wait_for_selector("text=OSHA 10-Hour General Industry")
    center.screenshot(path=str(ARTIFACTS / "6-cte-center-records.png"), full_page=True)
    assert center.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling
    assert {page: found for page, found in checked.items() if found} == {}
