"""Each award as an Open Badges 3.0 `OpenBadgeCredential` (1EdTech OB 3.0, on the W3C VC 2.0 data
model), signed `eddsa-rdfc-2022` by the recording institution's key under its did:web DID.

The signed events stay the source of truth: a badge is derived from them when it is exported and
signed then (its proof's `created` is the export's moment). What goes in:

- `issuer`: the institution that recorded the award (its did:web DID, name and page);
- `credentialSubject`: an `AchievementSubject` identified by an OB 3.0 `IdentityObject` of the
  student's name, hashed with a salt (`sha256$…`) unless the student discloses the name in plain;
  a verifier who knows the name checks it, nobody else reads it;
- `achievement`: the catalog entry (name, a description and criteria in plain words, its
  `achievementType`, the certifying body as `creator`, CIP / SOC / NAICS alignments, the career
  field and cluster as tags);
- `validFrom` = the day earned, `validUntil` = the end of the expiry day (UTC);
- `evidence`: only the award's evidence the student chose (certificate or license number, score);
- `credentialStatus`: a `BitstringStatusListEntry` at the award's entry in the recording issuer's
  revocation list (`ledger.vc.statuslist`), fixed in its signed `CredentialIssued`; none for an
  award recorded before status lists (a verifier then says its status cannot be checked).

The `id` is stable (`https://<domain>/credentials/<award>`), so a badge exported twice names the same
credential. May import `ledger` and `verifiers`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from typing import Any

from ledger.application import Ledger
from ledger.catalog_codes import code_list
from ledger.errors import InputError
from ledger.vc.addresses import OB_CONTEXT, VC_CONTEXT, base_url
from ledger.vc.statuslist import status_entry
from verifiers.dataintegrity import EDDSA_RDFC_2022
from verifiers.protocol import documents as d

ACHIEVEMENT_TYPES = {"certification": "Certification", "license": "License", "certificate": "Certificate",
                     "assessment": "Assessment"}
# The public registries of the codes a catalog entry may carry (targetUrl of an OB 3.0 Alignment).
ALIGNMENTS = {  # catalog field: (short name, framework, URL of the code)
    "cip": ("CIP", "Classification of Instructional Programs (CIP 2020)",
            "https://nces.ed.gov/ipeds/cipcode/cipdetail.aspx?y=56&cipid={code}"),
    "soc": ("SOC", "Standard Occupational Classification (SOC 2018)",
            "https://www.onetonline.org/link/summary/{code}.00"),
    "naics": ("NAICS", "North American Industry Classification System (NAICS 2022)",
              "https://www.census.gov/naics/?input={code}&year=2022&details={code}"),
    "ctid": ("CTID", "Credential Engine Registry", "https://credentialengineregistry.org/resources/{code}"),
}


def credential_id(ledger: Ledger, award_id: str) -> str:
    return f"{base_url(ledger)}/credentials/{award_id}"


def open_badge(ledger: Ledger, award_id: str, *, name_in_plain: bool = False, evidence: Sequence[str] = ()) -> dict[str, Any]:
    """The award as a signed OpenBadgeCredential. InputError for evidence the award does not hold or a
    student whose identity was erased; RejectedError when this server holds no key of the recorder."""
    award = ledger.award(award_id)
    unknown = [name for name in evidence if name not in award.evidence]
    if unknown:
        raise InputError.for_field("evidence", f"this award holds no evidence {unknown[0]!r}; "
                                               f"it holds {', '.join(sorted(award.evidence)) or 'none'}")
    recorder = ledger.issuer(d.issuer_slug_from_did(award.issuer))
    document: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id(ledger, award_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": recorder.did, "type": ["Profile"], "name": recorder.name,
                   "url": f"{base_url(ledger)}/issuers/{recorder.slug}"},
        "name": _catalog(ledger, award.credential)["name"],
        "validFrom": f"{award.earned}T00:00:00Z",
        **({"validUntil": f"{award.expires}T23:59:59Z"} if award.expires else {}),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [_identity_object(ledger, award.student, award_id, name_in_plain)],
            "achievement": achievement(ledger, award.credential),
        },
    }

    entry = status_entry(ledger, award)
    if entry is not None:
        document["credentialStatus"] = entry
    if evidence:
        document["evidence"] = [{"type": ["Evidence"], "name": _words(name), "narrative": str(award.evidence[name])}
                                for name in evidence]
    return ledger.sign_export(recorder.did, document, EDDSA_RDFC_2022)


def achievement(ledger: Ledger, code: str) -> dict[str, Any]:
    """The catalog entry as an OB 3.0 Achievement (its `id` is the entry's stable URL)."""
    fields = _catalog(ledger, code)
    body = fields["certifyingBody"]
    result: dict[str, Any] = {
        "id": f"{base_url(ledger)}/catalog/{code}",
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES[fields["credentialType"]],
        "name": fields["name"],
        "description": f"{fields['name']}, an industry-recognized {fields['credentialType']} from {body}.",
        "criteria": {"narrative": f"Earned by meeting the requirements {body} sets for {fields['name']}."},
        "creator": {"id": f"{base_url(ledger)}/certifying-bodies/{_slug(body)}", "type": ["Profile"], "name": body},
    }
    # One alignment per code: an entry may name several SOC and CIP codes (ledger.catalog_codes).
    alignments = [{"type": ["Alignment"], "targetName": f"{short} {code}", "targetFramework": framework,
                   "targetCode": code, "targetUrl": url.format(code=code)}
                  for key, (short, framework, url) in ALIGNMENTS.items() for code in code_list(fields.get(key))]
    if alignments:
        result["alignment"] = alignments
    tags = list(dict.fromkeys(fields[key] for key in ("careerField", "careerCluster") if fields.get(key)))
    if tags:
        result["tag"] = tags
    return result


def _catalog(ledger: Ledger, code: str) -> dict[str, Any]:
    return dict(ledger.credential(code).fields)


def _identity_object(ledger: Ledger, student_id: str, award_id: str, in_plain: bool) -> dict[str, Any]:
    identity = ledger.identity(student_id)
    if identity is None or "name" not in identity.claims:
        raise InputError.for_field("student", "this student's identity was erased; a badge cannot name them")
    name = identity.claims["name"]
    if in_plain:
        return {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": name}
    # A salt of this award's own (from the vault's salt of the name): stable across exports, and
    # unlinkable to the ledger's commitment, which the name's vault salt opens.
    salt = hmac.new(identity.salts["name"], f"ob3-identity:{award_id}".encode(), hashlib.sha256).hexdigest()[:32]
    digest = hashlib.sha256((name + salt).encode("utf-8")).hexdigest()
    return {"type": "IdentityObject", "identityType": "name", "hashed": True, "identityHash": f"sha256${digest}",
            "salt": salt}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "body"


def _words(name: str) -> str:
    """An evidence key in words: `licenseNumber` → "license number"."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " ").lower()


def open_badges(ledger: Ledger, student_id: str, *, only: Sequence[str] | None = None, name_in_plain: bool = False,
                evidence: Sequence[str] = ()) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The student's awards as signed badges, by award id, and the awards left out because they are
    revoked or superseded (a badge says what counts; the transcript bundle keeps the whole history).
    `evidence` names what each badge shows of its award's evidence, where the award holds it."""
    from ledger.export import student_awards
    from verifiers.protocol.status import is_withdrawn

    awards = student_awards(ledger, student_id)
    unknown = [a for a in only or () if a not in awards]
    if unknown:
        raise InputError.for_field("only", f"not this student's award: {unknown[0]}")
    badges, withdrawn = {}, []
    for award_id in [a for a in awards if not only or a in only]:
        award = ledger.award(award_id)
        if is_withdrawn(award.status):
            withdrawn.append(award_id)
            continue
        badges[award_id] = open_badge(ledger, award_id, name_in_plain=name_in_plain,
                                      evidence=[e for e in evidence if e in award.evidence])
    return badges, withdrawn
