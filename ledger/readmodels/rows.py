"""The read-model rows each event adds or changes: one pure function per event type, in a table.

Pure: the same event, the same rows, so an incremental catch-up and a rebuild agree. An event type
missing from the table changes no read model (access facts, offers and erasures have their own
stores).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from verifiers.protocol import documents as d
from verifiers.protocol import payloads as p
from ledger.catalog_codes import LIST_CODES, joined
from ledger.readmodels.schema import CATALOG_COLUMNS, Change

Document = dict[str, Any]
# One event type's rows. The document is Any: each function takes its own type's typed document
# (verifiers.protocol.payloads), and the table, keyed by that type, is where a document is narrowed.
Rows = Callable[[Any, str, int, int], list[Change]]


def changes_for(document: Document, recorded: str, position: int, sequence: int) -> list[Change]:
    """The rows of one event, recorded at `recorded` (text), at log `position`, `sequence` in its stream."""
    rows = ROWS.get(document["type"])
    return rows(document, recorded, position, sequence) if rows else []


def _student_registered(doc: p.StudentRegistered, recorded: str, _: int, __: int) -> list[Change]:
    return [("INSERT INTO rm_students (student_id, registered_by, registered_at, cohort, district, building) "
             "VALUES (?, ?, ?, ?, ?, ?)",
             (doc["student"], doc["issuer"], recorded, doc.get("cohort"), doc["issuer"], doc.get("building")))]


def _history(doc: Mapping[str, Any], recorded: str, sequence: int, day: str | None, detail: str | None) -> Change:
    return ("INSERT INTO rm_student_record (student_id, sequence, type, actor, day, detail, recorded) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (doc["student"], sequence, doc["type"], doc["actor"], day, detail, recorded))


def _cohort_corrected(doc: p.CohortCorrected, recorded: str, _: int, sequence: int) -> list[Change]:
    return [("UPDATE rm_students SET cohort = ? WHERE student_id = ?", (doc["cohort"], doc["student"])),
            _history(doc, recorded, sequence, None, str(doc["cohort"]))]


def _state_id_recorded(doc: p.StateIdRecorded, recorded: str, _: int, sequence: int) -> list[Change]:
    return [_history(doc, recorded, sequence, None, None)]  # the value is in the vault, never in a read model


def _student_enrolled(doc: p.StudentEnrolled, recorded: str, _: int, sequence: int) -> list[Change]:
    return [("UPDATE rm_students SET enrollment = 'enrolled', building = COALESCE(?, building) WHERE student_id = ?",
             (doc["building"], doc["student"])),
            _history(doc, recorded, sequence, doc["date"], doc["building"])]


def _student_exited(doc: p.StudentExited, recorded: str, _: int, sequence: int) -> list[Change]:
    return [("UPDATE rm_students SET enrollment = 'exited' WHERE student_id = ?", (doc["student"],)),
            _history(doc, recorded, sequence, doc["date"], doc["reason"])]


def _student_graduated(doc: p.StudentGraduated, recorded: str, _: int, sequence: int) -> list[Change]:
    return [("UPDATE rm_students SET enrollment = 'graduated', graduated = ?, diploma = ? WHERE student_id = ?",
             (doc["date"], doc["diploma"], doc["student"])),
            _history(doc, recorded, sequence, doc["date"], doc["diploma"])]


def _student_moved(doc: p.StudentMoved, recorded: str, _: int, sequence: int) -> list[Change]:
    return [("UPDATE rm_students SET enrollment = 'moved', district = ? WHERE student_id = ?",
             (doc["to"], doc["student"])),
            _history(doc, recorded, sequence, doc["date"], doc["to"])]


def _credential_issued(doc: p.CredentialIssued, recorded: str, position: int, _: int) -> list[Change]:
    changes: list[Change] = [(
        "INSERT INTO rm_awards (award_id, student_id, issuer, custodian, credential, earned, expires, evidence, "
        "supersedes, issued_at, position, status_list, status_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (doc["award"], doc["student"], doc["issuer"], doc["issuer"], doc["credential"], doc["earned"],
         doc["expires"], json.dumps(doc["evidence"], sort_keys=True), doc.get("supersedes"), recorded, position,
         doc.get("statusList"), doc.get("statusIndex")),
    )]
    if doc.get("supersedes"):
        changes.append(("UPDATE rm_awards SET superseded_by = ? WHERE award_id = ?", (doc["award"], doc["supersedes"])))
    return changes


def _credential_revoked(doc: p.CredentialRevoked, _: str, __: int, ___: int) -> list[Change]:
    return [("UPDATE rm_awards SET revoked_reason = ?, revoked_note = ?, revoked_effective = ? WHERE award_id = ?",
             (doc["reason"], doc["note"], doc["effective"], doc["award"]))]


def _credential_transferred(doc: p.CredentialTransferred, recorded: str, _: int, sequence: int) -> list[Change]:
    return [
        ("UPDATE rm_awards SET custodian = ? WHERE award_id = ?", (doc["to"], doc["award"])),
        ("INSERT INTO rm_custody (award_id, sequence, from_did, to_did, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
         (doc["award"], sequence, doc["from"], doc["to"], doc["reason"], recorded)),
    ]


def _issuer_registered(doc: p.IssuerRegistered, _: str, __: int, ___: int) -> list[Change]:
    return [
        ("INSERT INTO rm_issuers (did, slug, name, kind) VALUES (?, ?, ?, ?)",
         (doc["issuer"], doc["slug"], doc["name"], doc["kind"])),
        *_issuer_key_added(doc, _, __, ___),
    ]


def _issuer_key_added(doc: p.IssuerRegistered | p.IssuerKeyAdded, _: str, __: int, ___: int) -> list[Change]:
    return [("INSERT INTO rm_issuer_keys (did, key_id, valid_from) VALUES (?, ?, ?)",
             (doc["issuer"], doc["key"], doc["validFrom"]))]


def _issuer_key_ended(column: str) -> Rows:
    def rows(doc: p.IssuerKeyRetired | p.IssuerKeyCompromised, _: str, __: int, ___: int) -> list[Change]:
        return [(f"UPDATE rm_issuer_keys SET {column} = ? WHERE did = ? AND key_id = ?",
                 (doc["at"], doc["issuer"], doc["key"]))]
    return rows


def _credential_defined(doc: p.CredentialDefined, _: str, __: int, ___: int) -> list[Change]:
    return [("INSERT INTO rm_credentials (code, name, certifying_body, credential_type, validity_months, "
             "career_field, career_cluster, soc, naics, cip, credential_engine_ctid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             (doc["credential"], doc["name"], doc["certifyingBody"], doc["credentialType"], doc["validityMonths"],
              doc["careerField"], doc.get("careerCluster"), joined(doc.get("soc")), doc.get("naics"), joined(doc.get("cip")),
              doc.get("ctid")))]


def _credential_updated(doc: p.CredentialUpdated, _: str, __: int, ___: int) -> list[Change]:
    named: Mapping[str, Any] = doc  # read by the names in CATALOG_COLUMNS, not by literals
    return [(f"UPDATE rm_credentials SET {column} = ? WHERE code = ?",
             (joined(named[field]) if field in LIST_CODES else named[field], doc["credential"]))
            for field, column in CATALOG_COLUMNS.items() if field in named]


def _credential_listed(doc: p.CredentialListed, _: str, __: int, sequence: int) -> list[Change]:
    return _listing(doc, sequence, True, json.dumps(doc["terms"], sort_keys=True))


def _credential_delisted(doc: p.CredentialDelisted, _: str, __: int, sequence: int) -> list[Change]:
    return _listing(doc, sequence, False, None)


def _listing(doc: p.CredentialListed | p.CredentialDelisted, sequence: int, listed: bool,
             terms: str | None) -> list[Change]:
    return [("INSERT INTO rm_listings (stream, sequence, listed, credential, state, district, effective_from, "
             "effective_to, terms, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             (doc["stream"], sequence, listed, doc["credential"], doc["state"], doc["district"],
              doc["effectiveFrom"], doc["effectiveTo"], terms, doc.get("note")))]


def _assessment_recorded(doc: p.AssessmentRecorded, _: str, position: int, __: int) -> list[Change]:
    return [("INSERT INTO rm_assessments (assessment_id, student_id, issuer, test, taken, scores, position) "
             "VALUES (?, ?, ?, ?, ?, ?, ?)",
             (doc["assessment"], doc["student"], doc["issuer"], doc["test"], doc["taken"],
              json.dumps(doc["scores"], sort_keys=True), position))]


ROWS: dict[str, Rows] = {
    d.STUDENT_REGISTERED: _student_registered,
    d.CREDENTIAL_ISSUED: _credential_issued,
    d.CREDENTIAL_REVOKED: _credential_revoked,
    d.CREDENTIAL_TRANSFERRED: _credential_transferred,
    d.ISSUER_REGISTERED: _issuer_registered,
    d.ISSUER_KEY_ADDED: _issuer_key_added,
    d.ISSUER_KEY_RETIRED: _issuer_key_ended("retired_at"),
    d.ISSUER_KEY_COMPROMISED: _issuer_key_ended("compromised_at"),
    d.CREDENTIAL_DEFINED: _credential_defined,
    d.CREDENTIAL_UPDATED: _credential_updated,
    d.CREDENTIAL_LISTED: _credential_listed,
    d.CREDENTIAL_DELISTED: _credential_delisted,
    d.ASSESSMENT_RECORDED: _assessment_recorded,
    d.COHORT_CORRECTED: _cohort_corrected,
    d.STUDENT_ENROLLED: _student_enrolled,
    d.STUDENT_EXITED: _student_exited,
    d.STUDENT_GRADUATED: _student_graduated,
    d.STUDENT_MOVED: _student_moved,
    d.STATE_ID_RECORDED: _state_id_recorded,
}
