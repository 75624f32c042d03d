"""The pathway rules, worked by hand: every rule, its cohort boundaries, and the seeds' examples.

Pure: facts and listings are built here, no ledger. Points, program areas and
menus are illustrative (as DOMAIN.md says of its sample catalog). Students are
opaque ids.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.pathways import (
    RULES,
    WORKKEYS,
    CteProgress,
    EarnedCredential,
    ListingBook,
    RuleResult,
    StudentFacts,
    StudentInputs,
    WorkKeysSitting,
    evaluate_student,
    workkeys_threshold,
)
from ledger.pathways.missouri import missouri_tally
from ledger.pathways.ohio import best_field, ohio_points, workkeys_outcome
from ledger.statelists import (
    OHIO_CAREER_FIELDS,
    Segment,
    apply_listing_event,
    school_year_from_text,
    school_year_of,
    school_year_to_text,
    terms_in,
    terms_problems,
)

DISTRICT = "did:web:example.org:issuers:aspen-valley"
OTHER_DISTRICT = "did:web:example.org:issuers:pine-ridge"
TODAY = date(2026, 5, 15)

# Ohio: credential -> (career field, points), on the list from 2015-16 on.
OHIO = {
    "taser": ("Law & Public Safety", 3),
    "comptia-a-plus": ("Information Technology", 6),
    "comptia-network-plus": ("Information Technology", 3),
    "servsafe-manager": ("Hospitality & Tourism", 3),
    "stna": ("Health", 6),
    "ccma": ("Health", 4),
    "bls-provider": ("Health", 1),
    "cpht": ("Health", 12),
    "osha10-general": ("Manufacturing", 1),
}
# Missouri: credential -> (kind, program area, stackable)
MISSOURI = {
    "osha10-general": ("irc", "Manufacturing", True),
    "forklift": ("irc", "Manufacturing", True),
    "mssc-safety": ("irc", "Manufacturing", True),
    "mssc-quality": ("irc", "Manufacturing", True),
    "bls-provider": ("irc", "Health Sciences", True),
    "stna": ("irc", "Health Sciences", False),
    "nocti-health": ("tsa", "Health Sciences", False),
}
MENU = {  # Aspen Valley's Menu of Options: (meets English, meets math)
    "comptia-a-plus": (True, False),
    "cisco-ccna": (False, True),
    "cpht": (True, True),
}


def book(extra: dict[tuple[str, str | None, str], list[Segment]] | None = None) -> ListingBook:
    entries: dict[tuple[str, str | None, str], list[Segment]] = {}
    for code, (career_field, points) in OHIO.items():
        entries[("OH", None, code)] = [Segment(2016, None, {"careerField": career_field, "points": points})]
    for code, (kind, area, stackable) in MISSOURI.items():
        entries[("MO", None, code)] = [Segment(2016, None, {"listKind": kind, "programArea": area,
                                                             "stackable": stackable})]
    for code, (english, math) in MENU.items():
        entries[("CO", DISTRICT, code)] = [Segment(2016, None, {"meetsEnglish": english, "meetsMath": math})]
    entries.update(extra or {})
    return ListingBook(entries, names={"cisco-ccna": "Cisco CCNA", "cpht": "Certified Pharmacy Technician"})


def earned(code: str, on: date = date(2025, 3, 1), *, award: str | None = None, **kw: Any) -> EarnedCredential:
    return EarnedCredential(award or f"award-{code}-{on.isoformat()}", code, code.upper(), on, **kw)


def workkeys(am: int | None, gl: int | None, wd: int | None, on: date = date(2025, 2, 1)) -> WorkKeysSitting:
    scores = {k: v for k, v in (("appliedMath", am), ("graphicLiteracy", gl), ("workplaceDocuments", wd)) if v}
    return WorkKeysSitting(on, scores)


def student(*credentials: EarnedCredential, cohort: int | None = 2025, sittings: tuple[WorkKeysSitting, ...] = (),
            inputs: StudentInputs | None = None, district: str | None = DISTRICT) -> StudentFacts:
    return StudentFacts("student-1", cohort, tuple(credentials), sittings, district, "Aspen Valley",
                        inputs or StudentInputs())


def result(facts: StudentFacts, rule: str, *, listings: ListingBook | None = None, today: date = TODAY) -> RuleResult:
    results = {r.rule: r for r in evaluate_student(facts, listings or book(), today=today)}
    return results[rule]


GOOD_WORKKEYS = (workkeys(5, 5, 5),)
AFTER_2022 = date(2023, 5, 15)  # a year after the class of 2022 graduated: no gap suggestions


def class_of_2022(facts: StudentFacts) -> StudentFacts:
    """The same student three years earlier: the class of 2022, the last with the credential option."""
    def back(day: date) -> date:
        return day.replace(year=day.year - 3)
    return facts._replace(cohort=2022,
                          credentials=tuple(c._replace(earned=back(c.earned)) for c in facts.credentials),
                          workkeys=tuple(replace(w, taken=back(w.taken)) for w in facts.workkeys))


def option(facts: StudentFacts, *, listings: ListingBook | None = None, today: date = AFTER_2022) -> RuleResult:
    return result(class_of_2022(facts), "oh-credential-option", listings=listings, today=today)


# School years and listing semantics --------------------------------------------------


def test_school_years_run_july_to_june_and_are_named_by_both_calendar_years() -> None:
    assert school_year_from_text("2024-25") == 2025 == school_year_from_text("2025")
    assert school_year_to_text(2025) == "2024-25" and school_year_to_text(2000) == "1999-00"
    assert school_year_of(date(2025, 6, 30)) == 2025 and school_year_of(date(2025, 7, 1)) == 2026
    for bad in ("2024-26", "24-25", "2024/25", "1850-51"):
        with pytest.raises(ValueError):
            school_year_from_text(bad)


def test_a_listing_revision_replaces_only_the_years_it_covers_and_delisting_removes_years() -> None:
    segments = apply_listing_event([], True, 2020, None, {"points": 3})
    segments = apply_listing_event(segments, True, 2026, None, {"points": 6})  # revised from 2025-26 on
    assert [terms_in(segments, y) for y in (2019, 2020, 2025, 2026, 2030)] == [
        None, {"points": 3}, {"points": 3}, {"points": 6}, {"points": 6}]
    segments = apply_listing_event(segments, False, 2022, 2023)  # off the list for two years
    assert [terms_in(segments, y) for y in (2021, 2022, 2023, 2024, 2027)] == [
        {"points": 3}, None, None, {"points": 3}, {"points": 6}]
    segments = apply_listing_event(segments, False, 2028, None)  # sunset
    assert terms_in(segments, 2027) == {"points": 6} and terms_in(segments, 2028) is None


def test_listing_terms_are_checked_per_state_and_scope() -> None:
    assert terms_problems("OH", None, {"careerField": "Health", "points": 12}) == []
    assert terms_problems("OH", None, {"careerField": "Cooking", "points": 13}) == [
        f"careerField is one of Ohio's 13 career fields ({', '.join(OHIO_CAREER_FIELDS)})",
        "points is between 1 and 12"]
    assert terms_problems("MO", None, {"listKind": "irc", "programArea": "Health", "stackable": "yes"}) == [
        "stackable is true or false"]
    assert terms_problems("CO", DISTRICT, {"meetsEnglish": True, "meetsMath": False}) == []
    assert terms_problems("CO", None, {"meetsEnglish": True, "meetsMath": False})[0] == "unexpected term 'meetsEnglish'"
    assert terms_problems("OH", DISTRICT, {}) == ["Ohio has no district lists; leave district empty"]


# Ohio: 12 points within one career field -------------------------------------------


def test_cmsd_seed_taser_it_and_servsafe_bundle_does_not_qualify() -> None:
    # 3 (Law & Public Safety) + 6 + 3 (Information Technology) + 3 (Hospitality & Tourism) = 15 points, mixed.
    facts = student(earned("taser"), earned("comptia-a-plus"), earned("comptia-network-plus"),
                    earned("servsafe-manager"), sittings=GOOD_WORKKEYS)
    r = option(facts)
    assert r.status == "not met" and r.met is False
    assert r.missing == ("3 more points in Information Technology",)
    assert {c.credential for c in r.counted} == {"comptia-a-plus", "comptia-network-plus"}
    assert "Points do not add up across career fields: Information Technology 9, Hospitality & Tourism 3, " \
           "Law & Public Safety 3." in r.notes
    assert result(facts, "oh-report-card").status == "not met"


def test_twelve_points_in_one_field_with_workkeys_meets_the_credential_option() -> None:
    facts = student(earned("stna"), earned("ccma"), earned("bls-provider"), earned("bls-provider", date(2025, 4, 1)),
                    earned("taser"), sittings=GOOD_WORKKEYS)
    r = option(facts)
    # BLS earned twice counts once: 6 + 4 + 1 = 11 in Health.
    assert (r.status, r.missing) == ("not met", ("1 more point in Health",))
    r = option(student(*facts.credentials, earned("osha10-general"), earned("cpht"), sittings=GOOD_WORKKEYS))
    assert r.status == "met" and r.summary.startswith("Met: 23 points in Health")
    assert sorted(c.detail for c in r.counted) == ["1 point, Health", "12 points, Health", "4 points, Health",
                                                   "6 points, Health"]


def test_points_come_from_the_list_in_the_year_earned() -> None:
    listings = book({("OH", None, "stna"): [Segment(2016, 2024, {"careerField": "Health", "points": 6}),
                                            Segment(2025, None, {"careerField": "Health", "points": 12})]})
    before = student(earned("stna", date(2024, 6, 30)), sittings=GOOD_WORKKEYS)
    after = student(earned("stna", date(2024, 7, 1)), sittings=GOOD_WORKKEYS)
    r = result(before, "oh-report-card", listings=listings)
    assert r.missing[0] == "6 more points in Health"
    assert result(after, "oh-report-card", listings=listings).status == "met"
    unlisted = student(earned("stna", date(2015, 3, 1)), sittings=GOOD_WORKKEYS, cohort=2018)
    r = result(unlisted, "oh-credential-option", listings=listings, today=date(2018, 5, 1))
    assert r.missing[0] == "12 points from Ohio-listed credentials in one career field"
    assert "STNA was not on Ohio's list in 2014-15, when it was earned." in r.notes


def test_revoked_superseded_and_late_awards_do_not_count_but_expired_ones_do() -> None:
    cpht = earned("cpht", date(2025, 3, 1), expires=date(2025, 5, 1))  # expired before graduation
    assert option(student(cpht, sittings=GOOD_WORKKEYS)).status == "met"
    for bad in (earned("cpht", revoked="superseded"), earned("cpht", revoked="issued_in_error"),
                earned("cpht", date(2025, 7, 1))):  # after graduation (30 June 2022, once shifted)
        r = option(student(bad, sittings=GOOD_WORKKEYS), today=date(2022, 9, 1))
        assert r.status == "not met", bad
        assert len(r.notes) == 1 and "does not count" in r.notes[0]


# Ohio: WorkKeys by cohort -----------------------------------------------------------


def test_workkeys_table_covers_every_class_of_the_credential_option_without_overlap() -> None:
    for cohort in range(2018, 2040):
        assert sum(cohort in t.cohorts for t in WORKKEYS) == 1
    assert workkeys_threshold(2017) is None
    option = next(r for r in RULES if r.id == "oh-credential-option")
    assert option.cohorts.first == WORKKEYS[0].cohorts.first


@pytest.mark.parametrize(("cohort", "levels", "ok", "missing"), [
    # classes of 2018–2019 (Ohio DEW, Workforce Readiness Score): a total of 13 AND at least 3 on each test
    (2019, (5, 4, 4), True, ()),
    (2019, (4, 4, 4), False, ("WorkKeys total 12, needs 13",)),
    (2019, (7, 4, 2), False, ("WorkKeys Workplace Documents 2, needs 3",)),  # 13 in total, one test below 3
    (2018, (7, 6, None), False, ("WorkKeys Workplace Documents not taken (needs 3)",)),
    # class of 2020 on: 14, each test 3 or more
    (2020, (5, 4, 4), False, ("WorkKeys total 13, needs 14",)),
    (2020, (5, 5, 4), True, ()),
    (2024, (7, 4, 3), True, ()),
    # from 2024-25 (class of 2025 on): Silver NCRC, 4 on each
    (2025, (7, 4, 3), False, ("WorkKeys Workplace Documents 3, needs 4",)),
    (2025, (4, 3, 4), False, ("WorkKeys Graphic Literacy 3, needs 4",)),
    (2025, (4, 4, 4), True, ()),
    (2026, (None, 4, 4), False, ("WorkKeys Applied Math not taken (needs 4)",)),
])
def test_workkeys_rule_of_the_cohort(cohort: int, levels: tuple[int | None, ...], ok: bool,
                                     missing: tuple[str, ...]) -> None:
    threshold = workkeys_threshold(cohort)
    assert threshold is not None
    outcome = workkeys_outcome([workkeys(*levels, on=date(cohort - 1, 2, 1))], threshold)
    assert (outcome.ok, tuple(outcome.missing)) == (ok, missing)
    if cohort <= 2022:  # the credential option reads the same row
        facts = student(earned("cpht", date(cohort - 1, 3, 1)), cohort=cohort,
                        sittings=(workkeys(*levels, on=date(cohort - 1, 2, 1)),))
        r = result(facts, "oh-credential-option", today=date(cohort, 5, 1))
        assert (r.status, r.missing) == ("met" if ok else "not met", missing)


def test_best_level_per_test_across_sittings_counts_and_later_sittings_do_not() -> None:
    sittings = (workkeys(4, 3, 4, on=date(2024, 10, 1)), workkeys(None, 4, None, on=date(2025, 1, 15)),
                workkeys(None, 7, None, on=date(2025, 8, 1)))  # after graduation
    facts = student(earned("cpht"), sittings=sittings, inputs=StudentInputs(eoc_retake=True))
    r = result(facts, "oh-demonstrations", today=date(2025, 9, 1))
    assert r.status == "met" and "WorkKeys" in r.summary  # the bundle and the Silver NCRC (class of 2025)
    one_short = facts._replace(workkeys=sittings[:1] + sittings[2:])
    r = result(one_short, "oh-demonstrations", today=date(2025, 9, 1))  # Graphic Literacy 3 (the 4 came later)
    assert r.status == "unknown" and "1 of 2 demonstrations" in r.summary


def test_a_class_before_the_credential_option_is_not_applicable_and_an_unknown_class_is_unknown() -> None:
    r = result(student(earned("cpht", date(2016, 3, 1)), cohort=2017, sittings=GOOD_WORKKEYS),
               "oh-credential-option", today=date(2017, 5, 1))
    assert (r.status, r.met) == ("not applicable", None) and "classes of 2018–2022" in r.summary
    r = result(student(earned("cpht"), cohort=None, sittings=GOOD_WORKKEYS), "oh-credential-option")
    assert (r.status, r.missing) == ("unknown", ("the student's graduating class",))
    # The class of 2026 does not have the credential option: not applicable, never "not met" ...
    r = result(student(earned("stna"), cohort=2026), "oh-credential-option")
    assert r.status == "not applicable" and "class of 2026" in r.summary
    # ... and a page showing the rules of the student's class leaves it out.
    shown = {x.rule for x in evaluate_student(student(earned("stna"), cohort=2026), book(), today=TODAY,
                                              states=["OH"], applicable_only=True)}
    assert shown == {"oh-irc-seal", "oh-demonstrations", "oh-report-card"}
    shown = {x.rule for x in evaluate_student(student(earned("stna"), cohort=2022), book(), today=TODAY,
                                              states=["OH"], applicable_only=True)}
    assert shown == {"oh-credential-option", "oh-report-card"}
    # A rule for every class still works without one: the report-card bundle.
    assert result(student(earned("cpht"), cohort=None), "oh-report-card").status == "met"


# Ohio: IRC seal and two demonstrations (class of 2023 on) -----------------------------


def test_irc_seal_by_a_12_point_credential_a_bundle_or_an_exam_based_state_license() -> None:
    assert result(student(earned("cpht")), "oh-irc-seal").summary == "Met: CPHT is a 12-point credential."
    bundle = student(earned("stna"), earned("ccma"), earned("bls-provider"), earned("taser"),
                     earned("osha10-general"), earned("comptia-a-plus"))
    assert result(bundle, "oh-irc-seal").status == "not met"
    r = result(student(*bundle.credentials, earned("stna", date(2025, 1, 1), award="second")), "oh-irc-seal")
    assert r.status == "not met" and r.missing == (
        "a 12-point credential, 1 more point in Health, or a state-issued license for a vocation that requires an "
        "examination",)
    # Ohio DEW: "a state-issued license for a practice in a vocation that requires an examination" -- a listing
    # attribute, not the catalog's type: a license Ohio does not list as exam-based counts only by its points.
    listings = book({("OH", None, "cosmetology"): [Segment(2016, None, {"careerField": "Human Services",
                                                                         "points": 1, "examLicense": True})],
                     ("OH", None, "work-permit"): [Segment(2016, None, {"careerField": "Human Services",
                                                                         "points": 1})]})
    r = result(student(earned("cosmetology", credential_type="license")), "oh-irc-seal", listings=listings)
    assert (r.status, r.counted[0].detail) == ("met", "state-issued license, examination required")
    r = result(student(earned("work-permit", credential_type="license")), "oh-irc-seal", listings=listings)
    assert r.status == "not met" and "not listed by Ohio as a state-issued license" in r.notes[0]
    assert result(student(earned("cpht"), cohort=2022), "oh-irc-seal").status == "not applicable"


def test_a_credential_listed_in_several_fields_counts_in_each() -> None:
    """Ohio's driver's license: 1 point in all 13 career fields (from 2022-23)."""
    listings = book({("OH", None, "drivers-license"): [Segment(2023, None, {"careerFields": list(OHIO_CAREER_FIELDS),
                                                                             "points": 1})]})
    assert terms_problems("OH", None, {"careerFields": list(OHIO_CAREER_FIELDS), "points": 1}) == []
    assert terms_problems("OH", None, {"careerFields": ["Health"], "careerField": "Health", "points": 1}) == [
        "give careerField or careerFields, not both"]
    health = student(earned("stna"), earned("ccma"), earned("bls-provider"), earned("drivers-license"))
    r = result(health, "oh-report-card", listings=listings)
    assert r.status == "met" and r.summary == "Met: 12 points in Health."  # 6 + 4 + 1 + the license's 1
    tallies = ohio_points(health.credentials, listings).tallies
    assert tallies["Transportation"].points == 1 and tallies["Information Technology"].points == 1
    # Earned before it was listed (2021-22): no points anywhere.
    early = student(earned("stna"), earned("ccma"), earned("bls-provider"), earned("drivers-license", date(2022, 3, 1)))
    assert result(early, "oh-report-card", listings=listings).status == "not met"


def test_a_counselor_sees_which_listed_credentials_close_the_gap_in_the_best_field() -> None:
    """Class of 2026, in school: 7 points in Health. CPHT (12) alone closes the gap of 5 (CCMA's 4 does not);
    the student's schools have recorded CPHT before."""
    facts = student(earned("stna"), earned("bls-provider"), earned("osha10-general"), cohort=2026)._replace(
        recorded_at={"cpht": ("Aspen Technical Center",)})
    r = result(facts, "oh-irc-seal")
    assert r.status == "not met"
    assert r.closes_gap == ("Certified Pharmacy Technician (12 points; recorded before at Aspen Technical Center)",)
    assert r.missing[-1] == ("on Ohio's list in Health this school year, each would close the gap: "
                             "Certified Pharmacy Technician (12 points; recorded before at Aspen Technical Center)")
    # With 11 points, anything in Health closes it: those the schools recorded first, then by points.
    more = facts._replace(credentials=facts.credentials + (earned("ccma"),))
    assert result(more, "oh-irc-seal").closes_gap[0].startswith("Certified Pharmacy Technician (12 points; recorded")
    # After graduation there is nothing left to arrange.
    assert result(facts, "oh-irc-seal", today=date(2026, 9, 1)).closes_gap == ()


def test_career_focused_demonstrations_need_one_foundational_after_the_retake_condition() -> None:
    retook = StudentInputs(eoc_retake=True)
    r = result(student(earned("cpht"), inputs=retook), "oh-demonstrations")
    assert r.status == "unknown"  # WorkKeys not taken; hours and the seal are not recorded
    assert "250 hours of work-based learning" in r.notes[0]
    assert result(student(earned("cpht"), sittings=GOOD_WORKKEYS, inputs=retook), "oh-demonstrations").status == "met"
    supporting_only = student(sittings=GOOD_WORKKEYS, inputs=StudentInputs(wbl_hours=300, omj_seal=True,
                                                                           webxams={"Health": 2},
                                                                           pre_apprenticeship=False, eoc_retake=True))
    r = result(supporting_only, "oh-demonstrations")
    assert r.status == "not met" and r.missing[0].startswith("a foundational demonstration: 12 points from")
    webxams = student(inputs=StudentInputs(webxams={"Health": 3}, wbl_hours=250, omj_seal=False,
                                           pre_apprenticeship=False, eoc_retake=True))
    r = result(webxams, "oh-demonstrations")
    assert r.status == "met" and r.summary == ("Met: two demonstrations (3+ WebXams in one pathway and 250 hours of "
                                               "work-based learning).")
    one = student(inputs=StudentInputs(webxams={"Health": 3}, wbl_hours=10, omj_seal=False, pre_apprenticeship=False,
                                       eoc_retake=True))
    r = result(one, "oh-demonstrations")
    assert r.status == "not met" and r.missing[0].startswith("one more demonstration from: 12 points from")
    # The retake condition (an input): not recorded -> unknown even with two demonstrations; not met -> not open.
    both = student(earned("cpht"), sittings=GOOD_WORKKEYS)
    r = result(both, "oh-demonstrations")
    assert r.status == "unknown" and r.missing == (
        "the end-of-course retake condition (remedial support and at least one retake; not recorded)",)
    r = result(student(earned("cpht"), sittings=GOOD_WORKKEYS, inputs=StudentInputs(eoc_retake=False)),
               "oh-demonstrations")
    assert r.status == "not applicable" and r.summary.startswith("Not open yet: two demonstrations")
    # Not met stays not met whatever the condition: no demonstration at all.
    assert result(student(inputs=StudentInputs(wbl_hours=0, omj_seal=False, webxams={}, pre_apprenticeship=False)),
                  "oh-demonstrations").status == "not met"


# Missouri ------------------------------------------------------------------------


def test_two_stackables_in_one_program_area_count_as_one_irc() -> None:
    listings = book()
    one = [earned("osha10-general")]
    two = one + [earned("forklift", date(2025, 4, 1))]
    three = two + [earned("mssc-safety", date(2025, 5, 1))]
    four = three + [earned("mssc-quality", date(2025, 5, 2))]
    counts = [len(missouri_tally(c, listings).units) for c in (one, two, three, four)]
    assert counts == [0, 1, 1, 2]
    unit = missouri_tally(two, listings).units[0]
    assert unit.completed_by.credential == "forklift" and unit.program_area == "Manufacturing"
    # Stackables in different program areas do not pair; the same credential twice counts once.
    assert missouri_tally([earned("osha10-general"), earned("bls-provider")], listings).units == ()
    assert missouri_tally([earned("osha10-general"), earned("osha10-general", date(2025, 6, 1))], listings).units == ()
    r = result(student(*one), "mo-irc")
    assert r.status == "not met" and r.missing == (
        "one more stackable credential in Manufacturing (with OSHA10-GENERAL) makes an IRC",)
    r = result(student(*two, earned("stna")), "mo-irc")
    assert r.status == "met" and r.summary == "Met: 2 IRCs on Missouri's list."


def test_missouri_list_membership_in_the_year_earned() -> None:
    listings = book({("MO", None, "stna"): [Segment(2023, 2024, {"listKind": "irc", "programArea": "Health Sciences",
                                                                  "stackable": False})]})
    assert result(student(earned("stna", date(2024, 6, 1))), "mo-irc", listings=listings).status == "met"
    r = result(student(earned("stna", date(2024, 9, 1))), "mo-irc", listings=listings)
    assert r.status == "not met" and "STNA was not on Missouri's list in 2024-25, when it was earned." in r.notes


def test_missouri_stackables_count_as_one_irc_from_school_year_2020_21() -> None:
    """DESE: "Beginning in school year 2020-2021, students earning two stackable credentials in a program area
    will have the same effect on a district's Perkins V reporting as earning an IRC." """
    listings = book()
    before = [earned("osha10-general", date(2019, 9, 1)), earned("forklift", date(2020, 6, 30))]  # 2019-20
    assert missouri_tally(before, listings).units == ()
    assert "only from 2020-21" in missouri_tally(before, listings).early[0]
    across = [earned("osha10-general", date(2019, 9, 1)), earned("forklift", date(2020, 7, 1))]  # pair completes 2020-21
    assert len(missouri_tally(across, listings).units) == 1
    r = result(student(*before, cohort=2021), "mo-irc", today=date(2021, 5, 1))
    assert r.status == "not met" and any("only from 2020-21" in n for n in r.notes)


MO_ALL_EIGHT = StudentInputs(wbl_hours=60, cte_programs={"Health Sciences": CteProgress(3, Decimal("3.0"))},
                             graduation_requirements=True, attendance=Decimal("96.0"), soft_skills=True,
                             ccr_measure=True)


def test_missouri_cte_certificate_needs_all_eight_criteria() -> None:
    assert result(student(earned("stna"), inputs=MO_ALL_EIGHT), "mo-cte-certificate").status == "met"
    tsa = result(student(earned("nocti-health"), inputs=MO_ALL_EIGHT), "mo-cte-certificate")
    assert tsa.status == "met" and tsa.counted[0].detail == "TSA, Health Sciences"
    # The four the ledger and its inputs used to check are not enough: "Met" never comes from four.
    four = StudentInputs(wbl_hours=60, cte_programs={"Health Sciences": CteProgress(3, Decimal("3.0"))})
    r = result(student(earned("stna"), inputs=four), "mo-cte-certificate")
    assert r.status == "unknown" and r.summary == ("Cannot tell yet for Health Sciences: 4 of the eight criteria are "
                                                   "recorded (4 met); the others are not.")
    assert r.missing == ("all graduation requirements (not recorded)", "95% attendance in grades 9–12 (not recorded)",
                         "soft skills / business skills demonstrated (not recorded)",
                         "a score at or above the state standard on a DESE-approved college and career readiness "
                         "measure (not recorded)")
    short = replace(MO_ALL_EIGHT, wbl_hours=20, attendance=Decimal("94.5"),
                    cte_programs={"Health Sciences": CteProgress(2, Decimal("2.95"))})
    r = result(student(earned("stna"), inputs=short), "mo-cte-certificate")
    assert r.status == "not met" and r.missing == (
        "1 more course in Health Sciences (a CTE concentrator)", "GPA in Health Sciences 2.95, needs 3.0",
        "30 more hours of work-based learning (20 of 50)", "attendance 94.5%, needs 95%")
    elsewhere = result(student(earned("osha10-general"), earned("forklift"), inputs=MO_ALL_EIGHT),
                       "mo-cte-certificate")
    assert elsewhere.missing == ("an approved TSA or IRC in Health Sciences",)
    unknown = result(student(earned("stna")), "mo-cte-certificate")
    assert unknown.status == "unknown" and unknown.notes[0].startswith(
        "Not recorded in the ledger (a report input): CTE courses and GPA, all graduation requirements")
    # For students entering high school in 2017-18 or later: the class of 2021 on.
    assert result(student(earned("stna", date(2019, 3, 1)), cohort=2020, inputs=MO_ALL_EIGHT), "mo-cte-certificate",
                  today=date(2020, 5, 1)).status == "not applicable"


# Colorado -----------------------------------------------------------------------


def test_colorado_menu_of_options_english_and_math() -> None:
    a_plus = student(earned("comptia-a-plus"))
    assert result(a_plus, "co-english").status == "met"
    r = result(a_plus, "co-math")
    assert r.status == "not met"
    assert r.missing == (("an industry certificate on Aspen Valley's Menu of Options that meets math "
                         "(Cisco CCNA, Certified Pharmacy Technician)"),)
    both = student(earned("cpht"))
    assert (result(both, "co-english").status, result(both, "co-math").status) == ("met", "met")
    # Another district's menu says nothing about this one; no district recorded: unknown.
    elsewhere = student(earned("cpht"), district=OTHER_DISTRICT)
    assert result(elsewhere, "co-math").status == "not met"
    assert result(student(earned("cpht"), district=None), "co-math").status == "unknown"
    assert result(student(earned("cpht", date(2019, 3, 1)), cohort=2020), "co-math",
                  today=date(2020, 5, 1)).status == "not applicable"


# Properties ------------------------------------------------------------------------

FIELDS = st.sampled_from(OHIO_CAREER_FIELDS[:4])
LISTINGS = st.dictionaries(st.sampled_from([f"c{i}" for i in range(12)]),
                           st.tuples(FIELDS, st.integers(1, 12)), min_size=1)


def _book_of(listed: dict[str, tuple[str, int]]) -> ListingBook:
    return ListingBook({("OH", None, code): [Segment(2016, None, {"careerField": f, "points": p})]
                        for code, (f, p) in listed.items()})


def _credentials(codes: list[str]) -> list[EarnedCredential]:
    return [earned(code, date(2024, 1, 1 + i), award=f"a{i}") for i, code in enumerate(codes)]


@settings(max_examples=150, deadline=None)
@given(LISTINGS, st.lists(st.sampled_from([f"c{i}" for i in range(14)]), max_size=8),
       st.sampled_from([f"c{i}" for i in range(14)]))
def test_adding_a_credential_never_lowers_points(listed: dict[str, tuple[str, int]], codes: list[str],
                                                 extra: str) -> None:
    listings = _book_of(listed)
    before = ohio_points(_credentials(codes), listings).tallies
    after = ohio_points(_credentials(codes + [extra]), listings).tallies
    assert all(after[f].points >= t.points for f, t in before.items())
    assert best_field(after)[1] >= best_field(before)[1]


@settings(max_examples=150, deadline=None)
@given(LISTINGS, st.lists(st.sampled_from([f"c{i}" for i in range(14)]), max_size=8))
def test_no_mixture_of_fields_reaches_12_unless_one_field_does(listed: dict[str, tuple[str, int]],
                                                               codes: list[str]) -> None:
    listings = _book_of(listed)
    credentials = _credentials(codes)
    facts = StudentFacts("s", 2025, tuple(credentials), GOOD_WORKKEYS)
    option = next(r for r in evaluate_student(facts, listings, today=TODAY, states=["OH"])
                  if r.rule == "oh-report-card")
    per_field: dict[str, int] = {}
    for code in dict.fromkeys(codes):
        if code in listed:
            per_field[listed[code][0]] = per_field.get(listed[code][0], 0) + listed[code][1]
    assert (option.status == "met") == any(p >= 12 for p in per_field.values())
    assert sum(c.points or 0 for c in option.counted) == max(per_field.values(), default=0)


def test_the_demonstrations_status_is_two_with_one_foundational_over_every_combination() -> None:
    """Every combination of the six demonstrations (achieved, not, or not recorded), against the rule read
    plainly: met when what is recorded makes two with one foundational; not met when even every unrecorded one
    achieved would not; otherwise unknown."""
    bad_workkeys = (workkeys(3, 3, 3),)
    checked = 0
    for bundle, webxams, pre, good_wk, wbl, omj in itertools.product(
            (True, False), (None, True, False), (None, True, False), (True, False), (None, True, False),
            (None, True, False)):
        inputs = StudentInputs(webxams=None if webxams is None else {"Health": 3 if webxams else 1},
                               pre_apprenticeship=pre, wbl_hours=None if wbl is None else (250 if wbl else 10),
                               omj_seal=omj, eoc_retake=True)
        facts = student(*([earned("cpht")] if bundle else []), sittings=GOOD_WORKKEYS if good_wk else bad_workkeys,
                        inputs=inputs)
        foundational, supporting = (bundle, webxams, pre), (good_wk, wbl, omj)

        def two_with_one_foundational(assume: bool) -> bool:
            f = sum(assume if v is None else v for v in foundational)
            return f >= 1 and f + sum(assume if v is None else v for v in supporting) >= 2

        expected = ("met" if two_with_one_foundational(False) else
                    "unknown" if two_with_one_foundational(True) else "not met")
        assert result(facts, "oh-demonstrations").status == expected, (foundational, supporting)
        checked += 1
    assert checked == 324


CODES = sorted({*OHIO, *MISSOURI, *MENU})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CODES), st.dates(date(2016, 7, 1), date(2027, 6, 30)),
                          st.sampled_from([None, "superseded", "issued in error"])), max_size=7),
       st.sampled_from([None, 2020, 2022, 2023, 2025, 2026, 2028]),
       st.lists(st.tuples(st.integers(3, 7), st.integers(3, 7), st.integers(3, 7),
                          st.dates(date(2019, 1, 1), date(2027, 6, 30))), max_size=2),
       st.sampled_from([None, True, False]), st.dates(date(2021, 1, 1), date(2029, 1, 1)))
def test_a_brief_evaluation_is_the_full_one_without_its_words(
        awards: list[tuple[str, date, str | None]], cohort: int | None, sittings: list[tuple[int, int, int, date]],
        retake: bool | None, today: date) -> None:
    """A district's list evaluates its students briefly (ledger.reports.ohio): every status, what is missing,
    what counted, what would close the gap and the version are those of the full evaluation; only the
    summaries and notes of the rules that applied are left unmade."""
    facts = student(*(earned(code, on, award=f"a{i}", revoked=revoked) for i, (code, on, revoked) in enumerate(awards)),
                    cohort=cohort, sittings=tuple(workkeys(a, g, w, on) for a, g, w, on in sittings),
                    inputs=StudentInputs(eoc_retake=retake, wbl_hours=300))
    full = evaluate_student(facts, book(), today=today)
    brief = evaluate_student(facts, book(), today=today, brief=True)
    assert [r.rule for r in brief] == [r.rule for r in full]
    for quick, whole in zip(brief, full):
        assert quick._replace(summary=whole.summary, notes=whole.notes) == whole
        applied = whole.status != "not applicable" or whole.summary.startswith("Not open yet")
        if applied and cohort is not None:
            assert (quick.summary, quick.notes) == ("", ())


def test_a_code_earned_again_for_more_points_counts_where_the_later_award_stands() -> None:
    """X was 4 points in Health (2019-20), then 12 in Information Technology and Health (from 2020-21); earned
    in both years, the later award counts in each field, and the fields stay in the order of the awards that
    count (then as the listing names them), whatever order the awards come in: the seal names Health, as the
    version before the district list was made fast did (a regression found by review)."""
    listings = book({("OH", None, "x"): [Segment(2020, 2020, {"careerField": "Health", "points": 4}),
                                          Segment(2021, None, {"careerFields": ["Information Technology", "Health"],
                                                               "points": 12})]})
    first, again = earned("x", date(2019, 9, 1), award="a1"), earned("x", date(2021, 9, 1), award="a2")
    for order in ((first, again), (again, first)):
        seal = result(student(*order, cohort=2024), "oh-irc-seal", listings=listings, today=date(2024, 5, 1))
        assert [(c.award, c.detail) for c in seal.counted] == [("a2", "12 points, Health")]
        assert seal.notes[0] == "Points do not add up across career fields: Health 12, Information Technology 12."
    points = ohio_points([first, again], listings)  # oldest first, as the rules give them
    assert [(f, t.points, [c.award for _, c in t.entries]) for f, t in points.tallies.items()] == [
        ("Health", 12, ["a2"]), ("Information Technology", 12, ["a2"])]
