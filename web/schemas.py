"""Input schemas for commands, shared by the CLI and the JSON API.

Everything a person or a district system types arrives here first; a failure
is an InputError naming each bad field, and nothing reaches the ledger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from ledger.errors import InputError
from ledger.statelists import FIRST_YEAR, LAST_YEAR
from ledger.rules import CREDENTIAL_TYPES, ISSUER_KINDS, REVOCATION_REASONS
from ledger.schemas import CIP, KEY_ID, LOOKUP_URL, MAX_SAFE_INTEGER, NAICS, NOT_UNICODE, SLUG, SOC, is_unicode

NAME = validate.Length(min=1, max=200)


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
    soc = fields.String(allow_none=True, validate=SOC)
    naics = fields.String(allow_none=True, validate=NAICS)
    cip = fields.String(allow_none=True, validate=CIP)
    lookupUrl = fields.String(allow_none=True, validate=LOOKUP_URL)


class StudentInput(Schema):
    class Meta:
        unknown = RAISE

    issuer = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True, validate=NAME)
    birth_date = fields.Date(required=True)
    local_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    # The graduating class (the year the student is expected to graduate): the state rules depend on it.
    cohort = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(FIRST_YEAR, LAST_YEAR))
    # Whether the birth date is plausible is the ledger's rule (ledger.rules.check_birth_date, on its clock).


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
