"""The demo's people: the CTE center's registrar (who records for the students the district
shares with the center), the district's administrator, the operator (the state agency running the
service), a student's claim link and a live share link.

Printed by `credledger demo` (and `make run`) so a newcomer can click through
all three roles at once. Fictional accounts with a published password: for
demonstration only. May import ledger and web (accounts, share links).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ledger.application import Ledger
from web.accounts import Accounts
from web.sharing import Sharing

REGISTRAR_EMAIL = "registrar@riverbend-ctc.example"
REGISTRAR_PASSWORD = "demo-registrar-2026"
ADMIN_EMAIL = "admin@riverbend.example"
ADMIN_PASSWORD = "demo-admin-2026"
OPERATOR_EMAIL = "operator@state-agency.example"
OPERATOR_PASSWORD = "demo-operator-2026"


def add_demo_accounts(ledger: Ledger) -> None:
    accounts = Accounts(ledger.store)
    accounts.add_user(REGISTRAR_EMAIL, "Dana Whitlock (registrar)", REGISTRAR_PASSWORD, issuer="riverbend-ctc",
                      role="registrar")
    accounts.add_user(ADMIN_EMAIL, "Sam Okonkwo (district admin)", ADMIN_PASSWORD, issuer="riverbend", role="admin")
    accounts.add_user(OPERATOR_EMAIL, "Jo Marchetti (operator)", OPERATOR_PASSWORD, issuer=None, role="operator")


def demo_links(ledger: Ledger, student_id: str, base_url: str) -> dict[str, Any]:
    """A fresh claim link and share link for the demo student (tokens are stored hashed, so made anew)."""
    base = base_url.rstrip("/")
    code = Accounts(ledger.store).add_claim(student_id, "riverbend")
    token = Sharing(ledger.store).create(student_id, "Demo: shared with an employer", awards=None, days=30,
                                         now=datetime.now(timezone.utc))
    return {
        "registrar_login": f"{base}/login",
        "registrar_email": REGISTRAR_EMAIL,
        "registrar_password": REGISTRAR_PASSWORD,
        "admin_email": ADMIN_EMAIL,
        "admin_password": ADMIN_PASSWORD,
        "operator_email": OPERATOR_EMAIL,
        "operator_password": OPERATOR_PASSWORD,
        "student_claim_link": f"{base}/claim/{code}",
        "share_link": f"{base}/v/{token}",
    }


def demo_student(ledger: Ledger) -> str:
    """The demo's sample student: the first one the district registered."""
    rows = ledger.store.select_journal_of_type("StudentRegistered")
    return rows[0].student_id or rows[0].originator_id
