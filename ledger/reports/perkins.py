"""`perkins-5s1`: CTE concentrators graduating from high school who attained a recognized postsecondary
credential (Perkins V 5S1).

Concentrators come from the student information system (an input list): a
secondary concentrator completed at least two courses in one CTE program or
program of study, which cannot be guessed from awards — without the list
the report refuses (a guess from the awards makes the rate near 100% by
construction). The denominator is the concentrators who graduated: the
graduation recorded in the ledger (`StudentGraduated`, ledger.enrollment),
and for students whose graduation is not recorded, the `graduated` column of
the concentrator list (or a graduates list); where both say so, the recorded
date is the one used. With neither, the report refuses. A credential counts
when it is on the state's list of recognized postsecondary credentials in the
school year earned (the listing's `postsecondary` term: OSHA-10, food handler,
CPR/BLS and general computer-skills certificates are not, under WIOA
guidance) and was earned by graduation. The state is the one asked for, or
each student's state of record. May import ledger.pathways, ledger.statelists
and ledger.reports' data and model.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ledger.errors import InputError
from ledger.reports.data import AwardRow, ReportData, by_student
from ledger.reports.model import Report, Table, counted, percent
from ledger.statelists import STATE_NAMES, STATES, last_day_of, school_year_of, school_year_to_text

CONCENTRATORS_NEEDED = ("the list of CTE concentrators from the student information system (one student id a "
                        "line, with a graduated column): concentrator status cannot be guessed from awards, and a "
                        "guess makes the rate near 100% by construction")
GRADUATED_NEEDED = ("which concentrators graduated: record their graduation (the student page, the API or "
                    "`credledger student graduate`), or give a graduated column (yes/no or the graduation date) in "
                    "the concentrators file")


def perkins_5s1(data: ReportData, *, year: int | None = None, concentrators: set[str] | frozenset[str] | None = None,
                graduated: Mapping[str, date | None] | None = None, state: str | None = None) -> Report:
    """`graduated`: concentrator -> graduation date (None: graduated, date not given; 30 June of the class
    year is used), for those whose graduation the ledger does not record (`data.graduations`). Concentrators
    in neither did not graduate (yet) and are outside the denominator."""
    if concentrators is None:
        raise InputError.for_field("concentrators", CONCENTRATORS_NEEDED)
    recorded = {s: data.graduations[s] for s in concentrators if s in data.graduations}
    if graduated is None and not recorded:
        raise InputError.for_field("graduated", GRADUATED_NEEDED)
    graduated = {**(graduated or {}), **recorded}
    if state is not None and state not in STATES:
        raise InputError.for_field("state", f"one of {', '.join(STATES)}")
    rows, attained_total, unknown_cohort, not_graduated = [], 0, 0, 0
    active = by_student(a for a in data.awards if a.revoked is None)
    unknown_state: set[str] = set()
    for student, (registered_by, cohort) in sorted(data.students.items()):
        if student not in concentrators:
            continue
        if cohort is None:
            unknown_cohort += 1
            if year is not None:
                continue
        elif year is not None and cohort != year:
            continue
        if student not in graduated:
            not_graduated += 1
            continue
        student_state = state or data.state_of(registered_by)[0]
        if student_state is None:
            unknown_state.add(data.issuer_name(registered_by))
            continue
        when = graduated[student] or (last_day_of(cohort) if cohort is not None else None)
        recognized: list[AwardRow] = []
        other: list[AwardRow] = []
        for a in active.get(student, []):
            if when is not None and a.earned > when:
                continue
            terms = data.book.terms(student_state, a.credential, school_year_of(a.earned))
            (recognized if terms is not None and terms.get("postsecondary") else other).append(a)
        attained = bool(recognized)
        attained_total += attained
        names = sorted({data.credential_name(a.credential) for a in recognized})
        others = sorted({data.credential_name(a.credential) for a in other})
        rows.append([student, cohort, STATE_NAMES[student_state], "yes" if attained else "no", "; ".join(names),
                     "; ".join(others)])
    if unknown_state:
        raise InputError.for_field("state", f"the state whose list of recognized postsecondary credentials applies: "
                                            f"the state of {', '.join(sorted(unknown_state))} is not known")
    total = len(rows)
    notes = ["Concentrators: from the list given with the report (the student information system's). "
             f"Graduation: recorded in the ledger for {counted(len(recorded), 'concentrator')}; for the others, "
             "the graduated column given with the report.",
             ("A recognized postsecondary credential: an active award of a credential on the state's list of "
              "recognized postsecondary credentials in the school year earned, earned by graduation (the date given, "
              "or 30 June of the class year). Under WIOA guidance OSHA-10, food handler, CPR/BLS, general computer-"
              "skills certificates and the NCRC do not count.")]
    if not_graduated:
        notes.append(f"{counted(not_graduated, 'concentrator')} of the class not marked as graduated "
                     f"{'is' if not_graduated == 1 else 'are'} outside the denominator.")
    if year is not None and unknown_cohort:
        notes.append(f"{counted(unknown_cohort, 'concentrator')} with no recorded graduating class "
                     f"{'is' if unknown_cohort == 1 else 'are'} left out.")
    return Report(
        "perkins-5s1", "Perkins V 5S1: graduating concentrators who attained a recognized postsecondary credential",
        {"year": school_year_to_text(year) if year else None, "concentrators": "input list", "state": state},
        f"{attained_total} of {counted(total, 'graduating CTE concentrator')} attained a recognized postsecondary "
        f"credential ({percent(attained_total, total)}%).",
        {"numerator": attained_total, "concentrators": total, "rate": percent(attained_total, total)},
        [Table("Concentrators who graduated", ["student", "class", "state list", "attained",
                                              "recognized credentials", "other credentials (not counted)"], rows)],
        notes,
    )
