"""What every console blueprint shares: the scope check, the ledger's clock, and how a page answers.

The console's pages are four blueprints under `/console` (web.console: the
daily record-keeping; web.console_import: CSV import; web.console_shares:
roster shares; web.console_admin: keys, staff, tokens, one's own password).
Each imports this module and none imports another, so there is no cycle.

Every page below `/console/<slug>/` acts for the institution named in the URL,
and every view starts with `scope(slug, role)`, which answers 403 unless the
signed-in actor holds at least `role` for that institution (viewer < registrar
< admin < operator). Ids in a URL or a form (awards, transfers, imports, claim
codes, tokens) are checked to belong to that institution too, so nobody can
act for another institution by editing a URL or a form: the server signs
with the keys it holds for whichever institution a request names.

May import ledger (its errors and plain values) and web.accounts, web.auth, web.services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response as BaseResponse  # what flask.redirect returns

from ledger.errors import InputError, LedgerError, RejectedError
from ledger.readmodels.queries import CatalogEntry
from ledger.values import IssuerInfo
from web.accounts import Actor
from web.auth import require
from web.services import ledger, projections


def now() -> datetime:
    return ledger().clock()


def today() -> date:
    return now().date()


@dataclass(frozen=True)
class Scope:
    """Who is acting, for which institution, with what they may do there."""

    actor: Actor
    issuer: IssuerInfo

    @property
    def slug(self) -> str:
        return self.issuer.slug

    @property
    def did(self) -> str:
        return self.issuer.did

    @property
    def can_write(self) -> bool:
        return self.actor.can("registrar", self.slug)

    @property
    def is_admin(self) -> bool:
        return self.actor.can("admin", self.slug)


def scope(slug: str, role: str = "viewer") -> Scope:
    """403 unless the actor may act as `role` for `slug` (checked before the slug is even looked up)."""
    actor = require(role, slug)
    return Scope(actor, ledger().issuer(slug))


def forbid(message: str) -> None:
    abort(403, description=message)


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


def form_error(template: str, error: LedgerError, **context: Any) -> tuple[str, int]:
    """Re-render a form with the ledger's message and each bad field named."""
    status = 400 if isinstance(error, InputError) else 409 if isinstance(error, RejectedError) else 404
    return page(template, status, error=str(error), errors=getattr(error, "errors", {}), **context)


def done(message: str, endpoint: str, **values: Any) -> BaseResponse:
    """The message flashed, and a 303 to `endpoint` (the Post/Redirect/Get ending of every change)."""
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)


def issuer_names() -> dict[str, str]:
    """slug -> name and did -> name, for pages that mention other institutions."""
    names = {}
    for i in projections().issuers():
        names[i["slug"]] = names[i["did"]] = i["name"]
    return names


def catalog() -> list[CatalogEntry]:
    """The credential catalog, by name, for the award form and the import pages."""
    return projections().catalog()
