"""District reports and student pathway status, as queries over the read models.

Every report reads the projections (`ledger.readmodels`: awards, students,
issuers, catalog, listings, assessments) and applies the pure rules of
`ledger.pathways`; nothing here writes. `build_report`, here, builds one by
name, as the CLI and the web ask for it. One module per report:

    irc_summary   `irc-summary`: credentials (or one state's IRCs) earned, by attending center, school,
                  issuer, program or cluster, school year and credential, with each group's share
    perkins       `perkins-5s1`: graduating CTE concentrators who attained a recognized postsecondary credential
    ohio          `ohio-status`: each student's Ohio rules of their class (credential option 2018–2022;
                  IRC seal and career-focused demonstrations 2023 on; report-card bundle)
    colorado      `colorado-incentive`: each district's Career Development Incentive claim

and what they share:

    model         Report and Table, rendered as JSON, CSV and text; percent, dollars
    data          ReportData: what the reports read, loaded from the read models
    student       one student's facts and pathway status (`student_pathways`, for the web and CLI)
    inputs        report inputs the ledger never stores (pathway inputs, student id lists)

Counting: revoked and superseded awards never count (an amendment counts once,
as the award that replaced it); expired awards count where they were earned.
Years are school years (1 July – 30 June) by the year they end.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any

from ledger.errors import InputError
from ledger.pathways import StudentInputs
from ledger.reports.colorado import colorado_incentive
from ledger.reports.data import load_report_data
from ledger.reports.irc_summary import irc_summary
from ledger.reports.model import Report
from ledger.reports.ohio import ohio_status
from ledger.reports.inputs import Concentrators
from ledger.reports.perkins import CONCENTRATORS_NEEDED, perkins_5s1
from ledger.statelists import school_year_from_text, school_year_of

REPORTS = ("irc-summary", "perkins-5s1", "ohio-status", "colorado-incentive")


def parse_year(text: str | None) -> int | None:
    """A `--year` option as a school year (by the year it ends); None for none. InputError names the field."""
    if text is None or text == "":
        return None
    try:
        return school_year_from_text(text)
    except ValueError:
        raise InputError.for_field("year", "a school year like 2025-26 (or 2026, the year it ends)") from None


def build_report(
    name: str, view: Any, *, today: date, year: str | None = None, state: str | None = None,
    district: str | None = None, inputs: Mapping[str, StudentInputs] | None = None, frl: set[str] | None = None,
    concentrators: set[str] | Concentrators | None = None, funds_cents: int | None = None,
    served: set[str] | None = None, graduates: set[str] | None = None,
    issuer_states: Mapping[str, str] | None = None,
    identities: Callable[[Iterable[str]], Mapping[str, Any]] | None = None,
) -> Report:
    """One report by name, from the read models (the CLI and the web call this).

    `identities` (the ledger's vault: `Ledger.identity_claims`, or `Ledger.identities`) names each student a
    table lists by local id, state id and name beside the opaque id, for the staff who read a report
    (`identified`).

    With `district`, the per-student reports (perkins-5s1, ohio-status) cover `served`: the
    students the institution relates to (ledger.access), given by the caller. perkins-5s1 needs the
    concentrators; which of them graduated is the graduation recorded in the ledger, and what the
    concentrators' graduated column (a `Concentrators`) or `graduates` add.
    `issuer_states`: the configured states of institutions (ledger.pathways.states.load_issuer_states).
    """
    if name not in REPORTS:
        raise InputError.for_field("report", f"one of {', '.join(REPORTS)}")
    with _collector_paused():
        graduated: dict[str, date | None] | None = None
        if isinstance(concentrators, Concentrators):
            graduated = concentrators.graduated
            concentrators = set(concentrators.students)
        if graduates is not None:
            graduated = {**{s: None for s in graduates}, **(graduated or {})}
        report = _build(name, view, today=today, year=year, state=state, district=district, inputs=inputs,
                        frl=frl, concentrators=concentrators, funds_cents=funds_cents, served=served,
                        graduated=graduated, issuer_states=issuer_states)
    return identified(report, identities) if identities else report


STUDENT_COLUMNS = ("local id", "state id", "name")
_CLAIM_KEYS = tuple(column.replace(" ", "_") for column in STUDENT_COLUMNS)  # the vault's claim of each column


def identified(report: Report, identities: Callable[[Iterable[str]], Mapping[str, Any]]) -> Report:
    """Each table that lists students by their opaque id gains, right after it, the student's local id,
    state id and name from the vault (empty for an erased identity): a district files and reads reports
    by the ids it knows, never by a UUID alone. `identities` gives identities or their claims alone
    (`Ledger.identity_claims`, which does not decode the salts: a list of 30,000 students)."""
    tables = []
    for table in report.tables:
        if "student" not in table.columns:
            tables.append(table)
            continue
        at = table.columns.index("student") + 1
        known = identities({str(row[at - 1]) for row in table.rows})
        rows = []
        for row in table.rows:
            found = known.get(str(row[at - 1]))
            claims = getattr(found, "claims", found) or {}  # an Identity, or its claims alone
            rows.append([*row[:at], *(claims.get(key, "") for key in _CLAIM_KEYS), *row[at:]])
        tables.append(dataclasses.replace(table, columns=[*table.columns[:at], *STUDENT_COLUMNS, *table.columns[at:]],
                                          rows=rows))
    return dataclasses.replace(report, tables=tables)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A report makes a few hundred thousand small tuples that all stay alive until it is done: the cyclic
    garbage collector would walk them again and again (a third of the time at 100,000 awards) and find
    nothing to free. Paused for the report, restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build(
    name: str, view: Any, *, today: date, year: str | None, state: str | None, district: str | None,
    inputs: Mapping[str, StudentInputs] | None, frl: set[str] | None, concentrators: set[str] | None,
    funds_cents: int | None, served: set[str] | None, graduated: dict[str, date | None] | None,
    issuer_states: Mapping[str, str] | None,
) -> Report:
    school_year = parse_year(year)
    if name == "perkins-5s1" and concentrators is None:  # refused before any reading: it cannot do without
        raise InputError.for_field("concentrators", CONCENTRATORS_NEEDED)
    # Ohio's list reads the awards and sittings of Ohio's students only (ledger.reports.ohio)
    data = load_report_data(view, issuer_states=issuer_states, state="OH" if name == "ohio-status" else None)
    if district is not None and name in ("perkins-5s1", "ohio-status"):
        data.issuer_did(district)  # an unknown institution is named
        data.students = {s: v for s, v in data.students.items() if s in (served or set())}
    if name == "irc-summary":
        return irc_summary(data, year=school_year, state=state, district=district)
    if name == "perkins-5s1":
        return perkins_5s1(data, year=school_year, concentrators=concentrators, graduated=graduated, state=state)
    if name == "ohio-status":
        return ohio_status(data, today=today, year=school_year, inputs=inputs)
    if funds_cents is None:
        raise InputError.for_field("funds", "the dollars available statewide (--funds)")
    return colorado_incentive(data, year=school_year or school_year_of(today), funds_cents=funds_cents, frl=frl,
                              district=district, inputs=inputs)
