"""Assessment results (WorkKeys levels): each sitting a signed event of its issuer.

The shape of the scores is checked by the event schema (`ledger.schemas`) and
who may record for the student by the ledger's access rule, like any award.
May import ledger.application and verifiers.protocol.documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from verifiers.protocol import documents as d
from ledger.application import Ledger
from ledger.errors import InputError


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
