"""The codes a state knows an institution by (Ohio IRN, a district or location code), as configuration.

Issuers carry no state identifiers in the ledger (an `IssuerRegistered` has a
slug, a name and a kind) and these codes are no signed fact: they are how a
state's file names the institution, set by whoever runs the instance. So they
live beside `issuer-states.json` (ledger.pathways.states), in the instance's
data directory: `issuer-codes.json`, a JSON object of issuer slug -> {code name
-> code}. The names are the layouts' (ledger.reports.layouts): `irn` (Ohio's
six-digit IRN), `district_code` and `location_code` (a state's district and
school location codes), `delivery_method`. The demo writes its own. Pure but
for the two functions that read and write the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ledger.errors import InputError
from ledger.setting_files import read_setting, write_setting

ISSUER_CODES_FILE = "issuer-codes.json"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_CODE = re.compile(r"^[A-Za-z0-9._-]{1,20}$")


def load_issuer_codes(data_dir: Path | None) -> dict[str, dict[str, str]]:
    """The configured slug -> {name: code} ({} without the file). InputError naming the file when it is wrong."""
    if data_dir is None:
        return {}
    raw = read_setting(Path(data_dir) / ISSUER_CODES_FILE, ISSUER_CODES_FILE,
                       "a JSON object of issuer slug to its codes")
    if raw is None:
        return {}
    problems = codes_problems(raw)
    if problems:
        raise InputError.for_field(ISSUER_CODES_FILE, problems[0])
    return {slug: dict(codes) for slug, codes in raw.items()}


def codes_problems(raw: object) -> list[str]:
    """Why `raw` is not a valid issuer-codes object (empty when it is)."""
    if not isinstance(raw, dict):
        return ["a JSON object of issuer slug to an object of code name to code"]
    problems = []
    for slug, codes in raw.items():
        if not isinstance(codes, dict):
            problems.append(f"{slug}: an object of code name to code")
            continue
        for name, code in codes.items():
            if not isinstance(name, str) or not _NAME.match(name):
                problems.append(f"{slug}: code names are lower-case words like irn or district_code")
            elif not isinstance(code, str) or not _CODE.match(code):
                problems.append(f"{slug}.{name}: a code of at most 20 letters, digits, '.', '_' or '-' (as text)")
    return problems


def write_issuer_codes(data_dir: Path, codes: Mapping[str, Mapping[str, str]]) -> None:
    """Write the configuration (the demo's, or an operator's script)."""
    problems = codes_problems({k: dict(v) for k, v in codes.items()})
    if problems:
        raise InputError.for_field(ISSUER_CODES_FILE, problems[0])
    write_setting(Path(data_dir) / ISSUER_CODES_FILE, {k: dict(sorted(v.items())) for k, v in sorted(codes.items())})
