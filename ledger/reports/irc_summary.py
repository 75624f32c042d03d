"""`irc-summary`: credentials (or one state's IRCs) earned, by center, school, issuer, program, year, credential.

The attending center is the institution that attested the award when it is a
CTE center (the student earned it there); other awards count as earned at the
home high school (the sending school). The school is the institution that registered the student. With
a state, only credentials on that state's list in the school year earned
count, and for Missouri two stackable credentials in one program area count
as one IRC (`ledger.pathways.missouri`). May import ledger.pathways,
ledger.statelists and ledger.reports' data and model.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, NamedTuple

from ledger.errors import InputError
from ledger.pathways.missouri import missouri_tally
from ledger.reports.data import HOME, NO_CLUSTER, AwardRow, ReportData, by_student
from ledger.reports.model import Report, Table, counted, percent
from ledger.statelists import STATE_NAMES, STATES, ohio_fields, school_year_of, school_year_to_text


class Earned(NamedTuple):
    """One counted unit (a credential, or one state-recognized IRC) and where/when it was earned."""

    student: str
    award: AwardRow
    program: str
    credential_name: str


def counted_units(data: ReportData, *, state: str | None = None, district: str | None = None) -> list[Earned]:
    """What the summary counts: every active award, or with `state`, that state's recognized credentials.

    An institution's (`district`'s) summary counts the awards of the students whose district of record
    it is (it registered them, or they moved to it: ledger.enrollment), wherever they were recorded, and
    the awards it recorded itself: a CTE center's covers the students it
    served, by sending district ("school"), and never their other awards.
    """
    active = [a for a in data.awards if a.revoked is None
              and (district is None or a.issuer == district or data.students.get(a.student, ("",))[0] == district)]
    if state is None:
        cluster = {code: data.cluster(code) for code in data.credentials}
        name = {code: entry.get("name", code) for code, entry in data.credentials.items()}
        return [Earned(a.student, a, cluster.get(a.credential, NO_CLUSTER), name.get(a.credential, a.credential))
                for a in active]
    if state == "MO":
        units = []
        for student, rows in by_student(active).items():
            award_of = {r.award: r for r in rows}
            for unit in missouri_tally([data.earned(r) for r in rows], data.book).units:
                last = unit.completed_by
                names = " + ".join(c.name for c in unit.credentials)
                units.append(Earned(student, award_of[last.award], unit.program_area, names))
        return units
    result = []
    for a in active:
        terms = data.book.terms(state, a.credential, school_year_of(a.earned))
        if terms is not None:
            if state == "OH":  # listed in several fields: counted once, in the catalog's field if it is one of them
                fields = ohio_fields(terms)
                catalog_field = data.credentials.get(a.credential, {}).get("careerField")
                program = catalog_field if catalog_field in fields else fields[0]
            else:
                program = data.cluster(a.credential)
            result.append(Earned(a.student, a, str(program), data.credential_name(a.credential)))
    return result


def irc_summary(data: ReportData, *, year: int | None = None, state: str | None = None,
                district: str | None = None) -> Report:
    if state is not None and state not in STATES:
        raise InputError.for_field("state", f"one of {', '.join(STATES)}")
    district_did = data.issuer_did(district) if district else None
    units = [u for u in counted_units(data, state=state, district=district_did)
             if year is None or school_year_of(u.award.earned) == year]
    total = len(units)
    what = f"{STATE_NAMES[state]}-recognized credentials" if state else "credentials"
    dimensions = ["attending center", "school", "issuing institution", "program" if state else "career cluster",
                  "school year", "credential"]
    # One pass builds a column per breakdown; counting then runs in C (Counter, set of pairs).
    name_of = {did: name for did, (_, name, _) in data.issuers.items()}
    center_of = {did: name if kind == "cte_center" else HOME for did, (_, name, kind) in data.issuers.items()}
    school_of = {student: name_of.get(registered_by, registered_by)
                 for student, (registered_by, _) in data.students.items()}
    year_of: dict[date, str] = {}
    rows_of_units = []
    for u in units:
        a = u.award
        year_text = year_of.get(a.earned)
        if year_text is None:
            year_text = year_of[a.earned] = school_year_to_text(school_year_of(a.earned))
        rows_of_units.append((center_of.get(a.issuer, HOME), school_of.get(u.student, ""),
                              name_of.get(a.issuer, a.issuer), u.program, year_text, u.credential_name))
    columns = list(zip(*rows_of_units)) if rows_of_units else [()] * len(dimensions)
    students_column = [u.student for u in units]
    long_rows: list[list[Any]] = []
    tables = []
    for index, label in enumerate(dimensions):
        counts = Counter(columns[index])
        students = Counter(group for group, _ in set(zip(columns[index], students_column)))
        ordered = sorted(counts.items(), key=lambda kv: kv[0]) if label == "school year" else counts.most_common()
        rows = [[group, n, students[group], percent(n, total)] for group, n in ordered]
        tables.append(Table(f"By {label}", [label, "earned", "students", "share %"], rows, chart="share %"))
        long_rows += [[label, *row] for row in rows]
    centers = Counter(columns[0])
    top = next(((c, n) for c, n in centers.most_common() if c != HOME), None)
    headline = f"{total} {what} earned by {counted(len(set(students_column)), 'student')}" + (
        f"; {percent(top[1], total)}% at {top[0]}" if top else "") + "."
    summary_table = Table("All breakdowns", ["breakdown", "group", "earned", "students", "share %"], long_rows,
                          file_only=True)
    notes = ["Revoked and superseded awards are not counted; expired ones count in the year earned.",
             ("The attending center is the CTE center that attested the award; other awards count at the home high "
              "school (the sending school).")]
    if state == "MO":
        notes.append("Two stackable credentials in one program area count as one IRC, in the year the second "
                     "was earned.")
    if state:
        notes.append(f"Only credentials on the {STATE_NAMES[state]} list in the school year they were earned count.")
    return Report(
        "irc-summary", f"District {'IRC' if state else 'credential'} summary",
        {"year": school_year_to_text(year) if year else None, "state": state, "district": district}, headline,
        {"earned": total, "students": len(set(students_column)),
         "by_center": {c: {"earned": n, "share": percent(n, total)} for c, n in centers.most_common()}},
        [summary_table, *tables], notes,
    )
