"""Input schemas for commands, shared by the CLI and the JSON API.

Everything a person or a district system types arrives here first; a failure
is an InputError naming each bad field, and nothing reaches the ledger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

from ledger.catalog_codes import MAX_CODES
from ledger.enrollment import ENROLLED, EXITED, GRADUATED, MOVED, EnrollmentFact
from ledger.errors import InputError
from ledger.statelists import FIRST_YEAR, LAST_YEAR
from ledger.rules import CREDENTIAL_TYPES, DIPLOMA_TYPES, EXIT_REASONS, ISSUER_KINDS, REVOCATION_REASONS
from ledger.schemas import CIP, CTID, KEY_ID, LOOKUP_URL, MAX_SAFE_INTEGER, NAICS, NOT_UNICODE, SLUG, SOC, is_unicode
from web.student_list import SORTS

NAME = validate.Length(min=1, max=200)
COHORT = validate.Range(FIRST_YEAR, LAST_YEAR)  # a graduating class
STATE_ID_PATTERN = r"^[A-Za-z0-9]{1,20}$"  # no state's own format is enforced: none could be verified for all three
STATE_ID = validate.Regexp(STATE_ID_PATTERN, error="letters and digits only, at most 20")


class UTCDateTime(fields.DateTime):
    """An RFC 3339 time; without a zone it is taken as UTC."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        from datetime import timezone

        result: datetime = super()._deserialize(value, attr, data, **kwargs)
        return result if result.tzinfo else result.replace(tzinfo=timezone.utc)


class IssuerInput(Schema):
    class Meta:
        unknown = RAISE

    slug = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True, validate=NAME)
    kind = fields.String(load_default="school", validate=validate.OneOf(ISSUER_KINDS))
    public_key = fields.String(load_default=None, validate=KEY_ID)


class KeyTimeInput(Schema):
    class Meta:
        unknown = RAISE

    slug = fields.String(required=True, validate=SLUG)
    key = fields.String(required=True, validate=KEY_ID)
    at = UTCDateTime(required=True)


class CredentialInput(Schema):
    class Meta:
        unknown = RAISE

    code = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True, validate=NAME)
    certifyingBody = fields.String(required=True, validate=NAME)
    credentialType = fields.String(load_default="certification", validate=validate.OneOf(CREDENTIAL_TYPES))
    validityMonths = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 600))
    careerField = fields.String(load_default=None, allow_none=True, validate=NAME)
    # Optional codes (ledger.schemas checks the same formats); absent unless given.
    careerCluster = fields.String(allow_none=True, validate=NAME)
    # Several SOC and CIP codes (ledger.catalog_codes), each in the format ledger.schemas checks.
    soc = fields.List(fields.String(validate=SOC), allow_none=True, validate=validate.Length(max=MAX_CODES))
    naics = fields.String(allow_none=True, validate=NAICS)
    cip = fields.List(fields.String(validate=CIP), allow_none=True, validate=validate.Length(max=MAX_CODES))
    ctid = fields.String(allow_none=True, validate=CTID)
    lookupUrl = fields.String(allow_none=True, validate=LOOKUP_URL)


class StudentInput(Schema):
    class Meta:
        unknown = RAISE

    issuer = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True, validate=NAME)
    birth_date = fields.Date(required=True)
    local_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    # The state student id (Ohio SSID, Missouri MOSIS id, Colorado SASID): PII, to the vault only.
    state_id = fields.String(load_default=None, allow_none=True, validate=STATE_ID)
    # The graduating class (the year the student is expected to graduate): the state rules depend on it.
    cohort = fields.Integer(load_default=None, allow_none=True, validate=COHORT)
    # Whether the birth date is plausible is the ledger's rule (ledger.rules.check_birth_date, on its clock).


class CohortInput(Schema):
    """A graduating class corrected (ledger.enrollment)."""

    class Meta:
        unknown = RAISE

    cohort = fields.Integer(required=True, validate=COHORT)


class StateIdInput(Schema):
    """A state student id given or corrected after the registration (ledger.enrollment.record_state_id)."""

    class Meta:
        unknown = RAISE

    state_id = fields.String(required=True, validate=STATE_ID)


def state_id_of(data: dict[str, Any]) -> str:
    """The state id as registration stores it (upper case: student_claims)."""
    return str(data["state_id"]).upper()


# The one detail each enrollment fact carries, by kind: the building (optional), the exit reason, the
# diploma, or the receiving district (a slug).
ENROLLMENT_DETAILS = {ENROLLED: "building", EXITED: "reason", GRADUATED: "diploma", MOVED: "to"}


class EnrollmentInput(Schema):
    """An enrollment fact (ledger.enrollment); whether its date may be recorded is the ledger's rule."""

    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.OneOf(list(ENROLLMENT_DETAILS)))
    date = fields.Date(required=True)
    building = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    reason = fields.String(validate=validate.OneOf(sorted(EXIT_REASONS)))
    diploma = fields.String(validate=validate.OneOf(sorted(DIPLOMA_TYPES)))
    to = fields.String(validate=SLUG)

    @validates_schema
    def _detail_of_its_kind(self, data: dict[str, Any], **_: Any) -> None:
        kind = data.get("kind")
        for detail in ("reason", "diploma", "to"):
            if detail in data and ENROLLMENT_DETAILS.get(str(kind)) != detail:
                raise ValidationError(f"only for {next(k for k, v in ENROLLMENT_DETAILS.items() if v == detail)}",
                                      detail)
            if ENROLLMENT_DETAILS.get(str(kind)) == detail and detail not in data:
                raise ValidationError("required", detail)


def enrollment_fact(data: dict[str, Any]) -> EnrollmentFact:
    """The ledger's request from a loaded EnrollmentInput."""
    return EnrollmentFact(data["kind"], data["date"], data.get(ENROLLMENT_DETAILS[data["kind"]]) or None)


class IssueInput(Schema):
    class Meta:
        unknown = RAISE

    issuer = fields.String(required=True, validate=SLUG)
    student = fields.UUID(required=True)
    credential = fields.String(required=True, validate=SLUG)
    earned = fields.Date(required=True)
    evidence = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)), load_default=dict)
    supersedes = fields.UUID(load_default=None, allow_none=True)

    @validates_schema
    def _evidence_values(self, data: dict[str, Any], **_: Any) -> None:
        for key, value in data.get("evidence", {}).items():
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                raise ValidationError(f"evidence {key!r} must be a string or an integer", "evidence")
            if isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER:
                raise ValidationError(f"evidence {key!r} must be within ±{MAX_SAFE_INTEGER}", "evidence")
            if not is_unicode(key):
                raise ValidationError(f"names that are {NOT_UNICODE}", "evidence")
            if isinstance(value, str) and not is_unicode(value):
                raise ValidationError(NOT_UNICODE, f"evidence.{key}")  # the same answer as the ledger's


class RevokeInput(Schema):
    class Meta:
        unknown = RAISE

    award = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(sorted(REVOCATION_REASONS)))
    note = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    effective = UTCDateTime(load_default=None, allow_none=True)


class TransferInput(Schema):
    class Meta:
        unknown = RAISE

    awards = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1))
    to = fields.String(required=True, validate=SLUG)
    reason = fields.String(load_default="student changed school", validate=validate.Length(max=1000))


class StudentListQuery(Schema):
    """The student list's parameters (web.student_list), the same in the console's query string and
    the API's; each caller adds its paging and picks its default order."""

    class Meta:
        unknown = RAISE

    sort = fields.String(load_default=None, validate=validate.OneOf(sorted(SORTS)))
    cohort = fields.Integer(load_default=None, validate=COHORT, metadata={"description": "Only this graduating class"})


class ConsoleStudentQuery(StudentListQuery):
    class Meta:  # a page's stray parameter (an old bookmark's q=: searches are posted) is ignored, never echoed
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(1, 1_000_000))


class ClaimLettersQuery(Schema):
    class Meta:
        unknown = RAISE

    cohort = fields.Integer(load_default=None, validate=COHORT)  # none yet: the page asks for one


def load(schema: type[Schema], data: dict[str, Any]) -> dict[str, Any]:
    """Validate `data`; an InputError names every bad field."""
    try:
        result: dict[str, Any] = schema().load(data)
    except ValidationError as e:
        messages = e.normalized_messages()
        errors = {k: v if isinstance(v, list) else [str(v)] for k, v in messages.items()}
        field, problems = next(iter(errors.items()))
        raise InputError(f"{field}: {problems[0]}", errors) from None
    return result


def student_claims(data: dict[str, Any]) -> dict[str, str]:
    """The identity claims of a loaded StudentInput, as the vault keeps them (the state id when given)."""
    claims = {"name": data["name"], "birth_date": data["birth_date"].isoformat(), "local_id": data["local_id"]}
    return claims | ({"state_id": data["state_id"].upper()} if data.get("state_id") else {})
