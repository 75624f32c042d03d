"""State listings: storing them (list, delist) as signed events, and the listings CSV.

Listings are the operator's; a Colorado district may sign the entries of its
own Menu of Options. What a listing means, school year by school year, is
`ledger.statelists` (pure: the terms each state's listing carries, and how
listing events resolve), which the aggregates, the event schema and the
pathway rules use as well; this module is the commands and the file format.
Each batch is all-or-nothing; a listing that would not change what the list
says (a re-import) is skipped.

Listings CSV columns (state may be omitted with --state):
    state, credential, effective_from, effective_to, district, career_field,
    points, list_kind, program_area, stackable, meets_english, meets_math,
    incentive_tier, exam_license, postsecondary, emis_area, state_code, note

career_field names one Ohio career field, several separated by ";" (the
driver's license: "all" for the 13), stored as careerFields when more than
one. exam_license (Ohio) and postsecondary (every statewide list) are yes/no
and may be left empty (no). emis_area (Ohio, optional) is DEW's EMIS assessment area
code of the credential (the FA record of test type GW); state_code (New
Mexico, required there) is the state's credential code (the STARS CTE
credential file).

May import ledger.application, ledger.aggregates, verifiers.protocol.documents and ledger.statelists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from verifiers.protocol import documents as d
from ledger.aggregates import Listing
from ledger.application import Ledger, Receipt
from ledger.csv_rows import YES_NO, raise_if_invalid, read_rows
from ledger.errors import InputError, NotFoundError
from ledger.statelists import (
    OHIO_CAREER_FIELDS,
    OPTIONAL_TERMS,
    STATES,
    TERMS,
    apply_listing_event,
    school_year_from_text,
    school_year_to_text,
    terms_problems,
)


@dataclass(frozen=True)
class ListingRequest:
    state: str
    credential: str
    effective_from: int  # school year, by the year it ends (2025 = 2024-25)
    effective_to: int | None
    terms: dict[str, Any]
    district: str | None = None  # issuer slug of a Colorado district (its Menu of Options)
    note: str | None = None


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
    "incentive_tier": "incentiveTier", "exam_license": "examLicense", "postsecondary": "postsecondary",
    "emis_area": "emisArea", "state_code": "stateCode", "note": None,
}
_TERM_COLUMNS = {v: k for k, v in LISTING_COLUMNS.items() if v}


def parse_listings_csv(ledger: Ledger, text: str, *, state: str | None = None) -> list[ListingRequest]:
    """Listings from CSV; InputError listing every bad row. `state` fills or checks the state column."""
    if state is not None and state not in STATES:
        raise InputError.for_field("state", f"one of {', '.join(STATES)}")
    rows = read_rows(text, LISTING_COLUMNS, required=("credential", "effective_from") + (() if state else ("state",)))
    requests, errors = [], {}
    for number, row in rows:
        problems: dict[str, list[str]] = {}
        request = _listing_from_row(ledger, row, state, problems)
        if problems:
            errors.update({f"row {number}.{k}": v for k, v in problems.items()})
        elif request is not None:
            requests.append(request)
    raise_if_invalid(errors, len(rows))
    return requests


def _listing_from_row(ledger: Ledger, row: dict[str, str], state: str | None,
                      problems: dict[str, list[str]]) -> ListingRequest | None:
    """The row's listing, or None with what is wrong added to `problems` (column -> messages)."""
    row_state = (row.get("state") or state or "").upper()
    if state and row_state != state:
        problems["state"] = [f"this file is for {state}; the row says {row_state}"]
    if row_state not in STATES:
        problems["state"] = [f"one of {', '.join(STATES)}"]
        return None
    first, last = _years(row, problems)
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
    terms = _terms(row, row_state, district_slug, problems)
    note = row.get("note") or None
    if note and len(note) > 500:
        problems["note"] = ["at most 500 characters"]
    if problems or first is None:  # no first year is a problem named already
        return None
    return ListingRequest(row_state, code, first, last, terms, district_slug, note)


def _years(row: dict[str, str], problems: dict[str, list[str]]) -> tuple[int | None, int | None]:
    """effective_from and effective_to as school years (None where missing or not valid)."""
    years: dict[str, int | None] = {}
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
    first, last = years.get("effective_from"), years.get("effective_to")
    if first is not None and last is not None and last < first:
        problems["effective_to"] = ["not before effective_from"]
    return first, last


def _terms(row: dict[str, str], state: str, district: str | None, problems: dict[str, list[str]]) -> dict[str, Any]:
    """The listing's terms from their columns, typed as the state's listing carries them."""
    shape = {**TERMS.get((state, district is not None), {}), **OPTIONAL_TERMS.get((state, district is not None), {})}
    terms: dict[str, Any] = {}
    for name, column in _TERM_COLUMNS.items():
        value = row.get(column, "")
        if not value:
            continue
        if name == "careerField" and name in shape:
            fields = list(OHIO_CAREER_FIELDS) if value.strip().lower() == "all" else [
                f.strip() for f in value.split(";") if f.strip()]
            if len(fields) > 1:
                terms["careerFields"] = fields
                continue
            value = fields[0] if fields else value
        if name not in shape:
            where = "a district's Menu of Options" if district else f"the {state} statewide list"
            problems.setdefault(column, []).append(f"not a term of {where}")
            continue
        kind = shape[name]
        if kind is bool:
            if value.lower() not in YES_NO:
                problems.setdefault(column, []).append("yes or no")
                continue
            terms[name] = YES_NO[value.lower()]
        elif kind is int:
            if not value.isdigit():
                problems.setdefault(column, []).append("a whole number")
                continue
            terms[name] = int(value)
        else:
            terms[name] = value
    for problem in terms_problems(state, district, terms):
        column = next((c for n, c in _TERM_COLUMNS.items() if problem.startswith((n + " ", n + "s "))), "terms")
        if column not in problems:
            problems.setdefault(column, []).append(problem.replace(LISTING_COLUMNS.get(column) or column, column, 1))
    return terms
