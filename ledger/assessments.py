"""Assessment results (WorkKeys levels): each sitting a signed event of its issuer.

The shape of the scores is checked by the event schema (`ledger.schemas`) and
who may record for the student by the ledger's access rule, like any award.
May import ledger.application, ledger.csv_rows and verifiers.protocol.documents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from ledger.application import Ledger, parse_date
from ledger.csv_rows import raise_if_invalid, read_rows
from ledger.errors import InputError
from verifiers.protocol import documents as d


@dataclass(frozen=True)
class AssessmentRequest:
    issuer: str  # slug
    student: str
    taken: date
    scores: dict[str, int]  # appliedMath, graphicLiteracy, workplaceDocuments: levels 3–7
    evidence: dict[str, str | int] = field(default_factory=dict)
    test: str = "workkeys"


def record_assessments(ledger: Ledger, requests: Sequence[AssessmentRequest]) -> list[str]:
    """Record assessment sittings (WorkKeys levels), each signed by its issuer, in one batch; returns their ids."""
    ids = []
    with ledger.batch() as batch:
        for i, request in enumerate(requests):
            issuer = ledger.issuer(request.issuer)
            student = ledger.student(request.student)
            assessment_id = batch.new_stream()
            try:
                batch.sign(d.ASSESSMENT_RECORDED, assessment_id, actor=issuer.did,
                           assessment=assessment_id, issuer=issuer.did, student=request.student,
                           subject=student.subject, test=request.test, taken=request.taken.isoformat(),
                           scores=dict(request.scores), evidence=dict(request.evidence))
            except InputError as e:
                raise InputError(f"assessment {i + 1}: {e}", {f"assessments[{i}]": [str(e)]}) from None
            ids.append(assessment_id)
    return ids


# A WorkKeys score report as CSV (the console's, API's and CLI's import), one sitting a row.
WORKKEYS_COLUMNS = {"local_id": "local_id", "taken": "taken", "applied_math": "appliedMath",
                    "graphic_literacy": "graphicLiteracy", "workplace_documents": "workplaceDocuments",
                    "score_report": "scoreReport"}
LEVELS = range(3, 8)  # WorkKeys levels 3–7; below 3 a report says "below 3", which records nothing


def workkeys_requests(text: str, issuer: str, resolve: Callable[[str], str | None]) -> list[AssessmentRequest]:
    """The sittings of a WorkKeys CSV (`local_id,taken,applied_math,graphic_literacy,workplace_documents`
    and an optional `score_report` number), for `issuer` (slug). `resolve` gives the student id behind a
    local id of a student the issuer may record for (None: none, or several). Every row is checked and every
    problem named (`row 3.applied_math`); InputError and nothing else if any row is wrong."""
    rows = read_rows(text, WORKKEYS_COLUMNS, required=("local_id", "taken"))
    errors: dict[str, list[str]] = {}
    requests = []
    for number, row in rows:
        where = f"row {number}"
        student = resolve(row.get("local_id", ""))
        if student is None:
            errors[f"{where}.local_id"] = ["no student you may record for has this local id (or several have)"]
        try:
            taken = parse_date(row.get("taken", ""), "taken")
        except InputError:
            errors[f"{where}.taken"] = ["a date, YYYY-MM-DD"]
        scores = {}
        for column in ("applied_math", "graphic_literacy", "workplace_documents"):
            value = row.get(column, "")
            if not value:
                continue
            if not (value.isascii() and value.isdigit()) or int(value) not in LEVELS:
                errors[f"{where}.{column}"] = ["a WorkKeys level, 3 to 7"]
                continue
            scores[WORKKEYS_COLUMNS[column]] = int(value)
        if not scores and not any(k.startswith(f"{where}.") and k.split(".")[1] in WORKKEYS_COLUMNS for k in errors):
            errors[f"{where}.scores"] = ["give at least one of applied_math, graphic_literacy, workplace_documents"]
        if not any(k.startswith(f"{where}.") for k in errors) and student is not None:
            evidence: dict[str, str | int] = {"score_report": row["score_report"]} if row.get("score_report") else {}
            requests.append(AssessmentRequest(issuer, student, taken, scores, evidence))
    raise_if_invalid(errors, len(rows))
    return requests
