"""Ohio: the credential option, the IRC seal, two demonstrations, the report-card bundle.

Points come from Ohio's list in the school year each credential was earned;
they add up only within one career field (a Taser certificate + IT
certificates + ServSafe is not a bundle). A credential earned twice counts
once in a field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ledger.pathways.context import Context, year_text
from ledger.pathways.facts import WORKKEYS_TESTS, Counted, EarnedCredential, ListingBook, RuleResult, WorkKeysSitting
from ledger.pathways.rulebook import WorkKeysThreshold, workkeys_threshold
from ledger.statelists import school_year_of


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
        key = (terms["careerField"], c.credential)
        if key not in best or terms["points"] > best[key][0]:
            best[key] = (terms["points"], c)
    tallies: dict[str, FieldTally] = {}
    for (career_field, _), (points, c) in sorted(best.items(), key=lambda kv: (kv[1][1].earned, kv[1][1].award)):
        tally = tallies.setdefault(career_field, FieldTally())
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


def _points_missing(field_name: str | None, points: int, need: int) -> str:
    if field_name is None:
        return f"{need} points from Ohio-listed credentials in one career field"
    more = need - points
    return f"{more} more point{'s' if more != 1 else ''} in {field_name}"


def credential_option(ctx: Context) -> RuleResult:
    need = ctx.rule.params["points"]
    tallies, unlisted = _points(ctx)
    name, points = best_field(tallies)
    workkeys = _workkeys(ctx)
    assert workkeys is not None  # every cohort the rule covers has a WorkKeys row (a test checks the table)
    missing = [] if points >= need else [_points_missing(name, points, need)]
    missing += workkeys.missing
    counted = tallies[name].counted if name else []
    version = f"{ctx.rule.cohorts}; {workkeys.threshold.name} for the {workkeys.threshold.cohorts}"
    notes = mixing_note(tallies) + unlisted + ctx.not_counted_notes()
    if not missing:
        return ctx.result("met", f"Met: {points} points in {name} and {workkeys.threshold.name}.",
                          counted=counted, notes=notes, version=version)
    if points >= need:
        where = f"{points} points in {name} (enough)"
    else:
        where = f"{points} of {need} points in {name}" if name else f"no points toward {need}"
    wk = "WorkKeys met" if workkeys.ok else "WorkKeys not met"
    return ctx.result("not met", f"Not met: {where}; {wk}.", missing=missing, counted=counted, notes=notes,
                      version=version)


def bundle(ctx: Context) -> RuleResult:
    need = ctx.rule.params["points"]
    tallies, unlisted = _points(ctx)
    name, points = best_field(tallies)
    counted = tallies[name].counted if name else []
    notes = mixing_note(tallies) + unlisted
    if points >= need:
        return ctx.result("met", f"Met: {points} points in {name}.", counted=counted, notes=notes)
    return ctx.result("not met", f"Not met: best is {points} points" + (f" in {name}." if name else "."),
                      missing=[_points_missing(name, points, need)], counted=counted, notes=notes)


def irc_seal(ctx: Context) -> RuleResult:
    need = ctx.rule.params["points"]
    credentials = ctx.credentials()
    tallies, unlisted = _points(ctx)
    name, points = best_field(tallies)
    single = [c for t in tallies.values() for c in t.counted if (c.points or 0) >= need]
    licenses = [Counted(c.award, c.credential, c.name, "state license") for c in credentials
                if c.credential_type == "license"]
    notes = mixing_note(tallies) + unlisted
    if licenses:
        notes.append("Licenses in the catalog are taken to be exam-based state licenses.")
    if single:
        return ctx.result("met", f"Met: {single[0].name} is a {need}-point credential.", counted=single[:1],
                          notes=notes)
    if name is not None and points >= need:
        return ctx.result("met", f"Met: a {points}-point bundle in {name}.", counted=tallies[name].counted,
                          notes=notes)
    if licenses:
        return ctx.result("met", f"Met: {licenses[0].name} is a state license.", counted=licenses[:1], notes=notes)
    missing = [f"a {need}-point credential, {_points_missing(name, points, need)}, or an exam-based state license"]
    return ctx.result("not met", f"Not met: no {need}-point credential or bundle, and no state license.",
                      missing=missing, counted=tallies[name].counted if name else [], notes=notes)


def demonstrations(ctx: Context) -> RuleResult:
    """Two demonstrations, at least one foundational; unrecorded inputs make the answer unknown, not no."""
    params, inputs = ctx.rule.params, ctx.facts.inputs
    tallies, unlisted = _points(ctx)
    name, points = best_field(tallies)
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
    notes += mixing_note(tallies) + unlisted

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
    summary = {"met": "Met: " + " and ".join(done) + ".",
               "not met": f"Not met: {len(done)} of 2 demonstrations" + (f" ({', '.join(done)})." if done else "."),
               "unknown": f"Cannot tell yet: {len(done)} of 2 demonstrations recorded; "
                          "other demonstrations are not recorded in the ledger."}[status]
    return ctx.result(status, summary, missing=missing if status != "met" else (),
                      counted=tallies[name].counted if name and points >= params["points"] else [], notes=notes)


__all__ = ["bundle", "credential_option", "demonstrations", "field_points", "irc_seal", "workkeys_outcome"]
