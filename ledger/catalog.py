"""The credential catalog: defining and updating entries, and the catalog CSV.

Every entry is an event like any other (signed, checked by `ledger.rules`, in
the log): `CredentialDefined` by the operator, `CredentialUpdated` by the
entry's owner. A batch is all-or-nothing, and every document is shape-checked
(`ledger.schemas`) before it is signed, so nothing the audit would refuse can
be stored. CSV import validates every row first and reports every bad row
(`ledger.csv_rows`); importing the same file twice stores nothing new.

Catalog CSV columns (header row required; code, name, certifying_body required):
    code, name, certifying_body, type, validity_months, career_field,
    career_cluster, soc, naics, cip, ctid, lookup_url (the certifying body's public lookup page, https)
soc and cip take several codes separated by `;` (29-2052; 31-1131); ledger.catalog_codes.

State listings are `ledger.listings`; assessment results `ledger.assessments`.
May import ledger.application, ledger.aggregates, verifiers.protocol.documents and ledger.schemas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from marshmallow import RAISE, ValidationError

from ledger import schemas
from ledger.aggregates import Credential
from ledger.catalog_codes import LIST_CODES, normalized, split_cell
from ledger.application import Ledger
from ledger.csv_rows import raise_if_invalid, read_rows
from verifiers.protocol import documents as d


def define_catalog(ledger: Ledger, entries: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """Define new entries and update changed ones (as the operator), all in one batch."""
    done: dict[str, list[str]] = {"defined": [], "updated": [], "unchanged": []}
    with ledger.batch() as batch:
        for entry in entries:
            code, fields = entry["code"], normalized({k: v for k, v in entry.items() if k != "code"})
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
    "soc": "soc", "naics": "naics", "cip": "cip", "ctid": "ctid", "lookup_url": "lookupUrl",
}


def parse_catalog_csv(text: str) -> list[dict[str, Any]]:
    """Catalog entries from CSV; InputError listing every bad row."""
    rows = read_rows(text, CATALOG_COLUMNS, required=("code", "name", "certifying_body"))
    entries, errors, seen = [], {}, set()
    for number, row in rows:
        entry: dict[str, Any] = {CATALOG_COLUMNS[k]: (v or None) for k, v in row.items()}
        for member in LIST_CODES:  # "29-2052; 31-1131" → a list; each code checked by the event's schema
            if entry.get(member) is not None:
                entry[member] = split_cell(entry[member]) or None
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
    raise_if_invalid(errors, len(rows))
    return entries


def _payload_problems(event_type: str, payload: dict[str, Any]) -> dict[str, list[str]]:
    """Member -> problems, checking only the members given (the envelope comes later)."""
    try:
        schemas.SCHEMAS[event_type](unknown=RAISE).load(payload, partial=True)
    except ValidationError as e:
        messages = e.normalized_messages()
        return {k: [str(m) for m in v] if isinstance(v, list) else [str(v)] for k, v in messages.items()}
    return {}
