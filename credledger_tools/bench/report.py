"""`credledger bench report`: each district report, and one student's pathway page, end to end.

The instance (`credledger_tools.bench.report_instance`): four districts in
three states, a CTE center with two sending districts, the demo catalog and
its Ohio, Missouri and Colorado listings, `students` students, `awards`
awards, WorkKeys sittings and graduations, all through the ledger's commands;
built once and kept in a cache directory under a content key.

What is timed is what a person waits for, as `credledger report NAME --csv`
and the reports page do it: `build_report` from the read models (with the
vault's names for the tables that list students, the configured states, and
perkins-5s1's concentrator file parsed), then the CSV (the file a district
files), each the median (p50) of `runs` calls, and the Ohio status list's text
(what `credledger report ohio-status` prints, its longest); and the student's pathway page
(`student_pathways`) for one student with awards and sittings. The baseline,
measured in the same run, is the floor: reading the rows each report needs
from the read models (the queries of `ledger.reports.data`, bare, nothing
made of them; for the reports that list students also their vault rows).
Target (issue 14): each ≤ 2 s at 100,000 awards and 30,000 students. May import
ledger and the demo catalog.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from credledger_tools.bench.measure import interleaved
from credledger_tools.bench.report_instance import CACHE, build_report_instance, cached_instance
from credledger_tools.bench.scratch import PASSPHRASE, scratch_dir, scratch_schema
from ledger.application import Ledger
from ledger.instance import open_ledger
from ledger.pathways.states import load_issuer_states
from ledger.readmodels import Projections
from ledger.reports import build_report
from ledger.reports.inputs import parse_concentrators
from ledger.reports.student import student_pathways
from ledger.statelists import school_year_of

TARGET_SECONDS = 2.0
__all__ = ["CACHE", "run_report_benchmark"]


def run_report_benchmark(*, awards: int = 100_000, students: int = 30_000, runs: int = 5, seed: int = 11,
                         cache: Path | None = CACHE, database_url: str | None = None) -> dict[str, Any]:
    """Build (or reuse) the instance, then time each report and the pathway page against the floor. On
    PostgreSQL (`database_url`) the instance is built for the run in a scratch schema, never cached."""
    with scratch_dir("credledger-bench-report-") as scratch, scratch_schema(database_url) as url:
        started = time.perf_counter()
        if cache is None or url is not None:
            instance = scratch / "instance"
            build_report_instance(instance, awards=awards, students=students, seed=seed, database_url=url)
            reused = False
        else:
            instance, reused = cached_instance(cache, awards=awards, students=students, seed=seed)
        setup_seconds = time.perf_counter() - started
        ledger = open_ledger(instance, PASSPHRASE)
        try:
            result = _measure(ledger, instance, runs)
        finally:
            ledger.close()
    return {"backend": "postgres" if database_url else "sqlite", "awards": awards, "students": students, "runs": runs,
            "instance": "reused from the cache" if reused else "built",
            "setup_s": round(setup_seconds, 1), **result.pop("phases"), **result}


def _measure(ledger: Ledger, instance: Path, runs: int) -> dict[str, Any]:
    facts = json.loads((instance / "bench.json").read_text())
    today = date.fromisoformat(facts["today"])
    projections = Projections.of(ledger)
    projections.catch_up()
    view = projections.view
    states = load_issuer_states(instance)
    student = facts["pathway_student"]

    def report(name: str, **kw: Any) -> Callable[[], Any]:
        def call() -> Any:
            # What `credledger report NAME --csv` (or `--out FILE`) does after catching up: build, then the CSV.
            built = build_report(name, view, today=today, issuer_states=states, identities=ledger.identity_claims, **kw)
            return built, built.to_csv()
        return call

    ohio_list = report("ohio-status")()[0]
    work: dict[str, Callable[[], Any]] = {
        "irc_summary": report("irc-summary"),
        "irc_summary_mo": report("irc-summary", state="MO"),
        "perkins_5s1": _perkins(report, facts["concentrators"]),
        "ohio_status": report("ohio-status"),
        # As the report is documented to run (`--year`: one graduating class), beside every class at once.
        "ohio_status_one_class": report("ohio-status", year=str(today.year + 1)),
        "ohio_status_text": lambda: ohio_list.to_text(),
        "colorado_incentive": report("colorado-incentive", year=str(school_year_of(today)), funds_cents=500_000_000),
        "student_pathways": lambda: student_pathways(projections, student, today=today),
    }
    def rows_and_vault() -> None:
        _read_rows(view)
        _vault_rows(ledger, view)

    floors: dict[str, Callable[[], Any]] = {
        "district_rows": lambda: _read_rows(view),
        "district_rows_and_vault": rows_and_vault,
        "student_rows": lambda: _read_rows(view, student),
    }
    # Which floor each is measured against: what it must read at the least.
    floor_of = {"irc_summary": "district_rows", "irc_summary_mo": "district_rows",
                "perkins_5s1": "district_rows_and_vault", "ohio_status": "district_rows_and_vault",
                "ohio_status_one_class": "district_rows_and_vault",
                "colorado_incentive": "district_rows_and_vault", "student_pathways": "student_rows"}
    timings = interleaved({**work, **floors}, runs)
    p50 = {name: statistics.median(t) for name, t in timings.items()}
    built = {name: work[name]() for name in ("irc_summary", "ohio_status", "perkins_5s1")}
    result: dict[str, Any] = {"phases": facts["phases"], "load_average_1m": round(os.getloadavg()[0], 2)}
    for name in work:
        result[f"{name}_p50_ms"] = round(p50[name] * 1e3, 1)
        if name in floor_of:  # the text of an already built list has no floor of its own
            result[f"{name}_over_floor"] = round(p50[name] / p50[floor_of[name]], 2)
    for name in floors:
        result[f"floor_{name}_p50_ms"] = round(p50[name] * 1e3, 1)
    slowest = max(p50[name] for name in floor_of)
    result["slowest_ms"] = round(slowest * 1e3, 1)
    result["target"] = f"each report <= {TARGET_SECONDS} s"
    result["within_target"] = slowest <= TARGET_SECONDS
    result["irc_summary_headline"] = built["irc_summary"][0].headline
    result["ohio_students"] = built["ohio_status"][0].totals["students"]
    result["perkins_headline"] = built["perkins_5s1"][0].headline
    return result


def _perkins(report: Callable[..., Callable[[], Any]], concentrators: str) -> Callable[[], Any]:
    def call() -> Any:
        # The file as `--concentrators FILE` reads it, parsed inside the timing, as the CLI does.
        return report("perkins-5s1", concentrators=parse_concentrators(concentrators))()
    return call


def _read_rows(view: Any, student: str | None = None) -> None:
    """The floor: the rows the reports read (`ledger.reports.data`'s queries), fetched and dropped. (A table's
    name stands between spaces: that is how the view finds it to prefix it, ledger.readmodels.recorders.)"""
    where, params = ("", []) if student is None else ("WHERE student_id = ? ", [student])
    view.query("SELECT did, slug, name, kind FROM rm_issuers ")
    view.query("SELECT code, name, credential_type, career_field, career_cluster FROM rm_credentials ")
    view.query(f"SELECT student_id, COALESCE(district, registered_by), cohort, graduated FROM rm_students {where}",
               params)
    view.query(f"SELECT award_id, student_id, issuer, credential, earned, expires, revoked_reason FROM rm_awards "
               f"{where}ORDER BY position", params)
    view.query(f"SELECT student_id, taken, scores FROM rm_assessments {where}ORDER BY position", params)
    view.query("SELECT stream, sequence, listed, credential, state, district, effective_from, effective_to, terms, "
               "note FROM rm_listings ORDER BY stream, sequence")


def _vault_rows(ledger: Ledger, view: Any) -> None:
    """The vault rows of every student (fetched, not opened): what a report naming each student reads."""
    rows = view.query("SELECT student_id FROM rm_students ")
    ledger.store.select_identities(sorted(r[0] for r in rows))

