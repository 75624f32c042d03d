"""`perkins-5s1`: CTE concentrators who attained a recognized postsecondary credential (Perkins V 5S1).

Concentrators come from an input list; without one, a proxy: students with two
or more credentials in one career cluster (the report says which it used).
Assessments (the NCRC) are not counted as credentials; a credential counts if
earned by graduation (30 June of the class year). May import
ledger.statelists and ledger.reports' data and model.
"""

from __future__ import annotations

from collections import Counter

from ledger.reports.data import NO_CLUSTER, ReportData, by_student
from ledger.reports.model import Report, Table, counted, percent
from ledger.statelists import last_day_of, school_year_to_text


def perkins_5s1(data: ReportData, *, year: int | None = None, concentrators: set[str] | None = None) -> Report:
    basis = "input list" if concentrators is not None else "proxy: 2+ credentials in one career cluster"
    rows, attained_total, unknown_cohort = [], 0, 0
    active = by_student(a for a in data.awards if a.revoked is None)
    for student, (_, cohort) in sorted(data.students.items()):
        if cohort is None:
            unknown_cohort += 1
            if year is not None:
                continue
        elif year is not None and cohort != year:
            continue
        awards = active.get(student, [])
        cutoff = last_day_of(cohort) if cohort is not None else None
        if concentrators is not None:
            if student not in concentrators:
                continue
            why = "listed"
        else:
            clusters = Counter(data.cluster(a.credential) for a in awards if not data.is_assessment(a.credential))
            cluster = next((c for c, n in clusters.most_common() if n >= 2 and c != NO_CLUSTER), None)
            if cluster is None:
                continue
            why = f"2+ credentials in {cluster}"
        recognized = [a for a in awards if not data.is_assessment(a.credential)
                      and (cutoff is None or a.earned <= cutoff)]
        attained = bool(recognized)
        attained_total += attained
        names = sorted({data.credential_name(a.credential) for a in recognized})
        rows.append([student, cohort, why, "yes" if attained else "no", "; ".join(names)])
    total = len(rows)
    notes = [f"Concentrators: {basis}.",
             ("A recognized postsecondary credential: an active award of a certification, license or certificate "
             "earned by graduation (30 June of the class year); assessments such as the NCRC do not count.")]
    if year is not None and unknown_cohort:
        notes.append(f"{counted(unknown_cohort, 'student')} with no recorded graduating class "
                     f"{'is' if unknown_cohort == 1 else 'are'} left out.")
    return Report(
        "perkins-5s1", "Perkins V 5S1: concentrators who attained a recognized postsecondary credential",
        {"year": school_year_to_text(year) if year else None, "concentrators": basis},
        f"{attained_total} of {total} CTE concentrators attained a recognized postsecondary credential "
        f"({percent(attained_total, total)}%).",
        {"numerator": attained_total, "concentrators": total, "rate": percent(attained_total, total)},
        [Table("Concentrators", ["student", "class", "concentrator", "attained", "credentials"], rows)], notes,
    )
