"""W3C Bitstring Status List v1.0 for revocation of exported badges (ledger.vc.statuslist, published
at /issuers/<slug>/status/<n>, signed by the worker; read by verifiers.statuslist)."""

from __future__ import annotations

import copy
import json
import time
from datetime import date, timedelta
from typing import Any

import pytest

from ledger.application import STATUS_LIST_FILL, IssueRequest, Ledger, _Batch
from ledger.errors import NotFoundError, RejectedError
from ledger.readmodels import Projections
from ledger.vc.openbadge import open_badge
from ledger.vc.statuslist import LIFETIME, list_url, published_list, refresh_status_lists, status_in_words
from ledger.worker import Worker
from tests.support import Clock, transfer
from verifiers.didweb import did_document
from verifiers.openbadge import verify_open_badge
from verifiers.statuslist import LIST_SIZE, bit, decode_list

OSHA = {"name": "OSHA 10-Hour General Industry", "certifyingBody": "OSHA Outreach Training Program",
        "credentialType": "certificate", "validityMonths": None, "careerField": None}


@pytest.fixture
def world(ledger: Ledger) -> dict[str, Any]:
    ledger.register_issuer("pinecrest", "Pinecrest Unified School District", "district")
    ledger.register_issuer("lakeview", "Lakeview School District", "district")
    ledger.define_credential("osha10-general", OSHA)
    student = ledger.register_student("pinecrest", {"name": "Tamsin Orley-Vance", "birth_date": "2009-03-01",
                                                    "local_id": "PC-7"})
    awards = ledger.issue([IssueRequest("pinecrest", student, "osha10-general", date(2026, 5, 1 + i), {})
                           for i in range(3)])
    return {"student": student, "awards": awards}


def _documents(ledger: Ledger) -> dict[str, dict[str, Any]]:
    return {i.did: did_document(i.did, i.keys.values(), ledger.clock()) for i in ledger.issuers()}


def _issued(ledger: Ledger, award_id: str) -> dict[str, Any]:
    (row,) = [r for r in ledger.store.select_journal_of_stream(award_id) if r.originator_version == 1]
    ((_, document, _),) = ledger.documents_of([row])
    return document


def test_the_entry_is_drawn_at_random_inside_the_signed_issuance(ledger: Ledger, world: dict[str, Any]) -> None:
    entries = []
    for award_id in world["awards"]:
        document = _issued(ledger, award_id)
        assert isinstance(document["statusList"], int) and isinstance(document["statusIndex"], int)
        entries.append((document["statusList"], document["statusIndex"]))
        assert ledger.award(award_id).status_entry == entries[-1]
    assert {n for n, _ in entries} == {0}
    # Not issuance order: three consecutive awards do not hold 0, 1, 2 (chance 1 in ~10^15).
    assert sorted(i for _, i in entries) != [0, 1, 2]
    assert all(0 <= i < LIST_SIZE for _, i in entries)


def test_entries_never_repeat_within_a_list_and_look_uniform(ledger: Ledger, world: dict[str, Any]) -> None:
    batch = _Batch(ledger)
    did = ledger.issuer("pinecrest").did
    held = {e[1] for e in (ledger.award(a).status_entry for a in world["awards"]) if e}
    drawn = [batch.allocate_status_entry(did) for _ in range(5000)]
    indices = [i for _, i in drawn]
    assert {n for n, _ in drawn} == {0}
    assert len(set(indices)) == len(indices)  # never twice
    assert not held & set(indices)  # never one an award holds
    # Spread over the whole list: each eighth holds 625 ± a wide margin (not clustered at the front).
    eighths = [sum(1 for i in indices if k * LIST_SIZE // 8 <= i < (k + 1) * LIST_SIZE // 8) for k in range(8)]
    assert all(500 < n < 750 for n in eighths), eighths
    assert indices != sorted(indices)


def test_a_full_list_opens_the_next(ledger: Ledger, world: dict[str, Any]) -> None:
    did = ledger.issuer("pinecrest").did
    batch = _Batch(ledger)
    batch._status_open[did] = (0, STATUS_LIST_FILL)  # as if the store held 90% of list 0
    assert batch.allocate_status_entry(did)[0] == 1


def test_a_taken_entry_is_refused_in_a_submitted_issuance(ledger: Ledger, world: dict[str, Any]) -> None:
    (prepared,) = ledger.prepare_issue([IssueRequest("pinecrest", world["student"], "osha10-general",
                                                     date(2026, 6, 1), {})])
    taken = ledger.award(world["awards"][0]).status_entry
    assert taken is not None
    prepared["statusList"], prepared["statusIndex"] = taken
    key_id = _Batch(ledger).signing_key(ledger.issuer("pinecrest").did)
    signed = ledger.signer(key_id).sign(prepared, prepared["time"])
    with pytest.raises(RejectedError, match=r"entry \d+ of status list 0 of .* is another award's") as e:
        ledger.submit([signed])
    assert e.value.code == "status_entry_taken"


def test_the_store_refuses_two_awards_on_one_entry(ledger: Ledger, world: dict[str, Any]) -> None:
    """Two writers that drew the same entry: the store's key makes the second a conflict."""
    taken = ledger.award(world["awards"][0]).status_entry
    original = _Batch.allocate_status_entry
    _Batch.allocate_status_entry = lambda self, issuer: taken  # type: ignore[assignment,method-assign,return-value]
    try:
        with pytest.raises(RejectedError, match="another writer changed one of these records"):
            ledger.issue([IssueRequest("pinecrest", world["student"], "osha10-general", date(2026, 6, 1), {})])
    finally:
        _Batch.allocate_status_entry = original  # type: ignore[method-assign]


def test_a_submitted_issuance_may_name_only_an_opened_list(ledger: Ledger, world: dict[str, Any]) -> None:
    (prepared,) = ledger.prepare_issue([IssueRequest("pinecrest", world["student"], "osha10-general",
                                                     date(2026, 6, 1), {})])
    assert prepared["statusList"] == 0
    prepared["statusList"] = 7
    key_id = _Batch(ledger).signing_key(ledger.issuer("pinecrest").did)
    signed = ledger.signer(key_id).sign(prepared, prepared["time"])
    with pytest.raises(RejectedError, match=r"status list 7 of .* is not open \(the open one is 0\)") as e:
        ledger.submit([signed])
    assert e.value.code == "status_list_not_open"
    assert sorted(ledger.store.status_list_sizes(ledger.issuer("pinecrest").did)) == [0]  # nothing stored


@pytest.mark.parametrize("change", ["delete", "move"])
def test_the_audit_compares_the_held_entries_with_the_events(ledger: Ledger, world: dict[str, Any],
                                                             change: str) -> None:
    """The entries decide which award a bit revokes and that no two awards share one: a row deleted
    (a second award could take the entry) or moved to another award is a finding."""
    from ledger.audit import audit

    assert audit(ledger).ok
    issuer, number, index, award = sorted(ledger.store.select_status_entries())[0]
    table = ledger.store._sql("{status_entries}")
    if change == "delete":
        ledger.store.execute(f"DELETE FROM {table} WHERE award = ?", [award])
    else:
        ledger.store.execute(f"UPDATE {table} SET idx = ? WHERE award = ?", [(index + 1) % LIST_SIZE, award])
    report = audit(ledger)
    assert not report.ok and report.finding is not None
    assert report.finding.problem == ("the stored status list entries (ledger_status_entries) differ from the "
                                      "signed CredentialIssued events")


def test_the_entry_survives_a_rebuild(ledger: Ledger, world: dict[str, Any]) -> None:
    projections = Projections.of(ledger)
    projections.catch_up()
    query = "SELECT award_id, status_list, status_index FROM rm_awards ORDER BY award_id"
    before = projections.view.query(query)
    assert [tuple(r[1:]) for r in before] == [ledger.award(r[0]).status_entry for r in before]
    projections.rebuild()
    assert projections.view.query(query) == before
    entries = sorted(ledger.store.select_status_entries())
    assert ledger.rebuild_status_entries() == 3
    assert sorted(ledger.store.select_status_entries()) == entries


def _published(ledger: Ledger, projections: Projections, award_id: str) -> tuple[dict[str, Any], int]:
    entry = ledger.award(award_id).status_entry
    assert entry is not None
    return published_list(ledger, projections, "pinecrest", entry[0]), entry[1]


def test_the_published_list_is_signed_and_the_badge_names_it(ledger: Ledger, world: dict[str, Any]) -> None:
    projections = Projections.of(ledger)
    Worker(ledger).tick()
    award = world["awards"][0]
    badge = open_badge(ledger, award)
    status_list, index = _published(ledger, projections, award)
    url = list_url(ledger, "pinecrest", 0)
    assert url == "https://localhost:5000/issuers/pinecrest/status/0"
    assert badge["credentialStatus"] == {"id": f"{url}#{index}", "type": "BitstringStatusListEntry",
                                         "statusPurpose": "revocation", "statusListIndex": str(index),
                                         "statusListCredential": url}
    assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert status_list["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert status_list["issuer"] == ledger.issuer("pinecrest").did
    assert status_list["credentialSubject"]["type"] == "BitstringStatusList"
    assert status_list["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert status_list["validUntil"] > status_list["validFrom"]
    assert len(decode_list(status_list["credentialSubject"]["encodedList"])) == LIST_SIZE // 8
    result = verify_open_badge(badge, _documents(ledger), ledger.clock(), status_list)
    status = {s.step: s for s in result.steps}["status"]
    assert (status.ok, result.ok, result.status_checked, result.status) == (True, True, True, "active")
    assert f"not revoked: entry {index} of {url} is clear" in status.detail
    # Tampered with (a bit cleared or set by someone else): the list's signature no longer verifies.
    forged = copy.deepcopy(status_list)
    forged["validUntil"] = "2099-01-01T00:00:00Z"
    detail = {s.step: s for s in verify_open_badge(badge, _documents(ledger), ledger.clock(), forged).steps}["status"]
    assert detail.ok is False and detail.detail.startswith("status list refused: ")


def test_a_revocation_flips_the_bit_after_a_worker_tick(ledger: Ledger, world: dict[str, Any]) -> None:
    projections = Projections.of(ledger)
    worker = Worker(ledger)
    worker.tick()
    award = world["awards"][1]
    badge = open_badge(ledger, award)  # exported before the revocation
    ledger.revoke(award, "issued_in_error", "Entered for the wrong student")
    stale, index = _published(ledger, projections, award)
    assert not bit(decode_list(stale["credentialSubject"]["encodedList"]), index)  # not before the worker runs
    started = time.perf_counter()
    worker.tick()
    delay = time.perf_counter() - started
    fresh, _ = _published(ledger, projections, award)
    assert bit(decode_list(fresh["credentialSubject"]["encodedList"]), index)
    assert delay < 2.0, f"one worker tick took {delay:.3f} s"
    others = [ledger.award(a).status_entry for a in world["awards"] if a != award]
    assert not any(bit(decode_list(fresh["credentialSubject"]["encodedList"]), e[1]) for e in others if e)
    result = verify_open_badge(badge, _documents(ledger), ledger.clock(), fresh)
    status = {s.step: s for s in result.steps}["status"]
    assert (result.ok, result.status, status.ok) == (False, "revoked", False)
    assert status.detail.startswith(f"revoked: entry {index} of {list_url(ledger, 'pinecrest', 0)} is set")
    assert refresh_status_lists(ledger, projections) == []  # nothing changed since


def test_a_new_custodians_revocation_flips_the_recording_issuers_bit(ledger: Ledger, world: dict[str, Any]) -> None:
    projections = Projections.of(ledger)
    worker = Worker(ledger)
    worker.tick()
    award = world["awards"][2]
    badge = open_badge(ledger, award)
    transfer(ledger, [award], "lakeview", "Records consolidated")
    assert ledger.award(award).custodian == ledger.issuer("lakeview").did
    ledger.revoke(award, "evidence_withdrawn", "Card withdrawn", by="lakeview")
    worker.tick()
    status_list, index = _published(ledger, projections, award)
    assert status_list["issuer"] == ledger.issuer("pinecrest").did  # still the recorder's list
    assert bit(decode_list(status_list["credentialSubject"]["encodedList"]), index)
    assert verify_open_badge(badge, _documents(ledger), ledger.clock(), status_list).status == "revoked"


def test_the_worker_signs_again_after_a_rotation_and_before_expiry(ledger: Ledger, world: dict[str, Any],
                                                                   clock: Clock) -> None:
    projections = Projections.of(ledger)
    worker = Worker(ledger)
    worker.tick()
    did = ledger.issuer("pinecrest").did
    assert refresh_status_lists(ledger, projections) == []
    ledger.rotate_issuer_key("pinecrest")
    assert refresh_status_lists(ledger, projections) == [(did, 0)]
    clock.advance(seconds=LIFETIME.total_seconds() * 0.6)
    assert refresh_status_lists(ledger, projections) == [(did, 0)]


def test_an_expired_list_is_not_evidence(ledger: Ledger, world: dict[str, Any], clock: Clock) -> None:
    projections = Projections.of(ledger)
    Worker(ledger).tick()
    award = world["awards"][0]
    badge = open_badge(ledger, award)
    status_list, _ = _published(ledger, projections, award)
    later = ledger.clock() + LIFETIME + timedelta(seconds=1)
    result = verify_open_badge(badge, _documents(ledger), later, status_list)
    status = {s.step: s for s in result.steps}["status"]
    assert status.ok is None and status.detail.startswith(
        f"not checked: the status list given expired at {status_list['validUntil']}")


def test_no_list_given_is_not_checked_in_plain_words(ledger: Ledger, world: dict[str, Any]) -> None:
    badge = open_badge(ledger, world["awards"][0])
    result = verify_open_badge(badge, _documents(ledger), ledger.clock())
    status = {s.step: s for s in result.steps}["status"]
    assert status.ok is None
    assert status.detail == ("not checked: no status list was given (it is published at "
                             f"{list_url(ledger, 'pinecrest', 0)})")
    assert result.ok and not result.status_checked


def test_a_list_other_than_the_one_named_is_refused(ledger: Ledger, world: dict[str, Any]) -> None:
    projections = Projections.of(ledger)
    Worker(ledger).tick()
    badge = open_badge(ledger, world["awards"][0])
    badge["credentialStatus"]["statusListCredential"] = "https://localhost:5000/issuers/pinecrest/status/7"
    badge["credentialStatus"]["id"] = ("https://localhost:5000/issuers/pinecrest/status/7#"
                                       + badge["credentialStatus"]["statusListIndex"])
    status_list = published_list(ledger, projections, "pinecrest", 0)
    status = {s.step: s for s in verify_open_badge(badge, _documents(ledger), ledger.clock(), status_list).steps}
    assert status["status"].ok is False
    assert status["status"].detail == ("status list refused: it is 'https://localhost:5000/issuers/pinecrest/"
                                       "status/0', not the list the entry names "
                                       "(https://localhost:5000/issuers/pinecrest/status/7)")


def test_an_award_recorded_before_status_lists_exports_without_an_entry(ledger: Ledger, world: dict[str, Any],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_Batch, "allocate_status_entry", lambda self, issuer: ())  # the code before this change
    (old,) = ledger.issue([IssueRequest("pinecrest", world["student"], "osha10-general", date(2025, 4, 1), {})])
    assert "statusList" not in _issued(ledger, old) and ledger.award(old).status_entry is None
    badge = open_badge(ledger, old)
    assert "credentialStatus" not in badge
    assert status_in_words(ledger, ledger.award(old)).startswith("recorded before status lists: the badge carries "
                                                                  "no status entry")
    result = verify_open_badge(badge, _documents(ledger), ledger.clock())
    status = {s.step: s for s in result.steps}["status"]
    assert status.ok is None and status.detail.startswith(
        "not checked: this credential carries no revocation status entry")
    assert result.ok  # genuine; its status is for the issuer's own pages
    Worker(ledger).tick()  # and the lists go on without it


def test_no_list_for_an_issuer_whose_key_is_off_the_server(ledger: Ledger, world: dict[str, Any]) -> None:
    projections = Projections.of(ledger)
    with pytest.raises(NotFoundError, match="no status list 5 of"):
        published_list(ledger, projections, "pinecrest", 5)
    ledger.register_issuer("oakridge", "Oakridge High", "school",
                           public_key_id="did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH"
                                         "#z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH")
    with pytest.raises(NotFoundError, match="no status list 0 of"):
        published_list(ledger, projections, "oakridge", 0)


def test_the_stored_list_is_served_until_it_nears_its_end(ledger: Ledger, world: dict[str, Any]) -> None:
    projections = Projections.of(ledger)
    Worker(ledger).tick()
    first = published_list(ledger, projections, "pinecrest", 0)
    assert published_list(ledger, projections, "pinecrest", 0) == first
    stored = projections.view.query("SELECT document FROM rm_status_lists ")
    assert [json.loads(r[0]) for r in stored] == [first]


def test_the_worker_sees_a_revocation_another_reader_caught_up(ledger: Ledger, world: dict[str, Any]) -> None:
    """The web's pages catch the read models up themselves: the worker must still sign the list again."""
    projections = Projections.of(ledger)
    worker = Worker(ledger)
    worker.tick()
    award = world["awards"][0]
    ledger.revoke(award, "misconduct", "Card obtained improperly")
    projections.catch_up()  # as a console page does after its write
    worker.tick()
    status_list, index = _published(ledger, projections, award)
    assert bit(decode_list(status_list["credentialSubject"]["encodedList"]), index)
