"""The read-model tables: created at `credledger init`, extended at `credledger migrate`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Change = tuple[str, Sequence[Any]]  # one SQL statement and its parameters

TABLES = {
    "rm_awards": (
        "award_id TEXT PRIMARY KEY, student_id TEXT NOT NULL, issuer TEXT NOT NULL, custodian TEXT NOT NULL, "
        "credential TEXT NOT NULL, earned TEXT NOT NULL, expires TEXT, evidence TEXT NOT NULL, "
        "supersedes TEXT, superseded_by TEXT, revoked_reason TEXT, revoked_note TEXT, revoked_effective TEXT, "
        "issued_at TEXT NOT NULL, position BIGINT NOT NULL, status_list INTEGER, status_index INTEGER"
    ),
    "rm_custody": (
        "award_id TEXT NOT NULL, sequence INTEGER NOT NULL, from_did TEXT NOT NULL, to_did TEXT NOT NULL, "
        "reason TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (award_id, sequence)"
    ),
    # district: the district of record (ledger.enrollment), NULL for a row projected before it was kept
    # (read as registered_by); enrollment: the latest enrollment fact; graduated, diploma: once recorded.
    "rm_students": (
        "student_id TEXT PRIMARY KEY, registered_by TEXT NOT NULL, registered_at TEXT NOT NULL, cohort INTEGER, "
        "district TEXT, building TEXT, enrollment TEXT, graduated TEXT, diploma TEXT"
    ),
    # Every fact of a student's record after the registration, in stream order: the history a move keeps.
    "rm_student_record": (
        "student_id TEXT NOT NULL, sequence INTEGER NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL, "
        "day TEXT, detail TEXT, recorded TEXT NOT NULL, PRIMARY KEY (student_id, sequence)"
    ),
    "rm_issuers": "did TEXT PRIMARY KEY, slug TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL",
    "rm_issuer_keys": (
        "did TEXT NOT NULL, key_id TEXT NOT NULL, valid_from TEXT NOT NULL, retired_at TEXT, "
        "compromised_at TEXT, PRIMARY KEY (did, key_id)"
    ),
    # soc and cip: the entry's codes joined by ";" (ledger.catalog_codes: one code reads as one).
    "rm_credentials": (
        "code TEXT PRIMARY KEY, name TEXT NOT NULL, certifying_body TEXT NOT NULL, credential_type TEXT NOT NULL, "
        "validity_months INTEGER, career_field TEXT, career_cluster TEXT, soc TEXT, naics TEXT, cip TEXT, "
        "credential_engine_ctid TEXT"
    ),
    # One row per listing event; ledger.statelists resolves them to the terms of each school year.
    "rm_listings": (
        "stream TEXT NOT NULL, sequence INTEGER NOT NULL, listed BOOLEAN NOT NULL, credential TEXT NOT NULL, "
        "state TEXT NOT NULL, district TEXT, effective_from TEXT NOT NULL, effective_to TEXT, terms TEXT, "
        "note TEXT, PRIMARY KEY (stream, sequence)"
    ),
    # The signed Bitstring Status List credentials as last published (ledger.vc.statuslist): derived
    # documents, not rows of events (a rebuild empties it; lists are signed again on demand), so the
    # rebuild comparison leaves it out (NOT_REPRODUCED).
    "rm_status_lists": (
        "issuer TEXT NOT NULL, list INTEGER NOT NULL, revoked INTEGER NOT NULL, key_id TEXT NOT NULL, "
        "signed_at TEXT NOT NULL, valid_until TEXT NOT NULL, document TEXT NOT NULL, PRIMARY KEY (issuer, list)"
    ),
    "rm_assessments": (
        "assessment_id TEXT PRIMARY KEY, student_id TEXT NOT NULL, issuer TEXT NOT NULL, test TEXT NOT NULL, "
        "taken TEXT NOT NULL, scores TEXT NOT NULL, position BIGINT NOT NULL"
    ),
}
# Columns added after a table was first released: an existing database gains them on
# `credledger migrate` (NULL is right for every event already projected: none carried them).
ADDED_COLUMNS = [
    ("rm_students", "cohort", "INTEGER"),
    ("rm_credentials", "career_cluster", "TEXT"),
    ("rm_credentials", "soc", "TEXT"),
    ("rm_credentials", "naics", "TEXT"),
    ("rm_credentials", "cip", "TEXT"),
    ("rm_credentials", "credential_engine_ctid", "TEXT"),  # "ctid" is a system column in PostgreSQL
    ("rm_awards", "status_list", "INTEGER"),
    ("rm_awards", "status_index", "INTEGER"),
    ("rm_students", "district", "TEXT"),
    ("rm_students", "building", "TEXT"),
    ("rm_students", "enrollment", "TEXT"),
    ("rm_students", "graduated", "TEXT"),
    ("rm_students", "diploma", "TEXT"),
]
NOT_REPRODUCED = {"rm_status_lists"}
CATALOG_COLUMNS = {
    "name": "name", "certifyingBody": "certifying_body", "credentialType": "credential_type",
    "validityMonths": "validity_months", "careerField": "career_field", "careerCluster": "career_cluster",
    "soc": "soc", "naics": "naics", "cip": "cip", "ctid": "credential_engine_ctid",
}
INDEXES = [
    "CREATE INDEX IF NOT EXISTS rm_awards_student ON rm_awards (student_id)",
    "CREATE INDEX IF NOT EXISTS rm_awards_custodian ON rm_awards (custodian)",
    "CREATE INDEX IF NOT EXISTS rm_awards_status ON rm_awards (issuer, status_list)",
    # Which credentials an institution has recorded (a student's pathway page): probes, not a scan of every award.
    "CREATE INDEX IF NOT EXISTS rm_awards_recorded ON rm_awards (issuer, credential, revoked_reason)",
    "CREATE INDEX IF NOT EXISTS rm_assessments_student ON rm_assessments (student_id)",
]
