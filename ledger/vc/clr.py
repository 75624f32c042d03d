"""A student's transcript as a CLR 2.0 `ClrCredential` (1EdTech Comprehensive Learner Record 2.0, on
the W3C VC 2.0 data model), signed `eddsa-rdfc-2022`.

`credentialSubject` (a `ClrSubject`) holds the signed Open Badges 3.0 credentials of the student's
awards that still count (`ledger.vc.openbadge.open_badges`: revoked and replaced ones are left out),
each signed by the institution that recorded it, and their achievements; the student is identified
as in the badges (a hashed, salted name unless shown). No `association`: CLR 2.0 associations relate
achievements to each other (a course to a program, one credential replacing another), and the
catalog records no such relation; a correction is already resolved (only the amended award is in).

Who signs: the student's **home institution**, the one that registered the student. A CLR is a
record published about one student, and the home institution is the one that knows the student
and answers for the whole record (transfers move custody of awards, not of the student); it has a
did:web DID with absolute key ids, which the ecosystem's verifiers resolve. The operator's key is a
did:key that speaks for the service, not for a school: a CLR under it would say "the platform says",
not "the district says". The nested badges keep their own institutions' signatures, so a CLR that
spans a district and a CTE center proves each credential by its own recorder.

May import `ledger` and `verifiers`. Nothing here is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from ledger.application import Ledger
from ledger.errors import InputError
from ledger.vc.addresses import CLR_CONTEXT, OB_CONTEXT, VC_CONTEXT, base_url
from ledger.vc.openbadge import open_badges
from verifiers.dataintegrity import EDDSA_RDFC_2022
from verifiers.protocol import documents as d

def clr_credential(ledger: Ledger, student_id: str, *, only: Sequence[str] | None = None,
                   name_in_plain: bool = False, evidence: Sequence[str] = (),
                   publisher: str | None = None) -> dict[str, Any]:
    """The student's transcript as a signed ClrCredential, published (signed) by the home institution,
    or by `publisher` (a slug: the institution that asks, through the API, for the records it holds).
    InputError when no award counts (a CLR holds at least one credential) or for an award not the
    student's; RejectedError when this server holds no key of the publisher."""
    badges, _ = open_badges(ledger, student_id, only=only, name_in_plain=name_in_plain, evidence=evidence)
    if not badges:
        raise InputError.for_field("student", "no credential of this student counts now: a CLR would be empty")
    home = ledger.issuer(publisher or d.issuer_slug_from_did(ledger.student(student_id).registered_by))
    now = ledger.clock()
    first = next(iter(badges.values()))
    document = {
        "@context": [VC_CONTEXT, CLR_CONTEXT, OB_CONTEXT],
        # Each export is a new record of the transcript as it stands: its own id.
        "id": f"{base_url(ledger)}/transcripts/{student_id}/clr/{uuid.uuid4()}",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": home.did, "type": ["Profile"], "name": home.name,
                   "url": f"{base_url(ledger)}/issuers/{home.slug}"},
        "name": f"Industry credentials recorded for a student of {home.name}",
        "validFrom": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "type": ["ClrSubject"],
            # The same identity object as the first badge: a verifier who knows the name checks it once.
            "identifier": first["credentialSubject"]["identifier"],
            "achievement": [badge["credentialSubject"]["achievement"] for badge in badges.values()],
            "verifiableCredential": list(badges.values()),
        },
    }
    return ledger.sign_export(home.did, document, EDDSA_RDFC_2022)
