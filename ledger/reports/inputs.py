"""Report inputs: what the rules need that the ledger deliberately does not record.

These come from the school's information system as CSV files, are read for
one report run, and are never written into events:

- pathway inputs (`--inputs`): work-based learning hours, WebXams, a
  pre-apprenticeship, the OhioMeansJobs seal, CTE courses and GPA per program
  of study. They change every term, GPA is fractional (signed payloads carry
  no floats), and grades are education records the append-only log should not
  hold when it does not need to.
- student id lists (`--frl`, `--concentrators`): free/reduced lunch
  eligibility is sensitive (never in events); Perkins concentrator status is
  course-based and lives in the SIS.

Pathway inputs CSV (one or more rows per student; later rows add to earlier ones):
    student, wbl_hours, webxams_pathway, webxams_passed, pre_apprenticeship,
    omj_seal, cte_program, cte_courses, cte_gpa, eoc_retake,
    graduation_requirements, attendance, soft_skills, ccr_measure,
    workplace_training, cs_ap
(eoc_retake: Ohio, remedial support and at least one end-of-course retake;
attendance: percent for grades 9–12; graduation_requirements, soft_skills,
ccr_measure: Missouri's CTE Certificate; workplace_training, cs_ap: Colorado's
incentive program, for the report's school year.)

Concentrators (`--concentrators`): one student id a line, or a CSV with a
header `student,graduated` where graduated is yes, no or the graduation date
(YYYY-MM-DD): Perkins V 5S1 counts the concentrators who graduated.

May import ledger.pathways (the StudentInputs they become) and ledger.csv_rows.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger.csv_rows import YES_NO
from ledger.errors import InputError
from ledger.pathways import CteProgress, StudentInputs

INPUT_COLUMNS = ("student", "wbl_hours", "webxams_pathway", "webxams_passed", "pre_apprenticeship", "omj_seal",
                 "cte_program", "cte_courses", "cte_gpa", "eoc_retake", "graduation_requirements", "attendance",
                 "soft_skills", "ccr_measure", "workplace_training", "cs_ap")
_YES_NO_INPUTS = ("pre_apprenticeship", "omj_seal", "eoc_retake", "graduation_requirements", "soft_skills",
                  "ccr_measure", "workplace_training", "cs_ap")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def parse_student_ids(text: str, *, what: str) -> set[str]:
    """Student ids, one per line (or a CSV whose first column is the id; a header row is skipped)."""
    ids, errors = set(), {}
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        value = line.split(",", 1)[0].strip().strip('"').lower()
        if not value or (number == 1 and value in ("student", "student_id", "id")):
            continue
        if not _UUID.match(value):
            errors[f"{what} line {number}"] = ["a student id (UUID)"]
        ids.add(value)
    if errors:
        first = next(iter(errors))
        raise InputError(f"{first}: not a student id", errors)
    return ids


def parse_inputs_csv(text: str) -> dict[str, StudentInputs]:
    """Per-student pathway inputs; InputError naming every bad row."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in INPUT_COLUMNS]
    if "student" not in header or unknown:
        header_problems = [f"unknown column {h!r}" for h in unknown] + (
            [] if "student" in header else ["missing 'student'"])
        raise InputError(f"inputs header: {header_problems[0]} (columns: {', '.join(INPUT_COLUMNS)})",
                         {"inputs header": header_problems})
    result: dict[str, StudentInputs] = {}
    errors: dict[str, list[str]] = {}
    for number, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        problems: list[str] = []
        student = row["student"].lower()
        if not _UUID.match(student):
            problems.append("student: a student id (UUID)")
        current = result.get(student, StudentInputs())
        try:
            current = _merge(current, row)
        except ValueError as e:
            problems.append(str(e))
        if problems:
            errors[f"inputs row {number}"] = problems
        else:
            result[student] = current
    if errors:
        first = next(iter(errors.items()))
        raise InputError(f"{first[0]}: {first[1][0]}", errors)
    return result


def _merge(inputs: StudentInputs, row: dict[str, str]) -> StudentInputs:
    def whole(column: str) -> int | None:
        value = row.get(column, "")
        if not value:
            return None
        if not value.isdigit():
            raise ValueError(f"{column}: a whole number")
        return int(value)

    def yes_no(column: str) -> bool | None:
        value = row.get(column, "").lower()
        if not value:
            return None
        if value not in YES_NO:
            raise ValueError(f"{column}: yes or no")
        return YES_NO[value]

    hours = whole("wbl_hours")
    if hours is not None:
        inputs = replace(inputs, wbl_hours=hours)
    answers: dict[str, Any] = {c: a for c in _YES_NO_INPUTS if (a := yes_no(c)) is not None}
    inputs = replace(inputs, **answers)
    attendance = row.get("attendance", "").rstrip("%")
    if attendance:
        try:
            percent = Decimal(attendance)
        except InvalidOperation:
            raise ValueError("attendance: a percentage like 96.5") from None
        if not Decimal(0) <= percent <= Decimal(100):
            raise ValueError("attendance: between 0 and 100")
        inputs = replace(inputs, attendance=percent)
    pathway, passed = row.get("webxams_pathway", ""), whole("webxams_passed")
    if bool(pathway) != (passed is not None):
        raise ValueError("webxams_pathway and webxams_passed go together")
    if pathway and passed is not None:
        inputs = replace(inputs, webxams={**(inputs.webxams or {}), pathway: passed})
    program, courses = row.get("cte_program", ""), whole("cte_courses")
    gpa_text = row.get("cte_gpa", "")
    if program or courses is not None or gpa_text:
        if not (program and courses is not None and gpa_text):
            raise ValueError("cte_program, cte_courses and cte_gpa go together")
        try:
            gpa = Decimal(gpa_text)
        except InvalidOperation:
            raise ValueError("cte_gpa: a grade point average like 3.25") from None
        if not Decimal(0) <= gpa <= Decimal(5):
            raise ValueError("cte_gpa: between 0 and 5")
        inputs = replace(inputs, cte_programs={**(inputs.cte_programs or {}), program: CteProgress(courses, gpa)})
    return inputs


@dataclass(frozen=True)
class Concentrators:
    """The Perkins concentrator list, and which of them graduated (None: not given)."""

    students: frozenset[str]
    graduated: dict[str, date | None] | None  # student -> graduation date (None: yes, no date)


def parse_concentrators(text: str) -> Concentrators:
    """The concentrators file: ids one a line, or `student,graduated` rows. InputError naming every bad line."""
    lines = text.lstrip("\ufeff").splitlines()
    header = [h.strip().strip('"').lower() for h in (lines[0].split(",") if lines else [])]
    if "graduated" not in header:
        return Concentrators(frozenset(parse_student_ids(text, what="concentrators")), None)
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    students: set[str] = set()
    graduated: dict[str, date | None] = {}
    errors: dict[str, list[str]] = {}
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        student, answer = row.get("student", "").lower(), row.get("graduated", "").lower()
        if not student and not answer:
            continue
        problems = [] if _UUID.match(student) else ["student: a student id (UUID)"]
        when: date | None = None
        if answer in YES_NO:
            is_graduate = YES_NO[answer]
        else:
            try:
                when, is_graduate = date.fromisoformat(answer), True
            except ValueError:
                problems.append("graduated: yes, no or the graduation date (YYYY-MM-DD)")
                is_graduate = False
        if problems:
            errors[f"concentrators line {number}"] = problems
            continue
        students.add(student)
        if is_graduate:
            graduated[student] = when
    if errors:
        first = next(iter(errors.items()))
        raise InputError(f"{first[0]}: {first[1][0]}", errors)
    return Concentrators(frozenset(students), graduated)
