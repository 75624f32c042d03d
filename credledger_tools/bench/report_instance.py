"""The instance `credledger bench report` measures: districts, a CTE center, listings, students, awards, sittings.

`build_report_instance`: four districts in three states (Riverbend Unified
and Lakeshore County, Ohio; Gateway R-VII, Missouri; Front Range, Colorado:
`issuer-states.json`), the Riverbend Career & Technical Center that both Ohio
districts send students to (each shares its roster with the center for
recording, as the access rule requires), the demo catalog and its
illustrative Ohio, Missouri and Colorado listings, `students` students of the
classes of 2022–2028, `awards` awards (three in four of the Ohio students'
recorded by the center), a revocation in every hundred, WorkKeys sittings for
a third of the students (some with a retake) and the graduation of a tenth of
the graduated classes recorded. Everything goes through the ledger's own
commands, in their batches (every event signed, checked and stored), and the
read models are the projections' own, brought up to date by `catch_up`: no
row is written by hand. Building 100,000 awards takes minutes, so
`cached_instance` keeps it under a content key: the sizes, the seed, and the
source of this module, the demo catalog and the read models (change any and
it is built again). Fictional people and schools. May import ledger and the
demo catalog.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from credledger_tools.bench.scratch import scratch_instance
from credledger_tools.demo.catalog import CATALOG, define_demo_catalog, load_listings
from ledger.application import IssueRequest, Ledger
from ledger.assessments import AssessmentRequest, record_assessments
from ledger.enrollment import GRADUATED, EnrollmentFact, record_enrollment
from ledger.pathways.states import write_issuer_states
from ledger.readmodels import Projections
from ledger.schemas import MAX_SHARED_STUDENTS

CENTER = "riverbend-ctc"
# slug, name, state, share of the students
DISTRICTS = [("riverbend", "Riverbend Unified School District", "OH", 0.4),
             ("lakeshore", "Lakeshore County Schools", "OH", 0.2),
             ("gateway", "Gateway R-VII School District", "MO", 0.2),
             ("front-range", "Front Range School District", "CO", 0.2)]
SENDING = ("riverbend", "lakeshore")  # the center's two sending districts
CLASSES = (2022, 2023, 2024, 2025, 2026, 2027, 2028)
BATCH = 1000
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "credledger" / "bench-report"
# What the instance is made of: a change to any of these makes a new one.
SOURCES = [Path(__file__), Path(__file__).parents[1] / "demo" / "catalog.py",
           *sorted((Path(__file__).parents[2] / "ledger" / "readmodels").glob("*.py"))]


def cache_key(awards: int, students: int, seed: int) -> str:
    digest = hashlib.sha256(json.dumps({"awards": awards, "students": students, "seed": seed}).encode())
    for path in SOURCES:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached_instance(cache: Path, *, awards: int, students: int, seed: int) -> tuple[Path, bool]:
    """The instance under its content key in `cache` (built there first when absent); whether it was there."""
    path = cache / cache_key(awards, students, seed)
    if (path / "built").exists():
        return path, True
    shutil.rmtree(path, ignore_errors=True)  # a build interrupted half way
    build_report_instance(path, awards=awards, students=students, seed=seed)
    (path / "built").write_text(json.dumps({"awards": awards, "students": students, "seed": seed}) + "\n")
    return path, False


def build_report_instance(path: Path, *, awards: int, students: int, seed: int = 11,
                          database_url: str | None = None) -> dict[str, Any]:
    """Make the instance in `path` (on PostgreSQL: its tables in `database_url`; see the module's
    docstring); the facts the benchmark needs, also written to `path / bench.json`."""
    rng = random.Random(seed)
    ledger = scratch_instance(path, database_url=database_url)
    phases: dict[str, float] = {}
    started = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal started
        phases[f"build_{name}_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()

    try:
        today = ledger.clock().date()
        ledger.register_issuer(CENTER, "Riverbend Career & Technical Center", "cte_center")
        for slug, name, _, _ in DISTRICTS:
            ledger.register_issuer(slug, name, "district")
        write_issuer_states(path, {CENTER: "OH", **{slug: state for slug, _, state, _ in DISTRICTS}})
        define_demo_catalog(ledger)
        load_listings(ledger)
        roster = _register(ledger, students, rng)
        shared_until = today + timedelta(days=365)
        for district in SENDING:
            ids = [s for s, (d, _) in roster.items() if d == district]
            for start in range(0, len(ids), MAX_SHARED_STUDENTS):
                ledger.share_roster(district, CENTER, ids[start:start + MAX_SHARED_STUDENTS], purpose="record",
                                    until=shared_until, note="CTE roster, school year")
        phase("students")
        issued = _issue(ledger, roster, awards, today, rng)
        phase("awards")
        for award_id in rng.sample(issued, k=len(issued) // 100):
            ledger.revoke(award_id, "issued_in_error", "Recorded for the wrong student.")
        phase("revocations")
        sittings = _workkeys(ledger, roster, today, rng)
        phase("workkeys")
        graduated = _graduations(ledger, roster, today, rng)
        phase("graduations")
        Projections.of(ledger).catch_up()
        phase("read_models")
        # The pathway page's student: one of Riverbend's class of 2026 with sittings (at a small size, whoever
        # comes nearest).
        pathway_student = max(roster, key=lambda s: (roster[s] == ("riverbend", 2026), roster[s][0] == "riverbend",
                                                      s in sittings, s))
        facts = {"today": today.isoformat(), "pathway_student": pathway_student,
                 "concentrators": _concentrators(roster, today, rng), "graduated_recorded": len(graduated),
                 "sittings": sum(sittings.values()), "revoked": len(issued) // 100, "phases": phases}
        (path / "bench.json").write_text(json.dumps(facts) + "\n")
        return facts
    finally:
        ledger.close()


def _register(ledger: Ledger, students: int, rng: random.Random) -> dict[str, tuple[str, int]]:
    """`students` students, by district (their shares of DISTRICTS): id -> (district slug, class)."""
    roster: dict[str, tuple[str, int]] = {}
    number = 0
    for index, (slug, _, _, share) in enumerate(DISTRICTS):
        count = students - number if index == len(DISTRICTS) - 1 else round(students * share)
        for start in range(0, count, BATCH):
            n = min(BATCH, count - start)
            cohorts = [rng.choice(CLASSES) for _ in range(n)]
            claims = [{"name": f"Bench Student {number + start + i}", "birth_date": f"{cohort - 19}-10-01",
                       "local_id": f"{slug[:2].upper()}-{number + start + i}",
                       "state_id": f"XZ{5000000 + number + start + i}"} for i, cohort in enumerate(cohorts)]
            ids = ledger.register_students(slug, claims, cohorts=cohorts)
            roster.update({s: (slug, c) for s, c in zip(ids, cohorts)})
        number += count
    return roster


def _issue(ledger: Ledger, roster: dict[str, tuple[str, int]], awards: int, today: date,
           rng: random.Random) -> list[str]:
    """`awards` awards to students picked at random, earned in their four high-school years; the center
    records three in four of its sending districts' students' (the attending-center breakdown). Recorded
    student by student, as a registrar's import of a score-report file comes: a batch reads each of its
    students' record and checks the recording institution's relation once (ledger.access), so 1,000 awards
    of 300 students cost a third of 1,000 awards of 1,000."""
    students = list(roster)
    order = {s: i for i, s in enumerate(students)}
    codes = [row[0] for row in CATALOG]
    requests = []
    for i in range(awards):
        student = rng.choice(students)
        district, cohort = roster[student]
        last = min(date(cohort, 5, 31), today - timedelta(days=1))
        earned = last - timedelta(days=rng.randrange(0, 1200))
        issuer = CENTER if district in SENDING and rng.random() < 0.75 else district
        requests.append(IssueRequest(issuer, student, rng.choice(codes), earned, {"certificate": f"C-{i}"}))
    requests.sort(key=lambda r: order[r.student])  # stable: each student's in the order drawn
    issued: list[str] = []
    for start in range(0, len(requests), BATCH):
        issued += ledger.issue(requests[start:start + BATCH])
    return issued


def _workkeys(ledger: Ledger, roster: dict[str, tuple[str, int]], today: date, rng: random.Random) -> dict[str, int]:
    """WorkKeys sittings for a third of the students (some with a retake), recorded by the district of
    record, in batches; student -> sittings."""
    requests: list[AssessmentRequest] = []
    for student, (district, cohort) in roster.items():
        if rng.random() > 0.33:
            continue
        taken = min(date(cohort, 2, 1), today - timedelta(days=1)) - timedelta(days=rng.randrange(0, 400))
        scores = {test: rng.choice((3, 4, 4, 5, 5, 6, 7)) for test in
                  ("appliedMath", "graphicLiteracy", "workplaceDocuments")}
        requests.append(AssessmentRequest(district, student, taken, scores, {"report": f"WK-{len(requests)}"}))
        if rng.random() < 0.3 and taken + timedelta(days=45) < today:
            test = rng.choice(sorted(scores))
            requests.append(AssessmentRequest(district, student, taken + timedelta(days=45),
                                              {test: min(7, scores[test] + 1)}))
    for start in range(0, len(requests), BATCH):
        record_assessments(ledger, requests[start:start + BATCH])
    counts: dict[str, int] = {}
    for r in requests:
        counts[r.student] = counts.get(r.student, 0) + 1
    return counts


def _graduations(ledger: Ledger, roster: dict[str, tuple[str, int]], today: date, rng: random.Random) -> list[str]:
    """The graduation of a tenth of the graduated classes' students, recorded (one event each, as the
    student page records it); the others' graduation comes from the concentrator file."""
    done = []
    for student, (district, cohort) in roster.items():
        if date(cohort, 5, 30) <= today and rng.random() < 0.1:
            record_enrollment(ledger, district, student, EnrollmentFact(GRADUATED, date(cohort, 5, 30), "regular"))
            done.append(student)
    return done


def _concentrators(roster: dict[str, tuple[str, int]], today: date, rng: random.Random) -> str:
    """The student information system's concentrator file: 40% of the students, with a graduated column
    (yes for the classes that have graduated, the odd one no)."""
    lines = ["student,graduated"]
    for student, (_, cohort) in roster.items():
        if rng.random() < 0.4:
            lines.append(f"{student},{'yes' if date(cohort, 5, 30) <= today and rng.random() < 0.95 else 'no'}")
    return "\n".join(lines) + "\n"
