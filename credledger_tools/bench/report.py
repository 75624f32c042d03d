"""`credledger bench report`: a district report over many awards, end to end from the read models.

A scratch instance gets a district, three CTE centers (each with the
district's roster shared for recording, as the access rule requires), the demo
catalog and its illustrative state listings, `students` students with
graduating classes, and `awards` signed awards (through the ledger, in
batches), then the read models are brought up to date. What is timed is what
a person waits for: loading the read models and computing the report, and
rendering it as CSV and text; each is the best of `repeat` runs. May import
ledger and the demo catalog.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any

from credledger_tools.bench.measure import best_of
from credledger_tools.bench.scratch import scratch_dir, scratch_instance
from credledger_tools.demo.catalog import CATALOG, define_demo_catalog, load_listings
from ledger.application import IssueRequest, Ledger
from ledger.readmodels import Projections
from ledger.reports import build_report
from ledger.reports.data import load_report_data
from ledger.schemas import MAX_SHARED_STUDENTS

DISTRICT = "riverbend"  # the demo listings' Menu of Options is this district's
CENTERS = [("bench-south-tech", "South Technical High School", "cte_center"),
           ("bench-caps", "Center of Advanced Professional Studies", "cte_center"),
           ("bench-north-ctc", "North Career Center", "cte_center")]
# Mehlville's shape: most credentials are earned at one center.
ISSUERS = ["bench-south-tech"] * 15 + ["bench-caps", "bench-north-ctc", DISTRICT, DISTRICT]
TARGET_SECONDS = 2.0


def run_report_benchmark(*, awards: int, students: int = 10_000, repeat: int = 3) -> dict[str, Any]:
    rng = random.Random(11)
    with scratch_dir("credledger-bench-report-") as scratch:
        ledger = scratch_instance(scratch / "instance")
        today = ledger.clock().date()
        ids = _district(ledger, students, rng)
        codes = [row[0] for row in CATALOG]
        started = time.perf_counter()
        written = 0
        while written < awards:
            n = min(1000, awards - written)
            ledger.issue([IssueRequest(rng.choice(ISSUERS), rng.choice(ids), rng.choice(codes),
                                       today - timedelta(days=rng.randrange(30, 1400)),
                                       {"certificate": f"C-{written + i}"}) for i in range(n)])
            written += n
        ingest_seconds = time.perf_counter() - started
        projections = Projections.of(ledger)
        started = time.perf_counter()
        projections.catch_up()
        projection_seconds = time.perf_counter() - started

        def render(name: str, **kw: Any) -> Any:
            # What `credledger report NAME --csv` and the web page do: load, compute, render.
            report = build_report(name, projections.view, today=today, **kw)
            return report, report.to_csv(), report.to_text()

        load_seconds, data = best_of(lambda: load_report_data(projections.view), repeat)
        summary_seconds, (summary, _, _) = best_of(lambda: render("irc-summary"), repeat)
        missouri_seconds, _ = best_of(lambda: render("irc-summary", state="MO"), repeat)
        ohio_seconds, (ohio, _, _) = best_of(lambda: render("ohio-status"), repeat)
        # Perkins 5S1 refuses without a concentrator list and graduation (issue 14): every student, as graduates.
        perkins_seconds, _ = best_of(lambda: render("perkins-5s1", concentrators=set(ids), graduates=set(ids),
                                                    state="OH"), repeat)
        ledger.close()
    return {
        "awards": len(data.awards),
        "students": len(data.students),
        "setup_ingest_s": round(ingest_seconds, 1),
        "setup_projections_s": round(projection_seconds, 1),
        "load_read_models_s": round(load_seconds, 3),
        "irc_summary_render_s": round(summary_seconds, 3),
        "missouri_irc_summary_render_s": round(missouri_seconds, 3),
        "ohio_status_render_s": round(ohio_seconds, 3),
        "perkins_5s1_render_s": round(perkins_seconds, 3),
        "target_s": TARGET_SECONDS,
        "within_target": max(summary_seconds, missouri_seconds) <= TARGET_SECONDS,
        "headline": summary.headline,
        "ohio_students": ohio.totals["students"],
    }


def _district(ledger: Ledger, students: int, rng: random.Random) -> list[str]:
    """The district, its centers, the demo catalog and listings, and `students` students (their ids),
    shared with every center for recording."""
    ledger.register_issuer(DISTRICT, "Bench District", "district")
    for slug, name, kind in CENTERS:
        ledger.register_issuer(slug, name, kind)
    define_demo_catalog(ledger)
    load_listings(ledger)
    ids: list[str] = []
    for start in range(0, students, 1000):
        n = min(1000, students - start)
        ids += ledger.register_students(
            DISTRICT, [{"name": f"Bench Student {start + i}", "birth_date": "2008-01-01",
                        "local_id": f"B-{start + i}"} for i in range(n)],
            cohorts=[rng.choice((2025, 2026, 2027, 2028)) for _ in range(n)])
    until = ledger.clock().date() + timedelta(days=365)
    for slug, _, _ in CENTERS:
        for start in range(0, len(ids), MAX_SHARED_STUDENTS):
            ledger.share_roster(DISTRICT, slug, ids[start:start + MAX_SHARED_STUDENTS], purpose="record",
                                until=until, note="benchmark roster")
    return ids
