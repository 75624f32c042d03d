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
from dataclasses import dataclass, field

from ledger.pathways.context import Context, year_text
from ledger.pathways.facts import WORKKEYS_TESTS, Counted, EarnedCredential, ListingBook, RuleResult, WorkKeysSitting
from ledger.pathways.rulebook import WorkKeysThreshold, workkeys_threshold
from ledger.statelists import ohio_fields, school_year_of


@dataclass
class FieldTally:
    points: int = 0
    counted: list[Counted] = field(default_factory=list)


def field_points(credentials: Iterable[EarnedCredential], book: ListingBook) -> tuple[dict[str, FieldTally], list[str]]:
    """Points per career field (each credential code once per field, at its best listing), and
    notes on credentials not on Ohio's list in the year they were earned."""
    best: dict[tuple[str, str], tuple[int, EarnedCredential]] = {}
    unlisted = []
    for c in credentials:
        terms = book.terms("OH", c.credential, school_year_of(c.earned))
        if terms is None:
            unlisted.append(f"{c.name} was not on Ohio's list in {year_text(c.earned)}, when it was earned.")
            continue
        for career_field in ohio_fields(terms):
            key = (career_field, c.credential)
            if key not in best or terms["points"] > best[key][0]:
                best[key] = (terms["points"], c)
    tallies: dict[str, FieldTally] = {}
    for (career_field, _), (points, c) in sorted(best.items(), key=lambda kv: (kv[1][1].earned, kv[1][1].award)):
        tally = tallies.get(career_field)
        if tally is None:  # not setdefault: a tally made for every credential would be thrown away
            tally = tallies[career_field] = FieldTally()
        tally.points += points
        tally.counted.append(Counted(c.award, c.credential, c.name,
                                     f"{points} point{'s' if points != 1 else ''}, {career_field}", points,
                                     career_field))
    return tallies, unlisted


def best_field(tallies: Mapping[str, FieldTally]) -> tuple[str | None, int]:
    if not tallies:
        return None, 0
    name = max(sorted(tallies), key=lambda f: tallies[f].points)
    return name, tallies[name].points


def mixing_note(tallies: Mapping[str, FieldTally]) -> list[str]:
    if len(tallies) < 2:
        return []
    parts = ", ".join(f"{f} {t.points}" for f, t in sorted(tallies.items(), key=lambda kv: -kv[1].points))
    return [f"Points do not add up across career fields: {parts}."]


@dataclass(frozen=True)
class WorkKeysOutcome:
    ok: bool
    best: dict[str, int]
    missing: list[str]
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
    return WorkKeysOutcome(not missing, best, missing, threshold)


def _workkeys(ctx: Context) -> WorkKeysOutcome | None:
    threshold = workkeys_threshold(ctx.facts.cohort)
    return None if threshold is None else workkeys_outcome(ctx.sittings(), threshold)


def _points(ctx: Context) -> tuple[dict[str, FieldTally], list[str]]:
    """Every Ohio rule of one student reads the same points: computed once per evaluation."""
    return ctx.shared("ohio-points", lambda: field_points(ctx.credentials(), ctx.book))


def _best(ctx: Context, tallies: Mapping[str, FieldTally]) -> tuple[str | None, int]:
    """The best field of `_points`' tallies, once per evaluation."""
    return ctx.shared("ohio-best", lambda: best_field(tallies))


def _mixing(ctx: Context, tallies: Mapping[str, FieldTally]) -> list[str]:
    """`mixing_note` of `_points`' tallies, once per evaluation (callers add to a copy, never to it)."""
    return ctx.shared("ohio-mixing", lambda: mixing_note(tallies))


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


def gap_options(ctx: Context, tallies: Mapping[str, FieldTally], field_name: str | None, points: int,
                need: int) -> GapOptions:
    """Credentials on Ohio's list this school year that would close the gap in the best field (each alone;
    without any, the largest toward it). Those the student's schools have recorded before come first."""
    if points >= need:
        return GapOptions((), False, field_name)
    year = school_year_of(ctx.cutoff)
    held = {c.credential for t in tallies.values() for c in t.counted}
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


def _gap(ctx: Context, tallies: Mapping[str, FieldTally], name: str | None, points: int, need: int) -> GapOptions:
    """What would close the gap, while the student is still in school (none after graduation)."""
    if ctx.cutoff < ctx.today:
        return GapOptions((), False, name)
    # The same gap for several rules of one student (the seal and the bundle): looked up once.
    return ctx.shared(("ohio-gap", name, points, need),
                      lambda: gap_options(ctx, tallies, name, points, need))


def credential_option(ctx: Context) -> RuleResult:
    need = ctx.rule.params["points"]
    tallies, unlisted = _points(ctx)
    name, points = _best(ctx, tallies)
    workkeys = _workkeys(ctx)
    assert workkeys is not None  # every cohort the rule covers has a WorkKeys row (a test checks the table)
    gap = _gap(ctx, tallies, name, points, need)
    missing = [] if points >= need else [_points_missing(name, points, need)]
    missing += workkeys.missing + gap.missing()
    counted = tallies[name].counted if name else []
    version = f"{ctx.rule.cohorts}; {workkeys.threshold.name} for the {workkeys.threshold.cohorts}"
    notes = _mixing(ctx, tallies) + unlisted + ctx.not_counted_notes()
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
    tallies, unlisted = _points(ctx)
    name, points = _best(ctx, tallies)
    counted = tallies[name].counted if name else []
    notes = _mixing(ctx, tallies) + unlisted
    if points >= need:
        return ctx.result("met", f"Met: {points} points in {name}.", counted=counted, notes=notes)
    gap = _gap(ctx, tallies, name, points, need)
    return ctx.result("not met", f"Not met: best is {points} points" + (f" in {name}." if name else "."),
                      missing=[_points_missing(name, points, need), *gap.missing()], counted=counted, notes=notes,
                      closes_gap=gap.options)


def exam_licenses(ctx: Context) -> list[Counted]:
    """Credentials Ohio lists (in the year earned) as "a state-issued license for a practice in a vocation that
    requires an examination": the listing's examLicense, never the catalog type alone."""
    found = []
    for c in ctx.credentials():
        terms = ctx.book.terms("OH", c.credential, school_year_of(c.earned))
        if terms is not None and terms.get("examLicense"):
            found.append(Counted(c.award, c.credential, c.name, "state-issued license, examination required"))
    return found


def irc_seal(ctx: Context) -> RuleResult:
    """One of the readiness seals (two are needed, one state-defined) of the class of 2023 on."""
    need = ctx.rule.params["points"]
    tallies, unlisted = _points(ctx)
    name, points = _best(ctx, tallies)
    single = [c for t in tallies.values() for c in t.counted if (c.points or 0) >= need]
    licenses = exam_licenses(ctx)
    notes = _mixing(ctx, tallies) + unlisted
    other_licenses = sorted({c.name for c in ctx.credentials() if c.credential_type == "license"}
                            - {c.name for c in licenses})
    if other_licenses:
        notes.append(f"{', '.join(other_licenses)}: a license, but not listed by Ohio as a state-issued license "
                     "for a vocation that requires an examination; it counts only by its points.")
    if single:
        return ctx.result("met", f"Met: {single[0].name} is a {need}-point credential.", counted=single[:1],
                          notes=notes)
    if name is not None and points >= need:
        return ctx.result("met", f"Met: a {points}-point bundle in {name}.", counted=tallies[name].counted,
                          notes=notes)
    if licenses:
        return ctx.result("met", f"Met: {licenses[0].name} is a state-issued license for a vocation that requires "
                                 "an examination.", counted=licenses[:1], notes=notes)
    gap = _gap(ctx, tallies, name, points, need)
    missing = [f"a {need}-point credential, {_points_missing(name, points, need)}, or a state-issued license "
               "for a vocation that requires an examination", *gap.missing()]
    return ctx.result("not met", f"Not met: no {need}-point credential or bundle, and no exam-based state license.",
                      missing=missing, counted=tallies[name].counted if name else [], notes=notes,
                      closes_gap=gap.options)


def demonstrations(ctx: Context) -> RuleResult:
    """Competency by career-focused demonstrations: two, at least one foundational, open once the student has
    had remedial support and retaken the end-of-course test (an input). Unrecorded inputs make the answer
    unknown, not no."""
    params, inputs = ctx.rule.params, ctx.facts.inputs
    tallies, unlisted = _points(ctx)
    name, points = _best(ctx, tallies)
    webxams = None if inputs.webxams is None else max(inputs.webxams.values(), default=0) >= params["webxams"]
    workkeys = _workkeys(ctx)
    foundational: dict[str, bool | None] = {
        f"a {params['points']}-point bundle": points >= params["points"],
        f"{params['webxams']}+ WebXams in one pathway": webxams,
        "a pre-apprenticeship": inputs.pre_apprenticeship,
    }
    supporting: dict[str, bool | None] = {
        "WorkKeys": None if workkeys is None else workkeys.ok,
        f"{params['wbl_hours']} hours of work-based learning":
            None if inputs.wbl_hours is None else inputs.wbl_hours >= params["wbl_hours"],
        "the OhioMeansJobs Readiness Seal": inputs.omj_seal,
    }
    every = {**foundational, **supporting}

    def achieved(assume: bool) -> bool:
        f = sum(1 for v in foundational.values() if (assume if v is None else v))
        s = sum(1 for v in supporting.values() if (assume if v is None else v))
        return f >= 1 and f + s >= 2

    status = "met" if achieved(False) else ("not met" if not achieved(True) else "unknown")
    done = [k for k, v in every.items() if v]
    unrecorded = [k for k, v in every.items() if v is None and k != "WorkKeys"]
    notes = [f"Not recorded in the ledger (a report input): {', '.join(unrecorded)}."] if unrecorded else []
    notes += _mixing(ctx, tallies) + unlisted

    def option(key: str) -> str:
        if key == "WorkKeys" and workkeys is not None:
            return "WorkKeys (" + "; ".join(workkeys.missing) + ")"
        if "bundle" in key:
            return _points_missing(name, points, params["points"])
        return key + (" (not recorded)" if every[key] is None else "")

    missing = []
    need_foundational = not any(v for v in foundational.values())
    if need_foundational:
        missing.append("a foundational demonstration: " + "; or ".join(option(k) for k in foundational))
    more = 2 - len(done) - (1 if need_foundational else 0)
    if more > 0:
        missing.append("one more demonstration from: " + "; ".join(option(k) for k in every if not every[k]))
    # Only the wording of the status found is made (a district report words 30,000 of them).
    if status == "met":
        progress = "two demonstrations (" + " and ".join(done) + ")"
    elif status == "not met":
        progress = f"{len(done)} of 2 demonstrations" + (f" ({', '.join(done)})" if done else "")
    else:
        progress = f"{len(done)} of 2 demonstrations recorded; others are not recorded in the ledger"
    counted = tallies[name].counted if name and points >= params["points"] else []
    retake = inputs.eoc_retake
    if retake is False:
        return ctx.result("not applicable", f"Not open yet: {progress}. The career-focused demonstrations count "
                                            "toward competency only after remedial support and an end-of-course "
                                            "retake (the inputs say not yet).", counted=counted, notes=notes)
    if retake is None:
        notes.append("Whether the student has had remedial support and retaken the end-of-course test is not "
                     "recorded (a report input, eoc_retake); the demonstrations count toward competency only then.")
        if status != "not met":
            missing.append("the end-of-course retake condition (remedial support and at least one retake; "
                           "not recorded)")
            status = "unknown"
    if status == "met":
        summary = f"Met: {progress}."
    elif status == "not met":
        summary = f"Not met: {progress}."
    else:
        summary = f"Cannot tell yet: {progress}" + (
            "; the end-of-course retake condition is not recorded." if retake is None else ".")
    return ctx.result(status, summary, missing=missing if status != "met" else (), counted=counted, notes=notes)


__all__ = ["bundle", "credential_option", "demonstrations", "exam_licenses", "field_points", "gap_options", "irc_seal",
           "workkeys_outcome"]
