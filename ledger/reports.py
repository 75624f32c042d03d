"""District reports and student pathway status, as queries over the read models.

Every report reads the projections (`ledger.readmodels`: awards, students,
issuers, catalog, listings, assessments) and applies the pure rules of
`ledger.pathways`; nothing here writes. Reports:

- `irc-summary`: credentials (or, with a state, that state's IRCs) earned, by
  attending center, school, issuer, program, cluster, school year and
  credential, with each group's share of the total. The attending center is
  the institution that attested the award when it is a CTE center (the
  student earned it there); other awards count as earned at the home school.
  The school is the institution that registered the student.
- `perkins-5s1`: CTE concentrators who attained a recognized postsecondary
  credential. Concentrators come from an input list; without one, a proxy:
  students with two or more credentials in one career cluster (the report
  says which it used). Assessments (the NCRC) are not counted as credentials.
- `ohio-status`: each student's Ohio credential option, IRC seal, two
  demonstrations and report-card bundle.
- `colorado-incentive`: each district's Career Development Incentive claim.

Counting: revoked and superseded awards never count (an amendment counts once,
as the award that replaced it); expired awards count where they were earned.
Years are school years (1 July – 30 June) by the year they end.
"""

from __future__ import annotations

import csv
import gc
import io
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from ledger.errors import InputError, NotFoundError
from ledger.pathways import (
    EarnedCredential,
    ListingBook,
    RuleResult,
    StudentFacts,
    StudentInputs,
    WorkKeysSitting,
    evaluate_student,
)
from ledger.pathways.missouri import missouri_tally
from ledger.statelists import (
    STATE_NAMES,
    STATES,
    Segment,
    apply_listing_event,
    last_day_of,
    school_year_from_text,
    school_year_of,
    school_year_to_text,
)

HOME = "Home school (not at a CTE center)"
REPORTS = ("irc-summary", "perkins-5s1", "ohio-status", "colorado-incentive")


# Report values ---------------------------------------------------------------------


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
            widths = [max(len(str(c)), *(len(_cell(r[i])) for r in table.rows)) if table.rows else len(str(c))
                      for i, c in enumerate(table.columns)]
            lines.append("  ".join(str(c).ljust(w) for c, w in zip(table.columns, widths)))
            lines.extend("  ".join(_cell(v).ljust(w) for v, w in zip(row, widths)) for row in table.rows)
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


# Loading from the read models ------------------------------------------------------


class AwardRow(NamedTuple):
    """One award as the reports read it (a named tuple: a district has hundreds of thousands)."""

    award: str
    student: str
    issuer: str
    credential: str
    earned: date
    expires: date | None
    revoked: str | None


@dataclass
class ReportData:
    """Everything the reports read, loaded with a handful of queries."""

    issuers: dict[str, tuple[str, str, str]]  # did -> (slug, name, kind)
    credentials: dict[str, dict[str, Any]]  # code -> name, type, careerField, careerCluster
    students: dict[str, tuple[str, int | None]]  # id -> (registered_by DID, cohort)
    awards: list[AwardRow]
    book: ListingBook
    workkeys: dict[str, list[WorkKeysSitting]]

    def issuer_name(self, did: str) -> str:
        return self.issuers.get(did, (did, did, ""))[1]

    def issuer_did(self, slug: str) -> str:
        for did, (s, _, _) in self.issuers.items():
            if s == slug:
                return did
        raise NotFoundError(f"no issuer {slug!r}")

    def center_of(self, award: AwardRow) -> str:
        """The attending center: the attesting institution when it is a CTE center."""
        _slug, name, kind = self.issuers.get(award.issuer, ("", award.issuer, ""))
        return name if kind == "cte_center" else HOME

    def earned(self, award: AwardRow) -> EarnedCredential:
        entry = self.credentials.get(award.credential, {})
        return EarnedCredential(award.award, award.credential, entry.get("name", award.credential), award.earned,
                                award.issuer, entry.get("type", "certification"), award.expires, award.revoked)


def load_listing_book(view: Any, names: Mapping[str, str] | None = None) -> ListingBook:
    rows = view.query("SELECT stream, sequence, listed, credential, state, district, effective_from, effective_to, "
                      "terms, note FROM rm_listings ORDER BY stream, sequence")
    segments: dict[tuple[str, str | None, str], list[Segment]] = {}
    for _, _, listed, credential, state, district, first, last, terms, note in rows:
        key = (state, district, credential)
        segments[key] = apply_listing_event(
            segments.get(key, []), bool(listed), school_year_from_text(first),
            None if last is None else school_year_from_text(last), json.loads(terms) if terms else None, note)
    return ListingBook(segments, names)


def load_report_data(view: Any, *, students: Sequence[str] | None = None) -> ReportData:
    """Load the read models (all students, or only `students`)."""
    issuers = {r[0]: (r[1], r[2], r[3]) for r in view.query("SELECT did, slug, name, kind FROM rm_issuers ")}
    credentials = {
        r[0]: {"name": r[1], "type": r[2], "careerField": r[3], "careerCluster": r[4]}
        for r in view.query("SELECT code, name, credential_type, career_field, career_cluster FROM rm_credentials ")
    }
    where, params = "", list(students or [])
    if students is not None:
        where = f" WHERE student_id IN ({', '.join('?' * len(params))})" if params else " WHERE 1 = 0"
    student_rows = view.query(f"SELECT student_id, registered_by, cohort FROM rm_students {where}", params)
    award_rows = view.query(
        f"SELECT award_id, student_id, issuer, credential, earned, expires, revoked_reason FROM rm_awards {where} "
        "ORDER BY position", params)
    parse = date.fromisoformat
    awards = [AwardRow(a, s, i, c, parse(e), parse(x) if x else None, r) for a, s, i, c, e, x, r in award_rows]
    workkeys: dict[str, list[WorkKeysSitting]] = defaultdict(list)
    for student, taken, scores in view.query(
            f"SELECT student_id, taken, scores FROM rm_assessments {where} ORDER BY position", params):
        workkeys[student].append(WorkKeysSitting(parse(taken), json.loads(scores)))
    return ReportData(
        issuers=issuers, credentials=credentials,
        students={r[0]: (r[1], None if r[2] is None else int(r[2])) for r in student_rows},
        awards=awards, book=load_listing_book(view, {k: v["name"] for k, v in credentials.items()}),
        workkeys=dict(workkeys),
    )


def student_facts(data: ReportData, student_id: str, inputs: StudentInputs | None = None,
                  *, cohort: int | None = None, awards: Iterable[AwardRow] | None = None) -> StudentFacts:
    if student_id not in data.students:
        raise NotFoundError(f"no student {student_id!r}")
    registered_by, recorded_cohort = data.students[student_id]
    mine = awards if awards is not None else (a for a in data.awards if a.student == student_id)
    return StudentFacts(
        student=student_id, cohort=cohort if cohort is not None else recorded_cohort,
        credentials=tuple(data.earned(a) for a in mine), workkeys=tuple(data.workkeys.get(student_id, ())),
        district=registered_by, district_name=data.issuer_name(registered_by), inputs=inputs or StudentInputs(),
    )


def student_pathways(
    projections: Any, student_id: str, *, today: date, inputs: StudentInputs | None = None,
    cohort: int | None = None, states: Iterable[str] | None = None,
) -> list[RuleResult]:
    """A student's pathway status from the read models: what the web's student page and console show.

    The district whose Colorado Menu of Options applies is the institution that registered the student.
    """
    projections.catch_up()
    data = load_report_data(projections.view, students=[student_id])
    return evaluate_student(student_facts(data, student_id, inputs, cohort=cohort), data.book, today=today,
                            states=states)


def parse_year(text: str | None) -> int | None:
    if text is None or text == "":
        return None
    try:
        return school_year_from_text(text)
    except ValueError:
        raise InputError.for_field("year", "a school year like 2025-26 (or 2026, the year it ends)") from None


def build_report(
    name: str, view: Any, *, today: date, year: str | None = None, state: str | None = None,
    district: str | None = None, inputs: Mapping[str, StudentInputs] | None = None, frl: set[str] | None = None,
    concentrators: set[str] | None = None, funds_cents: int | None = None, served: set[str] | None = None,
) -> Report:
    """One report by name, from the read models (the CLI and the web call this).

    With `district`, the per-student reports (perkins-5s1, ohio-status) cover `served`: the
    students the institution relates to (ledger.access), given by the caller.
    """
    if name not in REPORTS:
        raise InputError.for_field("report", f"one of {', '.join(REPORTS)}")
    with _collector_paused():
        return _build(name, view, today=today, year=year, state=state, district=district, inputs=inputs, frl=frl,
                      concentrators=concentrators, funds_cents=funds_cents, served=served)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A report makes a few hundred thousand small tuples that all stay alive until it is done: the cyclic
    garbage collector would walk them again and again (a third of the time at 100,000 awards) and find
    nothing to free. Paused for the report, restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build(
    name: str, view: Any, *, today: date, year: str | None, state: str | None, district: str | None,
    inputs: Mapping[str, StudentInputs] | None, frl: set[str] | None, concentrators: set[str] | None,
    funds_cents: int | None, served: set[str] | None,
) -> Report:
    school_year = parse_year(year)
    data = load_report_data(view)
    if district is not None and name in ("perkins-5s1", "ohio-status"):
        data.issuer_did(district)  # an unknown institution is named
        data.students = {s: v for s, v in data.students.items() if s in (served or set())}
    if name == "irc-summary":
        return irc_summary(data, year=school_year, state=state, district=district)
    if name == "perkins-5s1":
        return perkins_5s1(data, year=school_year, concentrators=concentrators)
    if name == "ohio-status":
        return ohio_status(data, today=today, year=school_year, inputs=inputs)
    if funds_cents is None:
        raise InputError.for_field("funds", "the dollars available statewide (--funds)")
    return colorado_incentive(data, year=school_year or school_year_of(today), funds_cents=funds_cents, frl=frl,
                              district=district)


# irc-summary ---------------------------------------------------------------------


class Earned(NamedTuple):
    """One counted unit (a credential, or one state-recognized IRC) and where/when it was earned."""

    student: str
    award: AwardRow
    program: str
    credential_name: str


def counted_units(data: ReportData, *, state: str | None = None, district: str | None = None) -> list[Earned]:
    """What the summary counts: every active award, or with `state`, that state's recognized credentials.

    An institution's (`district`'s) summary counts the awards of the students it registered, wherever
    they were recorded, and the awards it recorded itself: a CTE center's covers the students it
    served, by sending district ("school"), and never their other awards.
    """
    active = [a for a in data.awards if a.revoked is None
              and (district is None or a.issuer == district or data.students.get(a.student, ("",))[0] == district)]
    if state is None:
        cluster = {code: _cluster(data, code) for code in data.credentials}
        name = {code: entry.get("name", code) for code, entry in data.credentials.items()}
        return [Earned(a.student, a, cluster.get(a.credential, "(no cluster)"), name.get(a.credential, a.credential))
                for a in active]
    if state == "MO":
        by_student: dict[str, list[AwardRow]] = defaultdict(list)
        for a in active:
            by_student[a.student].append(a)
        units = []
        for student, rows in by_student.items():
            award_of = {r.award: r for r in rows}
            for unit in missouri_tally([data.earned(r) for r in rows], data.book).units:
                last = unit.completed_by
                names = " + ".join(c.name for c in unit.credentials)
                units.append(Earned(student, award_of[last.award], unit.program_area, names))
        return units
    term = {"OH": "careerField", "CO": "incentiveTier"}[state]
    result = []
    for a in active:
        terms = data.book.terms(state, a.credential, school_year_of(a.earned))
        if terms is not None:
            program = terms[term] if state == "OH" else _cluster(data, a.credential)
            result.append(Earned(a.student, a, str(program), data.credentials.get(a.credential, {}).get(
                "name", a.credential)))
    return result


def _cluster(data: ReportData, code: str) -> str:
    entry = data.credentials.get(code, {})
    return entry.get("careerCluster") or entry.get("careerField") or "(no cluster)"


def irc_summary(data: ReportData, *, year: int | None = None, state: str | None = None,
                district: str | None = None) -> Report:
    if state is not None and state not in STATES:
        raise InputError.for_field("state", f"one of {', '.join(STATES)}")
    district_did = data.issuer_did(district) if district else None
    units = [u for u in counted_units(data, state=state, district=district_did)
             if year is None or school_year_of(u.award.earned) == year]
    total = len(units)
    what = f"{STATE_NAMES[state]}-recognized credentials" if state else "credentials"
    dimensions: list[tuple[str, None]] = [
        ("attending center", None), ("school", None), ("issuing institution", None),
        ("program" if state else "career cluster", None), ("school year", None), ("credential", None),
    ]
    # One pass builds a column per breakdown; counting then runs in C (Counter, set of pairs).
    name_of = {did: name for did, (_, name, _) in data.issuers.items()}
    center_of = {did: name if kind == "cte_center" else HOME for did, (_, name, kind) in data.issuers.items()}
    school_of = {student: name_of.get(registered_by, registered_by)
                 for student, (registered_by, _) in data.students.items()}
    year_of: dict[date, str] = {}
    rows_of_units = []
    for u in units:
        a = u.award
        year_text = year_of.get(a.earned)
        if year_text is None:
            year_text = year_of[a.earned] = school_year_to_text(school_year_of(a.earned))
        rows_of_units.append((center_of.get(a.issuer, HOME), school_of.get(u.student, ""),
                              name_of.get(a.issuer, a.issuer), u.program, year_text, u.credential_name))
    columns = list(zip(*rows_of_units)) if rows_of_units else [()] * len(dimensions)
    students_column = [u.student for u in units]
    long_rows: list[list[Any]] = []
    tables = []
    for index, (label, _) in enumerate(dimensions):
        counts = Counter(columns[index])
        students = Counter(group for group, _ in set(zip(columns[index], students_column)))
        ordered = sorted(counts.items(), key=lambda kv: kv[0]) if label == "school year" else counts.most_common()
        rows = [[group, n, students[group], percent(n, total)] for group, n in ordered]
        tables.append(Table(f"By {label}", [label, "earned", "students", "share %"], rows, chart="share %"))
        long_rows += [[label, *row] for row in rows]
    centers = Counter(columns[0])
    top = next(((c, n) for c, n in centers.most_common() if c != HOME), None)
    headline = f"{total} {what} earned by {len(set(students_column))} students" + (
        f"; {percent(top[1], total)}% at {top[0]}" if top else "") + "."
    summary_table = Table("All breakdowns", ["breakdown", "group", "earned", "students", "share %"], long_rows,
                          file_only=True)
    notes = ["Revoked and superseded awards are not counted; expired ones count in the year earned.",
             "The attending center is the CTE center that attested the award; other awards count at the home school."]
    if state == "MO":
        notes.append("Two stackable credentials in one program area count as one IRC, in the year the second "
                     "was earned.")
    if state:
        notes.append(f"Only credentials on the {STATE_NAMES[state]} list in the school year they were earned count.")
    return Report(
        "irc-summary", f"District {'IRC' if state else 'credential'} summary",
        {"year": school_year_to_text(year) if year else None, "state": state, "district": district}, headline,
        {"earned": total, "students": len(set(students_column)),
         "by_center": {c: {"earned": n, "share": percent(n, total)} for c, n in centers.most_common()}},
        [summary_table, *tables], notes,
    )


# perkins-5s1 ---------------------------------------------------------------------


def perkins_5s1(data: ReportData, *, year: int | None = None, concentrators: set[str] | None = None) -> Report:
    basis = "input list" if concentrators is not None else "proxy: 2+ credentials in one career cluster"
    rows, attained_total, unknown_cohort = [], 0, 0
    by_student: dict[str, list[AwardRow]] = defaultdict(list)
    for a in data.awards:
        if a.revoked is None:
            by_student[a.student].append(a)
    for student, (_, cohort) in sorted(data.students.items()):
        if cohort is None:
            unknown_cohort += 1
            if year is not None:
                continue
        elif year is not None and cohort != year:
            continue
        awards = by_student.get(student, [])
        cutoff = last_day_of(cohort) if cohort is not None else None
        if concentrators is not None:
            if student not in concentrators:
                continue
            why = "listed"
        else:
            clusters = Counter(_cluster(data, a.credential) for a in awards
                               if data.credentials.get(a.credential, {}).get("type") != "assessment")
            cluster = next((c for c, n in clusters.most_common() if n >= 2 and c != "(no cluster)"), None)
            if cluster is None:
                continue
            why = f"2+ credentials in {cluster}"
        recognized = [a for a in awards if data.credentials.get(a.credential, {}).get("type") != "assessment"
                      and (cutoff is None or a.earned <= cutoff)]
        attained = bool(recognized)
        attained_total += attained
        names = sorted({data.credentials.get(a.credential, {}).get("name", a.credential) for a in recognized})
        rows.append([student, cohort, why, "yes" if attained else "no", "; ".join(names)])
    total = len(rows)
    notes = [f"Concentrators: {basis}.",
             ("A recognized postsecondary credential: an active award of a certification, license or certificate "
             "earned by graduation (30 June of the class year); assessments such as the NCRC do not count.")]
    if year is not None and unknown_cohort:
        notes.append(f"{unknown_cohort} students have no recorded graduating class and are left out.")
    return Report(
        "perkins-5s1", "Perkins V 5S1: concentrators who attained a recognized postsecondary credential",
        {"year": school_year_to_text(year) if year else None, "concentrators": basis},
        f"{attained_total} of {total} CTE concentrators attained a recognized postsecondary credential "
        f"({percent(attained_total, total)}%).",
        {"numerator": attained_total, "concentrators": total, "rate": percent(attained_total, total)},
        [Table("Concentrators", ["student", "class", "concentrator", "attained", "credentials"], rows)], notes,
    )


# ohio-status ---------------------------------------------------------------------


OHIO_RULES = ("oh-credential-option", "oh-irc-seal", "oh-demonstrations", "oh-report-card")


def ohio_status(data: ReportData, *, today: date, year: int | None = None,
                inputs: Mapping[str, StudentInputs] | None = None) -> Report:
    by_student: dict[str, list[AwardRow]] = defaultdict(list)
    for a in data.awards:
        by_student[a.student].append(a)
    rows, counts = [], Counter()
    for student, (_, cohort) in sorted(data.students.items(), key=lambda kv: (kv[1][1] or 0, kv[0])):
        if cohort is None or (year is not None and cohort != year):
            continue
        facts = student_facts(data, student, (inputs or {}).get(student), awards=by_student.get(student, []))
        results = {r.rule: r for r in evaluate_student(facts, data.book, today=today, states=["OH"])}
        bundle = results["oh-report-card"].counted  # the best field's credentials
        name, points = (bundle[0].group if bundle else None), sum(c.points or 0 for c in bundle)
        status = [results[r].status for r in OHIO_RULES]
        for rule, s in zip(OHIO_RULES, status):
            counts[(rule, s)] += 1
        missing = "; ".join(m for r in OHIO_RULES[:1] for m in results[r].missing)
        rows.append([student, cohort, name or "", points, *status, missing])
    total = len(rows)
    option_met = counts[("oh-credential-option", "met")]
    chart_rows = [[rule, status, n, percent(n, total)] for (rule, status), n in sorted(counts.items())]
    return Report(
        "ohio-status", "Ohio credential option: status by student",
        {"year": school_year_to_text(year) if year else None},
        f"{option_met} of {total} students meet the credential option; "
        f"{counts[('oh-report-card', 'met')]} have a 12-point bundle (report card).",
        {"students": total, **{f"{rule}:{status}": n for (rule, status), n in sorted(counts.items())}},
        [Table("Students", ["student", "class", "best career field", "points", "credential option", "IRC seal",
                            "two demonstrations", "12-point bundle", "missing (credential option)"], rows),
         Table("Status counts", ["rule", "status", "students", "share %"], chart_rows, chart="share %")],
        ["Points count within one career field, from Ohio's list in the school year each credential was earned.",
         ("WebXams, work-based learning, pre-apprenticeships and the OhioMeansJobs seal are report inputs "
         "(--inputs); without them two demonstrations may be 'unknown'.")],
    )


# colorado-incentive --------------------------------------------------------------


PER_STUDENT_CENTS = 100_000  # $1,000
FRL_PERCENT = 120
DISTRICT_CAP_PERCENT = 10


def colorado_incentive(data: ReportData, *, year: int, funds_cents: int, frl: set[str] | None = None,
                       district: str | None = None) -> Report:
    """Each district's claim: one per student per year at the student's best tier; paid tier by tier
    until the funds run out (a short tier is prorated), no district above 10% of the funds."""
    if funds_cents < 0:
        raise InputError.for_field("funds", "not negative")
    frl = frl or set()
    best: dict[str, tuple[int, AwardRow]] = {}
    for a in data.awards:
        if a.revoked is not None or school_year_of(a.earned) != year:
            continue
        terms = data.book.terms("CO", a.credential, year)
        if terms is None:
            continue
        tier = terms["incentiveTier"]
        if a.student not in best or (tier, a.earned) < (best[a.student][0], best[a.student][1].earned):
            best[a.student] = (tier, a)
    claims: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    claimants: list[tuple[str, str, AwardRow, int, int]] = []  # student, district, award, tier, amount
    for student, (tier, a) in sorted(best.items()):
        owner = data.students.get(student, (a.issuer, None))[0]
        amount = PER_STUDENT_CENTS * (FRL_PERCENT if student in frl else 100) // 100
        claims[owner][tier] += amount
        claimants.append((student, owner, a, tier, amount))
    cap = funds_cents * DISTRICT_CAP_PERCENT // 100
    paid: dict[str, int] = defaultdict(int)
    remaining = funds_cents
    for tier in sorted({t for c in claims.values() for t in c}):
        asks = {d: min(c.get(tier, 0), cap - paid[d]) for d, c in claims.items()}
        asked = sum(asks.values())
        if asked <= remaining:
            share = asks
        else:  # funds run out in this tier: prorate, in whole cents, rounding down
            share = {d: ask * remaining // asked for d, ask in asks.items()}
        for d, amount in share.items():
            paid[d] += amount
        remaining -= sum(share.values())
        if asked > remaining + sum(share.values()):
            break  # the funds ran out in this tier: later tiers get nothing (rounding crumbs stay unpaid)
    district_did = data.issuer_did(district) if district else None
    rows = []
    for d in sorted(claims, key=data.issuer_name):
        if district_did and d != district_did:
            continue
        requested = sum(claims[d].values())
        students = [c[0] for c in claimants if c[1] == d]
        rows.append([data.issuer_name(d), len(students), sum(s in frl for s in students), dollars(requested),
                     dollars(min(requested, cap)), dollars(paid[d]),
                     "; ".join(f"tier {t}: {dollars(v)}" for t, v in sorted(claims[d].items()))])
    student_rows = [
        [student, data.issuer_name(owner), data.credentials.get(a.credential, {}).get("name", a.credential), tier,
         "yes" if student in frl else "no", dollars(amount)]
        for student, owner, a, tier, amount in claimants if district_did is None or owner == district_did
    ]
    requested_total = sum(sum(c.values()) for c in claims.values())
    return Report(
        "colorado-incentive", "Colorado Career Development Incentive Program: district claims",
        {"year": school_year_to_text(year), "funds": dollars(funds_cents), "district": district},
        f"{len(best)} students completed a qualified credential in {school_year_to_text(year)}; requested "
        f"{dollars(requested_total)}, paid {dollars(funds_cents - remaining)} of {dollars(funds_cents)} available.",
        {"students": len(best), "requested_cents": requested_total, "paid_cents": funds_cents - remaining,
         "district_cap_cents": cap, "funds_cents": funds_cents},
        [Table("District claims", ["district", "students", "FRL students", "requested", "after 10% cap", "paid",
                                   "by tier"], rows),
         Table("Students", ["student", "district", "credential", "tier", "FRL", "requested"], student_rows)],
        [(f"Up to {dollars(PER_STUDENT_CENTS)} per student per year ({FRL_PERCENT}% for students eligible for free "
         "or reduced lunch, from the --frl list, which is never written into the ledger)."),
         "Paid in tier order (tier 1 first); where the funds run out a tier is prorated, rounding down to the cent.",
         (f"No district receives more than {DISTRICT_CAP_PERCENT}% of the funds available (the statewide "
         "industry-credential total); amounts above the cap are not redistributed."),
         ("A qualified credential is on Colorado's incentive list in the school year earned; the claiming district "
         "is the institution that registered the student.")],
    )
