"""`ohio-status`: each student's Ohio rules, by the framework of their class.

The classes of 2018–2022 had the credential option (12 points in one career
field and WorkKeys); from the class of 2023 the IRC Seal and the career-focused
demonstrations (after the end-of-course retake condition) apply instead, and
the credential option is "not applicable" to them, never "not met". Per
student of a graduating class, the Ohio rules of `ledger.pathways`
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
OHIO = frozenset({"OH"})


def ohio_status(data: ReportData, *, today: date, year: int | None = None,
                inputs: Mapping[str, StudentInputs] | None = None) -> Report:
    awards = by_student(data.awards)
    rows: list[list[Any]] = []
    counts: Counter[tuple[str, str]] = Counter()
    combinations: Counter[tuple[str, ...]] = Counter()
    # Ohio's rules are for Ohio's students: a student whose district of record is known to be in another
    # state is not listed, but counted in a note (ReportData.in_state).
    covered = {did: data.in_state(did, "OH") for did in {did for did, _ in data.students.values()}}
    listed, elsewhere = [], 0
    for student, (district, cohort) in data.students.items():
        if cohort is None or (year is not None and cohort != year):
            continue
        if covered[district]:
            listed.append((cohort, student))
        else:
            elsewhere += 1
    for cohort, student in sorted(listed):
        facts = student_facts(data, student, (inputs or {}).get(student), awards=awards.get(student, []))
        # brief: the list shows statuses, points and what is missing, never the rules' summaries and notes
        results = {r.rule: r for r in evaluate_student(facts, data.book, today=today, states=OHIO, brief=True)}
        bundle = results["oh-report-card"].counted  # the best field's credentials
        name, points = (bundle[0].group if bundle else None), sum(c.points or 0 for c in bundle)
        status = [results[r].status for r in OHIO_RULES]
        combinations[tuple(status)] += 1
        pathway = "oh-credential-option" if results["oh-credential-option"].status != "not applicable" \
            else "oh-irc-seal"
        missing = "; ".join(results[pathway].missing)
        rows.append([student, cohort, name or "", points, *status, missing])
    for combination, n in combinations.items():  # counted per combination: one count per student, not four
        for rule, status_of_rule in zip(OHIO_RULES, combination):
            counts[(rule, status_of_rule)] += n
    total = len(rows)
    option_met = counts[("oh-credential-option", "met")]
    option_total = sum(n for (rule, s), n in counts.items() if rule == "oh-credential-option" and s != "not applicable")
    seal_total = sum(n for (rule, s), n in counts.items() if rule == "oh-irc-seal" and s != "not applicable")
    parts = []
    if option_total:
        parts.append(f"{option_met} of {counted(option_total, 'student')} of the classes of 2018–2022 meet the "
                     "credential option")
    if seal_total:
        parts.append(f"{counts[('oh-irc-seal', 'met')]} of {counted(seal_total, 'student')} of the class of 2023 "
                     "on have the IRC Seal")
    if not parts:
        parts.append(f"{counted(total, 'student')}")
    chart_rows = [[rule, status, n, percent(n, total)] for (rule, status), n in sorted(counts.items())]
    return Report(
        "ohio-status", "Ohio graduation and report-card rules: status by student",
        {"year": school_year_to_text(year) if year else None},
        "; ".join(parts) + f"; {counts[('oh-report-card', 'met')]} of {total} have a 12-point bundle (report card).",
        {"students": total, **{f"{rule}:{status}": n for (rule, status), n in sorted(counts.items())}},
        [Table("Students", ["student", "class", "best career field", "points", "credential option", "IRC seal",
                            "career-focused demonstrations", "12-point bundle",
                            "missing (credential option, or IRC Seal from 2023)"], rows),
         Table("Status counts", ["rule", "status", "students", "share %"], chart_rows, chart="share %")],
        ([f"{counted(elsewhere, 'student')} of districts in other states are not listed (their state's rules "
          "apply to them)."] if elsewhere else []) +
        ["The credential option is a diploma pathway of the classes of 2018–2022 only; from the class of 2023 a "
         "12-point bundle counts as a foundational demonstration and toward the IRC Seal.",
         "Points count within one career field, from Ohio's list in the school year each credential was earned.",
         ("WebXams, work-based learning, pre-apprenticeships, the OhioMeansJobs seal and the end-of-course retake "
         "condition are report inputs; without them the career-focused demonstrations may be 'unknown'.")],
    )
