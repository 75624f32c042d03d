"""Reading the CSV files the ledger imports (catalog, listings): numbered rows, header checked, all or nothing.

Rows are numbered as a spreadsheet shows them (the header is row 1); every
bad row is collected and reported together, and `raise_if_invalid` refuses
the whole file when any row is bad. Imports nothing of ours but the errors.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from ledger.errors import InputError

MAX_ROWS = 20_000
# Yes/no cells as people type them.
YES_NO = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}


def read_rows(text: str, columns: dict[str, Any], *, required: Iterable[str]) -> list[tuple[int, dict[str, str]]]:
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


def raise_if_invalid(errors: dict[str, list[str]], rows: int) -> None:
    """InputError naming every bad row (`row 3.points`: problems) and the first, if there is any."""
    if errors:
        first = next(iter(errors.items()))
        bad_rows = len({k.split(".")[0] for k in errors})
        raise InputError(f"{bad_rows} of {rows} rows are invalid; nothing was stored (first: {first[0]}: "
                         f"{first[1][0]})", errors)
