"""The log asks its witnesses (ledger.witnessing): credledger's own log and two of our witnesses
(web.witness), each served over real HTTP from a thread. Checkpoints gain verified cosignatures, which
/log/checkpoint and exported bundles carry; a witness that is down never stops the log and cosigns
when it returns; a witness that lost track is brought up to date through its 409; one that holds
another history is reported, never cosigned into agreement. SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.application import IssueRequest, Ledger
from ledger.witnessing import Witness, Witnessing
from ledger.worker import Worker
from verifiers.cosignature import CosignatureVerifier, cosignatures
from tests.support import ThreadedWitness

PASSPHRASE = "witnessing-passphrase"


@pytest.fixture
def witnesses(tmp_path: Path, ledger: Ledger) -> Iterator[list[ThreadedWitness]]:
    running = [ThreadedWitness.create(tmp_path / name.replace("/", "_"), name, PASSPHRASE,
                                      [ledger.transparency_log.verifier_key])
               for name in ("witness.example/w1", "witness.example/w2")]
    yield running
    for witness in running:
        if witness.running:
            witness.stop()


def configure(ledger: Ledger, witnesses: list[ThreadedWitness]) -> Witnessing:
    object.__setattr__(ledger, "config", dataclasses.replace(
        ledger.config, witnesses=tuple((w.verifier.to_key_string(), w.url) for w in witnesses)))
    ledger.__dict__.pop("witnessing", None)  # the cached property, built again from the new config
    return ledger.witnessing


def record(ledger: Ledger) -> str:
    if "pinecrest" not in {i.slug for i in ledger.issuers()}:
        ledger.register_issuer("pinecrest", "Pinecrest Unified School District", "district")
        ledger.define_credential("osha10-general", {"name": "OSHA 10-Hour General Industry", "certifyingBody":
                                 "OSHA Outreach Training Program", "credentialType": "certificate",
                                 "validityMonths": None, "careerField": None})
    student = ledger.register_student("pinecrest", {"name": "Ilse Marchetti-Oduya", "birth_date": "2009-04-02"})
    ledger.issue([IssueRequest("pinecrest", student, "osha10-general", date(2026, 5, 1), {})])
    return student


def test_each_checkpoint_gains_both_cosignatures_and_the_bundle_carries_them(ledger: Ledger,
                                                                           witnesses: list[ThreadedWitness]) -> None:
    from ledger.export import export_bundle

    witnessing = configure(ledger, witnesses)
    student = record(ledger)
    ledger.transparency_log.integrate()
    assert witnessing.ask() == {"witness.example/w1": "cosigned", "witness.example/w2": "cosigned"}
    assert witnessing.ask() == {}  # nothing left to ask for this checkpoint
    served = ledger.transparency_log.checkpoint()
    assert [c.witness for c in cosignatures(served, [w.verifier for w in witnesses])] == [
        "witness.example/w1", "witness.example/w2"]
    bundle = export_bundle(ledger, student)
    assert len(cosignatures(bundle["checkpoint"], [w.verifier for w in witnesses])) == 2
    # The next checkpoint: asked from the size each witness cosigned, with a consistency proof.
    record(ledger)
    size = ledger.transparency_log.integrate()
    assert set(witnessing.ask().values()) == {"cosigned"}
    assert ledger.store.latest_cosigned_size("witness.example/w1") == size


def test_a_witness_that_is_down_never_stops_the_log_and_cosigns_when_back(ledger: Ledger,
                                                                        witnesses: list[ThreadedWitness]) -> None:
    configure(ledger, witnesses)
    record(ledger)
    worker = Worker(ledger)
    worker.tick()
    first = ledger.store.latest_checkpoint()
    assert first is not None and len(ledger.store.cosignature_lines(first[0])) == 2
    port = witnesses[1].server.server_port
    witnesses[1].stop()
    seen: list[tuple[str, str]] = []
    worker.on_witness = lambda name, outcome: seen.append((name, outcome))
    record(ledger)
    worker.tick()
    second = ledger.store.latest_checkpoint()
    assert second is not None and second[0] > first[0]  # the log went on
    assert list(ledger.store.cosignature_lines(second[0])) == ["witness.example/w1"]
    assert seen and seen[0][0] == "witness.example/w2" and seen[0][1].startswith("unreachable")
    witnesses[1].start(port)
    assert ledger.witnessing.ask() == {"witness.example/w2": "cosigned"}
    assert len(ledger.store.cosignature_lines(second[0])) == 2


def test_a_witness_that_lost_track_is_brought_up_to_date_through_its_409(ledger: Ledger,
                                                                       witnesses: list[ThreadedWitness]) -> None:
    witnessing = configure(ledger, witnesses[:1])
    record(ledger)
    ledger.transparency_log.integrate()
    assert witnessing.ask() == {"witness.example/w1": "cosigned"}
    # This log forgets what the witness cosigned (as a store restored without its cosignatures would):
    # it asks from 0, the witness answers 409 with its size, the log asks again from there.
    ledger.store.execute(ledger.store._sql("DELETE FROM {cosignatures}"), [])
    record(ledger)
    ledger.transparency_log.integrate()
    assert witnessing.ask() == {"witness.example/w1": "cosigned"}


def test_a_witness_holding_another_history_is_reported_not_cosigned(tmp_path: Path, ledger: Ledger,
                                                                   witnesses: list[ThreadedWitness]) -> None:
    from web.witness import WitnessState

    witnessing = configure(ledger, witnesses[:1])
    record(ledger)
    size = ledger.transparency_log.integrate()
    state = WitnessState(witnesses[0].directory, None)
    try:  # the witness believes it cosigned a larger checkpoint of this log (a fork shown to it)
        state.decide(ledger.transparency_log.origin, lambda latest: _forked(size + 5), "", 0)
    finally:
        state.close()
    outcome = witnessing.ask()["witness.example/w1"]
    assert outcome.startswith(f"conflict: the witness holds a checkpoint of {size + 5} entries that this log's "
                              f"{size} does not extend")
    assert ledger.store.cosignature_lines(size) == {}


def _forked(size: int) -> Any:
    from verifiers.checkpoint import Checkpoint
    from verifiers.witness import Accepted

    return Accepted(Checkpoint("forked", size, bytes(32)), "")


def test_a_setting_that_is_not_a_witness_names_the_field() -> None:
    from ledger.errors import InputError

    with pytest.raises(InputError, match="not a witness verifier key"):
        Witness.from_setting("tiny.example/log+00000000+AAAA", "https://w.example")
    verifier = CosignatureVerifier.from_public_key("w.example/w", bytes(32))
    with pytest.raises(InputError, match="the witness's submission prefix is an http"):
        Witness.from_setting(verifier.to_key_string(), "ftp://w.example")


def test_with_a_quorum_the_log_serves_the_newest_cosigned_checkpoint_and_exports_ask(
        ledger: Ledger, witnesses: list[ThreadedWitness]) -> None:
    from ledger.export import export_bundle

    configure(ledger, witnesses)
    object.__setattr__(ledger, "config", dataclasses.replace(ledger.config, witness_quorum=2))
    ledger.__dict__.pop("witnessing", None)
    witnessing = ledger.witnessing
    record(ledger)
    first = ledger.transparency_log.integrate()
    assert witnessing.ask() == {"witness.example/w1": "cosigned", "witness.example/w2": "cosigned"}
    witnesses[1].stop()
    student = record(ledger)
    later = ledger.transparency_log.integrate()
    witnessing.ask()  # only w1 answers: the newer checkpoint lacks its quorum
    assert witnessing.published().split("\n")[1] == str(first)  # the newest with 2 cosignatures
    assert len(cosignatures(witnessing.published(), [w.verifier for w in witnesses])) == 2
    # An export asks the witnesses for the latest first; with w2 down it carries what it got.
    bundle = export_bundle(ledger, student)
    assert bundle["checkpoint"].split("\n")[1] == str(later)
    assert [c.witness for c in cosignatures(bundle["checkpoint"], [w.verifier for w in witnesses])] == [
        "witness.example/w1"]
    with pytest.raises(Exception, match="between 0 and the 2 witnesses configured"):
        Witnessing(ledger.transparency_log, witnessing.witnesses, quorum=3)


def test_the_audit_checks_every_kept_cosignature(ledger: Ledger, witnesses: list[ThreadedWitness]) -> None:
    from ledger.audit import audit

    witnessing = configure(ledger, witnesses)
    record(ledger)
    size = ledger.transparency_log.integrate()
    assert set(witnessing.ask().values()) == {"cosigned"}
    assert audit(ledger).ok
    line = ledger.store.cosignature_lines(size)["witness.example/w2"]
    forged = line[:-3] + ("A" if line[-3] != "A" else "B") + line[-2:]  # its signature, one character off
    ledger.store.execute(ledger.store._sql("UPDATE {cosignatures} SET line = ? WHERE witness = ?"),
                         [forged, "witness.example/w2"])
    report = audit(ledger)
    assert not report.ok
    assert report.finding.problem == (f"the kept cosignature of witness.example/w2 for the checkpoint of size {size} does not "
                              "verify with its pinned key, or not at the time kept with it")
    ledger.store.execute(ledger.store._sql("UPDATE {cosignatures} SET line = ?, size = ? WHERE witness = ?"),
                         [line, size + 1000, "witness.example/w2"])
    assert audit(ledger).finding.problem == (f"a cosignature of witness.example/w2 is kept for a checkpoint of size "
                                     f"{size + 1000} the store does not hold")
