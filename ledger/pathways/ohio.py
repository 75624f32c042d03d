"""Ohio: the credential option (classes of 2018–2022), the IRC seal and the career-focused
demonstrations (class of 2023 on), the report-card bundle.

Points come from Ohio's list in the school year each credential was earned;
they add up only within one career field (a Taser certificate + IT
certificates + ServSafe is not a bundle). A credential listed in several
career fields (the driver's license: 1 point in all 13) counts in each of
them; a credential earned twice counts once in a field. Where the best field
falls short, `closes_gap` names the listed credentials that would close it,
those the student's schools have recorded before first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any, NamedTuple

from ledger.pathways.context import Context, year_text
from ledger.pathways.facts import (
    OLDEST_FIRST,
    WORKKEYS_TESTS,
    Counted,
    EarnedCredential,
    ListingBook,
    RuleResult,
    WorkKeysSitting,
)
from ledger.pathways.rulebook import WorkKeysThreshold, workkeys_threshold
from ledger.statelists import ohio_fields, school_year_of


class FieldTally:
    """One career field's points and the credentials that made them (each code once, oldest first)."""

    __slots__ = ("name", "points", "entries", "_counted")  # tens of thousands per district report

    def __init__(self, name: str) -> None:
        self.name = name
        self.points = 0
        self.entries: list[tuple[int, EarnedCredential]] = []
        self._counted: list[Counted] | None = None

    @property
    def counted(self) -> list[Counted]:
        """The credentials as a rule names them. Made when asked: most fields are only summed (the driver's
        license alone puts a student in all 13), and a district report has tens of thousands of students."""
        if self._counted is None:
            self._counted = [Counted(c.award, c.credential, c.name,
                                     f"{points} point{'s' if points != 1 else ''}, {self.name}", points, self.name)
                             for points, c in self.entries]
        return self._counted


def best_field(tallies: Mapping[str, FieldTally]) -> tuple[str | None, int]:
    """The field with the most points (of two as good, the first by name)."""
    if not tallies:
        return None, 0
    name, tally = min(tallies.items(), key=_most_points_first)
    return name, tally.points


def _most_points_first(item: tuple[str, FieldTally]) -> tuple[int, str]:
    return -item[1].points, item[0]


def mixing_note(tallies: Mapping[str, FieldTally]) -> list[str]:
    if len(tallies) < 2:
        return []
    parts = ", ".join(f"{f} {t.points}" for f, t in sorted(tallies.items(), key=lambda kv: -kv[1].points))
    return [f"Points do not add up across career fields: {parts}."]


class OhioPoints(NamedTuple):
    """What every Ohio rule of one student reads from Ohio's list (in the school year each credential was
    earned): the points per career field, the best field, the exam-based state licenses, and the credentials
    not on the list. (A named tuple: one per student of a district report.)"""

    tallies: dict[str, FieldTally]
    best: str | None
    points: int
    licenses: tuple[EarnedCredential, ...]  # listed as "a state-issued license ... that requires an examination"
    unlisted: tuple[EarnedCredential, ...]  # not on Ohio's list in the school year earned
    top: int  # the most points one credential is worth

    @property
    def counted(self) -> list[Counted]:
        """The best field's credentials."""
        return self.tallies[self.best].counted if self.best else []

    def notes(self) -> tuple[str, ...]:
        """Points that do not add up across fields, credentials not on the list: in plain words."""
        return (*mixing_note(self.tallies),
                *(f"{c.name} was not on Ohio's list in {year_text(c.earned)}, when it was earned."
                  for c in self.unlisted))


def _by_counted(item: tuple[tuple[str, str], tuple[int, EarnedCredential]]) -> Any:
    """A (field, code) entry's place: that of the credential counted for it."""
    return OLDEST_FIRST(item[1][1])


def ohio_points(credentials: Iterable[EarnedCredential], book: ListingBook) -> OhioPoints:
    """Points per career field (each credential code once per field, at its best listing), in one pass over
    the student's credentials. Fields and their credentials are in the order the counted credentials were earned
    (then by award id)."""
    best: dict[tuple[str, str], tuple[int, EarnedCredential]] = {}
    unlisted, licenses = [], []
    top = 0
    # Context.credentials gives them oldest first, and most students earn no code twice: then the order of
    # `best` is already that order, and the sort below is left out.
    resort, last = False, None
    for c in credentials:
        order = OLDEST_FIRST(c)
        resort = resort or (last is not None and order < last)
        last = order
        terms = book.terms("OH", c.credential, school_year_of(c.earned))
        if terms is None:
            unlisted.append(c)
            continue
        if terms.get("examLicense"):  # the listing says so, never the catalog type alone
            licenses.append(c)
        points = terms["points"]
        top = max(top, points)
        for career_field in ohio_fields(terms):
            key = (career_field, c.credential)
            held = best.get(key)
            if held is None:
                best[key] = (points, c)
            elif points > held[0]:  # earned again and worth more now: the later one counts
                best[key] = (points, c)
                resort = True
    items = sorted(best.items(), key=_by_counted) if resort else best.items()
    tallies: dict[str, FieldTally] = {}
    for (career_field, _), (points, c) in items:
        tally = tallies.get(career_field)
        if tally is None:  # not setdefault: a tally made for every credential would be thrown away
            tally = tallies[career_field] = FieldTally(career_field)
        tally.points += points
        tally.entries.append((points, c))
    name, points = best_field(tallies)
    return OhioPoints(tallies, name, points, tuple(licenses), tuple(unlisted), top)


@dataclass(frozen=True)
class WorkKeysOutcome:
    ok: bool
    best: Mapping[str, int]
    missing: tuple[str, ...]
    threshold: WorkKeysThreshold


def workkeys_outcome(sittings: Sequence[WorkKeysSitting], threshold: WorkKeysThreshold) -> WorkKeysOutcome:
    """The student's best level per test across sittings, against the cohort's threshold."""
    best: dict[str, int] = {}
    for sitting in sittings:
        for test, level in sitting.scores.items():
            best[test] = max(level, best.get(test, 0))
    missing = []
    for test, label in WORKKEYS_TESTS.items():
        taken = best.get(test)
        if taken is None:
            needs = f" (needs {threshold.each})" if threshold.each else ""
            missing.append(f"WorkKeys {label} not taken{needs}")
        elif threshold.each is not None and taken < threshold.each:
            missing.append(f"WorkKeys {label} {taken}, needs {threshold.each}")
    if threshold.total is not None and all(t in best for t in WORKKEYS_TESTS):
        total = sum(best[t] for t in WORKKEYS_TESTS)
        if total < threshold.total:
            missing.append(f"WorkKeys total {total}, needs {threshold.total}")
    # read-only: the outcome of no sittings is shared by every such student of a class (`_workkeys`)
    return WorkKeysOutcome(not missing, MappingProxyType(best), tuple(missing), threshold)


# Per class: its WorkKeys threshold, and the outcome for a student who has not sat WorkKeys (most of a
# district's students), worded once.
_BY_CLASS: dict[int | None, tuple[WorkKeysThreshold | None, WorkKeysOutcome | None]] = {}


def _workkeys(ctx: Context) -> WorkKeysOutcome | None:
    cohort = ctx.facts.cohort
    if cohort not in _BY_CLASS:
        threshold = workkeys_threshold(cohort)
        _BY_CLASS[cohort] = threshold, None if threshold is None else workkeys_outcome((), threshold)
    threshold, not_taken = _BY_CLASS[cohort]
    sittings = ctx.sittings()
    if threshold is None or not sittings:
        return not_taken
    return workkeys_outcome(sittings, threshold)


def _points(ctx: Context) -> OhioPoints:
    """Every Ohio rule of one student reads the same points: computed once per evaluation."""
    return ctx.shared("ohio-points", lambda: ohio_points(ctx.credentials(), ctx.book))


def _point_notes(ctx: Context) -> tuple[str, ...]:
    """`OhioPoints.notes`, worded once for the student's rules (never in a brief evaluation)."""
    return ctx.shared("ohio-point-notes", lambda: _points(ctx).notes())


def _points_missing(field_name: str | None, points: int, need: int) -> str:
    if field_name is None:
        return f"{need} points from Ohio-listed credentials in one career field"
    more = need - points
    return f"{more} more point{'s' if more != 1 else ''} in {field_name}"


GAP_OPTIONS_SHOWN = 6


@dataclass(frozen=True)
class GapOptions:
    options: tuple[str, ...]  # "Certified Pharmacy Technician (12 points; recorded before at ...)"
    closes: bool  # each alone closes the gap (otherwise: the largest toward it)
    field: str | None

    def missing(self) -> list[str]:
        if not self.options:
            return []
        where = f"in {self.field}" if self.field else "in one career field"
        how = "each would close the gap" if self.closes else "toward it"
        return [f"on Ohio's list {where} this school year, {how}: " + "; ".join(self.options)]


NO_GAP = GapOptions((), False, None)


def gap_options(ctx: Context, ohio: OhioPoints, need: int) -> GapOptions:
    """Credentials on Ohio's list this school year that would close the gap in the best field (each alone;
    without any, the largest toward it). Those the student's schools have recorded before come first."""
    field_name, points = ohio.best, ohio.points
    if points >= need:
        return GapOptions((), False, field_name)
    year = school_year_of(ctx.cutoff)
    held = {c.credential for t in ohio.tallies.values() for _, c in t.entries}
    gap = need - points
    candidates = [(code, terms["points"]) for code, terms in ctx.book.in_force("OH", year)
                  if code not in held and (field_name is None or field_name in ohio_fields(terms))]
    recorded = ctx.facts.recorded_at
    closing = [c for c in candidates if c[1] >= gap]
    chosen = closing or candidates
    chosen.sort(key=lambda c: (not recorded.get(c[0]), -c[1], ctx.book.name(c[0])))
    options = []
    for code, value in chosen[:GAP_OPTIONS_SHOWN]:
        where = recorded.get(code)
        options.append(f"{ctx.book.name(code)} ({value} point{'s' if value != 1 else ''}"
                       + (f"; recorded before at {', '.join(where)})" if where else ")"))
    if len(chosen) > GAP_OPTIONS_SHOWN:
        options.append(f"and {len(chosen) - GAP_OPTIONS_SHOWN} more on Ohio's list")
    return GapOptions(tuple(options), bool(closing), field_name)


def _gap(ctx: Context, ohio: OhioPoints, need: int) -> GapOptions:
    """What would close the gap, while the student is still in school (none after graduation)."""
    if ctx.cutoff < ctx.today:
        return NO_GAP
    # The same gap for several rules of one student (the seal and the bundle): looked up once.
    return ctx.shared(("ohio-gap", need), lambda: gap_options(ctx, ohio, need))


def credential_option(ctx: Context) -> RuleResult:
    need = ctx.rule.params["points"]
    ohio = _points(ctx)
    name, points, counted = ohio.best, ohio.points, ohio.counted
    workkeys = _workkeys(ctx)
    assert workkeys is not None  # every cohort the rule covers has a WorkKeys row (a test checks the table)
    gap = _gap(ctx, ohio, need)
    missing = [] if points >= need else [_points_missing(name, points, need)]
    missing += [*workkeys.missing, *gap.missing()]
    version = f"{ctx.rule.cohorts}; {workkeys.threshold.name} for the {workkeys.threshold.cohorts}"

    def notes() -> list[str]:
        return [*_point_notes(ctx), *ctx.not_counted_notes()]

    if not missing:
        return ctx.result("met", f"Met: {points} points in {name} and {workkeys.threshold.name}.",
                          counted=counted, notes=notes, version=version)
    if points >= need:
        where = f"{points} points in {name} (enough)"
    else:
        where = f"{points} of {need} points in {name}" if name else f"no points toward {need}"
    wk = "WorkKeys met" if workkeys.ok else "WorkKeys not met"
    return ctx.result("not met", f"Not met: {where}; {wk}.", missing=missing, counted=counted, notes=notes,
                      version=version, closes_gap=gap.options)


def bundle(ctx: Context) -> RuleResult:
    need = ctx.rule.params["points"]
    ohio = _points(ctx)
    name, points, counted = ohio.best, ohio.points, ohio.counted

    def notes() -> tuple[str, ...]:
        return _point_notes(ctx)

    if points >= need:
        return ctx.result("met", f"Met: {points} points in {name}.", counted=counted, notes=notes)
    gap = _gap(ctx, ohio, need)
    return ctx.result("not met", f"Not met: best is {points} points" + (f" in {name}." if name else "."),
                      missing=[_points_missing(name, points, need), *gap.missing()], counted=counted, notes=notes,
                      closes_gap=gap.options)


def irc_seal(ctx: Context) -> RuleResult:
    """One of the readiness seals (two are needed, one state-defined) of the class of 2023 on."""
    need = ctx.rule.params["points"]
    ohio = _points(ctx)
    name, points = ohio.best, ohio.points
    # The first credential worth the whole seal alone, as its field names it (`top` spares the search)
    single = None if ohio.top < need else next(
        (t.counted[i] for t in ohio.tallies.values() for i, (p, _) in enumerate(t.entries) if p >= need), None)
    licenses = ohio.licenses

    def notes() -> list[str]:
        made = list(_point_notes(ctx))
        other_licenses = sorted({c.name for c in ctx.credentials() if c.credential_type == "license"}
                                - {c.name for c in licenses})
        if other_licenses:
            made.append(f"{', '.join(other_licenses)}: a license, but not listed by Ohio as a state-issued license "
                        "for a vocation that requires an examination; it counts only by its points.")
        return made

    if single is not None:
        return ctx.result("met", f"Met: {single.name} is a {need}-point credential.", counted=[single],
                          notes=notes)
    if name is not None and points >= need:
        return ctx.result("met", f"Met: a {points}-point bundle in {name}.", counted=ohio.counted, notes=notes)
    if licenses:
        first = licenses[0]
        return ctx.result("met", f"Met: {first.name} is a state-issued license for a vocation that requires "
                                 "an examination.", notes=notes,
                          counted=[Counted(first.award, first.credential, first.name,
                                           "state-issued license, examination required")])
    gap = _gap(ctx, ohio, need)
    missing = [f"a {need}-point credential, {_points_missing(name, points, need)}, or a state-issued license "
               "for a vocation that requires an examination", *gap.missing()]
    return ctx.result("not met", f"Not met: no {need}-point credential or bundle, and no exam-based state license.",
                      missing=missing, counted=ohio.counted, notes=notes, closes_gap=gap.options)


# The six demonstrations, in the order they are listed: three foundational, then three supporting.
BUNDLE, WORKKEYS_DEMONSTRATION = 0, 3


@cache
def _demonstration_labels(points: int, webxams: int, wbl_hours: int) -> tuple[str, ...]:
    """Their names, by the rule's thresholds: worded once, not for each of a district's students."""
    return (f"a {points}-point bundle", f"{webxams}+ WebXams in one pathway", "a pre-apprenticeship",
            "WorkKeys", f"{wbl_hours} hours of work-based learning", "the OhioMeansJobs Readiness Seal")


def demonstrations(ctx: Context) -> RuleResult:
    """Competency by career-focused demonstrations: two, at least one foundational, open once the student has
    had remedial support and retaken the end-of-course test (an input). Unrecorded inputs make the answer
    unknown, not no."""
    params, inputs = ctx.rule.params, ctx.facts.inputs
    ohio = _points(ctx)
    name, points = ohio.best, ohio.points
    workkeys = _workkeys(ctx)
    labels = _demonstration_labels(params["points"], params["webxams"], params["wbl_hours"])
    values: tuple[bool | None, ...] = (
        points >= params["points"],
        None if inputs.webxams is None else max(inputs.webxams.values(), default=0) >= params["webxams"],
        inputs.pre_apprenticeship,
        None if workkeys is None else workkeys.ok,
        None if inputs.wbl_hours is None else inputs.wbl_hours >= params["wbl_hours"],
        inputs.omj_seal,
    )
    foundational, supporting = values[:3], values[3:]
    # Two demonstrations, one foundational: met on what is recorded; not met even if every unrecorded one were
    # achieved; otherwise unknown.
    f_done, f_open = sum(1 for v in foundational if v), foundational.count(None)
    s_done, s_open = sum(1 for v in supporting if v), supporting.count(None)
    if f_done >= 1 and f_done + s_done >= 2:
        status = "met"
    elif f_done + f_open >= 1 and f_done + f_open + s_done + s_open >= 2:
        status = "unknown"
    else:
        status = "not met"
    done = [label for label, v in zip(labels, values) if v]

    def option(i: int) -> str:
        if i == WORKKEYS_DEMONSTRATION and workkeys is not None:
            return "WorkKeys (" + "; ".join(workkeys.missing) + ")"
        if i == BUNDLE:
            return _points_missing(name, points, params["points"])
        return labels[i] + (" (not recorded)" if values[i] is None else "")

    missing = []
    need_foundational = not any(foundational)
    if need_foundational:
        missing.append("a foundational demonstration: " + "; or ".join(option(i) for i in range(3)))
    more = 2 - len(done) - (1 if need_foundational else 0)
    if more > 0:
        missing.append("one more demonstration from: " + "; ".join(option(i) for i, v in enumerate(values) if not v))
    counted = ohio.counted if points >= params["points"] else []
    demonstrated, retake = status, inputs.eoc_retake  # what the demonstrations alone come to; the condition
    if retake is False:
        status, missing = "not applicable", []
    elif retake is None and status != "not met":
        missing.append("the end-of-course retake condition (remedial support and at least one retake; not recorded)")
        status = "unknown"
    if status == "met":
        missing = []

    def summary() -> str:
        if demonstrated == "met":
            progress = "two demonstrations (" + " and ".join(done) + ")"
        elif demonstrated == "not met":
            progress = f"{len(done)} of 2 demonstrations" + (f" ({', '.join(done)})" if done else "")
        else:
            progress = f"{len(done)} of 2 demonstrations recorded; others are not recorded in the ledger"
        if retake is False:
            return (f"Not open yet: {progress}. The career-focused demonstrations count toward competency only "
                    "after remedial support and an end-of-course retake (the inputs say not yet).")
        if status == "met":
            return f"Met: {progress}."
        if status == "not met":
            return f"Not met: {progress}."
        return f"Cannot tell yet: {progress}" + (
            "; the end-of-course retake condition is not recorded." if retake is None else ".")

    def notes() -> list[str]:
        unrecorded = [label for i, (label, v) in enumerate(zip(labels, values))
                      if v is None and i != WORKKEYS_DEMONSTRATION]
        made = [f"Not recorded in the ledger (a report input): {', '.join(unrecorded)}."] if unrecorded else []
        made += _point_notes(ctx)
        if retake is None:
            made.append("Whether the student has had remedial support and retaken the end-of-course test is not "
                        "recorded (a report input, eoc_retake); the demonstrations count toward competency only "
                        "then.")
        return made

    return ctx.result(status, summary, missing=missing, counted=counted, notes=notes)


__all__ = ["bundle", "credential_option", "demonstrations", "gap_options", "irc_seal", "ohio_points",
           "workkeys_outcome"]
