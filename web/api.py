"""The JSON API (`/api/v1`) for district systems.

Every request but the OpenAPI document carries `Authorization: Bearer <token>`.
A token belongs to ONE issuer and has a role (viewer reads; registrar records
students and awards, revokes and transfers; admin also rotates keys). The
issuer an operation acts for always comes from the token, never from the
request, so a token of one issuer cannot act for another: what another issuer
holds is answered 404 (its existence is not confirmed), what this issuer can
see but not change (an award it issued that is now another's custody) 403.
Who sees what is the ledger's one access rule (ledger.access): a student's
record is open to an institution that registered them, issued or holds one of
their awards, is offered their record, or holds a roster share for them, and
shows only the awards it issued or holds; any other student is a 404, exactly
like an unknown id. A transfer moves custody only when the receiver accepts
(`POST /transfers/<id>/accept` with the receiver's own token); the API never
signs for the other side. Roster shares (`/shares`) are granted by the institution that
serves the students, for a purpose (`record` or `report`) and until a day.
An award CSV (`/awards/import`) is answered row by row first, a row that could be several students with
its candidates (opaque ids and local ids, nothing else), then committed with the registrar's `choices`;
nothing is kept between the two calls. `/crosswalk` is the issuer's map of vendors' exam codes.

Each view is declared with `route(...)`: its role, its request and response
schemas. The wrapper authenticates, authorizes, rate-limits writes per token,
loads the body with the schema (field-named errors), calls the view, and dumps
the result through the response schema; `web.openapi` builds the OpenAPI
document from the same declarations, so the document and the behaviour agree.

Errors are {"code", "status", "message", "errors"} (web.errors):
    400 invalid_input       the body or query failed validation (errors name each field)
    401 missing_token / invalid_token   (with `WWW-Authenticate: Bearer`)
    403 insufficient_role / not_custodian / not_your_event
    404 not_found           unknown, or another issuer's student or award
    409 <ledger code>       the ledger refused the event (already_revoked, no_signing_key,
                            countersignature_required, bad_signature, …); nothing stored
    413 too_large           the body is over API_MAX_BODY
    429 rate_limited        over the per-token write limit, or too many bad tokens from one
                            client (with `Retry-After`)
Limits are configurable: API_WRITE_LIMIT, API_AUTH_FAILURE_LIMIT (hits, seconds), API_MAX_BODY.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from ledger.application import IssueRequest
from ledger.assessments import record_assessments, workkeys_requests
from ledger.enrollment import correct_cohort, record_enrollment, record_state_id
from ledger.errors import InputError, IntegrityError, NotFoundError, RejectedError
from ledger.export import export_bundle
from ledger.readmodels import Projections
from ledger.rules import latest_day
from ledger.schemas import NOT_UNICODE, is_unicode, validate_document
from ledger.values import AwardInfo, IssuerInfo, RosterShareInfo
from ledger.views import issuer_json
from verifiers.protocol import documents as d
from web import api_schemas as s
from web.accounts import Accounts, Actor
from web.errors import mapped_error_response
from web.exceptions import Forbidden, RateLimited, TooLarge, Unauthorized
from web.imports import DONE, INVALID, READY
from web.roster import Roster, local_id_resolver, resolve_local_ids, share_view
from web.csv_files import raise_for_errors
from web.schemas import enrollment_fact, state_id_of, student_claims
from web.student_list import student_page
from web.transfers import PendingTransfer
from web import services
from web.services import ledger as _ledger

bp = Blueprint("api", __name__, url_prefix="/api/v1")

API_MAX_BODY = 2 * 1024 * 1024  # a batch of 1000 awards or signed events
MAX_JSON_DEPTH = 32  # a signed event with its proofs nests about 6 deep
DEFAULT_WRITE_LIMIT = (600, 60)  # writes per token per minute
DEFAULT_AUTH_FAILURE_LIMIT = (60, 60)  # failed token checks per client per minute
KEY_EVENTS = {d.ISSUER_KEY_ADDED, d.ISSUER_KEY_RETIRED, d.ISSUER_KEY_COMPROMISED}
ADMIN_EVENTS = KEY_EVENTS | {d.CREDENTIAL_DEFINED, d.CREDENTIAL_UPDATED}
NO_SUCH_STUDENT = "no such student"
NO_SUCH_AWARD = "no such award"


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_: RequestEntityTooLarge) -> Response:
    # Werkzeug's own 413 (a body read past max_content_length) in the API's words, with the limit.
    limit = current_app.config.get("API_MAX_BODY", API_MAX_BODY)
    return mapped_error_response(TooLarge("too_large", f"The request body is over {limit} bytes."))


@bp.before_request
def _limit_body() -> None:
    request.max_content_length = current_app.config.get("API_MAX_BODY", API_MAX_BODY)


# Declaring operations ---------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """What `web.openapi` needs to know about a view, and what its wrapper enforces."""

    method: str
    role: str | None  # None: public
    tag: str
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    response: type[Schema] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()  # statuses beyond those the wrapper itself answers

    @property
    def write(self) -> bool:
        return self.method != "GET"


def route(method: str, rule: str, *, role: str | None, tag: str, body: type[Schema] | None = None,
          query: type[Schema] | None = None, response: type[Schema] | None = None, status: int = 200,
          errors: tuple[int, ...] = ()) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an API view; it is called as view(actor, **url_values, [data=], [query=])."""
    operation = Operation(method, role, tag, body, query, response, status, errors)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(**values: Any) -> Response:
            args: list[Any] = []
            if operation.role is not None:
                actor = _authenticate()
                _authorize(actor, operation.role)
                if operation.write:
                    _rate_limit(actor)
                args.append(actor)
            if operation.body is not None:
                values["data"] = load(operation.body, _json_body())
            elif operation.write and request.content_length:
                _json_body()  # ignored, but a bad body is refused like anywhere else
            if operation.query is not None:
                values["query"] = load(operation.query, request.args.to_dict())
            result = view(*args, **values)
            # A signed document goes out exactly as signed: its schema documents it, never filters it.
            if operation.response is not None and not getattr(operation.response, "SIGNED", False):
                result = operation.response().dump(result)
            response = jsonify(result)
            response.status_code = operation.status
            return response

        wrapper.api_operation = operation  # type: ignore[attr-defined]
        bp.add_url_rule(rule, view_func=wrapper, methods=[method])
        return wrapper

    return decorate


def load(schema: type[Schema], data: Any) -> dict[str, Any]:
    """Validate with `schema`; an InputError names every bad field (`items[3].earned`)."""
    try:
        result: dict[str, Any] = schema().load(data)
    except ValidationError as e:
        messages = e.messages if isinstance(e.messages, dict) else {"_schema": e.messages}
        errors = dict(_flatten(messages, ""))
        field, problems = next(iter(errors.items()))
        raise InputError(f"{field}: {problems[0]}", errors) from None
    return result


def _flatten(messages: dict[Any, Any], prefix: str) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for key, value in messages.items():
        if key == "_schema":
            name = prefix or "body"
        elif isinstance(key, int):
            name = f"{prefix}[{key}]"
        else:
            name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and _is_mapping_errors(value):
            # A Dict field's errors per key: named by the field, never by the (client's) key.
            out.append((name, [str(m) for entry in value.values() for problems in entry.values() for m in problems]))
        elif isinstance(value, dict):
            out += _flatten(value, name)
        else:
            out.append((name, [str(m) for m in value] if isinstance(value, list) else [str(value)]))
    return out


def _is_mapping_errors(messages: dict[Any, Any]) -> bool:
    return all(isinstance(entry, dict) and entry and set(entry) <= {"key", "value"} for entry in messages.values())


def _json_body() -> Any:
    limit = current_app.config.get("API_MAX_BODY", API_MAX_BODY)
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    try:
        data = request.get_json(force=True, silent=True)
    except RecursionError:  # the parser's own stack: no ValueError, so `silent` does not catch it
        raise InputError.for_field("body", "nested too deeply") from None
    if data is None:
        raise InputError.for_field("body", "a JSON document (Content-Type: application/json)")
    _check_json(data)
    return data


def _check_json(data: Any) -> None:
    """Refuse what the parser admits but the schemas and signing cannot take: nesting deeper than any
    document of ours (it would exhaust the stack in validation) and text that is not Unicode (a lone
    surrogate such as "\\ud800", which cannot be encoded, so not signed). Walked without recursion."""
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InputError.for_field("body", "nested too deeply")
        if isinstance(value, str) and not is_unicode(value):
            raise InputError.for_field(path or "body", NOT_UNICODE)
        if isinstance(value, dict):
            for key, item in value.items():
                if not is_unicode(key):
                    raise InputError.for_field(path or "body", f"names that are {NOT_UNICODE}")
                stack.append((f"{path}.{key}" if path else key, item, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item, depth + 1) for i, item in enumerate(value))


# Who is asking ------------------------------------------------------------------


def _authenticate() -> Actor:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing_token", "Send an API token: Authorization: Bearer <token>.",
                           headers={"WWW-Authenticate": 'Bearer realm="credledger"'})
    accounts: Accounts = current_app.extensions["accounts"]
    actor = accounts.api_actor(token.strip())
    if actor is None or actor.issuer is None:
        limit, window = current_app.config.get("API_AUTH_FAILURE_LIMIT", DEFAULT_AUTH_FAILURE_LIMIT)
        if not current_app.extensions["rate_limiter"].hit(f"api-auth:{request.remote_addr}", limit, window):
            raise RateLimited("rate_limited", "Too many requests with invalid tokens; wait a minute.",
                              headers={"Retry-After": str(window)})
        raise Unauthorized("invalid_token", "The API token is not valid or was revoked.",
                           headers={"WWW-Authenticate": 'Bearer realm="credledger", error="invalid_token"'})
    return actor


def _slug(actor: Actor) -> str:
    """The token's issuer (`_authenticate` admits no token without one)."""
    return actor.issuer or ""


def _authorize(actor: Actor, role: str) -> None:
    if not actor.can(role, _slug(actor)):
        raise Forbidden("insufficient_role", f"This token's role ({actor.role}) cannot do this; it needs {role}.",
                        headers={"WWW-Authenticate": 'Bearer realm="credledger", error="insufficient_scope"'})


def _rate_limit(actor: Actor) -> None:
    limit, window = current_app.config.get("API_WRITE_LIMIT", DEFAULT_WRITE_LIMIT)
    if not current_app.extensions["rate_limiter"].hit(f"api-write:{actor.id}", limit, window):
        raise RateLimited("rate_limited", f"More than {limit} writes in {window} s with this token; "
                                          "slow down and retry.", headers={"Retry-After": str(window)})


# Services ---------------------------------------------------------------------------


def _projections() -> Projections:
    """The read models, caught up first: an API client always reads its own writes."""
    projections = services.projections()
    projections.catch_up()
    return projections


def _roster() -> Roster:
    _projections()
    return services.roster()


def _issuer(actor: Actor) -> IssuerInfo:
    return _ledger().issuer(_slug(actor))


def _visible_award(award_id: str, issuer: IssuerInfo) -> AwardInfo:
    """The award, if this issuer issued it or holds it; otherwise NotFound, as for an unknown id."""
    award = _ledger().find_award(award_id)
    if award is not None and issuer.did in (award.issuer, award.custodian):
        return award
    raise NotFoundError(NO_SUCH_AWARD)


def _custodian_award(award_id: str, issuer: IssuerInfo) -> AwardInfo:
    award = _visible_award(award_id, issuer)
    if award.custodian != issuer.did:
        raise Forbidden("not_custodian", "Only the award's current custodian may change it; "
                                         "this award is in another issuer's custody.")
    return award


def _require_student(student_id: str, issuer: IssuerInfo) -> None:
    """NotFound unless this issuer relates to the student (ledger.access), as for an unknown id."""
    if not _ledger().access.may_see(issuer.did, student_id):
        raise NotFoundError(NO_SUCH_STUDENT)


def _position(stream_id: str, sequence: int) -> int:
    """The log leaf index of one stored event (found through the journal's student index when it can)."""
    ledger = _ledger()
    kind, award = ledger.kind_of(stream_id), ledger.find_award(stream_id)
    student = stream_id if kind == "Student" else award.student if award is not None else None
    rows = (ledger.store.select_journal_for_student(student) if student
            else ledger.store.select_journal_of_stream(stream_id))
    for row in rows:
        if row.originator_id == stream_id and row.originator_version == sequence:
            return row.position
    raise IntegrityError("a stored event has no journal row")


def _positions(events: Sequence[tuple[str, int]]) -> list[int]:
    """Leaf indices of events stored in one batch: contiguous in the journal, so two look-ups suffice."""
    if not events:
        return []
    first = _position(*events[0])
    indices = [first + i for i in range(len(events))]
    if len(events) > 1 and _position(*events[-1]) != indices[-1]:
        indices = [_position(*event) for event in events]
    return indices


# Views --------------------------------------------------------------------------------


@route("GET", "/openapi.json", role=None, tag="meta")
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3 description of this API.

    Generated from the same schemas the endpoints validate and dump with. No token needed.
    """
    from web.openapi import openapi_document as build

    return build(current_app)


def _issuer_json(issuer: IssuerInfo) -> dict[str, Any]:
    return issuer_json(_ledger(), issuer)


@route("GET", "/issuer", role="viewer", tag="issuer", response=s.IssuerOut)
def issuer(actor: Actor) -> dict[str, Any]:
    """This token's issuer, with the history of its signing keys."""
    return _issuer_json(_issuer(actor))


@route("GET", "/catalog", role="viewer", tag="issuer", response=s.Catalog)
def catalog(actor: Actor) -> dict[str, Any]:
    """The credential catalog: what can be awarded."""
    return {"credentials": [{"code": c.code, "owner": c.owner, **c.fields} for c in _ledger().credentials()]}


@route("POST", "/students", role="registrar", tag="students", body=s.NewStudent, response=s.StudentCreated,
       status=201, errors=(409,))
def create_student(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Register a student. The ledger keeps an opaque id and salted commitments; the claims go to the PII vault."""
    issuer = _issuer(actor)
    claims = student_claims(data)
    student_id = _ledger().register_student(issuer.slug, claims, cohort=data["cohort"])
    return {"student": student_id, "issuer": issuer.did, "identity": claims, "cohort": data["cohort"],
            "log_index": _position(student_id, 1)}


@route("POST", "/students/import", role="registrar", tag="students", body=s.RosterImportIn,
       response=s.RosterImportOut)
def import_students(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Import a roster CSV (web.roster_import): without `commit`, every row checked (the preview); with it,
    every new student registered in one transaction, or nobody. A row whose local id is a student this
    issuer already has is that student (skipped when it agrees; an error naming the field when it does not),
    so the same file imported twice registers each student once; a row giving a state id to a student
    registered without one adds it (`state-id`), in the same transaction. The rows answered carry no PII."""
    issuer, raw, today = _issuer(actor), data["csv"].encode(), _ledger().clock().date()
    if data["commit"]:
        rows, ids = services.roster_import().commit(issuer.slug, raw, today)
    else:
        rows, ids = services.roster_import().check(issuer.slug, raw, today), []
    new = iter(ids)
    return {"committed": data["commit"], "registered": len(ids),
            "state_ids": sum(1 for r in rows if r.adds_state_id) if data["commit"] else 0, "rows": [
        {"line": r.line, "local_id": r.local_id, "errors": r.errors,
         "result": "error" if r.errors else "new" if r.new else "state-id" if r.adds_state_id else "registered",
         "student": (next(new) if data["commit"] else None) if r.new and not r.errors else r.student}
        for r in rows]}


@route("POST", "/assessments/import", role="registrar", tag="students", body=s.WorkKeysImportIn,
       response=s.WorkKeysImportOut)
def import_workkeys(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Import WorkKeys score reports (CSV, as `credledger assessment import`): every row checked, then
    with `commit` every sitting recorded and signed by this issuer in one batch, or none."""
    issuer = _issuer(actor)
    requests = workkeys_requests(data["csv"], issuer.slug, local_id_resolver(_roster(), issuer.did))
    ids = record_assessments(_ledger(), requests) if data["commit"] else []
    return {"committed": data["commit"], "sittings": len(requests), "assessments": ids}


@route("POST", "/awards/import", role="registrar", tag="awards", body=s.AwardImportIn, response=s.AwardImportOut,
       errors=(409,))
def import_awards(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Import an award CSV (the console's format, web.imports): without `commit`, every row checked, and a
    row that could be several students (or matches a name only loosely) answered as `review` with its
    candidates; with `commit` and a choice for each such row (`choices`), every row recorded in one
    transaction, or none. Nothing is kept between the two calls: send the file again with the choices."""
    issuer, today = _issuer(actor), _ledger().clock().date()
    imports = services.imports()
    job = imports.create(issuer.slug, actor.id, "api.csv", data["csv"].encode(), today)
    try:
        if data["commit"]:
            raise_for_errors(job.rows)
            imports.start_commit(job.id, {int(line): choice for line, choice in data["choices"].items()})
            imports.wait(job.id, timeout=3600)
            job = imports.get(job.id)
            if job.status != DONE:
                raise RejectedError("import_failed", job.message or "the import did not complete")
    finally:
        if job.status in (READY, INVALID):
            imports.cancel(job.id)  # a preview, or a refused commit: its rows (local ids) go now
    local_ids = {k: v.local_id for k, v in _roster().identities({c for r in job.rows for c in r.candidates}).items()}
    return {"committed": data["commit"], "awards": [r.award for r in job.rows if r.award], "rows": [
        {"line": r.line, "local_id": r.local_id, "credential": r.credential, "earned": r.earned,
         "result": "error" if r.errors else "review" if r.in_review else "skipped" if r.skipped
         else "recorded" if r.award else "valid", "student": r.student, "matched_by": r.matched_by,
         "candidates": [{"student": c, "local_id": local_ids.get(c, "")} for c in r.candidates],
         "errors": r.errors, "award": r.award} for r in job.rows]}


@route("GET", "/crosswalk", role="viewer", tag="awards", response=s.CrosswalkOut)
def crosswalk(actor: Actor) -> dict[str, Any]:
    """This issuer's crosswalk from vendors' exam codes to catalog codes (web.crosswalk)."""
    return {"mappings": [vars(m) for m in services.crosswalk().entries(_issuer(actor).slug)]}


@route("POST", "/crosswalk/import", role="registrar", tag="awards", body=s.CrosswalkImportIn,
       response=s.CrosswalkImportOut)
def import_crosswalk(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Add or replace mappings from a CSV (vendor, exam_code, credential): without `commit` every row
    checked; with it every mapping stored, or none."""
    slug, raw = _issuer(actor).slug, data["csv"].encode()
    rows = (services.crosswalk().commit(slug, raw, actor.id) if data["commit"]
            else services.crosswalk().check(slug, raw))
    return {"committed": data["commit"], "rows": [
        {"line": r.line, "vendor": r.vendor, "exam_code": r.exam_code, "credential": r.credential,
         "result": "error" if r.errors else "new" if r.replaces is None else "unchanged" if r.unchanged
         else "replaces", "replaces": r.replaces, "errors": r.errors} for r in rows]}


@route("POST", "/crosswalk/remove", role="registrar", tag="awards", body=s.CrosswalkRemoval, response=s.Removed,
       errors=(404,))
def remove_crosswalk(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Remove one mapping; awards recorded through it keep the catalog code they signed."""
    services.crosswalk().remove(_issuer(actor).slug, data["vendor"], data["exam_code"])
    return {"removed": True}


def _record_json(student_id: str, log_index: int | None = None) -> dict[str, Any]:
    record = _projections().student_record(student_id)
    return {"student": student_id, **record, **({"log_index": log_index} if log_index is not None else {})}


@route("GET", "/students/<uuid:student_id>/record", role="viewer", tag="students", response=s.StudentRecordOut,
       errors=(404,))
def student_record(actor: Actor, student_id: Any) -> dict[str, Any]:
    """The student's class, district of record, building, enrollment and graduation, with every fact in order."""
    _require_student(str(student_id), _issuer(actor))
    return _record_json(str(student_id))


@route("POST", "/students/<uuid:student_id>/cohort", role="registrar", tag="students", body=s.CohortIn,
       response=s.StudentRecordOut, errors=(404, 409))
def correct_student_cohort(actor: Actor, student_id: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Correct the graduating class: a signed event of the district of record (409 `unchanged` when it is
    the class already; any other institution gets the 404 an unknown student gets)."""
    issuer, student = _issuer(actor), str(student_id)
    _require_student(student, issuer)
    receipt = correct_cohort(_ledger(), issuer.slug, student, data["cohort"])
    return _record_json(student, _position(student, receipt.sequence))


@route("POST", "/students/<uuid:student_id>/state-id", role="registrar", tag="students", body=s.StateIdIn,
       response=s.StudentRecordOut, errors=(404, 409))
def record_student_state_id(actor: Actor, student_id: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Give or correct the state student id: a signed event of the district of record with its own salted
    commitment; the id goes to the vault and is not echoed (any other institution gets the 404 an unknown
    student gets; 409 `not_district_of_record` for one that sees the student but does not keep its record)."""
    issuer, student = _issuer(actor), str(student_id)
    _require_student(student, issuer)
    receipt = record_state_id(_ledger(), issuer.slug, student, state_id_of(data))
    return _record_json(student, _position(student, receipt.sequence))


@route("POST", "/students/<uuid:student_id>/enrollment", role="registrar", tag="students", body=s.EnrollmentIn,
       response=s.StudentRecordOut, errors=(404, 409))
def record_student_enrollment(actor: Actor, student_id: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Record an enrollment fact, as the district of record; after `moved`, the receiving district is."""
    issuer, student = _issuer(actor), str(student_id)
    _require_student(student, issuer)
    receipt = record_enrollment(_ledger(), issuer.slug, student, enrollment_fact(data))
    return _record_json(student, _position(student, receipt.sequence))


@route("GET", "/students", role="viewer", tag="students", query=s.StudentPage, response=s.StudentList)
def list_students(actor: Actor, query: dict[str, Any]) -> dict[str, Any]:
    """Students of this issuer: registered by it, holding awards it issued or keeps, offered to it, or
    shared with it. `sort` as in the console (default `registered`, oldest first: a page stays put as
    students are added); `cohort` only one graduating class. No text filter: names stay out of URLs."""
    issuer = _issuer(actor)
    listing = student_page(_roster(), issuer.did, _ledger().clock().date(), sort=query["sort"] or "registered",
                           cohort=query["cohort"], offset=query["offset"], limit=query["limit"])
    return {
        "students": [{"student": r.student, "registered_by": r.registered_by,
                      "registered_here": r.registered_by == issuer.did, "registered_at": r.registered_at,
                      "cohort": r.cohort, "awards": r.awards, "latest_award": r.latest_award}
                     for r in (entry.row for entry in listing.students)],
        "total": listing.total,
        "next_offset": listing.next_offset,
    }


@route("GET", "/students/<uuid:student_id>", role="viewer", tag="students", response=s.Transcript, errors=(404,))
def student_transcript(actor: Actor, student_id: Any) -> dict[str, Any]:
    """A student's awards from this issuer, with status and custody history, and the student's identity.

    Only for a student this issuer has a relationship with (registered them, issued or holds one
    of their awards, or is offered their record); otherwise 404. Awards other institutions issued
    and hold are not shown, only counted (`other_awards`), as in the issuer console.
    """
    ledger, issuer, student = _ledger(), _issuer(actor), str(student_id)
    roster = _roster()
    _require_student(student, issuer)
    transcript = roster.projections.transcript(student, ledger.clock().date())
    mine, others = roster.awards_of(issuer.did, student, ledger.clock().date())
    identity = ledger.identity(student)
    return {"student": student, "registered_by": transcript["registered_by"], "awards": mine,
            "other_awards": others, "identity": identity.claims if identity else None}


@route("GET", "/students/<uuid:student_id>/bundle", role="registrar", tag="students", response=s.Bundle,
       errors=(400, 404))
def student_bundle(actor: Actor, student_id: Any) -> dict[str, Any]:
    """A portable transcript bundle of the awards this issuer issued or holds for the student.

    Verifiable offline with only the log key pinned (`credledger verify`). It discloses no identity
    claims and no other institution's awards: the student shares their whole transcript themselves.
    """
    _, awards = _own_awards(actor, student_id)
    return export_bundle(_ledger(), str(student_id), only=awards)


def _own_awards(actor: Actor, student_id: Any) -> tuple[Any, list[str]]:
    """The token's issuer and the student's awards it issued or holds (InputError when none)."""
    ledger, issuer, student = _ledger(), _issuer(actor), str(student_id)
    _require_student(student, issuer)
    mine, _ = _roster().awards_of(issuer.did, student, ledger.clock().date())
    if not mine:
        raise InputError.for_field("student_id", "this issuer issued or holds none of this student's awards")
    return issuer, [a["award"] for a in mine]


@route("GET", "/students/<uuid:student_id>/badges", role="registrar", tag="students", response=s.Badges,
       errors=(400, 404, 409))
def student_badges(actor: Actor, student_id: Any) -> dict[str, Any]:
    """The awards this issuer issued or holds for the student as Open Badges 3.0 credentials, each signed
    by the institution that recorded it (the name hashed). 409 when this server holds no key of it."""
    from ledger.vc.openbadge import open_badges

    _, awards = _own_awards(actor, student_id)
    badges, withdrawn = open_badges(_ledger(), str(student_id), only=awards)
    return {"badges": list(badges.values()), "withdrawn": withdrawn}


@route("GET", "/students/<uuid:student_id>/clr", role="registrar", tag="students", response=s.VerifiableCredential,
       errors=(400, 404, 409))
def student_clr(actor: Actor, student_id: Any) -> dict[str, Any]:
    """The awards this issuer issued or holds for the student, as one CLR 2.0 credential signed by this
    issuer (it publishes what it holds), each badge in it by its own recorder."""
    from ledger.vc.clr import clr_credential

    issuer, awards = _own_awards(actor, student_id)
    return clr_credential(_ledger(), str(student_id), only=awards, publisher=issuer.slug)


def _award_json(award_id: str) -> dict[str, Any]:
    ledger = _ledger()
    award = ledger.award(award_id)
    status = _projections().award_status(award_id, ledger.clock().date())
    return {
        "award": award_id, "student": award.student, "credential": award.credential, "issuer": award.issuer,
        "custodian": award.custodian, "earned": award.earned, "expires": award.expires,
        "status": status["status"], "revocation": status["revocation"], "supersedes": award.supersedes,
        "superseded_by": status["superseded_by"], "log_index": _position(award_id, 1),
    }


def _issue_requests(issuer: IssuerInfo, items: Sequence[dict[str, Any]], prefix: str) -> list[IssueRequest]:
    """The ledger's requests, after checking what the schemas cannot: references and dates."""
    ledger = _ledger()
    latest = latest_day(ledger.clock().date())
    known: dict[str, bool] = {}  # stream id -> exists (students: and this issuer sees them), each read once
    recordable: dict[str, bool] = {}
    errors: dict[str, list[str]] = {}
    for i, item in enumerate(items):
        where = prefix.format(i)
        student, credential = str(item["student"]), d.credential_stream(item["credential"])
        if student not in known:
            # Issuing creates a relationship, which opens the student's identity: only an issuer that
            # may record for the student (ledger.access) may; anyone else hears what an unknown id gets.
            known[student] = ledger.kind_of(student) == "Student" and ledger.access.may_see(issuer.did, student)
            recordable[student] = known[student] and ledger.access.may_record(issuer.did, student)
        if credential not in known:
            known[credential] = ledger.kind_of(credential) == "Credential"
        if not known[student]:
            errors[where + "student"] = ["no such student"]
        elif not recordable[student]:
            errors[where + "student"] = ["shared with this issuer for reporting only: it may not record for them"]
        if not known[credential]:
            errors[where + "credential"] = ["not in the catalog"]
        if item["earned"] > latest:
            errors[where + "earned"] = ["cannot be in the future"]
    if errors:
        field, problems = next(iter(errors.items()))
        raise InputError(f"{field}: {problems[0]}", errors)
    return [
        IssueRequest(issuer.slug, str(item["student"]), item["credential"], item["earned"], item["evidence"],
                     str(item["supersedes"]) if item.get("supersedes") else None)
        for item in items
    ]


@route("POST", "/awards", role="registrar", tag="awards", body=s.NewAward, response=s.AwardOut, status=201,
       errors=(409,))
def create_award(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Record a credential a student earned, signed with this issuer's key."""
    (request_,) = _issue_requests(_issuer(actor), [data], "")
    (award_id,) = _ledger().issue([request_])
    return _award_json(award_id)


@route("POST", "/awards/batch", role="registrar", tag="awards", body=s.AwardBatch, response=s.BatchCreated,
       status=201, errors=(409,))
def create_awards(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Record up to 1000 awards, all together or none; errors name the item (`items[3].earned`)."""
    requests = _issue_requests(_issuer(actor), data["items"], "items[{}].")
    award_ids = _ledger().issue(requests)
    indices = _positions([(a, 1) for a in award_ids])
    return {"count": len(award_ids), "awards": [{"award": a, "log_index": i} for a, i in zip(award_ids, indices)]}


@route("GET", "/awards/<uuid:award_id>", role="viewer", tag="awards", response=s.AwardOut, errors=(404,))
def award_status(actor: Actor, award_id: Any) -> dict[str, Any]:
    """An award and its status now (expired is not revoked)."""
    award = str(award_id)
    _visible_award(award, _issuer(actor))
    return _award_json(award)


@route("POST", "/awards/<uuid:award_id>/revoke", role="registrar", tag="awards", body=s.Revocation,
       response=s.AwardOut, errors=(404, 409))
def revoke_award(actor: Actor, award_id: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Revoke an award in this issuer's custody, with a reason code and a note."""
    award = str(award_id)
    checked = _custodian_award(award, _issuer(actor))
    # Revoked on the version checked here: a transfer landing meanwhile makes this a 409 conflict.
    _ledger().revoke(award, data["reason"], data["note"], effective=data["effective"], by=_slug(actor),
                     seen=checked.version)
    return _award_json(award)


def _transfer_json(transfer: PendingTransfer, receipts: Sequence[Any] = ()) -> dict[str, Any]:
    return {"transfer": transfer.id, "status": transfer.status, "from_issuer": transfer.from_issuer,
            "to_issuer": transfer.to_issuer, "student": transfer.student_id, "awards": transfer.awards,
            "reason": transfer.reason, "offered": transfer.created, "decided": transfer.decided,
            **({"receipts": _receipts_json(receipts)} if receipts else {})}


def _transfer_of(transfer_id: str, issuer: IssuerInfo, side: str) -> PendingTransfer:
    """A transfer this issuer is the `side` ("from" or "to") of; any other is answered as unknown."""
    try:
        transfer = services.transfers().get(transfer_id)
    except NotFoundError:
        raise NotFoundError("no such transfer") from None
    if (transfer.from_issuer if side == "from" else transfer.to_issuer) != issuer.slug:
        raise NotFoundError("no such transfer")
    return transfer


@route("POST", "/transfers", role="registrar", tag="transfers", body=s.TransferRequest, response=s.TransferOut,
       status=202, errors=(404, 409))
def transfer(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Offer custody of a student's awards to another issuer; nothing moves until it accepts.

    The receiver accepts with its own token (`POST /transfers/<id>/accept`) or in its console,
    or countersigns the transfer on its own machine and submits it to `POST /api/v1/events`.
    """
    ledger, issuer = _ledger(), _issuer(actor)
    try:
        receiver = ledger.issuer(data["to"])
    except NotFoundError:
        raise InputError.for_field("to", "no such issuer") from None
    if receiver.did == issuer.did:
        raise InputError.for_field("to", "the awards are already in your custody")
    if data["student"] is not None:
        student = str(data["student"])
        _require_student(student, issuer)
        awards, seen = ledger.held_awards(issuer.did, student), None
        if not awards:
            raise InputError.for_field("student", "none of this student's awards is in your custody")
    else:
        awards = list(dict.fromkeys(str(a) for a in data["awards"]))
        checked = {award: _custodian_award(award, issuer) for award in awards}
        students = {award.student for award in checked.values()}
        if len(students) != 1:
            raise InputError.for_field("awards", "one transfer moves awards of one student")
        (student,) = students
        seen = {award: found.version for award, found in checked.items()}
    offer = ledger.offer_transfer(issuer.slug, receiver.slug, student, data["reason"], awards=awards, seen=seen)
    return _transfer_json(services.transfers().get(offer))


@route("GET", "/transfers", role="viewer", tag="transfers", response=s.TransferList)
def list_transfers(actor: Actor) -> dict[str, Any]:
    """Pending transfers offered to this issuer (incoming) and by it (outgoing)."""
    slug = _slug(actor)
    transfers = services.transfers()
    return {"incoming": [_transfer_json(t) for t in transfers.incoming(slug)],
            "outgoing": [_transfer_json(t) for t in transfers.outgoing(slug)]}


@route("POST", "/transfers/<uuid:transfer_id>/accept", role="registrar", tag="transfers", response=s.TransferOut,
       errors=(404, 409))
def accept_transfer(actor: Actor, transfer_id: Any) -> dict[str, Any]:
    """Accept a transfer offered to this issuer: its key countersigns and custody moves, all or nothing."""
    issuer = _issuer(actor)
    transfer = _transfer_of(str(transfer_id), issuer, "to")
    receipts = _ledger().accept_transfer(transfer.id, issuer.slug)
    return _transfer_json(services.transfers().get(transfer.id), receipts)


@route("POST", "/transfers/<uuid:transfer_id>/decline", role="registrar", tag="transfers", response=s.TransferOut,
       errors=(404, 409))
def decline_transfer(actor: Actor, transfer_id: Any) -> dict[str, Any]:
    """Decline a transfer offered to this issuer; the sender keeps custody."""
    return _close_transfer(actor, str(transfer_id), "to", "declined")


@route("POST", "/transfers/<uuid:transfer_id>/withdraw", role="registrar", tag="transfers", response=s.TransferOut,
       errors=(404, 409))
def withdraw_transfer(actor: Actor, transfer_id: Any) -> dict[str, Any]:
    """Withdraw a transfer this issuer offered, while it is pending."""
    return _close_transfer(actor, str(transfer_id), "from", "withdrawn")


def _close_transfer(actor: Actor, transfer_id: str, side: str, outcome: str) -> dict[str, Any]:
    issuer = _issuer(actor)
    transfer = _transfer_of(transfer_id, issuer, side)
    _ledger().close_transfer_offer(transfer.id, issuer.slug, outcome)
    return _transfer_json(services.transfers().get(transfer.id))


# Roster shares --------------------------------------------------------------------------


def _share_json(share: RosterShareInfo) -> dict[str, Any]:
    return share_view(share, _ledger().clock().date())


@route("POST", "/shares", role="registrar", tag="shares", body=s.ShareRequest, response=s.ShareOut, status=201,
       errors=(404, 409))
def create_share(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Share named students with another institution for a purpose until a day (a signed ledger event).

    Typically the home district shares its CTE roster with the area center the students attend, so
    the center can find them and record their credentials. Each student's record of disclosures
    shows the share. Only students this issuer registered, issued to or holds awards of can be
    shared; any other id is answered like an unknown one.
    """
    ledger, issuer = _ledger(), _issuer(actor)
    students = (resolve_local_ids(services.roster(), issuer.did, data["local_ids"])
                if data["local_ids"] is not None else [str(x) for x in data["students"]])
    share_id = ledger.share_roster(issuer.slug, data["grantee"], students, purpose=data["purpose"],
                                   until=data["until"], note=data["note"])
    return _share_json(ledger.roster_share(share_id))


@route("GET", "/shares", role="viewer", tag="shares", response=s.ShareList)
def list_shares(actor: Actor) -> dict[str, Any]:
    """Roster shares this issuer granted, and those granted to it."""
    access, did = _ledger().access, _issuer(actor).did
    return {"granted": [_share_json(x) for x in access.shares_granted(did)],
            "received": [_share_json(x) for x in access.shares_received(did)]}


@route("POST", "/shares/<uuid:share_id>/withdraw", role="registrar", tag="shares", body=s.ShareWithdrawal,
       response=s.ShareOut, errors=(404, 409))
def withdraw_share(actor: Actor, share_id: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Withdraw a roster share this issuer granted: from now on the grantee no longer sees those students."""
    ledger = _ledger()
    ledger.withdraw_roster_share(str(share_id), _slug(actor), data["reason"])
    return _share_json(ledger.roster_share(str(share_id)))


def _receipts_json(receipts: Sequence[Any]) -> list[dict[str, Any]]:
    indices = _positions([(r.stream, r.sequence) for r in receipts])
    return [{"type": r.type, "stream": r.stream, "sequence": r.sequence, "hash": r.hash, "log_index": i}
            for r, i in zip(receipts, indices)]


@route("POST", "/events", role="registrar", tag="events", body=s.EventSubmission, response=s.Receipts,
       status=201, errors=(409,))
def submit_events(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Store events this issuer signed on its own machine, verified like any other; all or nothing.

    Each event must be signed as this issuer (or, for a transfer, countersigned by it as the
    receiver). Key and catalog events need the admin role.
    """
    issuer = _issuer(actor)
    events = data["events"]
    for i, document in enumerate(events):
        validate_document(document, index=i)
        mine = document["actor"] == issuer.did or (
            document["type"] == d.CREDENTIAL_TRANSFERRED and document["to"] == issuer.did)
        if not mine:
            raise Forbidden("not_your_event", f"events[{i}] is not signed as {issuer.slug}; a token "
                                              "submits only its own issuer's events.",
                            errors={f"events[{i}].actor": [f"must be {issuer.did}"]})
        if document["type"] in ADMIN_EVENTS and not actor.can("admin", _slug(actor)):
            raise Forbidden("insufficient_role", f"events[{i}] is a {document['type']} event; "
                                                 "that needs the admin role.")
    return {"receipts": _receipts_json(_ledger().submit(events))}


@route("POST", "/keys/rotate", role="admin", tag="keys", response=s.KeyRotated, status=201, errors=(409,))
def rotate_key(actor: Actor) -> dict[str, Any]:
    """Add a new server-held signing key and retire the current ones (signed by the issuer)."""
    issuer = _issuer(actor)
    key_id = _ledger().rotate_issuer_key(issuer.slug)
    return {"key_id": key_id, "issuer": _issuer_json(_issuer(actor))}
