"""What the web, the CLI and the reports ask of the read models."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.catalog_codes import split_cell
from ledger.errors import NotFoundError
from verifiers.protocol.status import award_status
from ledger.readmodels.recorders import ReadModelMixin
from ledger.readmodels.schema import NOT_REPRODUCED, TABLES


@dataclass(frozen=True)
class CatalogEntry:
    code: str
    name: str
    body: str  # the certifying body
    type: str  # certificate, license, …
    months: int | None  # validity, when it expires
    field: str | None  # career field
    soc: tuple[str, ...] = ()  # SOC occupation codes
    cip: tuple[str, ...] = ()  # CIP program codes


@dataclass(frozen=True)
class StudentRow:
    student: str
    registered_by: str
    registered_at: str
    awards: int  # awards the asking institution issued or holds
    cohort: int | None  # the graduating class, when recorded
    latest_award: str | None  # when the latest of those awards was recorded


ALL_ROWS = 2**63 - 1  # a LIMIT that is none, in both SQLite's and PostgreSQL's words
# How `students_page` can order students: what the read models hold (names and local ids are only in
# the encrypted vault, so ordering by them is the web's: web.student_list). Each ends in the student id,
# so a page boundary never falls between equal keys differently on two requests.
STUDENT_ORDERS = {
    "registered": "s.registered_at, s.student_id",  # oldest first: a new student joins the end, pages stay put
    "class": "(s.cohort IS NULL), s.cohort, s.registered_at, s.student_id",  # earliest class first, none last
    "activity": "(MAX(a.issued_at) IS NULL), MAX(a.issued_at) DESC, s.student_id",  # latest credential first
}


class Queries:
    """Answers from the read models (`view`); `Projections` keeps them up to date."""

    view: ReadModelMixin

    def students(self) -> list[dict[str, Any]]:
        rows = self.view.query(
            "SELECT s.student_id, s.registered_by, i.name, COUNT(a.award_id) FROM rm_students s "
            "LEFT JOIN rm_issuers i ON i.did = s.registered_by LEFT JOIN rm_awards a ON a.student_id = s.student_id "
            "GROUP BY s.student_id, s.registered_by, i.name, s.registered_at ORDER BY s.registered_at, s.student_id"
        )
        return [{"student": r[0], "issuer": r[1], "issuer_name": r[2], "awards": int(r[3])} for r in rows]

    def transcript(self, student_id: str, today: date) -> dict[str, Any]:
        registered = self.view.query("SELECT registered_by FROM rm_students WHERE student_id = ?", [student_id])
        if not registered:
            raise NotFoundError(f"no student {student_id!r}")
        rows = self.view.query(
            "SELECT a.award_id, a.credential, c.name, c.certifying_body, c.career_field, a.issuer, i.name, "
            "a.custodian, ci.name, a.earned, a.expires, a.evidence, a.supersedes, a.superseded_by, "
            "a.revoked_reason, a.revoked_note, a.revoked_effective FROM rm_awards a "
            "LEFT JOIN rm_credentials c ON c.code = a.credential LEFT JOIN rm_issuers i ON i.did = a.issuer "
            "LEFT JOIN rm_issuers ci ON ci.did = a.custodian WHERE a.student_id = ? ORDER BY a.position",
            [student_id],
        )
        custody = self.view.query(
            "SELECT k.award_id, k.from_did, k.to_did, k.reason, k.at FROM rm_custody k JOIN rm_awards a "
            "ON a.award_id = k.award_id WHERE a.student_id = ? ORDER BY k.award_id, k.sequence", [student_id])
        history: dict[str, list[dict[str, str]]] = {}
        for award_id, from_did, to_did, reason, at in custody:
            history.setdefault(award_id, []).append({"from": from_did, "to": to_did, "reason": reason, "at": at})
        awards = [
            {
                "award": r[0], "credential": r[1], "name": r[2], "certifying_body": r[3], "career_field": r[4],
                "issuer": r[5], "issuer_name": r[6], "custodian": r[7], "custodian_name": r[8],
                "earned": r[9], "expires": r[10], "evidence": json.loads(r[11]), "supersedes": r[12],
                "superseded_by": r[13], "status": award_status(r[14], r[10], today),
                "revocation": {"reason": r[14], "note": r[15], "effective": r[16]} if r[14] else None,
                "custody": history.get(r[0], []),
            }
            for r in rows
        ]
        return {"student": student_id, "registered_by": registered[0][0], "awards": awards}

    def award_status(self, award_id: str, today: date) -> dict[str, Any]:
        rows = self.view.query(
            "SELECT student_id, custodian, expires, revoked_reason, revoked_note, revoked_effective, superseded_by "
            "FROM rm_awards WHERE award_id = ?", [award_id])
        if not rows:
            raise NotFoundError(f"no award {award_id!r}")
        student, custodian, expires, reason, note, effective, superseded_by = rows[0]
        return {"award": award_id, "status": award_status(reason, expires, today), "custodian": custodian,
                "expires": expires, "revocation": {"reason": reason, "note": note, "effective": effective}
                if reason else None, "superseded_by": superseded_by}

    def issuers(self) -> list[dict[str, Any]]:
        issuers = self.view.query("SELECT did, slug, name, kind FROM rm_issuers ORDER BY slug")
        keys = self.view.query(
            "SELECT did, key_id, valid_from, retired_at, compromised_at FROM rm_issuer_keys ORDER BY did, valid_from")
        by_did: dict[str, list[dict[str, Any]]] = {}
        for did, key_id, valid_from, retired_at, compromised_at in keys:
            by_did.setdefault(did, []).append({"key_id": key_id, "valid_from": valid_from, "retired_at": retired_at,
                                                "compromised_at": compromised_at})
        return [{"did": r[0], "slug": r[1], "name": r[2], "kind": r[3], "keys": by_did.get(r[0], [])}
                for r in issuers]

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every read-model row, sorted: what a rebuild must reproduce."""
        return {table: sorted(self.view.query(f"SELECT * FROM {table} "), key=repr) for table in TABLES
                if table not in NOT_REPRODUCED}

    def student_record(self, student_id: str) -> dict[str, Any]:
        """The student's record as the district of record keeps it (ledger.enrollment): the class, the
        district of record, the building, the latest enrollment fact, the graduation, and every fact in order."""
        rows = self.view.query("SELECT registered_by, cohort, COALESCE(district, registered_by), building, enrollment, "
                               "graduated, diploma FROM rm_students WHERE student_id = ?", [student_id])
        if not rows:
            raise NotFoundError(f"no student {student_id!r}")
        registered_by, cohort, district, building, enrollment, graduated, diploma = rows[0]
        history = [{"sequence": int(r[0]), "type": r[1], "actor": r[2], "date": r[3], "detail": r[4], "recorded": r[5]}
                   for r in self.view.query("SELECT sequence, type, actor, day, detail, recorded FROM rm_student_record "
                                            "WHERE student_id = ? ORDER BY sequence", [student_id])]
        return {"registered_by": registered_by, "cohort": None if cohort is None else int(cohort), "district": district,
                "building": building, "enrollment": enrollment, "graduated": graduated, "diploma": diploma,
                "history": history}

    def catalog(self) -> list[CatalogEntry]:
        """The credential catalog, by name."""
        rows = self.view.query("SELECT code, name, certifying_body, credential_type, validity_months, career_field, "
                               "soc, cip FROM rm_credentials ORDER BY name")
        return [CatalogEntry(r[0], r[1], r[2], r[3], r[4], r[5], tuple(split_cell(r[6])), tuple(split_cell(r[7])))
                for r in rows]

    def credential_codes(self) -> set[str]:
        return {str(r[0]) for r in self.view.query("SELECT code FROM rm_credentials ")}

    def awards_in_force(self, did: str) -> dict[tuple[str, str, str], str]:
        """(student, credential, earned) -> award id, for the awards an institution recorded and nobody revoked."""
        rows = self.view.query("SELECT student_id, credential, earned, award_id FROM rm_awards WHERE issuer = ? "
                               "AND revoked_reason IS NULL", [did])
        return {(str(r[0]), str(r[1]), str(r[2])): str(r[3]) for r in rows}

    def students_page(self, did: str, related: tuple[str, Sequence[Any]], *, order: str = "registered",
                      cohort: int | None = None, limit: int | None = None,
                      offset: int = 0) -> tuple[list[StudentRow], int]:
        """A page of the `related` students (a subquery and its parameters: ledger.access.students_query
        decides who they are), in `order` (a key of STUDENT_ORDERS), only the class of `cohort` if given,
        each with the awards `did` issued or holds: how many and when the latest was recorded. Also how
        many such students there are in all. Without `limit`, every one from `offset` on."""
        subquery, params = related
        where = f"s.student_id IN ({subquery})" + (" AND s.cohort = ?" if cohort is not None else "")
        where_params = [*params, *([cohort] if cohort is not None else [])]
        rows = self.view.query(
            "SELECT s.student_id, s.registered_by, s.registered_at, s.cohort, COUNT(a.award_id), MAX(a.issued_at) "
            "FROM rm_students s LEFT JOIN rm_awards a ON a.student_id = s.student_id AND (a.issuer = ? OR "
            f"a.custodian = ?) WHERE {where} GROUP BY s.student_id, s.registered_by, s.registered_at, s.cohort "
            f"ORDER BY {STUDENT_ORDERS[order]} LIMIT ? OFFSET ?",
            [did, did, *where_params, ALL_ROWS if limit is None else limit, offset])
        (total,) = self.view.query(f"SELECT COUNT(*) FROM rm_students s WHERE {where}", where_params)
        return ([StudentRow(str(r[0]), str(r[1]), str(r[2]), int(r[4]), int(r[3]) if r[3] is not None else None,
                            str(r[5]) if r[5] is not None else None) for r in rows], int(total[0]))

    def cohorts(self, related: tuple[str, Sequence[Any]]) -> list[int]:
        """The graduating classes among the `related` students (as for `students_page`), earliest first."""
        subquery, params = related
        return [int(r[0]) for r in self.view.query(
            f"SELECT DISTINCT cohort FROM rm_students WHERE cohort IS NOT NULL AND student_id IN ({subquery}) "
            "ORDER BY cohort", params)]

    def award_counts(self, did: str, today: date) -> dict[str, int]:
        """Counts over the awards in the institution's custody (what it answers for now), and what it issued."""
        day = today.isoformat()
        (row,) = self.view.query(
            "SELECT COUNT(*), "
            "SUM(CASE WHEN revoked_reason IS NULL AND (expires IS NULL OR expires >= ?) THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN revoked_reason IS NULL AND expires < ? THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN revoked_reason = 'superseded' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN revoked_reason IS NOT NULL AND revoked_reason <> 'superseded' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN issuer <> custodian THEN 1 ELSE 0 END) "
            "FROM rm_awards WHERE custodian = ?", [day, day, did])
        (issued,) = self.view.query(
            "SELECT COUNT(*), SUM(CASE WHEN issuer <> custodian THEN 1 ELSE 0 END) FROM rm_awards WHERE issuer = ?",
            [did])
        held, active, expired, superseded, revoked, transferred_in = (int(v or 0) for v in row)
        return {"held": held, "active": active, "expired": expired, "superseded": superseded, "revoked": revoked,
                "transferred_in": transferred_in, "issued": int(issued[0] or 0),
                "transferred_out": int(issued[1] or 0)}
