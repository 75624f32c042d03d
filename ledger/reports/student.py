"""One student's facts for the pathway rules, and their pathway status from the read models.

`student_pathways` is what the web's student page and console, and
`credledger pathways`, show; `student_facts` is shared with the Ohio status
report. May import ledger.pathways and ledger.reports.data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from ledger.errors import NotFoundError
from ledger.pathways import RuleResult, StudentFacts, StudentInputs, evaluate_student
from ledger.pathways.ncrc import ncrc
from ledger.pathways.states import load_issuer_states
from ledger.reports.data import AwardRow, ReportData, load_report_data


NO_INPUTS = StudentInputs()  # frozen: one for every student without inputs (a report has 30,000)


def student_facts(data: ReportData, student_id: str, inputs: StudentInputs | None = None,
                  *, cohort: int | None = None, awards: Iterable[AwardRow] | None = None) -> StudentFacts:
    if student_id not in data.students:
        raise NotFoundError(f"no student {student_id!r}")
    registered_by, recorded_cohort = data.students[student_id]
    mine = list(awards if awards is not None else (a for a in data.awards if a.student == student_id))
    recorded_at: dict[str, tuple[str, ...]] = {}
    if data.recorded_by:  # loaded for one student's pathways only
        schools = {registered_by} | {a.issuer for a in mine}
        recorded_at = {code: tuple(sorted(data.issuer_name(d) for d in dids & schools))
                       for code, dids in data.recorded_by.items() if dids & schools}
    return StudentFacts(
        student=student_id, cohort=cohort if cohort is not None else recorded_cohort,
        credentials=tuple(data.earned(a) for a in mine), workkeys=tuple(data.workkeys.get(student_id, ())),
        district=registered_by, district_name=data.issuer_name(registered_by), inputs=inputs or NO_INPUTS,
        state=data.state_of(registered_by)[0], recorded_at=recorded_at,
    )


def student_pathways(
    projections: Any, student_id: str, *, today: date, inputs: StudentInputs | None = None,
    cohort: int | None = None, states: Iterable[str] | None = None,
) -> list[RuleResult]:
    """A student's pathway status from the read models (caught up first).

    Without `states`, the rules of the state of the district of record (ledger.pathways.states; the
    institution that registered the student), only those that apply to the student's class; when that state
    is not known, one "unknown" result saying so. The district whose Colorado Menu of Options applies is the
    institution that registered the student.
    """
    projections.catch_up()
    ledger = getattr(projections, "ledger", None)
    config = getattr(ledger, "config", None)
    data = load_report_data(projections.view, students=[student_id],
                            issuer_states=load_issuer_states(getattr(config, "data_dir", None)))
    facts = student_facts(data, student_id, inputs, cohort=cohort)
    # The NCRC is ACT's, the same in every state: derived from the sittings, beside the state's rules.
    certificate = [result for result in [ncrc(facts.workkeys)] if result is not None]
    if states is not None:
        return evaluate_student(facts, data.book, today=today, states=states) + certificate
    state, why = data.state_of(facts.district or "")
    if state is None:
        return [RuleResult("state-of-record", "", "State rules", "unknown",
                           f"Cannot tell which state's rules apply: the state of {facts.district_name} is {why}.",
                           missing=(f"the state of {facts.district_name} (the district of record)",)), *certificate]
    return evaluate_student(facts, data.book, today=today, states=[state], applicable_only=True) + certificate
