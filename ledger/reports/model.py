"""What a report is and how it is rendered: tables, JSON, CSV, text; shares and dollars as text.

Shared by every report. Pure: no read models, no clock; imports nothing of ours.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: str | None = None  # the column to draw as bars (a share, 0–100), if any
    file_only: bool = False  # the long form for the CSV file; people read the other tables


@dataclass
class Report:
    name: str
    title: str
    parameters: dict[str, Any]
    headline: str
    totals: dict[str, Any]
    tables: list[Table]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "report": self.name, "title": self.title, "parameters": self.parameters, "headline": self.headline,
            "totals": self.totals, "notes": self.notes,
            "tables": [{"title": t.title, "columns": t.columns,
                        "rows": [dict(zip(t.columns, row)) for row in t.rows]} for t in self.tables],
        }

    def to_csv(self) -> str:
        """The report's first table (the one a district files), as CSV."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        table = self.tables[0]
        writer.writerow(table.columns)
        writer.writerows(table.rows)
        return out.getvalue()

    def to_text(self) -> str:
        lines = [self.title, self.headline, ""]
        for table in (t for t in self.tables if not t.file_only):
            lines.append(table.title)
            # Each cell made text once (a status list has 30,000 rows): widths, then the padded lines.
            cells = [[_cell(v) for v in row] for row in table.rows]
            widths = [max(len(str(c)), *map(len, column)) if cells else len(str(c))
                      for c, column in zip(table.columns, zip(*cells) if cells else [()] * len(table.columns))]
            lines.append("  ".join(str(c).ljust(w) for c, w in zip(table.columns, widths)))
            lines.extend("  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells)
            lines.append("")
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines).rstrip() + "\n"


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def percent(part: int, whole: int) -> str:
    """A share as text with one decimal ("76.4"); integers only, no float rounding surprises."""
    if whole == 0:
        return "0.0"
    tenths = (part * 1000 + whole // 2) // whole
    return f"{tenths // 10}.{tenths % 10}"


def dollars(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """"1 student", "2 students": a count with its noun in the right number."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
