"""Missouri: industry-recognized credentials (IRCs) and the CTE Certificate.

A credential counts when it was on DESE's list in the school year it was
earned. Stackable credentials count in pairs from school year 2020-21 (when
DESE began counting them): two stackables in one program area make one IRC
(three make one, four make two); a lone stackable makes none, and a pair
completed before 2020-21 makes none. A credential earned twice counts once.
The CTE Certificate needs all eight of DESE's criteria: "met" only when every
one is known to be met, "unknown" while any is not recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledger.pathways.context import Context, three_valued, year_text
from ledger.pathways.facts import OLDEST_FIRST, Counted, EarnedCredential, ListingBook, RuleResult
from ledger.pathways.rulebook import MISSOURI_STACKABLES, StackableRule
from ledger.statelists import school_year_of, school_year_to_text


@dataclass(frozen=True)
class IrcUnit:
    """One IRC as Missouri counts it: one credential, or a pair of stackables in one program area."""

    credentials: tuple[EarnedCredential, ...]
    program_area: str

    @property
    def completed_by(self) -> EarnedCredential:
        """The credential that completed it (the later of a pair): where and when the IRC was earned."""
        return self.credentials[-1]


@dataclass(frozen=True)
class MissouriTally:
    units: tuple[IrcUnit, ...]
    pending: dict[str, tuple[EarnedCredential, ...]]  # program area -> a stackable still waiting for its pair
    tsas: tuple[tuple[EarnedCredential, str], ...]  # approved technical skill assessments, with program area
    unlisted: tuple[str, ...]
    early: tuple[str, ...] = ()  # stackable pairs completed before the stackable rule began


def missouri_tally(credentials: Iterable[EarnedCredential], book: ListingBook,
                   stackables: StackableRule = MISSOURI_STACKABLES) -> MissouriTally:
    per_irc = stackables.per_irc
    early: list[str] = []
    units: list[IrcUnit] = []
    stacks: dict[str, list[EarnedCredential]] = {}
    areas: dict[str, str] = {}
    tsas: list[tuple[EarnedCredential, str]] = []
    unlisted: list[str] = []
    seen: set[str] = set()
    for c in sorted(credentials, key=OLDEST_FIRST):
        terms = book.terms("MO", c.credential, school_year_of(c.earned))
        if terms is None:
            unlisted.append(f"{c.name} was not on Missouri's list in {year_text(c.earned)}, when it was earned.")
            continue
        if c.credential in seen:
            continue
        seen.add(c.credential)
        area = terms["programArea"]
        if terms["listKind"] == "tsa":
            tsas.append((c, area))
        elif not terms["stackable"]:
            units.append(IrcUnit((c,), area))
        else:
            key = area.casefold()
            areas.setdefault(key, area)
            stack = stacks.setdefault(key, [])
            stack.append(c)
            if len(stack) == per_irc:
                if school_year_of(c.earned) >= stackables.from_year:
                    units.append(IrcUnit(tuple(stack), areas[key]))
                else:
                    early.append(f"{' + '.join(x.name for x in stack)} ({areas[key]}) were completed in "
                                 f"{year_text(c.earned)}: two stackable credentials count as one IRC only from "
                                 f"{school_year_to_text(stackables.from_year)}.")
                stack.clear()
    pending = {areas[k]: tuple(v) for k, v in stacks.items() if v}
    return MissouriTally(tuple(units), pending, tuple(tsas), tuple(unlisted), tuple(early))


def _counted(unit: IrcUnit) -> list[Counted]:
    if len(unit.credentials) == 1:
        c = unit.credentials[0]
        return [Counted(c.award, c.credential, c.name, f"IRC, {unit.program_area}")]
    names = " + ".join(c.name for c in unit.credentials)
    return [Counted(c.award, c.credential, c.name, f"stackable, one IRC with the others ({names}), "
                                                   f"{unit.program_area}") for c in unit.credentials]


def _pending_missing(tally: MissouriTally) -> list[str]:
    return [f"one more stackable credential in {area} (with {', '.join(c.name for c in waiting)}) makes an IRC"
            for area, waiting in tally.pending.items()]


def irc(ctx: Context) -> RuleResult:
    tally = missouri_tally(ctx.credentials(), ctx.book)
    counted = [c for unit in tally.units for c in _counted(unit)]
    notes = list(tally.unlisted) + list(tally.early) + ctx.not_counted_notes()
    if tally.units:
        n = len(tally.units)
        return ctx.result("met", f"Met: {n} IRC{'s' if n > 1 else ''} on Missouri's list.", counted=counted,
                          notes=notes + _pending_missing(tally))
    missing = _pending_missing(tally) or ["a credential on Missouri's IRC list in the school year it is earned"]
    return ctx.result("not met", "Not met: no IRC on Missouri's list yet.", missing=missing, notes=notes)


def cte_certificate(ctx: Context) -> RuleResult:
    """DESE's eight criteria, for the best program of study; any not recorded makes the answer unknown."""
    params, inputs = ctx.rule.params, ctx.facts.inputs
    tally = missouri_tally(ctx.credentials(), ctx.book)
    aligned: dict[str, list[Counted]] = {}
    for unit in tally.units:
        aligned.setdefault(unit.program_area.casefold(), []).extend(_counted(unit))
    for c, area in tally.tsas:
        aligned.setdefault(area.casefold(), []).append(Counted(c.award, c.credential, c.name, f"TSA, {area}"))
    programs = dict(inputs.cte_programs or {})
    candidates = list(programs) or sorted({u.program_area for u in tally.units} | {a for _, a in tally.tsas})
    wbl = None if inputs.wbl_hours is None else inputs.wbl_hours >= params["wbl_hours"]
    attendance = None if inputs.attendance is None else inputs.attendance >= params["attendance"]
    # The criteria that do not depend on the program of study: (criterion, known value, what is missing)
    general: list[tuple[bool | None, str]] = [
        (inputs.graduation_requirements, "all graduation requirements"),
        (wbl, f"{params['wbl_hours']} hours of work-based learning aligned with the area of concentration"),
        (attendance, f"{params['attendance']}% attendance in grades 9–12"),
        (inputs.soft_skills, "soft skills / business skills demonstrated"),
        (inputs.ccr_measure, "a score at or above the state standard on a DESE-approved college and career "
                             "readiness measure"),
    ]
    notes = list(tally.unlisted) + list(tally.early)
    unrecorded = [label for value, label in general if value is None]
    if inputs.cte_programs is None:
        unrecorded.insert(0, "CTE courses and GPA")
    if unrecorded:
        notes.append(f"Not recorded in the ledger (a report input): {', '.join(unrecorded)}.")

    def general_missing() -> list[str]:
        missing = []
        for value, label in general:
            if value is None:
                missing.append(f"{label} (not recorded)")
            elif value is False:
                if label.startswith(str(params["wbl_hours"])):
                    missing.append(f"{params['wbl_hours'] - (inputs.wbl_hours or 0)} more hours of work-based "
                                   f"learning ({inputs.wbl_hours} of {params['wbl_hours']})")
                elif label.startswith(str(params["attendance"])):
                    missing.append(f"attendance {inputs.attendance}%, needs {params['attendance']}%")
                else:
                    missing.append(f"{label} (recorded as not met)")
        return missing

    best: tuple[int, list[bool | None], list[str], list[Counted], str] | None = None
    for program in candidates:
        progress = programs.get(program)
        courses = None if progress is None else progress.courses >= params["courses"]
        gpa = None if progress is None else progress.gpa >= params["gpa"]
        credential = bool(aligned.get(program.casefold()))
        parts = [courses, gpa, credential, *(v for v, _ in general)]
        missing = []
        if courses is None:
            missing.append(f"CTE concentrator in {program} ({params['courses']} courses) with a {params['gpa']} "
                           "GPA (not recorded)")
        if courses is False:
            more = params["courses"] - progress.courses  # type: ignore[union-attr]
            missing.append(f"{more} more course{'s' if more > 1 else ''} in {program} (a CTE concentrator)")
        if gpa is False:
            missing.append(f"GPA in {program} {progress.gpa}, needs {params['gpa']}")  # type: ignore[union-attr]
        if not credential:
            missing.append(f"an approved TSA or IRC in {program}")
        missing += general_missing()
        score = sum(p is True for p in parts) * 10 - sum(p is False for p in parts)
        if best is None or score > best[0]:
            best = (score, parts, missing, aligned.get(program.casefold(), []), program)
    if best is None:
        status = "unknown" if inputs.cte_programs is None else "not met"
        if any(v is False for v, _ in general):
            status = "not met"
        missing = [(f"a CTE concentrator ({params['courses']} courses in one program of study) with a "
                    f"{params['gpa']} GPA in it and an approved TSA or IRC in that program"), *general_missing()]
        summary = ("Cannot tell: no program of study recorded." if status == "unknown"
                   else "Not met: no program of study with courses recorded.")
        return ctx.result(status, summary, missing=missing, notes=notes)
    _, parts, missing, counted, program = best
    status = three_valued(parts)
    known = sum(p is not None for p in parts)
    summary = {"met": f"Met in {program}: all eight criteria.",
               "not met": f"Not met: closest is {program}.",
               "unknown": f"Cannot tell yet for {program}: {known} of the eight criteria are recorded "
                          f"({sum(p is True for p in parts)} met); the others are not."}[status]
    return ctx.result(status, summary, missing=missing, counted=counted, notes=notes + _pending_missing(tally))
