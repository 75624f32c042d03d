"""SOC and CIP codes of a catalog entry: several per entry, read in one place whatever the event's shape.

A credential prepares for several occupations (a pharmacy technician certificate: SOC 29-2052 and,
in a hospital, 31-1131) and is taught in several programs, so `CredentialDefined` and
`CredentialUpdated` carry `soc` and `cip` as lists. Events signed before that carry one code as a
string; they are immutable and stay valid, and `code_list` reads them as a one-element list. Every
reader (the aggregate, the read model's rows, the CSV and the commands) goes through this module, so
the old shape is handled here and nowhere else. Imports nothing of ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LIST_CODES = ("soc", "cip")  # the catalog members that hold several codes
MAX_CODES = 20  # per member: a catalog entry, not a crosswalk
SEPARATOR = ";"  # in the catalog CSV and in the read model's column


def code_list(value: Any) -> list[str]:
    """The codes of one member as a list: None → [], "51.0801" (an event signed before lists) → ["51.0801"]."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def normalized(fields: Mapping[str, Any]) -> dict[str, Any]:
    """`fields` with `soc` and `cip` as lists (duplicates dropped, order kept) where present: the shape
    commands sign. A member given as None or [] is left as given (present, clearing the codes)."""
    out = dict(fields)
    for member in LIST_CODES:
        if member in out and out[member] is not None:
            out[member] = list(dict.fromkeys(code_list(out[member])))
    return out


def split_cell(cell: str | None) -> list[str]:
    """The codes of one CSV cell or read-model column: "29-2052; 31-1131" → ["29-2052", "31-1131"]."""
    return [code.strip() for code in (cell or "").split(SEPARATOR) if code.strip()]


def joined(value: Any) -> str | None:
    """The read model's column for a member of either shape: "29-2052;31-1131", or None for no codes."""
    codes = code_list(value)
    return SEPARATOR.join(codes) if codes else None
