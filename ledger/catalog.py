"""Catalog, state listings and assessment results: commands, and CSV import.

Everything here is an event like any other (signed, checked by `ledger.rules`,
in the log). Listings are the operator's; a Colorado district may sign the
entries of its own Menu of Options. Each batch is all-or-nothing, and every
document is shape-checked (`ledger.schemas`) before it is signed, so nothing
the audit would refuse can be stored.

CSV import validates every row first and reports every bad row (`row 3:
points is between 1 and 12`); nothing is stored unless all rows are good.
Importing the same file twice stores nothing new: an entry or listing that
already says the same is skipped.

Catalog CSV columns (header row required; code, name, certifying_body required):
    code, name, certifying_body, type, validity_months, career_field,
    career_cluster, soc, naics, cip
Listings CSV columns (state may be omitted with --state):
    state, credential, effective_from, effective_to, district, career_field,
    points, list_kind, program_area, stackable, meets_english, meets_math,
    incentive_tier, note
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from marshmallow import RAISE, ValidationError

from ledger import schemas
from ledger.aggregates import Credential, Listing
from ledger.application import Ledger, Receipt
from ledger.errors import InputError, NotFoundError
from ledger.statelists import (
    STATES,
    TERMS,
    apply_listing_event,
    school_year_from_text,
    school_year_to_text,
    terms_problems,
)
from verifiers.protocol import documents as d

MAX_ROWS = 20_000


@dataclass(frozen=True)
class ListingRequest:
    state: str
    credential: str
    effective_from: int  # school year, by the year it ends (2025 = 2024-25)
    effective_to: int | None
    terms: dict[str, Any]
    district: str | None = None  # issuer slug of a Colorado district (its Menu of Options)
    note: str | None = None


@dataclass(frozen=True)
class AssessmentRequest:
    issuer: str  # slug
    student: str
    taken: date
    scores: dict[str, int]  # appliedMath, graphicLiteracy, workplaceDocuments: levels 3–7
    evidence: dict[str, str | int] = field(default_factory=dict)
    test: str = "workkeys"


# Catalog ---------------------------------------------------------------------------


def define_catalog(ledger: Ledger, entries: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """Define new entries and update changed ones (as the operator), all in one batch."""
    done: dict[str, list[str]] = {"defined": [], "updated": [], "unchanged": []}
    with ledger.batch() as batch:
        for entry in entries:
            code, fields = entry["code"], {k: v for k, v in entry.items() if k != "code"}
            existing = batch.stream(d.credential_stream(code))
            if existing is None:
                batch.sign(d.CREDENTIAL_DEFINED, d.credential_stream(code), actor=ledger.operator_did,
                              credential=code, **fields)
                done["defined"].append(code)
                continue
            assert isinstance(existing, Credential)
            changed = {k: v for k, v in fields.items() if existing.fields.get(k) != v}
            if not changed:
                done["unchanged"].append(code)
                continue
            actor = existing.owner  # the operator, or the issuer that owns the entry (server-held key)
            batch.sign(d.CREDENTIAL_UPDATED, str(existing.id), actor=actor, credential=code, **changed)
            done["updated"].append(code)
    return done


CATALOG_COLUMNS = {
    "code": "code", "name": "name", "certifying_body": "certifyingBody", "type": "credentialType",
    "validity_months": "validityMonths", "career_field": "careerField", "career_cluster": "careerCluster",
    "soc": "soc", "naics": "naics", "cip": "cip",
}


def parse_catalog_csv(text: str) -> list[dict[str, Any]]:
    """Catalog entries from CSV; InputError listing every bad row."""
    rows = _read_csv(text, CATALOG_COLUMNS, required=("code", "name", "certifying_body"))
    entries, errors, seen = [], {}, set()
    for number, row in rows:
        entry: dict[str, Any] = {CATALOG_COLUMNS[k]: (v or None) for k, v in row.items()}
        entry["credentialType"] = entry.get("credentialType") or "certification"
        for optional in ("validityMonths", "careerField"):
            entry.setdefault(optional, None)
        problems: dict[str, list[str]] = {}
        months = entry["validityMonths"]
        if months is not None:
            if not months.isdigit():
                problems["validity_months"] = ["a whole number of months, or empty if it never expires"]
            else:
                entry["validityMonths"] = int(months)
        code = entry.get("code")
        if code in seen:
            problems["code"] = [f"{code!r} appears twice in the file"]
        seen.add(code)
        payload = {"credential": code, **{k: v for k, v in entry.items() if k != "code"}}
        for name, messages in _payload_problems(d.CREDENTIAL_DEFINED, payload).items():
            column = {v: k for k, v in CATALOG_COLUMNS.items()}.get(name, name)
            problems.setdefault("code" if column == "credential" else column, []).extend(messages)
        if problems:
            errors.update({f"row {number}.{k}": v for k, v in problems.items()})
        else:
            entries.append({k: v for k, v in entry.items() if v is not None or k in ("validityMonths", "careerField")})
    _raise_if(errors, len(rows))
    return entries


# Listings --------------------------------------------------------------------------


def list_credentials(ledger: Ledger, requests: Sequence[ListingRequest], *, as_district: str | None = None) -> dict[
        str, int]:
    """Store listings in one batch, signed by the operator (or by `as_district` for its own Menu of Options).

    A listing that would not change what the list says (a re-import) is skipped.
    """
    actor = ledger.issuer(as_district).did if as_district else ledger.operator_did
    stored = unchanged = 0
    with ledger.batch() as batch:
        for request in requests:
            district = ledger.issuer(request.district).did if request.district else None
            if as_district and district != actor:
                raise InputError.for_field("district", f"{as_district} may only list entries of its own Menu of "
                                                       "Options")
            stream = d.listing_stream(request.state, district, request.credential)
            existing = batch.stream(stream)
            if isinstance(existing, Listing):
                after = apply_listing_event(existing.segments, True, request.effective_from, request.effective_to,
                                            request.terms, request.note)
                if after == existing.segments:
                    unchanged += 1
                    continue
            batch.sign(d.CREDENTIAL_LISTED, stream, actor=actor, credential=request.credential, state=request.state,
                district=district, effectiveFrom=school_year_to_text(request.effective_from),
                effectiveTo=None if request.effective_to is None else school_year_to_text(request.effective_to),
                terms=dict(request.terms), note=request.note,
            )
            stored += 1
    return {"listed": stored, "unchanged": unchanged}


def delist_credential(
    ledger: Ledger, state: str, credential: str, effective_from: int, effective_to: int | None, note: str,
    *, district: str | None = None, as_district: str | None = None,
) -> Receipt:
    """Take a credential off a list for the given school years (from … to, or from on)."""
    actor = ledger.issuer(as_district).did if as_district else ledger.operator_did
    district_did = ledger.issuer(district).did if district else None
    stream = d.listing_stream(state, district_did, credential)
    if not isinstance(ledger.stream(stream), Listing):
        raise NotFoundError(f"{credential} is not on the {state} list")
    with ledger.batch() as batch:
        receipt = batch.sign(d.CREDENTIAL_DELISTED, stream, actor=actor, credential=credential, state=state,
            district=district_did, effectiveFrom=school_year_to_text(effective_from),
            effectiveTo=None if effective_to is None else school_year_to_text(effective_to), note=note,
        )
    return receipt


LISTING_COLUMNS = {
    "state": None, "credential": None, "effective_from": None, "effective_to": None, "district": None,
    "career_field": "careerField", "points": "points", "list_kind": "listKind", "program_area": "programArea",
    "stackable": "stackable", "meets_english": "meetsEnglish", "meets_math": "meetsMath",
    "incentive_tier": "incentiveTier", "note": None,
}
_TERM_COLUMNS = {v: k for k, v in LISTING_COLUMNS.items() if v}
_BOOLEANS = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}


def parse_listings_csv(ledger: Ledger, text: str, *, state: str | None = None) -> list[ListingRequest]:
    """Listings from CSV; InputError listing every bad row. `state` fills or checks the state column."""
    if state is not None and state not in STATES:
        raise InputError.for_field("state", f"one of {', '.join(STATES)}")
    rows = _read_csv(text, LISTING_COLUMNS, required=("credential", "effective_from") + (() if state else ("state",)))
    requests, errors = [], {}
    for number, row in rows:
        problems: dict[str, list[str]] = {}
        request = _listing_from_row(ledger, row, state, problems)
        if problems:
            errors.update({f"row {number}.{k}": v for k, v in problems.items()})
        elif request is not None:
            requests.append(request)
    _raise_if(errors, len(rows))
    return requests


def _listing_from_row(ledger: Ledger, row: dict[str, str], state: str | None,
                      problems: dict[str, list[str]]) -> ListingRequest | None:
    row_state = (row.get("state") or state or "").upper()
    if state and row_state != state:
        problems["state"] = [f"this file is for {state}; the row says {row_state}"]
    if row_state not in STATES:
        problems["state"] = [f"one of {', '.join(STATES)}"]
        return None
    years = {}
    for column in ("effective_from", "effective_to"):
        value = row.get(column, "")
        if column == "effective_to" and not value:
            years[column] = None
            continue
        try:
            if len(value) != 7:
                raise ValueError(value)
            years[column] = school_year_from_text(value)
        except ValueError:
            problems[column] = ["a school year like 2024-25" + (", or empty for no end" if column == "effective_to"
                                                                  else "")]
    if years.get("effective_to") is not None and years.get("effective_from") is not None \
            and years["effective_to"] < years["effective_from"]:
        problems["effective_to"] = ["not before effective_from"]
    code = row.get("credential", "")
    try:
        ledger.credential(code)
    except NotFoundError:
        problems["credential"] = [f"no credential {code!r} in the catalog (import the catalog first)"]
    district_slug = row.get("district") or None
    if district_slug and (row_state, True) not in TERMS:
        problems["district"] = [f"{row_state} has no district lists; leave district empty"]
        return None
    if district_slug:
        try:
            ledger.issuer(district_slug)
        except NotFoundError:
            problems["district"] = [f"no registered issuer {district_slug!r}"]
    shape = TERMS.get((row_state, district_slug is not None), {})
    terms: dict[str, Any] = {}
    for name, column in _TERM_COLUMNS.items():
        value = row.get(column, "")
        if not value:
            continue
        if name not in shape:
            where = "a district's Menu of Options" if district_slug else f"the {row_state} statewide list"
            problems.setdefault(column, []).append(f"not a term of {where}")
            continue
        kind = shape[name]
        if kind is bool:
            if value.lower() not in _BOOLEANS:
                problems.setdefault(column, []).append("yes or no")
                continue
            terms[name] = _BOOLEANS[value.lower()]
        elif kind is int:
            if not value.isdigit():
                problems.setdefault(column, []).append("a whole number")
                continue
            terms[name] = int(value)
        else:
            terms[name] = value
    for problem in terms_problems(row_state, district_slug, terms):
        column = next((c for n, c in _TERM_COLUMNS.items() if problem.startswith(n + " ")), "terms")
        if column not in problems:
            problems.setdefault(column, []).append(problem.replace(_key_of(column), column, 1))
    note = row.get("note") or None
    if note and len(note) > 500:
        problems["note"] = ["at most 500 characters"]
    if problems:
        return None
    return ListingRequest(row_state, code, years["effective_from"], years["effective_to"], terms,
                          district_slug, note)


def _key_of(column: str) -> str:
    return LISTING_COLUMNS.get(column) or column


# Assessments -----------------------------------------------------------------------


def record_assessments(ledger: Ledger, requests: Sequence[AssessmentRequest]) -> list[str]:
    """Record assessment sittings (WorkKeys levels), each signed by its issuer; returns their ids."""
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


# CSV helpers -----------------------------------------------------------------------


def _read_csv(text: str, columns: dict[str, Any], *, required: Iterable[str]) -> list[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, {column: stripped value}) for each non-empty row."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError.for_field("file", "the file is empty; the first row names the columns") from None
    unknown = [h for h in header if h and h not in columns]
    missing = [c for c in required if c not in header]
    if unknown or missing:
        errors = {"header": [f"unknown column {h!r}" for h in unknown] + [f"missing column {c!r}" for c in missing]}
        raise InputError(f"header: {errors['header'][0]} (columns: {', '.join(columns)})", errors)
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            rows.append((number, {"__too_many__": "x"}))
            continue
        rows.append((number, {h: v.strip() for h, v in zip(header, values) if h}))
        if len(rows) > MAX_ROWS:
            raise InputError.for_field("file", f"more than {MAX_ROWS} rows; split the file")
    for number, row in rows:
        if "__too_many__" in row:
            raise InputError.for_field(f"row {number}", "more values than the header has columns")
    if not rows:
        raise InputError.for_field("file", "no rows below the header")
    return rows


def _payload_problems(event_type: str, payload: dict[str, Any]) -> dict[str, list[str]]:
    """Member -> problems, checking only the members given (the envelope comes later)."""
    try:
        schemas.SCHEMAS[event_type](unknown=RAISE).load(payload, partial=True)
    except ValidationError as e:
        messages = e.normalized_messages()
        return {k: [str(m) for m in v] if isinstance(v, list) else [str(v)] for k, v in messages.items()}
    return {}


def _raise_if(errors: dict[str, list[str]], rows: int) -> None:
    if errors:
        first = next(iter(errors.items()))
        bad_rows = len({k.split(".")[0] for k in errors})
        raise InputError(f"{bad_rows} of {rows} rows are invalid; nothing was stored (first: {first[0]}: "
                         f"{first[1][0]})", errors)
