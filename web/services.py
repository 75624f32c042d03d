"""Typed access to the services `create_app` wires into `app.extensions`."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flask import current_app

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.readmodels import Projections
    from web.accounts import Accounts
    from web.crosswalk import Crosswalk
    from web.imports import Imports
    from web.roster import Roster
    from web.roster_import import RosterImport
    from web.sharing import Sharing
    from web.transfers import Transfers


def ledger() -> Ledger:
    return cast("Ledger", current_app.extensions["ledger"])


def projections() -> Projections:
    return cast("Projections", current_app.extensions["projections"])


def accounts() -> Accounts:
    return cast("Accounts", current_app.extensions["accounts"])


def sharing() -> Sharing:
    return cast("Sharing", current_app.extensions["sharing"])


def roster() -> Roster:
    return cast("Roster", current_app.extensions["roster"])


def transfers() -> Transfers:
    return cast("Transfers", current_app.extensions["transfers"])


def crosswalk() -> Crosswalk:
    return cast("Crosswalk", current_app.extensions["crosswalk"])


def imports() -> Imports:
    return cast("Imports", current_app.extensions["imports"])


def roster_import() -> RosterImport:
    return cast("RosterImport", current_app.extensions["roster_import"])
