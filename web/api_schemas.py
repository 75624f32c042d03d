"""The JSON API's request and response schemas: one source for validation,
output and the OpenAPI document (web.openapi).

Requests reuse the command schemas of `web.schemas` without the members the
API takes from elsewhere: the issuer always comes from the bearer token (a
request that names one is refused as an unknown field), the award of a
revocation from the URL. Responses are dumped through these schemas, so what
the document promises is what a client gets.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from ledger.relations import SHARE_PURPOSES
from ledger.rules import REVOCATION_REASONS
from ledger.schemas import MAX_SHARED_STUDENTS
from web.schemas import (CohortInput, EnrollmentInput, IssueInput, RevokeInput, StateIdInput, StudentInput,
                         StudentListQuery)

MAX_BATCH = 1000  # awards in one batch, events in one submission


# Requests ---------------------------------------------------------------------


class NewStudent(StudentInput):
    """A student to register for the token's issuer. The claims are sealed in the PII vault."""

    class Meta:
        unknown = RAISE
        exclude = ("issuer",)


class NewAward(IssueInput):
    """A credential a student earned, recorded and signed by the token's issuer."""

    class Meta:
        unknown = RAISE
        exclude = ("issuer",)


class AwardBatch(Schema):
    """Up to 1000 awards, stored all together or not at all."""

    class Meta:
        unknown = RAISE

    items = fields.List(fields.Nested(NewAward), required=True,
                        validate=validate.Length(min=1, max=MAX_BATCH, error=f"1 to {MAX_BATCH} awards"))


class Revocation(RevokeInput):
    """Why and from when an award no longer counts (`superseded` when a corrected award replaces it)."""

    class Meta:
        unknown = RAISE
        exclude = ("award",)


class TransferRequest(Schema):
    """Custody of awards to another issuer: a student's whole record in your custody, or chosen awards."""

    class Meta:
        unknown = RAISE

    student = fields.UUID(load_default=None, allow_none=True,
                          metadata={"description": "Transfer every award of this student in your custody."})
    awards = fields.List(fields.UUID(), load_default=None, allow_none=True,
                         validate=validate.Length(min=1, max=MAX_BATCH),
                         metadata={"description": "Or transfer exactly these awards."})
    to = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,62}$"),
                       metadata={"description": "The receiving issuer's slug."})
    reason = fields.String(load_default="student changed school", validate=validate.Length(min=1, max=1000))

    @validates_schema
    def _one_selection(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("student") is None) == (data.get("awards") is None):
            raise ValidationError("give either student or awards", "student")


class ShareRequest(Schema):
    """Named students shared with another institution (typically the area CTE center they attend)."""

    class Meta:
        unknown = RAISE

    grantee = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,62}$"),
                            metadata={"description": "The receiving institution's slug."})
    students = fields.List(fields.UUID(), load_default=None, allow_none=True,
                           validate=validate.Length(min=1, max=MAX_SHARED_STUDENTS),
                           metadata={"description": "Student ids; or give local_ids."})
    local_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=None,
                            allow_none=True, validate=validate.Length(min=1, max=MAX_SHARED_STUDENTS),
                            metadata={"description": "Or the students' local ids at your institution."})
    purpose = fields.String(required=True, validate=validate.OneOf(sorted(SHARE_PURPOSES)),
                            metadata={"description": "record: see and record credentials; report: see only."})
    until = fields.Date(required=True, metadata={"description": "The last day the share holds."})
    note = fields.String(load_default="", validate=validate.Length(max=500))

    @validates_schema
    def _one_selection(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("students") is None) == (data.get("local_ids") is None):
            raise ValidationError("give either students or local_ids", "students")


class ShareWithdrawal(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(load_default="", validate=validate.Length(max=1000))


class EventSubmission(Schema):
    """Events signed on the issuer's own machine; each is verified like any other, all or nothing."""

    class Meta:
        unknown = RAISE

    events = fields.List(fields.Dict(), required=True,
                         validate=validate.Length(min=1, max=MAX_BATCH, error=f"1 to {MAX_BATCH} events"),
                         metadata={"description": "Signed event documents (eddsa-jcs-2022 Data Integrity proofs)."})


class Page(Schema):
    """Paging of a list."""

    class Meta:
        unknown = RAISE

    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    # Bounded: SQL takes a 64-bit integer, and no list here is near a billion long.
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000_000))


class StudentPage(Page, StudentListQuery):
    """A page of the student list: `limit` and `offset`, `sort` and `cohort` (web.student_list)."""

    class Meta:  # both bases say the same; mypy wants it said once here
        unknown = RAISE


# Responses --------------------------------------------------------------------


class Error(Schema):
    """Every error: a stable machine code, the HTTP status, a sentence, and messages per field."""

    code = fields.String(required=True, metadata={"example": "invalid_input"})
    status = fields.Integer(required=True, metadata={"example": 400})
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True,
                         metadata={"description": "Field name (e.g. `items[3].earned`) to its problems."})


class Key(Schema):
    key_id = fields.String(required=True, metadata={"description": "did:key verification method"})
    valid_from = fields.String(required=True, metadata={"format": "date-time"})
    retired_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    compromised_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    state = fields.String(required=True, validate=validate.OneOf(["active", "retired", "compromised", "pending"]))
    held_by_server = fields.Boolean(required=True)


class IssuerOut(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    did = fields.String(required=True)
    keys = fields.List(fields.Nested(Key), required=True)


class CatalogEntry(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    certifyingBody = fields.String(required=True)
    credentialType = fields.String(required=True)
    validityMonths = fields.Integer(required=True, allow_none=True)
    careerField = fields.String(required=True, allow_none=True)
    careerCluster = fields.String(allow_none=True)
    soc = fields.List(fields.String(), metadata={"description": "SOC occupation codes (29-2052); several may apply"})
    naics = fields.String(allow_none=True)
    cip = fields.List(fields.String(), metadata={"description": "CIP program codes (51.0805); several may apply"})
    ctid = fields.String(allow_none=True, metadata={"description": "Credential Engine CTID"})
    lookupUrl = fields.String(allow_none=True, metadata={"description": "the certifying body's public lookup page"})
    owner = fields.String(required=True, metadata={"description": "DID of whoever defined the entry"})


class Catalog(Schema):
    credentials = fields.List(fields.Nested(CatalogEntry), required=True)


class Identity(Schema):
    name = fields.String(required=True)
    birth_date = fields.String(required=True, metadata={"format": "date"})
    local_id = fields.String(required=True)
    state_id = fields.String(metadata={"description": "The state student id (Ohio SSID, Missouri MOSIS id, "
                                                      "Colorado SASID), when given"})


class StudentCreated(Schema):
    student = fields.String(required=True, metadata={"format": "uuid"})
    issuer = fields.String(required=True)
    identity = fields.Nested(Identity, required=True)
    cohort = fields.Integer(required=True, allow_none=True, metadata={"description": "Graduating class, if given"})
    log_index = fields.Integer(required=True, metadata={"description": "Leaf index of the event in the log"})


class StudentSummary(Schema):
    student = fields.String(required=True, metadata={"format": "uuid"})
    registered_by = fields.String(required=True)
    registered_here = fields.Boolean(required=True)
    registered_at = fields.String(required=True, metadata={"format": "date-time"})
    cohort = fields.Integer(required=True, allow_none=True, metadata={"description": "Graduating class, if given"})
    awards = fields.Integer(required=True, metadata={"description": "Awards issued by or in the custody of "
                                                                    "this issuer"})
    latest_award = fields.String(required=True, allow_none=True, metadata={
        "format": "date-time", "description": "When the latest of those awards was recorded"})


class StudentList(Schema):
    students = fields.List(fields.Nested(StudentSummary), required=True)
    total = fields.Integer(required=True, metadata={"description": "Students matching, on every page"})
    next_offset = fields.Integer(required=True, allow_none=True)


class RevocationOut(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(sorted(REVOCATION_REASONS)))
    note = fields.String(required=True)
    effective = fields.String(required=True, metadata={"format": "date-time"})


class CustodyChange(Schema):
    from_ = fields.String(required=True, data_key="from", attribute="from")
    to = fields.String(required=True)
    reason = fields.String(required=True)
    at = fields.String(required=True, metadata={"format": "date-time"})


STATUS_DOC = "active, expired, superseded, or `revoked: <reason>` (expired is not revoked)"
EVIDENCE = fields.Dict(keys=fields.String(), required=True,
                       metadata={"additionalProperties": {"oneOf": [{"type": "string"}, {"type": "integer"}]}})


class TranscriptAward(Schema):
    award = fields.String(required=True, metadata={"format": "uuid"})
    credential = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    certifying_body = fields.String(required=True, allow_none=True)
    career_field = fields.String(required=True, allow_none=True)
    issuer = fields.String(required=True)
    issuer_name = fields.String(required=True, allow_none=True)
    custodian = fields.String(required=True)
    custodian_name = fields.String(required=True, allow_none=True)
    earned = fields.String(required=True, metadata={"format": "date"})
    expires = fields.String(required=True, allow_none=True, metadata={"format": "date"})
    evidence = EVIDENCE
    supersedes = fields.String(required=True, allow_none=True)
    superseded_by = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, metadata={"description": STATUS_DOC})
    revocation = fields.Nested(RevocationOut, required=True, allow_none=True)
    custody = fields.List(fields.Nested(CustodyChange), required=True)


class Transcript(Schema):
    """The student's awards this issuer issued or holds."""

    student = fields.String(required=True, metadata={"format": "uuid"})
    registered_by = fields.String(required=True)
    identity = fields.Nested(Identity, required=True, allow_none=True,
                             metadata={"description": "null once the student's identity was erased"})
    awards = fields.List(fields.Nested(TranscriptAward), required=True)
    other_awards = fields.Integer(required=True, metadata={"description": "Awards other institutions issued "
                                                                          "and hold: counted, not shown"})


class RosterImportIn(Schema):
    """A roster CSV (the console's format: local_id, state_id, name, birth_date, cohort, building)."""

    class Meta:
        unknown = RAISE

    csv = fields.String(required=True, validate=validate.Length(min=1),
                        metadata={"description": "The file's text, UTF-8"})
    commit = fields.Boolean(load_default=False, metadata={
        "description": "false (default): check every row and answer the preview; true: register every new "
                       "student (and add the state ids rows give students registered without one) in one "
                       "transaction, or nothing (400 naming each bad row's fields)"})


class RosterImportRow(Schema):
    line = fields.Integer(required=True)
    local_id = fields.String(required=True)
    result = fields.String(required=True, validate=validate.OneOf(["new", "state-id", "registered", "error"]),
                           metadata={"description": "new; state-id (registered without a state id: this row "
                                                    "adds it); registered (already: skipped); error"})
    student = fields.String(required=True, allow_none=True, metadata={"format": "uuid"})
    errors = fields.List(fields.String(), required=True, metadata={"description": "`field: problem` each"})


class RosterImportOut(Schema):
    committed = fields.Boolean(required=True)
    rows = fields.List(fields.Nested(RosterImportRow), required=True)
    registered = fields.Integer(required=True, metadata={"description": "Students registered by this call"})
    state_ids = fields.Integer(required=True, metadata={"description": "State ids added by this call to students "
                                                                       "registered without one"})


class AwardImportIn(Schema):
    """An award CSV in the console's format (web.imports.FORMAT): students by `student`, `local_id`, `state_id`
    or `name` + `birth_date`; credentials by `credential` or `vendor` + `exam_code` through the crosswalk."""

    class Meta:
        unknown = RAISE

    csv = fields.String(required=True, validate=validate.Length(min=1),
                        metadata={"description": "The file's text, UTF-8"})
    commit = fields.Boolean(load_default=False, metadata={
        "description": "false (default): check every row and answer the preview, rows for review with their "
                       "candidates; true: record every row in one transaction, or none (400 naming each bad row's "
                       "fields, or each row in review without a choice)"})
    choices = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[0-9]{1,6}$", error="a line number")),
                          values=fields.String(validate=validate.Length(max=64)), load_default=dict, metadata={
        "description": "For the rows in review: line number -> the chosen candidate's student id, or \"skip\""})


class Candidate(Schema):
    student = fields.String(required=True, metadata={"format": "uuid"})
    local_id = fields.String(required=True)


class AwardImportRow(Schema):
    line = fields.Integer(required=True)
    local_id = fields.String(required=True, metadata={"description": "As the file gave it (may be empty)"})
    credential = fields.String(required=True, metadata={"description": "The catalog code (resolved through the "
                                                                       "crosswalk when the row gave an exam code)"})
    earned = fields.String(required=True)
    result = fields.String(required=True, validate=validate.OneOf(["valid", "review", "error", "skipped", "recorded"]))
    student = fields.String(required=True, allow_none=True, metadata={"format": "uuid"})
    matched_by = fields.String(required=True, metadata={"description": "student, local_id, state_id or name and "
                                                                       "birth date"})
    candidates = fields.List(fields.Nested(Candidate), required=True, metadata={
        "description": "For a row in review: the students it may be (opaque ids and local ids only)"})
    errors = fields.List(fields.String(), required=True, metadata={"description": "`field: problem` each"})
    award = fields.String(required=True, allow_none=True, metadata={"format": "uuid"})


class AwardImportOut(Schema):
    committed = fields.Boolean(required=True)
    rows = fields.List(fields.Nested(AwardImportRow), required=True)
    awards = fields.List(fields.String(), required=True, metadata={"description": "The awards recorded, if committed"})


class CrosswalkMapping(Schema):
    vendor = fields.String(required=True)
    exam_code = fields.String(required=True)
    credential = fields.String(required=True)
    updated = fields.String(required=True)


class CrosswalkOut(Schema):
    mappings = fields.List(fields.Nested(CrosswalkMapping), required=True)


class CrosswalkImportIn(Schema):
    """A crosswalk CSV: vendor, exam_code, credential (a catalog code), one mapping a row."""

    class Meta:
        unknown = RAISE

    csv = fields.String(required=True, validate=validate.Length(min=1),
                        metadata={"description": "The file's text, UTF-8"})
    commit = fields.Boolean(load_default=False, metadata={
        "description": "false (default): check every row; true: store every mapping (a code mapped already gets "
                       "the file's credential), or none (400 naming each bad row's fields)"})


class CrosswalkImportRow(Schema):
    line = fields.Integer(required=True)
    vendor = fields.String(required=True)
    exam_code = fields.String(required=True)
    credential = fields.String(required=True)
    result = fields.String(required=True, validate=validate.OneOf(["new", "replaces", "unchanged", "error"]))
    replaces = fields.String(required=True, allow_none=True, metadata={"description": "The credential mapped until now"})
    errors = fields.List(fields.String(), required=True)


class CrosswalkImportOut(Schema):
    committed = fields.Boolean(required=True)
    rows = fields.List(fields.Nested(CrosswalkImportRow), required=True)


class CrosswalkRemoval(Schema):
    class Meta:
        unknown = RAISE

    vendor = fields.String(required=True, validate=validate.Length(min=1, max=64))
    exam_code = fields.String(required=True, validate=validate.Length(min=1, max=64))


class Removed(Schema):
    removed = fields.Boolean(required=True)


class WorkKeysImportIn(Schema):
    """WorkKeys score reports as CSV: local_id, taken, applied_math, graphic_literacy, workplace_documents
    (levels 3–7; at least one) and an optional score_report, one sitting a row."""

    class Meta:
        unknown = RAISE

    csv = fields.String(required=True, validate=validate.Length(min=1),
                        metadata={"description": "The file's text, UTF-8"})
    commit = fields.Boolean(load_default=False, metadata={
        "description": "false (default): check every row, record nothing; true: record every sitting in one "
                       "batch, or none (400 naming each bad row's fields)"})


class WorkKeysImportOut(Schema):
    committed = fields.Boolean(required=True)
    sittings = fields.Integer(required=True, metadata={"description": "Valid sittings (recorded, if committed)"})
    assessments = fields.List(fields.String(), required=True, metadata={"description": "Their ids, if committed"})


class CohortIn(CohortInput):
    """The graduating class corrected: a signed event of the district of record."""


class StateIdIn(StateIdInput):
    """The state student id (Ohio SSID, Missouri MOSIS id, Colorado SASID) given or corrected: a signed event
    of the district of record with a new salted commitment; the id itself goes to the vault."""


class EnrollmentIn(EnrollmentInput):
    """An enrollment fact: enrolled (building optional), exited (reason), graduated (diploma), or moved (`to`:
    the receiving district's slug, from then on the district of record). Signed by the district of record."""


class RecordFact(Schema):
    sequence = fields.Integer(required=True)
    type = fields.String(required=True)
    actor = fields.String(required=True)
    date = fields.String(required=True, allow_none=True, metadata={"format": "date"})
    detail = fields.String(required=True, allow_none=True)
    recorded = fields.String(required=True, metadata={"format": "date-time"})


class StudentRecordOut(Schema):
    """The student's record as the district of record keeps it."""

    student = fields.String(required=True, metadata={"format": "uuid"})
    registered_by = fields.String(required=True)
    district = fields.String(required=True, metadata={"description": "The district of record"})
    cohort = fields.Integer(required=True, allow_none=True)
    building = fields.String(required=True, allow_none=True)
    enrollment = fields.String(required=True, allow_none=True, metadata={
        "description": "The latest enrollment fact: enrolled, exited, graduated or moved"})
    graduated = fields.String(required=True, allow_none=True, metadata={"format": "date"})
    diploma = fields.String(required=True, allow_none=True)
    history = fields.List(fields.Nested(RecordFact), required=True)
    log_index = fields.Integer(metadata={"description": "Leaf index of the event just recorded"})


class AwardOut(Schema):
    award = fields.String(required=True, metadata={"format": "uuid"})
    student = fields.String(required=True, metadata={"format": "uuid"})
    credential = fields.String(required=True)
    issuer = fields.String(required=True)
    custodian = fields.String(required=True)
    earned = fields.String(required=True, metadata={"format": "date"})
    expires = fields.String(required=True, allow_none=True, metadata={"format": "date"})
    status = fields.String(required=True, metadata={"description": STATUS_DOC})
    revocation = fields.Nested(RevocationOut, required=True, allow_none=True)
    supersedes = fields.String(required=True, allow_none=True)
    superseded_by = fields.String(required=True, allow_none=True)
    log_index = fields.Integer(required=True, metadata={"description": "Leaf index of the issuing event in the log"})


class AwardRef(Schema):
    award = fields.String(required=True, metadata={"format": "uuid"})
    log_index = fields.Integer(required=True)


class BatchCreated(Schema):
    count = fields.Integer(required=True)
    awards = fields.List(fields.Nested(AwardRef), required=True)


class Receipt(Schema):
    type = fields.String(required=True)
    stream = fields.String(required=True, metadata={"format": "uuid"})
    sequence = fields.Integer(required=True)
    hash = fields.String(required=True, metadata={"description": "SHA-256 of the signed event, hex"})
    log_index = fields.Integer(required=True)


class Receipts(Schema):
    receipts = fields.List(fields.Nested(Receipt), required=True)


class TransferOut(Schema):
    """A transfer offer: custody moves only when the receiving institution accepts."""

    transfer = fields.String(required=True, metadata={"format": "uuid"})
    status = fields.String(required=True, validate=validate.OneOf(["pending", "accepted", "declined", "withdrawn", "overtaken"]))
    from_issuer = fields.String(required=True, data_key="from", metadata={"description": "Sending slug"})
    to_issuer = fields.String(required=True, data_key="to", metadata={"description": "Receiving slug"})
    student = fields.String(required=True, metadata={"format": "uuid"})
    awards = fields.List(fields.String(metadata={"format": "uuid"}), required=True)
    reason = fields.String(required=True)
    offered = fields.String(required=True, metadata={"format": "date-time"})
    decided = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    receipts = fields.List(fields.Nested(Receipt), metadata={"description": "The stored events, on acceptance"})


class TransferList(Schema):
    incoming = fields.List(fields.Nested(TransferOut), required=True)
    outgoing = fields.List(fields.Nested(TransferOut), required=True)


class ShareOut(Schema):
    """A roster share (a signed ledger event; each named student's record of disclosures shows it)."""

    share = fields.String(required=True, metadata={"format": "uuid"})
    granter = fields.String(required=True, metadata={"description": "Sharing institution's slug"})
    grantee = fields.String(required=True, metadata={"description": "Receiving institution's slug"})
    purpose = fields.String(required=True)
    students = fields.List(fields.String(metadata={"format": "uuid"}), required=True)
    granted = fields.String(required=True, metadata={"format": "date-time"})
    until = fields.String(required=True, metadata={"format": "date"})
    withdrawn = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    active = fields.Boolean(required=True)
    note = fields.String(required=True)


class ShareList(Schema):
    granted = fields.List(fields.Nested(ShareOut), required=True)
    received = fields.List(fields.Nested(ShareOut), required=True)


class KeyRotated(Schema):
    key_id = fields.String(required=True, metadata={"description": "The new key"})
    issuer = fields.Nested(IssuerOut, required=True)


class VerifiableCredential(Schema):
    """A W3C VC 2.0 credential signed eddsa-rdfc-2022: an Open Badges 3.0 OpenBadgeCredential or a CLR 2.0
    ClrCredential (README "Exports for the ecosystem"), passed through as signed."""

    SIGNED = True  # web.api.route answers it as it is: a dump would drop members the schema does not name

    context = fields.List(fields.String(), required=True, data_key="@context", attribute="@context")
    id = fields.String(required=True, metadata={"format": "uri"})
    type = fields.List(fields.String(), required=True)
    issuer = fields.Dict(required=True)
    name = fields.String(required=True)
    validFrom = fields.String(required=True, metadata={"format": "date-time"})
    validUntil = fields.String(metadata={"format": "date-time"})
    credentialSubject = fields.Dict(required=True)
    evidence = fields.List(fields.Dict())
    credentialStatus = fields.Dict(metadata={"description": "A BitstringStatusListEntry"})
    proof = fields.Dict(required=True, metadata={"description": "W3C Data Integrity, eddsa-rdfc-2022"})


class Badges(Schema):
    SIGNED = True  # a list of signed badges: answered as it is (see VerifiableCredential)

    badges = fields.List(fields.Nested(VerifiableCredential), required=True,
                         metadata={"description": "One OpenBadgeCredential per award that counts"})
    withdrawn = fields.List(fields.String(), required=True,
                            metadata={"description": "Awards left out: revoked or replaced by a correction"})


class Bundle(Schema):
    """A portable transcript bundle (docs/transcript-bundle.md), checked offline by `credledger verify`."""

    format = fields.String(required=True, metadata={"example": "credledger.transcript/v1"})
    exported = fields.String(required=True, metadata={"format": "date-time"})
    ledger = fields.String(required=True)
    operator = fields.String(required=True)
    checkpoint = fields.String(required=True, metadata={"description": "C2SP signed note"})
    student = fields.String(required=True, metadata={"format": "uuid"})
    streams = fields.Dict(keys=fields.String(), values=fields.List(fields.Dict()), required=True)
    awards = fields.List(fields.String(), required=True)
    disclosed = fields.Dict(required=True)
