"""State lists as data: school years, the terms each state's listing carries, and
how a stream of listing events resolves to "what was listed in year Y".

Pure: no I/O, no clock. Used by the event schema (shape of `terms`), the
Listing aggregate and read model, and the pathway rules.

School years are written "2024-25" in documents and CSV files and handled as
the calendar year they end in (2025), which is also the graduating class of
that year: the class of 2025 graduates in school year 2024-25. A school year
runs 1 July to 30 June (the fiscal year of Ohio, Missouri and Colorado), so
a credential earned on 2025-06-30 was earned in 2024-25 and one earned on
2025-07-01 in 2025-26.

Listing semantics: every `CredentialListed` sets the terms for the school
years it covers (from … to, or open-ended), replacing what earlier events said
about those years; `CredentialDelisted` removes the years it covers. So a
revision "from 2025-26 the points are 6" is one event covering 2026 on, and
earlier years keep their earlier terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

# New Mexico has a list only for its state CTE credential file (ledger.reports.state_files): the state's
# credential code of each credential; no pathway rules read it.
STATES = ("OH", "MO", "CO", "NM")
STATE_NAMES = {"OH": "Ohio", "MO": "Missouri", "CO": "Colorado", "NM": "New Mexico"}

# DOMAIN.md: Ohio's 13 career fields.
OHIO_CAREER_FIELDS = (
    "Agriculture/Environmental Systems", "Arts & Communications", "Business, Marketing & Finance",
    "Construction", "Education & Training", "Engineering", "Health", "Hospitality & Tourism",
    "Human Services", "Information Technology", "Law & Public Safety", "Manufacturing", "Transportation",
)  # fmt: skip
# Missouri DESE keeps an IRC list; a CTE Certificate also accepts a technical skill assessment (TSA).
MISSOURI_LIST_KINDS = ("irc", "tsa")
OHIO_MAX_POINTS = 12
COLORADO_TIERS = (1, 2, 3)  # Career Development Incentive Program: paid in this order

# Which terms a listing carries, by state and scope (statewide list or a district's).
TERMS: dict[tuple[str, bool], dict[str, type]] = {
    ("OH", False): {"careerField": str, "points": int},
    ("MO", False): {"listKind": str, "programArea": str, "stackable": bool},
    ("CO", False): {"incentiveTier": int},  # the state's incentive-program list
    ("CO", True): {"meetsEnglish": bool, "meetsMath": bool},  # a district's Menu of Options
    ("NM", False): {"stateCode": str},  # the state credential code of the STARS CTE credential file
}
# Terms a listing may carry (absent: the default in the comment). `list` is a list of texts.
OPTIONAL_TERMS: dict[tuple[str, bool], dict[str, type]] = {
    # careerFields: every career field the credential is listed in (the Ohio driver's license: all 13), in
    # place of careerField; examLicense: "a state-issued license for a practice in a vocation that requires an
    # examination" (the IRC Seal's third option; default false); postsecondary: on the state's list of
    # recognized postsecondary credentials (Perkins V 5S1; default false); emisArea: DEW's EMIS assessment
    # area code of the credential, for the FA record of test type GW (ledger.reports.state_files; default none:
    # the Ohio file then refuses to report the credential and names it).
    ("OH", False): {"careerFields": list, "examLicense": bool, "postsecondary": bool, "emisArea": str},
    ("MO", False): {"postsecondary": bool},
    ("CO", False): {"postsecondary": bool},
    ("NM", False): {"postsecondary": bool},
}
# EMIS assessment area codes are short codes (the FA record's field holds up to 4 characters); a state
# credential code is a code, not a name.
EMIS_AREA = re.compile(r"^[A-Z0-9]{1,4}$")
STATE_CODE = re.compile(r"^[A-Za-z0-9._-]{1,20}$")

_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR, LAST_YEAR = 1990, 2200


def school_year_from_text(text: str) -> int:
    """'2024-25' -> 2025 (also accepts '2025' meaning the year ending in 2025). ValueError otherwise."""
    text = text.strip()
    match = _SCHOOL_YEAR.match(text)
    if match:
        start, end = int(match.group(1)), int(match.group(2))
        if (start + 1) % 100 != end:
            raise ValueError(f"{text!r} is not a school year like 2024-25")
        year = start + 1
    elif text.isdigit() and len(text) == 4:
        year = int(text)
    else:
        raise ValueError(f"{text!r} is not a school year like 2024-25")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{text!r} is out of range")
    return year


def school_year_to_text(year: int) -> str:
    """2025 -> '2024-25'."""
    return f"{year - 1}-{year % 100:02d}"


def school_year_of(day: date) -> int:
    """The school year (by the year it ends) a date falls in; years start on 1 July."""
    return day.year + 1 if day.month >= 7 else day.year


def last_day_of(year: int) -> date:
    """30 June of school year `year`: graduation, for the class of `year`."""
    return date(year, 6, 30)


def terms_problems(state: str, district: str | None, terms: Any) -> list[str]:
    """Why `terms` is not the right shape for this state's listing (empty when it is)."""
    shape = TERMS.get((state, district is not None))
    if shape is None:
        return [f"{STATE_NAMES.get(state, state)} has no district lists; leave district empty"]
    if not isinstance(terms, dict):
        return ["terms is a JSON object"]
    optional = OPTIONAL_TERMS.get((state, district is not None), {})
    problems = [f"unexpected term {k!r}" for k in terms if k not in shape and k not in optional]
    if state == "OH" and district is None and "careerFields" in terms:
        # Several career fields in place of one: careerField is then not given.
        shape = {k: v for k, v in shape.items() if k != "careerField"}
        if "careerField" in terms:
            problems.append("give careerField or careerFields, not both")
    for name, kind in {**shape, **{k: v for k, v in optional.items() if k in terms}}.items():
        value = terms.get(name)
        if value is None:
            problems.append(f"{name} is required")
        elif kind is list and (not isinstance(value, list) or not value
                               or not all(isinstance(v, str) and v.strip() for v in value)):
            problems.append(f"{name} is a non-empty list of texts")
        elif kind is bool and not isinstance(value, bool):
            problems.append(f"{name} is true or false")
        elif kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(f"{name} is an integer")
        elif kind is str and (not isinstance(value, str) or not value.strip() or len(value) > 200):
            problems.append(f"{name} is a non-empty text of at most 200 characters")
    if problems:
        return problems
    if state == "OH":
        if "careerFields" in terms:
            if any(f not in OHIO_CAREER_FIELDS for f in terms["careerFields"]):
                problems.append(f"careerFields are Ohio career fields ({', '.join(OHIO_CAREER_FIELDS)})")
            elif len(set(terms["careerFields"])) != len(terms["careerFields"]):
                problems.append("careerFields names each field once")
        elif terms["careerField"] not in OHIO_CAREER_FIELDS:
            problems.append(f"careerField is one of Ohio's 13 career fields ({', '.join(OHIO_CAREER_FIELDS)})")
        if not 1 <= terms["points"] <= OHIO_MAX_POINTS:
            problems.append(f"points is between 1 and {OHIO_MAX_POINTS}")
        if "emisArea" in terms and not EMIS_AREA.match(terms["emisArea"]):
            problems.append("emisArea is 1 to 4 capital letters or digits (DEW's assessment area code)")
    if state == "NM" and not STATE_CODE.match(terms["stateCode"]):
        problems.append("stateCode is a code of at most 20 letters, digits, '.', '_' or '-'")
    if state == "MO" and terms["listKind"] not in MISSOURI_LIST_KINDS:
        problems.append(f"listKind is one of {', '.join(MISSOURI_LIST_KINDS)}")
    if state == "CO" and district is None and terms["incentiveTier"] not in COLORADO_TIERS:
        problems.append(f"incentiveTier is one of {', '.join(map(str, COLORADO_TIERS))}")
    return problems


def ohio_fields(terms: Mapping[str, Any]) -> tuple[str, ...]:
    """The career fields an Ohio listing puts a credential in (one, or several: `careerFields`)."""
    fields = terms.get("careerFields")
    return tuple(fields) if fields else (terms["careerField"],)


# Resolving listing events --------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """Terms in force for school years first..last (last None: open-ended)."""

    first: int
    last: int | None
    terms: Mapping[str, Any]
    note: str | None = None

    def covers(self, year: int) -> bool:
        return self.first <= year and (self.last is None or year <= self.last)


def _cut(segments: Iterable[Segment], first: int, last: int | None) -> list[Segment]:
    """The segments with years first..last removed."""
    kept = []
    for s in segments:
        if s.first < first:  # the part before
            end = first - 1 if s.last is None else min(s.last, first - 1)
            kept.append(Segment(s.first, end, s.terms, s.note))
        if last is not None and (s.last is None or s.last > last):  # the part after
            kept.append(Segment(max(s.first, last + 1), s.last, s.terms, s.note))
    return kept


def apply_listing_event(
    segments: Iterable[Segment], listed: bool, first: int, last: int | None,
    terms: Mapping[str, Any] | None = None, note: str | None = None,
) -> list[Segment]:
    """The segments after one CredentialListed (listed=True) or CredentialDelisted event."""
    result = _cut(segments, first, last)
    if listed:
        result.append(Segment(first, last, dict(terms or {}), note))
    return sorted(result, key=lambda s: s.first)


def terms_in(segments: Iterable[Segment], year: int) -> Mapping[str, Any] | None:
    for s in segments:
        if s.covers(year):
            return s.terms
    return None
