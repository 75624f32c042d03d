"""Shapes of signed event documents, checked before any rule reads them.

A document from outside (submitted by an issuer that signs on its own machine)
is validated here, so the rules can rely on every member being present and of
the right type; a malformed document is an InputError naming the member.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ledger.pathways.facts import WORKKEYS_TESTS  # the rules' list: the schema cannot drift from it
from ledger.catalog_codes import MAX_CODES
from ledger.errors import InputError
from ledger.relations import SHARE_PURPOSES
from ledger.rules import (CREDENTIAL_TYPES, DIPLOMA_TYPES, EXIT_REASONS, ISSUER_KINDS, OFFER_OUTCOMES,
                          REVOCATION_REASONS)
from ledger.statelists import FIRST_YEAR, LAST_YEAR, STATES, school_year_from_text, terms_problems
from verifiers.didkey import public_key_from_verification_method
from verifiers.errors import MalformedError
from verifiers.protocol import documents as d
from verifiers.statuslist import LIST_SIZE
from verifiers.timestamps import parse_timestamp

SLUG = validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,62}$", error="lowercase letters, digits and dashes")
HEX64 = validate.Regexp(r"^[0-9a-f]{64}$", error="a SHA-256 hex digest")
# Ids are compared as text (stream keys, the journal's student column), so only
# the canonical lowercase form is accepted: "ABC…" or "{…}" would name the same
# UUID in another spelling and store an event the audit then disowns.
UUID_TEXT = validate.Regexp(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", error="a UUID in lowercase canonical form"
)
TEXT = validate.Length(min=1, max=500)
MAX_SHARED_STUDENTS = 5000  # one roster share event; a larger roster is shared in parts
MAX_STATUS_LISTS = 10_000  # per issuer: 1.3 billion entries
MAX_SAFE_INTEGER = 2**53 - 1  # RFC 8785 (I-JSON): larger integers cannot be signed exactly
NOT_UNICODE = "text that is valid Unicode (no lone surrogate)"
_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")


# Shape checks that parse, not only match: the rules read these members with the
# same parsers, and a value a regex admits (2026-02-30, 7 fractional digits, a
# did:key that is no Ed25519 key) must be an InputError here, not a crash there.
def _valid_timestamp(value: str) -> None:
    try:
        parse_timestamp(value)
    except MalformedError:
        raise ValidationError("an RFC 3339 UTC time ending in Z") from None


def _valid_date(value: str) -> None:
    try:
        if not _DATE_SHAPE.fullmatch(value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise ValidationError("a date as YYYY-MM-DD") from None


def _valid_key_id(value: str) -> None:
    try:
        if "#" not in value:
            raise MalformedError("no fragment")
        public_key_from_verification_method(value)
    except MalformedError:
        raise ValidationError("an Ed25519 did:key verification method (did:key:z6Mk…#z6Mk…)") from None


def _valid_school_year(value: str) -> None:
    try:
        if not isinstance(value, str) or len(value) != 7:
            raise ValueError(value)
        school_year_from_text(value)
    except ValueError:
        raise ValidationError("a school year as YYYY-YY, e.g. 2024-25") from None


TIMESTAMP, DATE, KEY_ID, SCHOOL_YEAR = _valid_timestamp, _valid_date, _valid_key_id, _valid_school_year
# Occupation, industry and program codes a catalog entry may carry (DOMAIN.md).
SOC = validate.Regexp(r"^\d{2}-\d{4}$", error="a SOC code like 29-2052")
NAICS = validate.Regexp(r"^\d{2,6}$", error="a NAICS code of 2 to 6 digits, like 722")
CIP = validate.Regexp(r"^\d{2}(\.\d{2}(\d{2})?)?$", error="a CIP code like 51.0801")
CTID = validate.Regexp(r"^ce-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
                       error="a Credential Engine CTID like ce-0b5d9a2e-4c1f-4e3a-9d6b-2f8e7c1a5b40")
# A certifying body's public page for looking a certificate up: the same for every student, so it
# never carries anyone's data (a page links to it as it is).
LOOKUP_URL = validate.And(validate.Length(max=300), validate.Regexp(r"^https://[^\s<>\"]+$",
                                                                  error="an https:// address of a public lookup page"))
WORKKEYS_LEVELS = range(3, 8)  # levels 3–7


class CodeList(fields.Field):
    """SOC or CIP codes: a list of codes (what commands sign), or one code as a string (events signed
    before lists; they stay valid and read as one code: ledger.catalog_codes). Each code is checked."""

    def __init__(self, code: validate.Validator, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.code = code

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise ValidationError("a list of codes")
        if len(items) > MAX_CODES:
            raise ValidationError(f"at most {MAX_CODES} codes")
        if len(set(items)) != len(items):
            raise ValidationError("a code appears twice")
        for item in items:
            self.code(item)
        return value


class ProofSchema(Schema):
    class Meta:
        unknown = RAISE

    type = fields.String(required=True, validate=validate.Equal("DataIntegrityProof"))
    cryptosuite = fields.String(required=True, validate=validate.Equal("eddsa-jcs-2022"))
    created = fields.String(required=True, validate=TIMESTAMP)
    verificationMethod = fields.String(required=True, validate=validate.Regexp(r"^did:key:z[1-9A-HJ-NP-Za-km-z]+#z"))
    proofPurpose = fields.String(required=True, validate=validate.Equal("assertionMethod"))
    proofValue = fields.String(required=True, validate=validate.Regexp(r"^z[1-9A-HJ-NP-Za-km-z]+$"))


class ProofsField(fields.Field):
    """One proof object, or a list of them (a proof set)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        items = value if isinstance(value, list) else [value]
        if not items or len(items) > 2:
            raise ValidationError("one proof, or a set of two")
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise ValidationError("a proof is a JSON object")
            try:
                ProofSchema().load(item)
            except ValidationError as e:
                # Name the member: proof.proofValue, or proof.1.created in a proof set.
                raise ValidationError(e.normalized_messages() if value is item else {str(i): e.normalized_messages()})
        return value


class EventSchema(Schema):
    class Meta:
        unknown = RAISE

    type = fields.String(required=True, validate=validate.OneOf(sorted(d.EVENT_TYPES)))
    ledger = fields.String(required=True)
    stream = fields.String(required=True, validate=UUID_TEXT)
    sequence = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    previous = fields.String(required=True, allow_none=True, validate=HEX64)
    actor = fields.String(required=True, validate=validate.Regexp(r"^did:(key|web):"))
    time = fields.String(required=True, validate=TIMESTAMP)
    proof = ProofsField(required=True)


DID = fields.String(required=True, validate=validate.Regexp(r"^did:web:[^:]+(:[^:]+)*$"))
ID = fields.String(required=True, validate=UUID_TEXT)
KEY = fields.String(required=True, validate=KEY_ID)
COMMITMENTS = fields.Dict(keys=fields.String(), values=fields.String(validate=HEX64), required=True)
EVIDENCE = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)), required=True)
CATALOG_CODES: dict[str, fields.Field] = {
    "careerCluster": fields.String(allow_none=True, validate=TEXT),
    "soc": CodeList(SOC, allow_none=True),
    "naics": fields.String(allow_none=True, validate=NAICS),
    "cip": CodeList(CIP, allow_none=True),
    "ctid": fields.String(allow_none=True, validate=CTID),
    "lookupUrl": fields.String(allow_none=True, validate=LOOKUP_URL),
}
REQUIRED_DATE = fields.String(required=True, validate=DATE)
BUILDING_TEXT = validate.Length(min=1, max=64)
BUILDING = fields.String(validate=BUILDING_TEXT)
LISTING_KEY: dict[str, fields.Field] = {
    "credential": fields.String(required=True, validate=SLUG),
    "state": fields.String(required=True, validate=validate.OneOf(STATES)),
    # A district's own list (Colorado's Menu of Options); null for a statewide list.
    "district": fields.String(required=True, allow_none=True, validate=validate.Regexp(r"^did:web:[^:]+(:[^:]+)*$")),
    "effectiveFrom": fields.String(required=True, validate=SCHOOL_YEAR),
}

PAYLOADS: dict[str, dict[str, fields.Field]] = {
    d.ISSUER_REGISTERED: {
        "issuer": DID, "slug": fields.String(required=True, validate=SLUG),
        "name": fields.String(required=True, validate=TEXT),
        "kind": fields.String(required=True, validate=validate.OneOf(ISSUER_KINDS)),
        "key": KEY, "validFrom": fields.String(required=True, validate=TIMESTAMP),
    },
    d.ISSUER_KEY_ADDED: {"issuer": DID, "key": KEY, "validFrom": fields.String(required=True, validate=TIMESTAMP)},
    d.ISSUER_KEY_RETIRED: {"issuer": DID, "key": KEY, "at": fields.String(required=True, validate=TIMESTAMP)},
    d.ISSUER_KEY_COMPROMISED: {"issuer": DID, "key": KEY, "at": fields.String(required=True, validate=TIMESTAMP)},
    d.CREDENTIAL_DEFINED: {
        "credential": fields.String(required=True, validate=SLUG),
        "name": fields.String(required=True, validate=TEXT),
        "certifyingBody": fields.String(required=True, validate=TEXT),
        "credentialType": fields.String(required=True, validate=validate.OneOf(CREDENTIAL_TYPES)),
        "validityMonths": fields.Integer(required=True, allow_none=True, strict=True, validate=validate.Range(1, 600)),
        "careerField": fields.String(required=True, allow_none=True, validate=TEXT),
        **CATALOG_CODES,
    },
    d.CREDENTIAL_UPDATED: {
        "credential": fields.String(required=True, validate=SLUG),
        "name": fields.String(validate=TEXT),
        "certifyingBody": fields.String(validate=TEXT),
        "credentialType": fields.String(validate=validate.OneOf(CREDENTIAL_TYPES)),
        "validityMonths": fields.Integer(allow_none=True, strict=True, validate=validate.Range(1, 600)),
        "careerField": fields.String(allow_none=True, validate=TEXT),
        **CATALOG_CODES,
    },
    d.STUDENT_REGISTERED: {
        "student": ID, "issuer": DID, "subject": COMMITMENTS,
        # The graduating class (the school year the student is expected to graduate in ends in it).
        "cohort": fields.Integer(strict=True, validate=validate.Range(FIRST_YEAR, LAST_YEAR)),
        "building": BUILDING,
    },
    d.CREDENTIAL_ISSUED: {
        "award": ID, "issuer": DID, "student": ID,
        "credential": fields.String(required=True, validate=SLUG),
        "earned": fields.String(required=True, validate=DATE),
        "expires": fields.String(required=True, allow_none=True, validate=DATE),
        "evidence": EVIDENCE, "subject": COMMITMENTS,
        "supersedes": fields.String(required=True, allow_none=True, validate=UUID_TEXT),
        # Its entry in the recording issuer's Bitstring Status Lists (ledger.statuslists): both or
        # neither (awards recorded before status lists have none).
        "statusList": fields.Integer(strict=True, validate=validate.Range(0, MAX_STATUS_LISTS - 1)),
        "statusIndex": fields.Integer(strict=True, validate=validate.Range(0, LIST_SIZE - 1)),
    },
    d.CREDENTIAL_REVOKED: {
        "award": ID,
        "reason": fields.String(required=True, validate=validate.OneOf(sorted(REVOCATION_REASONS))),
        "note": fields.String(required=True, validate=validate.Length(max=1000)),
        "effective": fields.String(required=True, validate=TIMESTAMP),
    },
    d.CREDENTIAL_TRANSFERRED: {
        "award": ID, "from": DID, "to": DID,
        "reason": fields.String(required=True, validate=validate.Length(max=1000)),
    },
    d.CREDENTIAL_LISTED: {
        **LISTING_KEY,
        "effectiveTo": fields.String(required=True, allow_none=True, validate=SCHOOL_YEAR),
        "terms": fields.Dict(keys=fields.String(), required=True),
        "note": fields.String(allow_none=True, validate=validate.Length(max=500)),
    },
    d.CREDENTIAL_DELISTED: {
        **LISTING_KEY,
        "effectiveTo": fields.String(required=True, allow_none=True, validate=SCHOOL_YEAR),
        "note": fields.String(required=True, validate=validate.Length(max=1000)),
    },
    d.ASSESSMENT_RECORDED: {
        "assessment": ID, "issuer": DID, "student": ID, "subject": COMMITMENTS,
        "test": fields.String(required=True, validate=validate.OneOf(["workkeys"])),
        "taken": fields.String(required=True, validate=DATE),
        "scores": fields.Dict(keys=fields.String(validate=validate.OneOf(sorted(WORKKEYS_TESTS))), required=True),
        "evidence": EVIDENCE,
    },
    d.ROSTER_SHARED: {
        "share": ID, "grantee": DID,
        "students": fields.List(fields.String(validate=UUID_TEXT), required=True,
                                validate=validate.Length(min=1, max=MAX_SHARED_STUDENTS)),
        "purpose": fields.String(required=True, validate=validate.OneOf(sorted(SHARE_PURPOSES))),
        "until": fields.String(required=True, validate=DATE),
        "note": fields.String(required=True, validate=validate.Length(max=500)),
    },
    d.ROSTER_SHARE_WITHDRAWN: {"share": ID, "reason": fields.String(required=True, validate=validate.Length(max=1000))},
    d.TRANSFER_OFFERED: {
        "offer": ID, "to": DID, "student": ID,
        "awards": fields.List(fields.String(validate=UUID_TEXT), required=True, validate=validate.Length(min=1, max=1000)),
        "reason": fields.String(required=True, validate=validate.Length(max=1000)),
    },
    d.IDENTITY_ERASED: {"student": ID},
    d.COHORT_CORRECTED: {
        "student": ID, "cohort": fields.Integer(required=True, strict=True, validate=validate.Range(FIRST_YEAR, LAST_YEAR)),
    },
    d.STUDENT_ENROLLED: {"student": ID, "date": REQUIRED_DATE, "building": fields.String(required=True, allow_none=True,
                                                                                          validate=BUILDING_TEXT)},
    d.STUDENT_EXITED: {"student": ID, "date": REQUIRED_DATE,
                       "reason": fields.String(required=True, validate=validate.OneOf(sorted(EXIT_REASONS)))},
    d.STUDENT_GRADUATED: {"student": ID, "date": REQUIRED_DATE,
                          "diploma": fields.String(required=True, validate=validate.OneOf(sorted(DIPLOMA_TYPES)))},
    d.STUDENT_MOVED: {"student": ID, "date": REQUIRED_DATE, "to": DID},
    # Exactly one commitment, to the state student id (ledger.enrollment.record_state_id).
    d.STATE_ID_RECORDED: {"student": ID, "subject": fields.Dict(keys=fields.String(validate=validate.Equal("state_id")),
                                                                values=fields.String(validate=HEX64), required=True,
                                                                validate=validate.Length(equal=1))},
    d.TRANSFER_OFFER_CLOSED: {
        "offer": ID, "outcome": fields.String(required=True, validate=validate.OneOf(OFFER_OUTCOMES)),
    },
}
SCHEMAS = {
    event_type: EventSchema.from_dict(payload, name=event_type + "Schema")
    for event_type, payload in PAYLOADS.items()
}


def validate_document(document: Any, *, index: int = 0) -> None:
    """Raise InputError naming the member unless `document` is a well-formed event."""
    where = f"events[{index}]"
    if not isinstance(document, dict):
        raise InputError.for_field(where, "an event is a JSON object")
    schema = SCHEMAS.get(document.get("type"))  # type: ignore[arg-type]
    if schema is None:
        raise InputError.for_field(f"{where}.type", f"one of {', '.join(sorted(d.EVENT_TYPES))}")
    try:
        schema(unknown=RAISE).load(document)
        _check_evidence(document)
        _check_status_entry(document)
        _check_listing(document)
        _check_scores(document)
    except ValidationError as e:
        errors = dict(_flatten(e.normalized_messages(), where))
        first = next(iter(errors.items()))
        raise InputError(f"{first[0]}: {first[1][0]}", errors) from None


def _flatten(messages: dict[str, Any], prefix: str) -> Iterator[tuple[str, list[str]]]:
    for key, value in messages.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}.{key}")
        else:
            yield f"{prefix}.{key}", [str(m) for m in value] if isinstance(value, list) else [str(value)]


def _check_evidence(document: dict[str, Any]) -> None:
    problems = evidence_problems(document.get("evidence", {}))
    if problems:
        raise ValidationError(problems)


def is_unicode(text: str) -> bool:
    """Can `text` be encoded (and so signed)? JSON's "\\ud800" decodes to a lone surrogate, which cannot."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def evidence_problems(evidence: dict[str, Any]) -> dict[str, list[str]]:
    """What is wrong with an award's evidence, by field (empty when nothing is)."""
    problems: dict[str, list[str]] = {}
    for key, value in evidence.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 64:
            problems[f"evidence.{key}"] = ["a name of 1 to 64 characters"]
        elif not is_unicode(key):
            problems["evidence"] = [f"names that are {NOT_UNICODE}"]  # not echoed: it cannot be written out
        # Integers and strings only: signed payloads never carry floats.
        elif isinstance(value, bool) or not isinstance(value, (str, int)):
            problems[f"evidence.{key}"] = ["a string or an integer"]
        elif isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER:
            problems[f"evidence.{key}"] = [f"an integer within ±{MAX_SAFE_INTEGER}"]
        elif isinstance(value, str) and len(value) > 200:
            problems[f"evidence.{key}"] = ["at most 200 characters"]
        elif isinstance(value, str) and not is_unicode(value):
            problems[f"evidence.{key}"] = [NOT_UNICODE]
    return problems


# Evidence is signed into a permanent event: a vendor's file often carries the candidate's name, email or
# phone in columns of their own, which must never land there (DESIGN: no student PII in events). Checked
# when an issuance is made or submitted (`new_evidence_problems`), not on replay or audit: events stored
# before the rule stay valid.
_PERSONAL = frozenset({"email", "mail", "phone", "mobile", "telephone", "address", "street", "city", "zip", "postal",
                       "ssn", "social", "birth", "birthday", "dob", "gender", "sex", "race", "ethnicity", "first",
                       "last", "middle", "surname", "firstname", "lastname", "fullname", "candidate"})
# "name" is the student's unless it names something else: the exam's, the vendor's, the testing site's.
_NAMED_THINGS = frozenset({"exam", "test", "vendor", "provider", "course", "credential", "program", "site", "center",
                           "school", "proctor", "instructor", "trainer", "form"})


def looks_personal(name: str) -> bool:
    """Whether an evidence name looks like the student's personal data (candidate_name, Email, dob, phone…)."""
    words = set(re.split(r"[^a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", name).casefold())) - {""}
    return bool(words & _PERSONAL) or ("name" in words and not words & _NAMED_THINGS)


def new_evidence_problems(evidence: dict[str, Any]) -> dict[str, list[str]]:
    """`evidence_problems`, and for a new issuance also names that look like the student's personal data."""
    problems = evidence_problems(evidence)
    personal = [k for k in evidence if isinstance(k, str) and looks_personal(k)]
    if personal:
        problems.setdefault("evidence", []).append(
            f"{', '.join(repr(k) for k in personal)} looks like personal data about the student, which is never "
            "signed (events are permanent): leave it out; the student is named by student, local_id, state_id or "
            "name and birth_date")
    return problems


def _check_status_entry(document: dict[str, Any]) -> None:
    if document["type"] == d.CREDENTIAL_ISSUED and ("statusList" in document) != ("statusIndex" in document):
        missing = "statusIndex" if "statusList" in document else "statusList"
        raise ValidationError({missing: ["statusList and statusIndex come together, or neither"]})


def _check_listing(document: dict[str, Any]) -> None:
    if document["type"] not in (d.CREDENTIAL_LISTED, d.CREDENTIAL_DELISTED):
        return
    first = school_year_from_text(document["effectiveFrom"])
    if document["effectiveTo"] is not None and school_year_from_text(document["effectiveTo"]) < first:
        raise ValidationError({"effectiveTo": ["not before effectiveFrom"]})
    if document["type"] == d.CREDENTIAL_LISTED:
        problems = terms_problems(document["state"], document["district"], document["terms"])
        if problems:
            raise ValidationError({"terms": problems})
    elif document["district"] is not None and document["state"] != "CO":
        raise ValidationError({"district": ["only Colorado lists are kept per district"]})


def _check_scores(document: dict[str, Any]) -> None:
    if document["type"] != d.ASSESSMENT_RECORDED:
        return
    if not document["scores"]:
        raise ValidationError({"scores": ["at least one test's level"]})
    for test, level in document["scores"].items():
        if isinstance(level, bool) or not isinstance(level, int) or level not in WORKKEYS_LEVELS:
            raise ValidationError({f"scores.{test}": ["a WorkKeys level from 3 to 7"]})
