"""The one access rule (ledger.relations, ledger.access): facts from signed events, on both backends.

Institution X sees and records for student S exactly when X registered S, issued or holds one of
S's awards, is offered a transfer of them, or holds an active roster share for S. People and
schools are fictional.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from ledger.application import IssueRequest, Ledger, _Batch
from ledger.audit import audit
from ledger.errors import NotFoundError, RejectedError
from ledger.instance import migrate_instance
from tests.conftest import PASSPHRASE
from tests.ledger.test_ledger_application import refused
from tests.support import Clock, transfer
from verifiers.protocol import documents as d

CLAIMS = {"name": "Juniper Okafor-Lind", "birth_date": "2008-10-03", "local_id": "AS-3301"}
EARNED = date(2026, 8, 14)
CATALOG = {"name": "OSHA 10-Hour General Industry", "certifyingBody": "OSHA Outreach Training Program",
           "credentialType": "certificate", "validityMonths": None, "careerField": "Manufacturing"}


@pytest.fixture
def world(make_ledger: Callable[..., Ledger]) -> tuple[Ledger, str]:
    ledger = make_ledger()
    for slug, name, kind in [("ashford", "Ashford Unified School District", "district"),
                             ("ashford-ctc", "Ashford Area Career Center", "cte_center"),
                             ("brookmere", "Brookmere Public Schools", "district")]:
        ledger.register_issuer(slug, name, kind)
    ledger.define_credential("osha10-general", CATALOG)
    return ledger, ledger.register_student("ashford", CLAIMS)


def did(ledger: Ledger, slug: str) -> str:
    return ledger.issuer_did(slug)


def award_for(ledger: Ledger, slug: str, student: str, **kw: object) -> str:
    (award,) = ledger.issue([IssueRequest(slug, student, "osha10-general", EARNED, {"card": "OSHA-1"}, **kw)])
    return award


def stored(ledger: Ledger) -> int:
    return ledger.store.journal_size()


def share(ledger: Ledger, student: str, *, to: str = "ashford-ctc", purpose: str = "record", days: int = 300,
          granter: str = "ashford") -> str:
    return ledger.share_roster(granter, to, [student], purpose=purpose,
                               until=ledger.clock().date() + timedelta(days=days))


def test_the_bases_follow_the_signed_events(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    access = ledger.access
    assert access.bases(did(ledger, "ashford"), student) == {"registered"}
    assert access.bases(did(ledger, "ashford-ctc"), student) == frozenset()
    share_id = share(ledger, student)
    assert access.bases(did(ledger, "ashford-ctc"), student) == {"shared-record"}
    award = award_for(ledger, "ashford-ctc", student)
    assert access.bases(did(ledger, "ashford-ctc"), student) == {"shared-record", "issued"}
    # A withdrawn share ends only what it gave: recording made the center the award's issuer (and custodian).
    ledger.withdraw_roster_share(share_id, "ashford")
    assert access.bases(did(ledger, "ashford-ctc"), student) == {"issued"}
    # A transfer offer lets the receiver see the student while it is pending; custody moves on acceptance.
    offer = ledger.offer_transfer("ashford-ctc", "brookmere", student, "Student enrolled at Brookmere")
    assert access.bases(did(ledger, "brookmere"), student) == {"offered"}
    ledger.accept_transfer(offer, "brookmere")
    assert access.bases(did(ledger, "brookmere"), student) == {"holds"}
    assert access.bases(did(ledger, "ashford-ctc"), student) == {"issued"}  # it issued the award, holds it no more
    # And custody handed on again drops the intermediate holder's relationship.
    transfer(ledger, [award], "ashford", "Records consolidated at the home district")
    assert access.bases(did(ledger, "brookmere"), student) == frozenset()
    assert ledger.award(award).custodian == did(ledger, "ashford")
    assert access.students(did(ledger, "brookmere")) == set()
    assert audit(ledger).ok


def test_an_unrelated_institution_cannot_record_and_hears_what_an_unknown_id_gets(
        world: tuple[Ledger, str]) -> None:
    ledger, student = world
    before = stored(ledger)
    with pytest.raises(NotFoundError) as unrelated:
        award_for(ledger, "ashford-ctc", student)
    with pytest.raises(NotFoundError) as unknown:
        award_for(ledger, "ashford-ctc", "7b1d7f1e-1c1f-4f7a-9a55-0d7f2c4c1a11")
    assert str(unrelated.value).replace(student, "ID") == str(unknown.value).replace(
        "7b1d7f1e-1c1f-4f7a-9a55-0d7f2c4c1a11", "ID")
    assert stored(ledger) == before
    with pytest.raises(NotFoundError):
        ledger.access.require_visible(did(ledger, "ashford-ctc"), student)


def test_a_share_for_reporting_shows_but_does_not_record(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    share(ledger, student, purpose="report")
    center = did(ledger, "ashford-ctc")
    assert ledger.access.may_see(center, student) and not ledger.access.may_record(center, student)
    with pytest.raises(NotFoundError):
        award_for(ledger, "ashford-ctc", student)


def test_a_share_ends_by_itself(world: tuple[Ledger, str], clock: Clock) -> None:
    ledger, student = world
    share(ledger, student, days=10)
    center = did(ledger, "ashford-ctc")
    assert ledger.access.may_record(center, student)
    clock.advance(days=10)
    assert ledger.access.may_record(center, student)  # the last day still counts
    clock.advance(days=1)
    assert not ledger.access.may_see(center, student)
    assert center not in {did(ledger, s) for s in ("ashford",)} and not ledger.access.students(center)
    with pytest.raises(NotFoundError):
        award_for(ledger, "ashford-ctc", student)


def test_share_rules(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    other = ledger.register_student("brookmere", {"name": "Tamsin Reyes-Ould", "birth_date": "2009-01-12",
                                                  "local_id": "BM-77"})
    with refused(ledger, "not_found"):  # a student the granter does not serve: as unknown
        ledger.share_roster("ashford", "ashford-ctc", [student, other], purpose="record",
                            until=ledger.clock().date() + timedelta(days=30))
    with refused(ledger, "share_too_long"):
        share(ledger, student, days=401)
    with refused(ledger, "malformed"):
        share(ledger, student, days=-1)
    with refused(ledger, "malformed"):
        share(ledger, student, to="ashford")
    share_id = share(ledger, student)
    # No redisclosure: what was shared with the center is not the center's to pass on (34 CFR 99.33).
    with refused(ledger, "not_found"):
        share(ledger, student, granter="ashford-ctc", to="brookmere")
    with pytest.raises(NotFoundError):  # only the granter withdraws; to anyone else the share is unknown
        ledger.withdraw_roster_share(share_id, "ashford-ctc")
    ledger.withdraw_roster_share(share_id, "ashford", "The student left the CTE program")
    with refused(ledger, "already_withdrawn"):
        ledger.withdraw_roster_share(share_id, "ashford")
    (shared,) = ledger.access.shares_of_student(student)
    assert (shared.granter, shared.grantee, shared.purpose) == (did(ledger, "ashford"), did(ledger, "ashford-ctc"),
                                                                "record")
    assert shared.withdrawn is not None
    assert audit(ledger).ok


def test_only_the_custodian_amends_an_award_and_only_once(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    share(ledger, student)
    old = award_for(ledger, "ashford", student)
    ledger.revoke(old, "superseded", "Earned date corrected from the score report.")
    # The center relates to the student (a roster share) but is not the award's custodian.
    with refused(ledger, "not_authorized"):
        award_for(ledger, "ashford-ctc", student, supersedes=old)
    new = award_for(ledger, "ashford", student, supersedes=old)
    with refused(ledger, "already_amended"):  # no re-pointing an award already amended
        award_for(ledger, "ashford", student, supersedes=old)
    assert ledger.award(new).supersedes == old
    assert audit(ledger).ok


def test_transfer_offers_need_the_receiver(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    award = award_for(ledger, "ashford", student)
    offer = ledger.offer_transfer("ashford", "brookmere", student, "Student enrolled at Brookmere")
    assert ledger.award(award).custodian == did(ledger, "ashford")  # nothing moved yet
    with pytest.raises(NotFoundError):  # the sender cannot accept its own offer
        ledger.accept_transfer(offer, "ashford")
    with pytest.raises(NotFoundError):  # nor can a third institution decide it
        ledger.close_transfer_offer(offer, "ashford-ctc", "declined")
    with refused(ledger, "not_authorized"):  # the sender withdraws; it does not decline for the receiver
        ledger.close_transfer_offer(offer, "ashford", "declined")
    ledger.close_transfer_offer(offer, "brookmere", "declined")
    assert not ledger.access.may_see(did(ledger, "brookmere"), student)
    with refused(ledger, "not_pending"):
        ledger.accept_transfer(offer, "brookmere")
    with refused(ledger, "not_authorized"):  # only the custodian offers an award
        ledger.offer_transfer("brookmere", "ashford-ctc", student, "?", awards=[award])
    assert ledger.award(award).custodian == did(ledger, "ashford")
    assert audit(ledger).ok


def test_the_audit_compares_the_stored_facts_with_the_events(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    assert audit(ledger).ok
    # Someone with database access grants the center a relationship no event made.
    ledger.store.execute("INSERT INTO {relations} (student_id, institution, basis, ref, until) "
                         "VALUES (?, ?, 'shared-record', ?, NULL)", [student, did(ledger, "ashford-ctc"), student])
    assert ledger.access.may_record(did(ledger, "ashford-ctc"), student)
    report = audit(ledger)
    assert not report.ok and report.finding is not None
    assert report.finding.problem == "the stored access facts (ledger_relations) differ from the events"
    assert ledger.rebuild_relations() == 1
    assert audit(ledger).ok and not ledger.access.may_see(did(ledger, "ashford-ctc"), student)


def test_a_journal_row_naming_another_student_is_caught(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    other = ledger.register_student("ashford", {"name": "Oskar Velde", "birth_date": "2008-04-04", "local_id": "AS-9"})
    award = award_for(ledger, "ashford", student)
    ledger.store.execute("UPDATE {journal} SET student_id = ? WHERE originator_id = ?", [other, award])
    report = audit(ledger)
    assert report.finding is not None and "names another event type or student" in report.finding.problem


def test_migrate_fills_the_facts_of_a_store_made_before_they_were_kept(
        world: tuple[Ledger, str], make_ledger: Callable[..., Ledger]) -> None:
    ledger, student = world
    share(ledger, student)
    award_for(ledger, "ashford-ctc", student)
    expected = set(ledger.store.select_all_relations())
    ledger.store.execute("DELETE FROM {relations}")  # as a store of the previous version has it
    assert not audit(ledger).ok
    data_dir = ledger.config.data_dir
    ledger.close()
    migrate_instance(data_dir, PASSPHRASE)
    reopened = make_ledger(reopen=True)
    assert set(reopened.store.select_all_relations()) == expected
    assert audit(reopened).ok


def test_shares_and_offers_are_logged_and_carry_no_pii(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    award_for(ledger, "ashford", student)
    share(ledger, student)
    ledger.offer_transfer("ashford", "brookmere", student, "Student enrolled at Brookmere")
    kinds = [row.event_type for row in ledger.store.select_journal(0, 100)]
    assert d.ROSTER_SHARED in kinds and d.TRANSFER_OFFERED in kinds
    ledger.transparency_log.integrate()
    assert ledger.transparency_log.latest() is not None and ledger.store.log_size() == stored(ledger)
    blob = b"".join(ledger.store.select_journal_leaves(0, stored(ledger)))
    assert CLAIMS["name"].encode() not in blob and CLAIMS["local_id"].encode() not in blob


# Races: two writers check against the same stored state, then commit one after the other ---------------


def prepared(ledger: Ledger, request: IssueRequest) -> Any:
    """A batch that has checked and signed an issuance but not yet stored it (another writer's, mid-flight)."""
    batch = _Batch(ledger)
    award = batch.new_stream()
    batch.sign(d.CREDENTIAL_ISSUED, award, **ledger._issued_fields(batch, request, award))
    return batch


def test_a_share_withdrawn_while_an_award_is_in_flight_makes_it_a_conflict(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    share_id = share(ledger, student)
    in_flight = prepared(ledger, IssueRequest("ashford-ctc", student, "osha10-general", EARNED, {}))
    ledger.withdraw_roster_share(share_id, "ashford")
    before = stored(ledger)
    with pytest.raises(RejectedError) as info:
        in_flight.commit()
    assert info.value.code == "conflict" and stored(ledger) == before
    assert audit(ledger).ok


def test_two_amendments_of_one_award_racing_store_one(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    old = award_for(ledger, "ashford", student)
    ledger.revoke(old, "superseded", "Corrected.")
    request = IssueRequest("ashford", student, "osha10-general", EARNED, {}, supersedes=old)
    first, second = prepared(ledger, request), prepared(ledger, request)
    first.commit()
    with pytest.raises(RejectedError) as info:
        second.commit()
    assert info.value.code == "conflict"
    assert audit(ledger).ok


def test_one_pending_offer_per_award_and_a_transfer_by_any_path_ends_it(world: tuple[Ledger, str]) -> None:
    ledger, student = world
    award = award_for(ledger, "ashford", student)
    offer = ledger.offer_transfer("ashford", "brookmere", student, "Student enrolled at Brookmere")
    with refused(ledger, "transfer_pending"):
        ledger.offer_transfer("ashford", "ashford-ctc", student, "Or the center?")
    # The award moves by the off-server path (the center countersigns the sender's half) instead.
    transfer(ledger, [award], "ashford-ctc", "Student enrolled at the center")
    assert not ledger.access.may_see(did(ledger, "brookmere"), student)  # the offer no longer opens anything
    with refused(ledger, "not_pending"):  # overtaken: nothing to accept
        ledger.accept_transfer(offer, "brookmere")
    ledger.close_transfer_offer(offer, "brookmere", "declined")
    assert audit(ledger).ok
