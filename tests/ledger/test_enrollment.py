"""A student's record (ledger.enrollment): the graduating class corrected, enrollment facts and a move to
another district, each a signed event of the district of record, on both backends. People and schools
are fictional."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from ledger.audit import audit
from ledger.application import Ledger
from ledger.enrollment import (ENROLLED, EXITED, GRADUATED, MOVED, EnrollmentFact, correct_cohort, record_enrollment,
                               record_state_id)
from ledger.errors import InputError, NotFoundError
from ledger.export import export_bundle
from ledger.readmodels import Projections
from ledger.reports.data import load_report_data
from ledger.reports.perkins import perkins_5s1
from ledger.vault import seal, unseal
from tests.ledger.test_ledger_application import refused
from verifiers.protocol import documents as d

CLAIMS = {"name": "Odalys Verhoeven", "birth_date": "2008-02-11", "local_id": "HV-2210", "state_id": "QX1234567"}
DAY = date(2026, 5, 29)


@pytest.fixture
def world(make_ledger: Callable[..., Ledger]) -> tuple[Ledger, str]:
    ledger = make_ledger()
    for slug, name in [("hollis", "Hollis Valley Local Schools"), ("marren", "Marren City Schools"),
                       ("tallow", "Tallow Creek District")]:
        ledger.register_issuer(slug, name, "district")
    return ledger, ledger.register_students("hollis", [CLAIMS], cohorts=[2026], buildings=["HV-HS"])[0]


def test_the_state_id_has_its_own_commitment_and_stays_out_of_the_events(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    subject = ledger.student(student).subject
    assert set(subject) == {"name", "birth_date", "local_id", "state_id"}
    identity = ledger.identity(student)
    assert identity is not None and identity.claims["state_id"] == "QX1234567"
    for _, document, _ in ledger.student_history(student):
        assert "QX1234567" not in repr(document)
    (registered,) = [doc for _, doc, _ in ledger.student_history(student)]
    assert registered["building"] == "HV-HS" and registered["cohort"] == 2026


def test_the_class_is_corrected_by_an_event_and_the_read_model_follows(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    projections = Projections.of(ledger)
    correct_cohort(ledger, "hollis", student, 2027)
    assert ledger.student(student).cohort == 2027
    projections.catch_up()
    assert projections.student_record(student)["cohort"] == 2027
    with refused(ledger, "unchanged"):
        correct_cohort(ledger, "hollis", student, 2027)
    # Another district, which does not relate to the student, hears what an unknown id gets.
    with pytest.raises(NotFoundError):
        correct_cohort(ledger, "marren", student, 2028)
    before = projections.dump()
    projections.rebuild()
    assert projections.dump() == before


def test_enrollment_facts_and_a_move_make_the_receiver_the_district_of_record(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    hollis, marren = ledger.issuer_did("hollis"), ledger.issuer_did("marren")
    record_enrollment(ledger, "hollis", student, EnrollmentFact(ENROLLED, date(2022, 8, 20), "HV-HS"))
    assert not ledger.access.may_see(marren, student)
    record_enrollment(ledger, "hollis", student, EnrollmentFact(MOVED, date(2025, 1, 6), "marren"))
    info = ledger.student(student)
    assert info.district == marren and info.enrollment == "moved"
    assert ledger.access.bases(marren, student) == {"moved-in"}
    assert ledger.access.bases(hollis, student) == {"registered"}  # the history stays
    # From now on the receiving district keeps the record; the sending one no longer signs its facts.
    with refused(ledger, "not_district_of_record"):
        record_enrollment(ledger, "hollis", student, EnrollmentFact(GRADUATED, DAY, "regular"))
    record_enrollment(ledger, "marren", student, EnrollmentFact(GRADUATED, DAY, "regular"))
    with refused(ledger, "already_graduated"):
        record_enrollment(ledger, "marren", student, EnrollmentFact(GRADUATED, DAY, "honors"))
    projections = Projections.of(ledger)
    projections.catch_up()
    record = projections.student_record(student)
    assert (record["district"], record["enrollment"], record["graduated"], record["diploma"]) == (
        marren, "graduated", DAY.isoformat(), "regular")
    assert [h["type"] for h in record["history"]] == [d.STUDENT_ENROLLED, d.STUDENT_MOVED, d.STUDENT_GRADUATED]
    data = load_report_data(projections.view)
    assert data.students[student] == (marren, 2026) and data.graduations == {student: DAY}
    before = projections.dump()
    projections.rebuild()
    assert projections.dump() == before
    assert audit(ledger).ok


def test_enrollment_facts_are_checked(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    with refused(ledger, "future_date"):
        record_enrollment(ledger, "hollis", student, EnrollmentFact(EXITED, date(2099, 1, 1), "dropped-out"))
    with pytest.raises(InputError) as error:
        record_enrollment(ledger, "hollis", student, EnrollmentFact(EXITED, DAY, "bored"))
    assert "events[0].reason" in error.value.errors
    with refused(ledger, "malformed"):
        record_enrollment(ledger, "hollis", student, EnrollmentFact(MOVED, DAY, "hollis"))
    with pytest.raises(InputError) as unknown:
        record_enrollment(ledger, "hollis", student, EnrollmentFact(MOVED, DAY, "nowhere"))
    assert unknown.value.errors == {"to": ["no institution 'nowhere'"]}
    with pytest.raises(NotFoundError):
        correct_cohort(ledger, "hollis", ledger.issuer("hollis").id, 2027)  # a stream that is no student


def test_perkins_counts_the_recorded_graduation(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    projections = Projections.of(ledger)
    projections.catch_up()
    with pytest.raises(InputError) as error:
        perkins_5s1(load_report_data(projections.view), concentrators={student}, graduated=None, state="OH")
    assert "graduated" in error.value.errors
    record_enrollment(ledger, "hollis", student, EnrollmentFact(GRADUATED, DAY, "regular"))
    projections.catch_up()
    report = perkins_5s1(load_report_data(projections.view), concentrators={student}, graduated=None, state="OH")
    assert report.totals["concentrators"] == 1
    assert any("recorded in the ledger for 1 concentrator" in n for n in report.notes)


def test_the_audit_names_a_vault_row_resealed_with_another_state_id(world: tuple[Ledger, str]) -> None:
    """Whoever holds the vault key could seal a row anew: it opens, but not the registration's commitments."""
    ledger, student = world
    identity = ledger.identity(student)
    assert identity is not None
    changed = type(identity)(claims={**identity.claims, "state_id": "QX7654321"}, salts=identity.salts)
    ledger.store.execute("UPDATE {vault} SET sealed = ? WHERE student_id = ?",
                         [seal(changed, ledger.vault_key, student), student])
    assert unseal(ledger.store.select_identity(student) or b"", ledger.vault_key, student).claims["state_id"] == \
        "QX7654321"
    report = audit(ledger)
    assert report.finding is not None and report.finding.stream == "student_identities"
    assert report.finding.problem == (f"the vault row of student {student} does not match the commitments of "
                                      "their registration and record (state_id)")


# A state id recorded after the registration ---------------------------------------------------------


def test_a_state_id_given_later_and_corrected_gets_its_own_commitment_each_time(world: tuple[Ledger, str]) -> None:
    """A student registered without a state id gets one later, then a wrong one corrected: each a
    StateIdRecorded of the district of record with a new salted commitment; the value only in the vault."""
    ledger, _ = world
    claims = {"name": "Perpetua Anand-Solberg", "birth_date": "2009-04-30", "local_id": "HV-2211"}
    student = ledger.register_student("hollis", claims, cohort=2027)
    registration = dict(ledger.student(student).subject)
    assert "state_id" not in registration
    record_state_id(ledger, "hollis", student, "QX1111111")
    identity = ledger.identity(student)
    assert identity is not None and identity.claims["state_id"] == "QX1111111"
    record_state_id(ledger, "hollis", student, "QX2222222")  # the first was mistyped
    identity = ledger.identity(student)
    assert identity is not None and identity.claims == {**claims, "state_id": "QX2222222"}
    recorded = [doc for _, doc, _ in ledger.student_history(student) if doc["type"] == d.STATE_ID_RECORDED]
    assert [set(doc["subject"]) for doc in recorded] == [{"state_id"}, {"state_id"}]
    assert recorded[0]["subject"] != recorded[1]["subject"]
    assert recorded[1]["subject"]["state_id"] == identity.commitments()["state_id"]
    for _, document, _ in ledger.student_history(student):
        assert "QX1111111" not in repr(document) and "QX2222222" not in repr(document)
    # Awards keep carrying the registration's commitments (a bundle checks them against the registration).
    assert ledger.student(student).subject == registration
    projections = Projections.of(ledger)
    projections.catch_up()
    history = projections.student_record(student)["history"]
    assert [(h["type"], h["detail"]) for h in history] == [(d.STATE_ID_RECORDED, None)] * 2
    assert audit(ledger).ok
    before = projections.dump()
    projections.rebuild()
    assert projections.dump() == before


def test_only_the_district_of_record_records_a_state_id(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    ledger.share_roster("hollis", "marren", [student], purpose="record", until=ledger.clock().date() + timedelta(days=30))
    with refused(ledger, "not_district_of_record"):  # it sees and records for the student, not their record
        record_state_id(ledger, "marren", student, "QX7654321")
    with pytest.raises(NotFoundError):  # an unrelated district hears what an unknown id gets
        record_state_id(ledger, "tallow", student, "QX7654321")
    record_enrollment(ledger, "hollis", student, EnrollmentFact(MOVED, date(2025, 1, 6), "marren"))
    with refused(ledger, "not_district_of_record"):  # after a move: the receiving district's
        record_state_id(ledger, "hollis", student, "QX7654321")
    record_state_id(ledger, "marren", student, "QX7654321")
    identity = ledger.identity(student)
    assert identity is not None and identity.claims["state_id"] == "QX7654321"
    assert audit(ledger).ok


def test_the_same_state_id_again_is_an_input_error_and_changes_nothing(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    size = ledger.store.journal_size()
    with pytest.raises(InputError) as error:
        record_state_id(ledger, "hollis", student, "QX1234567")
    assert error.value.errors == {"state_id": ["this is already the student's state id"]}
    assert "QX1234567" not in str(error.value)  # no PII in errors
    assert ledger.store.journal_size() == size


def test_the_audit_names_a_vault_row_that_does_not_open_the_recorded_state_id(world: tuple[Ledger, str]) -> None:
    """After a StateIdRecorded the vault must open the NEW commitment: a row sealed back with the old id
    (or any other) is named, as a row changed against the registration is."""
    ledger, student = world
    old = ledger.identity(student)
    record_state_id(ledger, "hollis", student, "QX7654321")
    assert old is not None and audit(ledger).ok
    ledger.store.execute("UPDATE {vault} SET sealed = ? WHERE student_id = ?",
                         [seal(old, ledger.vault_key, student), student])
    report = audit(ledger)
    assert report.finding is not None and report.finding.problem == (
        f"the vault row of student {student} does not match the commitments of their registration and record "
        "(state_id)")


def test_a_bundle_does_not_disclose_a_state_id_recorded_after_the_registration(world: tuple[Ledger, str]) -> None:
    """Awards carry the registration's commitments; a state id recorded later does not open them, so a
    bundle disclosing it is refused by name rather than exported to fail at the verifier."""
    ledger, student = world
    assert export_bundle(ledger, student, disclose=["state_id"])  # the registration's id: it opens
    record_state_id(ledger, "hollis", student, "QX7654321")
    with pytest.raises(InputError) as error:
        export_bundle(ledger, student, disclose=["state_id"])
    assert error.value.errors == {"disclose": ["the state id was recorded after the registration; the awards carry "
                                               "the registration's commitment, which it does not open"]}
    assert export_bundle(ledger, student, disclose=["name"])  # the other claims still open theirs


def test_another_student_s_state_id_is_refused_at_the_single_door(world: tuple[Ledger, str]) -> None:
    # The roster import checks its file; the console, API and CLI come through record_state_id, which must too.
    ledger, student = world
    (other,) = ledger.register_students("hollis", [{"name": "Odile Vantongeren", "birth_date": "2009-03-03",
                                                    "local_id": "HV-0002"}])
    size = ledger.store.journal_size()
    with pytest.raises(InputError) as error:
        record_state_id(ledger, "hollis", other, "QX1234567")  # the first student's
    assert error.value.errors == {"state_id": ["already the state id of another of your students"]}
    assert "QX1234567" not in str(error.value)
    assert ledger.store.journal_size() == size
    record_state_id(ledger, "hollis", other, "QX7654321")
    assert ledger.identity(other).claims["state_id"] == "QX7654321"
