"""The reports at district size give what the straightforward computation gives (issue 14's benchmark).

`credledger bench report`'s instance, built small (the same districts in three
states, CTE center, listings, sittings and graduations, through the ledger's
commands), so that every shortcut taken for speed is checked against doing it
the plain way: each student's Ohio rules evaluated alone (a fresh listing book,
no result shared between rules, the student's data loaded on its own), the
text rendering cell by cell, each vault row opened by itself, and the totals
counted from the signed events (`Ledger.student_history`), never from the read
models the reports use. SQLite only: the instance is the benchmark's.
Schools and people are fictional; the listings are illustrative.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from credledger_tools.bench.report_instance import build_report_instance
from credledger_tools.bench.scratch import PASSPHRASE
from ledger.application import Ledger
from ledger.instance import open_ledger
from ledger.pathways import RULES, evaluate_rule
from ledger.pathways.states import load_issuer_states
from ledger.readmodels import Projections
from ledger.reports import build_report
from ledger.reports.data import load_listing_book, load_report_data
from ledger.reports.inputs import parse_concentrators
from ledger.reports.model import Report
from ledger.reports.ohio import OHIO_RULES
from ledger.reports.student import student_facts
from ledger.statelists import school_year_of
from verifiers.protocol import documents as d


@dataclasses.dataclass
class Bench:
    ledger: Ledger
    view: Any
    path: Path
    facts: dict[str, Any]
    today: date
    states: dict[str, str]

    def report(self, name: str, **kw: Any) -> Report:
        return build_report(name, self.view, today=self.today, issuer_states=self.states,
                            identities=self.ledger.identity_claims, **kw)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    path = tmp_path_factory.mktemp("bench-report") / "instance"
    facts = build_report_instance(path, awards=500, students=150, seed=5)
    ledger = open_ledger(path, PASSPHRASE)
    projections = Projections.of(ledger)
    projections.catch_up()
    yield Bench(ledger, projections.view, path, facts, date.fromisoformat(facts["today"]), load_issuer_states(path))
    ledger.close()


def reference_text(report: Report) -> str:
    """`Report.to_text` the plain way: every cell made text where it is used."""
    def cell(value: Any) -> str:
        return "" if value is None else str(value)

    lines = [report.title, report.headline, ""]
    for table in (t for t in report.tables if not t.file_only):
        lines.append(table.title)
        widths = [max(len(str(c)), *(len(cell(r[i])) for r in table.rows)) if table.rows else len(str(c))
                  for i, c in enumerate(table.columns)]
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(table.columns, widths)))
        lines.extend("  ".join(cell(v).ljust(w) for v, w in zip(row, widths)) for row in table.rows)
        lines.append("")
    lines.extend(f"Note: {n}" for n in report.notes)
    return "\n".join(lines).rstrip() + "\n"


def test_ohio_status_is_each_student_evaluated_alone(bench: Bench) -> None:
    """Each row of the status list equals that student's Ohio rules evaluated one rule at a time, on data
    loaded for the student alone, with a listing book of its own: nothing a rule computed is reused."""
    report = bench.report("ohio-status")
    rows = {row[0]: row for row in report.tables[0].rows}
    # Ohio's students only: those of a district whose state of record is Ohio (or unknown).
    everyone = load_report_data(bench.view, issuer_states=bench.states)
    ohio = {s for s, (district, cohort) in everyone.students.items()
            if cohort is not None and everyone.state_of(district)[0] in (None, "OH")}
    assert set(rows) == ohio and 0 < len(rows) < len(everyone.students)
    # The others with a class are counted in a note, not hidden without a word.
    elsewhere = sum(1 for district, cohort in everyone.students.values()
                    if cohort is not None and everyone.state_of(district)[0] not in (None, "OH"))
    assert elsewhere > 0 and report.notes[0].startswith(f"{elsewhere} students of districts in other states")
    columns = report.tables[0].columns
    checked = 0
    for student, row in rows.items():
        data = load_report_data(bench.view, students=[student], issuer_states=bench.states)
        # The district report does not name the schools that recorded a credential before (the counselor's view)
        facts = student_facts(data, student)._replace(recorded_at={})
        results = {}
        for rule_id in OHIO_RULES:
            versions = [r for r in RULES if r.id == rule_id]
            book = load_listing_book(bench.view, {k: v["name"] for k, v in data.credentials.items()})
            results[rule_id] = evaluate_rule(versions, facts, book, today=bench.today)
        assert [results[r].status for r in OHIO_RULES] == row[columns.index("credential option"):-1]
        pathway = "oh-credential-option" if results["oh-credential-option"].status != "not applicable" \
            else "oh-irc-seal"
        assert row[-1] == "; ".join(results[pathway].missing)
        bundle = results["oh-report-card"].counted
        assert row[columns.index("points")] == sum(c.points or 0 for c in bundle)
        checked += bool(bundle)
    assert checked > 20  # students with Ohio points, not only empty rows


def test_reports_render_as_cell_by_cell(bench: Bench) -> None:
    concentrators = parse_concentrators(bench.facts["concentrators"])
    for report in (bench.report("irc-summary"), bench.report("irc-summary", state="MO"),
                   bench.report("ohio-status"), bench.report("perkins-5s1", concentrators=concentrators),
                   bench.report("colorado-incentive", year=str(school_year_of(bench.today)), funds_cents=10**9)):
        assert report.to_text() == reference_text(report)
        assert report.tables[0].rows  # something to render


def test_identities_open_as_each_row_alone(bench: Bench) -> None:
    ids = [r[0] for r in bench.view.query("SELECT student_id FROM rm_students ")]
    opened = bench.ledger.identities(ids)
    assert len(opened) == 150
    for student in ids:
        alone = bench.ledger.identity(student)
        assert alone is not None
        assert (opened[student].claims, opened[student].salts) == (alone.claims, alone.salts)
    assert bench.ledger.identity_claims(ids) == {s: i.claims for s, i in opened.items()}


def test_totals_are_the_signed_events(bench: Bench) -> None:
    ids = [r[0] for r in bench.view.query("SELECT student_id FROM rm_students ")]
    issued: dict[str, dict[str, Any]] = {}
    revoked: set[str] = set()
    graduated: set[str] = set()
    for student in ids:
        for _, doc, _ in bench.ledger.student_history(student):
            if doc["type"] == d.CREDENTIAL_ISSUED:
                issued[doc["award"]] = doc
            elif doc["type"] == d.CREDENTIAL_REVOKED:
                revoked.add(doc["award"])
            elif doc["type"] == d.STUDENT_GRADUATED:
                graduated.add(student)
    assert len(issued) == 500 and len(revoked) == 5
    assert len(graduated) == bench.facts["graduated_recorded"]
    summary = bench.report("irc-summary")
    assert summary.totals["earned"] == len(issued) - len(revoked)
    assert summary.totals["students"] == len({doc["student"] for a, doc in issued.items() if a not in revoked})
    center = bench.ledger.issuer("riverbend-ctc").did
    at_center = sum(1 for a, doc in issued.items() if a not in revoked and doc["issuer"] == center)
    assert summary.totals["by_center"]["Riverbend Career & Technical Center"]["earned"] == at_center
    assert json.loads(json.dumps(summary.to_json()))["totals"] == summary.totals


def test_a_students_schools_recorded_what_a_scan_of_every_award_says(bench: Bench) -> None:
    """The pathway page's "recorded before at" (index probes per school) against the plain scan of every
    active award, for every student."""
    every: dict[str, set[str]] = {}
    for issuer, credential in bench.view.query("SELECT DISTINCT issuer, credential FROM rm_awards "
                                               "WHERE revoked_reason IS NULL"):
        every.setdefault(credential, set()).add(issuer)
    names = {i.did: i.name for i in bench.ledger.issuers()}
    ids = [r[0] for r in bench.view.query("SELECT student_id FROM rm_students ")]
    seen = 0
    for student in ids:
        data = load_report_data(bench.view, students=[student], issuer_states=bench.states)
        schools = {data.students[student][0]} | {a.issuer for a in data.awards}
        plain = {code: tuple(sorted(names[d] for d in dids & schools)) for code, dids in every.items()
                 if dids & schools}
        assert student_facts(data, student).recorded_at == plain
        seen += len(plain)
    assert seen > 150
