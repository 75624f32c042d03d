"""`ohio-status`: each student's Ohio credential option, IRC seal, two demonstrations and 12-point bundle.

Per student of a graduating class, the Ohio rules of `ledger.pathways`
(points within one career field, from Ohio's list in the school year each
credential was earned); WebXams, work-based learning, pre-apprenticeships and
the OhioMeansJobs seal come from the report's inputs. May import
ledger.pathways, ledger.statelists and ledger.reports' data, model and student.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

from ledger.pathways import StudentInputs, evaluate_student
from ledger.reports.data import ReportData, by_student
from ledger.reports.model import Report, Table, counted, percent
from ledger.reports.student import student_facts
from ledger.statelists import school_year_to_text

OHIO_RULES = ("oh-credential-option", "oh-irc-seal", "oh-demonstrations", "oh-report-card")


def ohio_status(data: ReportData, *, today: date, year: int | None = None,
                inputs: Mapping[str, StudentInputs] | None = None) -> Report:
    awards = by_student(data.awards)
    rows: list[list[Any]] = []
    counts: Counter[tuple[str, str]] = Counter()
    for student, (_, cohort) in sorted(data.students.items(), key=lambda kv: (kv[1][1] or 0, kv[0])):
        if cohort is None or (year is not None and cohort != year):
            continue
        facts = student_facts(data, student, (inputs or {}).get(student), awards=awards.get(student, []))
        results = {r.rule: r for r in evaluate_student(facts, data.book, today=today, states=["OH"])}
        bundle = results["oh-report-card"].counted  # the best field's credentials
        name, points = (bundle[0].group if bundle else None), sum(c.points or 0 for c in bundle)
        status = [results[r].status for r in OHIO_RULES]
        for rule, s in zip(OHIO_RULES, status):
            counts[(rule, s)] += 1
        missing = "; ".join(m for r in OHIO_RULES[:1] for m in results[r].missing)
        rows.append([student, cohort, name or "", points, *status, missing])
    total = len(rows)
    option_met = counts[("oh-credential-option", "met")]
    chart_rows = [[rule, status, n, percent(n, total)] for (rule, status), n in sorted(counts.items())]
    return Report(
        "ohio-status", "Ohio credential option: status by student",
        {"year": school_year_to_text(year) if year else None},
        f"{option_met} of {counted(total, 'student')} meet the credential option; "
        f"{counts[('oh-report-card', 'met')]} have a 12-point bundle (report card).",
        {"students": total, **{f"{rule}:{status}": n for (rule, status), n in sorted(counts.items())}},
        [Table("Students", ["student", "class", "best career field", "points", "credential option", "IRC seal",
                            "two demonstrations", "12-point bundle", "missing (credential option)"], rows),
         Table("Status counts", ["rule", "status", "students", "share %"], chart_rows, chart="share %")],
        ["Points count within one career field, from Ohio's list in the school year each credential was earned.",
         ("WebXams, work-based learning, pre-apprenticeships and the OhioMeansJobs seal are report inputs "
         "(--inputs); without them two demonstrations may be 'unknown'.")],
    )
