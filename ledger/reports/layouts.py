"""The layout of a state's file, as data: which records, which columns, where each value comes from, how written.

A layout is a JSON object (the built-in ones are below; an instance may put its
own, or a corrected copy of a built-in one, at `state-files/NAME.json` in its
data directory, and `credledger report state-file --state NAME` then writes it):

    {"title": "...", "records": "ohio-fa" | "state-list" | "colorado-claims",
     "list": "NM",                        # state-list: the state whose list says which credentials count
     "format": "fixed" | "csv", "header": true, "line_end": "\\r\\n",
     "options": {...},                    # the record builder's own settings (codes of the Ohio FA record)
     "columns": [{"name": "...", "fact": "student.state_id" | ["student.building", "district.location_code"],
                  "value": "a constant", "width": 9, "align": "left" | "right", "fill": " " | "0",
                  "date": "%Y%m%d", "required": true}]}

Each record is a mapping of named facts (the builders' vocabulary:
ledger.reports.state_files); a column takes its value from the first of its
facts that has one (or its constant `value`). A required column without a value,
or a fixed-width value longer than its width, is a problem: the file is refused
with every problem named, never written with a hole in it. Which of the
built-in layouts' positions and codes are verified is docs/state-files.md.
Pure but for `load_layout`, which reads the instance's layouts.
"""

from __future__ import annotations

import copy
import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ledger.errors import InputError
from ledger.setting_files import read_setting

LAYOUTS_DIR = "state-files"
RECORD_KINDS = ("ohio-fa", "state-list", "colorado-claims")
_LAYOUT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")

# Ohio EMIS, FA Student Assessment record, test types GW (CTE industry credential) and WK (WorkKeys). The
# elements are the EMIS Manual's (as the SIS vendors' FA extracts name them); their order and widths, the
# reporting period and the WorkKeys assessment area codes could NOT be verified here: they are data.
OHIO_FA: dict[str, Any] = {
    "title": "Ohio EMIS FA Student Assessment records (GW, WK)",
    "records": "ohio-fa", "format": "fixed", "line_end": "\r\n",
    "options": {"test_types": {"credential": "GW", "workkeys": "WK"},
                "workkeys_areas": {"appliedMath": "AM", "graphicLiteracy": "GL", "workplaceDocuments": "WD"},
                "credential_score": ""},
    "columns": [
        {"name": "Fiscal Year", "fact": "year", "width": 4, "required": True},
        {"name": "Reporting Period", "value": "A", "width": 1},
        {"name": "Reporting IRN", "fact": "district.irn", "width": 6, "align": "right", "fill": "0",
         "required": True},
        {"name": "EMIS Student ID (SSID)", "fact": "student.state_id", "width": 9, "required": True},
        {"name": "Test Type", "fact": "test_type", "width": 2, "required": True},
        {"name": "Assessment Area", "fact": "assessment_area", "width": 4, "required": True},
        {"name": "Test Date", "fact": "test_date", "date": "%Y%m%d", "width": 8, "required": True},
        {"name": "Score", "fact": "score", "width": 3, "align": "right"},
        {"name": "Score Not Reported", "value": "", "width": 3},
    ],
}

# The common layout published for New Mexico's STARS "CTE Student Industry Credential" template: one record per
# district, school year, student and credential. The fields are the template's; the formats of the school
# year and the date, and the delivery method's codes, could NOT be verified: they are data. Another state
# copies this layout and changes `list` (its own list's `stateCode`) and the formats.
COMMON_CTE_CREDENTIAL: dict[str, Any] = {
    "title": "New Mexico STARS CTE Student Industry Credential",
    "records": "state-list", "list": "NM", "format": "csv", "header": True, "line_end": "\r\n",
    "columns": [
        {"name": "District Code", "fact": "district.district_code", "required": True},
        {"name": "School Year", "fact": "year_end", "date": "%Y-%m-%d", "required": True},
        {"name": "Student ID", "fact": "student.state_id", "required": True},
        {"name": "Location Code", "fact": ["student.building", "district.location_code"], "required": True},
        {"name": "CIP Code", "fact": "credential.cip", "required": True},
        {"name": "Delivery Method", "fact": ["issuer.delivery_method", "district.delivery_method"],
         "required": True},
        {"name": "State Credential Code", "fact": "listing.stateCode", "required": True},
        {"name": "Earned Date", "fact": "earned", "date": "%Y-%m-%d", "required": True},
    ],
}

# Colorado's Career Development Incentive Program claims, from the incentive report. The state's claim template
# could NOT be verified: these columns are the report's, named plainly, and are data.
COLORADO_CDIP: dict[str, Any] = {
    "title": "Colorado Career Development Incentive Program claim data",
    "records": "colorado-claims", "format": "csv", "header": True, "line_end": "\r\n",
    "columns": [
        {"name": "District Code", "fact": "district.district_code", "required": True},
        {"name": "School Year", "fact": "school_year", "required": True},
        {"name": "SASID", "fact": "student.state_id", "required": True},
        {"name": "Local Student ID", "fact": "student.local_id"},
        {"name": "Claim Category", "fact": "category", "required": True},
        {"name": "Credential Code", "fact": "credential.code"},
        {"name": "Credential", "fact": "what", "required": True},
        {"name": "Earned Date", "fact": "earned", "date": "%Y-%m-%d"},
        {"name": "FRL", "fact": "frl", "required": True},
        {"name": "Requested", "fact": "requested", "required": True},
        {"name": "Within Cap", "fact": "within_cap", "required": True},
        {"name": "Paid", "fact": "paid", "required": True},
    ],
}

BUILT_IN: dict[str, dict[str, Any]] = {"oh": OHIO_FA, "nm": COMMON_CTE_CREDENTIAL, "co": COLORADO_CDIP}


@dataclass(frozen=True)
class Column:
    name: str
    facts: tuple[str, ...] = ()
    value: str | None = None
    width: int | None = None
    align: str = "left"
    fill: str = " "
    date_format: str | None = None
    required: bool = False


@dataclass(frozen=True)
class Layout:
    name: str
    title: str
    records: str
    columns: tuple[Column, ...]
    format: str = "csv"
    header: bool = True
    line_end: str = "\r\n"
    state_list: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def extension(self) -> str:
        return "csv" if self.format == "csv" else "txt"


def parse_layout(name: str, raw: Any, *, where: str = "layout") -> Layout:
    """A layout from its JSON form; InputError naming `where` (the file) and the first problem."""
    problems = []
    if not isinstance(raw, dict):
        raise InputError.for_field(where, "a JSON object (see docs/state-files.md)")
    if raw.get("records") not in RECORD_KINDS:
        problems.append(f"records is one of {', '.join(RECORD_KINDS)}")
    if raw.get("format", "csv") not in ("csv", "fixed"):
        problems.append("format is csv or fixed")
    if raw.get("records") == "state-list" and not isinstance(raw.get("list"), str):
        problems.append("list names the state whose list counts (NM)")
    if raw.get("line_end", "\r\n") not in ("\r\n", "\n"):
        problems.append("line_end is \\r\\n or \\n")
    columns = []
    for index, c in enumerate(raw.get("columns") or []):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            problems.append(f"column {index + 1} is an object with a name")
            continue
        facts = c.get("fact", ())
        facts = (facts,) if isinstance(facts, str) else tuple(facts)
        if not facts and not isinstance(c.get("value"), str):
            problems.append(f"column {c['name']!r} has a fact or a constant value")
        width = c.get("width")
        if raw.get("format") == "fixed" and (not isinstance(width, int) or isinstance(width, bool) or width < 1):
            problems.append(f"column {c['name']!r} has a width (a fixed-width file)")
        if c.get("align", "left") not in ("left", "right") or len(str(c.get("fill", " "))) != 1:
            problems.append(f"column {c['name']!r}: align is left or right, fill one character")
        columns.append(Column(c["name"], tuple(str(f) for f in facts), c.get("value"), width, c.get("align", "left"),
                              str(c.get("fill", " ")), c.get("date"), bool(c.get("required", False))))
    if not columns:
        problems.append("columns lists at least one column")
    if problems:
        raise InputError(f"{where}: {problems[0]}", {where: problems})
    return Layout(name, str(raw.get("title") or name), raw["records"], tuple(columns), raw.get("format", "csv"),
                  bool(raw.get("header", raw.get("format", "csv") == "csv")), raw.get("line_end", "\r\n"),
                  raw.get("list"), copy.deepcopy(raw.get("options") or {}))


def layout_names(data_dir: Path | None) -> list[str]:
    """The built-in layouts and the instance's own (`state-files/*.json`)."""
    own = sorted(p.stem for p in (Path(data_dir) / LAYOUTS_DIR).glob("*.json")) if data_dir else []
    return sorted(set(BUILT_IN) | {n for n in own if _LAYOUT_NAME.match(n)})


def load_layout(name: str, data_dir: Path | None) -> Layout:
    """The instance's layout of that name if it has one, else the built-in one; InputError naming `state`
    for a name neither knows."""
    name = name.strip().lower()
    if not _LAYOUT_NAME.match(name) or name not in layout_names(data_dir):
        raise InputError.for_field("state", f"one of {', '.join(layout_names(data_dir))} (the state's file)")
    path = Path(data_dir) / LAYOUTS_DIR / f"{name}.json" if data_dir else None
    where = f"{LAYOUTS_DIR}/{name}.json"
    raw = read_setting(path, where, "JSON") if path is not None else None
    if raw is not None:
        return parse_layout(name, raw, where=where)
    return parse_layout(name, BUILT_IN[name])


def _text(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, date) and column.date_format:
        return value.strftime(column.date_format)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def cells(layout: Layout, record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The record's values column by column, and what is wrong with them (a column named in each)."""
    values, problems = [], []
    for column in layout.columns:
        value = column.value or ""
        for fact in column.facts:
            found = _text(record.get(fact), column)
            if found:
                value = found
                break
        if column.required and not value:
            problems.append(f"{column.name}: no value ({' or '.join(column.facts) or 'constant'})")
        if column.width is not None and len(value) > column.width:
            problems.append(f"{column.name}: {len(value)} characters, the field holds {column.width}")
        values.append(value)
    return values, problems


def render(layout: Layout, rows: Iterable[Sequence[str]]) -> str:
    """The file's text: fixed-width records, or CSV with the header row when the layout has one."""
    if layout.format == "fixed":
        lines = []
        for row in rows:
            lines.append("".join(v.rjust(c.width or 0, c.fill) if c.align == "right" else v.ljust(c.width or 0, c.fill)
                                 for v, c in zip(row, layout.columns)))
        return "".join(line + layout.line_end for line in lines)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=layout.line_end)
    if layout.header:
        writer.writerow([c.name for c in layout.columns])
    writer.writerows(rows)
    return out.getvalue()


def parse_file(layout: Layout, text: str) -> list[dict[str, str]]:
    """The records of a file in this layout, column name -> value (the tests read the files back with it)."""
    lines = text.split(layout.line_end)
    if lines and lines[-1] == "":
        lines.pop()
    if layout.format == "fixed":
        records = []
        for line in lines:
            record, at = {}, 0
            for c in layout.columns:
                width = c.width or 0
                record[c.name] = line[at:at + width].strip()
                at += width
            records.append(record)
        return records
    rows = list(csv.reader(io.StringIO(text)))
    if layout.header:
        rows = rows[1:]
    return [dict(zip((c.name for c in layout.columns), row)) for row in rows]
