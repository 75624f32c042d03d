"""Reading an uploaded CSV file, whatever its format (awards, roster, crosswalk): Excel's encodings and
separators, header spellings, the limits, a closed header's rule, dates as spreadsheets write them, and the
one way every import refuses a file (each bad row's fields named). The formats themselves live with their
imports (web.imports, web.roster_import, web.crosswalk)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from ledger.errors import InputError

MAX_ROWS = 10_000


def parse_csv(data: bytes, *, aliases: Mapping[str, str],
              check_columns: Callable[[list[str]], None]) -> list[tuple[int, dict[str, str], list[str]]]:
    """(line, cells by normalized column, problems) per non-blank row; InputError for an unusable file.
    `aliases` (header spellings -> column) and `check_columns` (the header's rule) are the format's."""
    try:
        text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte order mark
    except UnicodeDecodeError:
        raise InputError.for_field("file", "not UTF-8 text: in your spreadsheet, save as \"CSV UTF-8\"") from None
    first_line = text.split("\n", 1)[0]
    try:
        dialect: Any = csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise InputError.for_field("file", "the file is empty: the first line must name the columns")
        columns = [_column(h, aliases) for h in header]
        check_columns(columns)
        rows: list[tuple[int, dict[str, str], list[str]]] = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) == MAX_ROWS:
                raise InputError.for_field("file", f"more than {MAX_ROWS:,} rows: split the file")
            problems = ["more cells than there are columns"] if len(cells) > len(columns) else []
            values = {c: v.strip() for c, v in zip(columns, cells) if c}
            rows.append((reader.line_num, values, problems))
    except csv.Error as e:
        raise InputError.for_field("file", f"line {reader.line_num}: {e}") from None
    if not rows:
        raise InputError.for_field("file", "the file has a header line but no rows")
    return rows


def _column(name: str, aliases: Mapping[str, str]) -> str:
    key = "_".join(name.strip().lower().replace("-", " ").split())
    return aliases.get(key, key)


def check_named_once(columns: list[str]) -> None:
    """No column named twice, whatever the format."""
    named = [c for c in columns if c]
    duplicates = sorted({c for c in named if named.count(c) > 1})
    if duplicates:
        raise InputError.for_field("file", f"column(s) named twice: {', '.join(duplicates)}")


def check_exact_columns(columns: list[str], known: Sequence[str], required: Sequence[str]) -> None:
    """A closed format's header: each column once, none unknown, every required one there. An unknown
    column is refused rather than skipped: it may hold what must not be kept (a note, a grade)."""
    check_named_once(columns)
    unknown = [c for c in columns if c and c not in known]
    if unknown:
        raise InputError.for_field("file", f"unknown column(s): {', '.join(unknown)}; the columns are "
                                           f"{', '.join(known)}")
    missing = [c for c in required if c not in columns]
    if missing:
        raise InputError.for_field("file", f"missing column(s): {', '.join(missing)}; see the format below")


def parse_date(text: str) -> date:
    """YYYY-MM-DD, or M/D/YYYY as US spreadsheets write dates."""
    if "/" in text:
        month, day, year = text.split("/")
        if len(year) != 4:
            raise ValueError(text)
        return date(int(year), int(month), int(day))
    if len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)


class CheckedRow(Protocol):
    """A checked row of any CSV import: its line and its problems (`field: problem`)."""

    @property
    def line(self) -> int: ...

    @property
    def errors(self) -> list[str]: ...


def raise_for_errors(rows: Sequence[CheckedRow]) -> None:
    """InputError naming each bad row's fields (`line 3.birth_date`), if any row is bad (every CSV import's
    one way to refuse a file: roster, crosswalk, the API's award import)."""
    errors: dict[str, list[str]] = {}
    for row in rows:
        for problem in row.errors:
            column, _, message = problem.partition(": ")
            errors.setdefault(f"line {row.line}.{column}" if message else f"line {row.line}", []).append(
                message or problem)
    if errors:
        bad = len({r.line for r in rows if r.errors})
        first, messages = next(iter(errors.items()))
        raise InputError(f"{bad} row(s) have errors; nothing was stored. {first}: {messages[0]}", errors)
