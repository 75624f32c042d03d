"""Verifiers that ask for a witness quorum (issue 15): the bundle verifier's "witnessed" step,
`credledger verify --witness/--quorum` and `credledger monitor --witness/--quorum/--compare`.

Everything is real: credledger's log, two of our witnesses (web.witness) over loopback HTTP asked by
the log's own code (ledger.witnessing), exported bundles, the CLI. The fork: an instance copied with
its keys (same origin, same log key) and grown differently; the witnesses cosign only the history
they saw first, so the other one is below quorum for every verifier and monitor that asks."""

from __future__ import annotations

import base64
import dataclasses
import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.application import IssueRequest, Ledger
from ledger.export import export_bundle, online_evidence
from ledger.instance import init_instance, open_ledger
from verifiers.bundle import verify_bundle
from verifiers.cosignature import CosignatureVerifier
from verifiers.note import key_string_from_public_key
from verifiers.policy import VerificationPolicy
from web.exceptions import SplitView
from web.monitor import MonitorState, monitor
from tests.support import ThreadedWitness, TinyLog, invoke_cli, serving

PASSPHRASE = "witnessed-passphrase"
TODAY = date(2026, 12, 1)
W1, W2 = "witness.example/w1", "witness.example/w2"
LOG_KEY = key_string_from_public_key("tiny.example/log", bytes(32))  # a well-formed key of no log here


class Instance:
    """A district's instance whose log asks two witnesses (quorum 2)."""

    def __init__(self, ledger: Ledger, witnesses: list[ThreadedWitness]):
        self.ledger = ledger
        self.witnesses = witnesses
        self.configure(witnesses, quorum=2)

    def configure(self, witnesses: list[ThreadedWitness], quorum: int) -> None:
        object.__setattr__(self.ledger, "config", dataclasses.replace(
            self.ledger.config, witnesses=tuple((w.verifier.to_key_string(), w.url) for w in witnesses),
            witness_quorum=quorum))
        self.ledger.__dict__.pop("witnessing", None)  # the cached property, built again from the new config

    @property
    def log_key(self) -> str:
        return self.ledger.transparency_log.verifier_key

    def record(self, name: str) -> str:
        """A student with one award, integrated into the log and put to the witnesses."""
        ledger = self.ledger
        if "pinecrest" not in {i.slug for i in ledger.issuers()}:
            ledger.register_issuer("pinecrest", "Pinecrest Test District", "district")
            ledger.define_credential("osha10-general", {
                "name": "OSHA 10-Hour General Industry", "certifyingBody": "OSHA Outreach Training Program",
                "credentialType": "certificate", "validityMonths": None, "careerField": None})
        student = ledger.register_student("pinecrest", {"name": name, "birth_date": "2009-04-02"})
        ledger.issue([IssueRequest("pinecrest", student, "osha10-general", date(2026, 5, 1), {})])
        ledger.transparency_log.integrate()
        ledger.witnessing.ask()
        return student


def keys(*witnesses: ThreadedWitness) -> list[str]:
    return [w.verifier.to_key_string() for w in witnesses]


def policy(instance: Instance, witnesses: list[str], quorum: int | None = None) -> VerificationPolicy:
    return VerificationPolicy.from_keys([instance.log_key], witnesses, quorum)


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[Instance]:
    ledger = init_instance(tmp_path / "instance", PASSPHRASE, scrypt_n=2**10)
    key = ledger.transparency_log.verifier_key
    witnesses = [ThreadedWitness.create(tmp_path / name.replace("/", "_"), name, PASSPHRASE, [key])
                 for name in (W1, W2)]
    yield Instance(ledger, witnesses)
    for witness in witnesses:
        if witness.running:
            witness.stop()
    ledger.close()


# The witnessed step ------------------------------------------------------------------------------


def test_a_bundle_cosigned_by_the_quorum_is_witnessed(instance: Instance) -> None:
    student = instance.record("Ilse Marchetti-Oduya")
    bundle = export_bundle(instance.ledger, student)
    result = verify_bundle(bundle, today=TODAY, policy=policy(instance, keys(*instance.witnesses)))
    assert result.witnessed.ok is True and result.ok
    assert result.witnessed.detail.startswith(f"the bundle's checkpoint ({result.checkpoint_size} entries) is "
                                              f"cosigned by 2 of the pinned witnesses ({W1} at 20")
    assert result.witnessed.detail.endswith("Z); the quorum is 2")
    assert all(c.steps[1] == result.witnessed for c in result.credentials)
    # Without a policy the step is not checked: the checkpoint rests on the log's key alone.
    plain = verify_bundle(bundle, [instance.log_key], today=TODAY)
    assert plain.witnessed.ok is None and plain.ok
    assert plain.witnessed.detail == ("not checked: no witnesses were pinned (the checkpoint rests on the "
                                      "log's key alone)")


def test_below_the_quorum_is_reported_as_such_never_as_verified(instance: Instance) -> None:
    instance.record("Ilse Marchetti-Oduya")
    instance.witnesses[1].stop()
    student = instance.record("Tomas Quillfeather")  # w2 is down: this checkpoint has w1 only
    bundle = export_bundle(instance.ledger, student)
    result = verify_bundle(bundle, today=TODAY, policy=policy(instance, keys(*instance.witnesses)))
    assert result.witnessed.ok is False and not result.ok
    assert all(not c.ok for c in result.credentials)
    assert "is below the quorum: cosigned by 1 of the 2 witnesses required (witness.example/w1 at 20" in (
        result.witnessed.detail)
    assert result.witnessed.detail.endswith(f"; not by {W2}")
    # A quorum of one of them is met.
    one = verify_bundle(bundle, today=TODAY, policy=policy(instance, keys(*instance.witnesses), quorum=1))
    assert one.witnessed.ok is True and one.ok


def _forge_line(note: str, name: str) -> str:
    """The note with `name`'s cosignature altered in its Ed25519 signature (its key ID and time kept)."""
    lines = note.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(f"\u2014 {name} "):
            raw = bytearray(base64.b64decode(line.rsplit(" ", 1)[1]))
            raw[-1] ^= 0x01
            lines[i] = f"\u2014 {name} " + base64.b64encode(bytes(raw)).decode()
            return "\n".join(lines)
    raise AssertionError(f"no cosignature of {name}")


def test_a_forged_cosignature_is_named_and_not_counted(instance: Instance) -> None:
    student = instance.record("Ilse Marchetti-Oduya")
    bundle = export_bundle(instance.ledger, student)
    bundle["checkpoint"] = _forge_line(bundle["checkpoint"], W2)
    result = verify_bundle(bundle, today=TODAY, policy=policy(instance, keys(*instance.witnesses)))
    assert result.checkpoint.ok is True  # the log's own signature is untouched
    assert result.witnessed.ok is False
    assert result.witnessed.detail.endswith(f"; not by {W2}; the cosignature of {W2} does not verify")


def test_cosignatures_of_unpinned_witnesses_are_ignored(instance: Instance, tmp_path: Path) -> None:
    student = instance.record("Ilse Marchetti-Oduya")
    bundle = export_bundle(instance.ledger, student)
    only_w1 = verify_bundle(bundle, today=TODAY, policy=policy(instance, keys(instance.witnesses[0])))
    assert only_w1.witnessed.ok is True and W2 not in only_w1.witnessed.detail
    # A witness the log never asked: its pinned key finds no cosignature (w1's and w2's lines are ignored).
    stranger = CosignatureVerifier.from_public_key("witness.example/w3", bytes(range(32)))
    unknown = verify_bundle(bundle, today=TODAY, policy=policy(instance, [stranger.to_key_string()]))
    assert unknown.witnessed.ok is False
    assert unknown.witnessed.detail.endswith("is below the quorum: cosigned by 0 of the 1 witnesses required; "
                                             "not by witness.example/w3")


def test_online_the_newer_checkpoint_must_have_the_quorum_and_witnesses_an_old_bundle(instance: Instance) -> None:
    # A bundle exported before the instance had witnesses carries no cosignature...
    instance.configure([], quorum=0)
    student = instance.record("Ilse Marchetti-Oduya")
    old = export_bundle(instance.ledger, student)
    instance.configure(instance.witnesses, quorum=2)
    instance.record("Tomas Quillfeather")
    since = int(old["checkpoint"].split("\n")[1])
    two = policy(instance, keys(*instance.witnesses))
    offline = verify_bundle(old, today=TODAY, policy=two)
    assert offline.witnessed.ok is False
    # ...but the newer checkpoint, cosigned by both and proven to extend it, witnesses its tree.
    online = verify_bundle(old, today=TODAY, policy=two, online=online_evidence(instance.ledger, old["awards"], since))
    assert online.witnessed.ok is True and online.ok, online.witnessed
    assert online.witnessed.detail.startswith("the log's newer checkpoint (")
    assert online.witnessed.detail.endswith("; the bundle's own checkpoint lacks them, and the newer one extends it")
    # A newer checkpoint below the quorum: the current status rests on it, so it is reported.
    cosigned = export_bundle(instance.ledger, student)
    instance.witnesses[1].stop()
    instance.record("Wren Achterberg")
    since = int(cosigned["checkpoint"].split("\n")[1])
    evidence = online_evidence(instance.ledger, cosigned["awards"], since)
    result = verify_bundle(cosigned, today=TODAY, policy=two, online=evidence)
    assert verify_bundle(cosigned, today=TODAY, policy=two).witnessed.ok is True  # offline it was
    assert result.witnessed.ok is False and not result.ok
    assert "the log's newer checkpoint (" in result.witnessed.detail
    assert "on which the current status rests, is below the quorum: cosigned by 1 of the 2" in result.witnessed.detail


def test_a_policy_is_checked_when_made() -> None:
    log = LOG_KEY
    w = CosignatureVerifier.from_public_key("witness.example/w", bytes(32)).to_key_string()
    with pytest.raises(ValueError, match=r"the quorum is 0 … the number of pinned witnesses \(1\), not 2"):
        VerificationPolicy.from_keys([log], [w], 2)
    with pytest.raises(ValueError, match="a witness is pinned twice"):
        VerificationPolicy.from_keys([log], [w, w])
    # One key under two names: each name gives it a valid key ID, so it would count twice toward a quorum.
    alias = CosignatureVerifier.from_public_key("witness.example/alias", bytes(32)).to_key_string()
    with pytest.raises(ValueError, match=r"a witness is pinned twice \(one name, one key each\)"):
        VerificationPolicy.from_keys([log], [w, alias], 2)
    with pytest.raises(ValueError, match="pinned witnesses need a quorum of at least 1"):
        VerificationPolicy.from_keys([log], [w], 0)
    with pytest.raises(ValueError, match="not a witness key"):
        VerificationPolicy.from_keys([log], [log])
    assert VerificationPolicy.from_keys([log], [w]).quorum == 1  # default: every pinned witness


# The command line --------------------------------------------------------------------------------


def _verify(bundle_file: Path, *args: str) -> Any:
    return invoke_cli(None, "verify", str(bundle_file), "--today", TODAY.isoformat(), *args, passphrase=None)


def test_credledger_verify_pins_witnesses_and_a_quorum(instance: Instance, tmp_path: Path) -> None:
    student = instance.record("Ilse Marchetti-Oduya")
    file = tmp_path / "bundle.json"
    file.write_text(json.dumps(export_bundle(instance.ledger, student)))
    w1, w2 = keys(*instance.witnesses)
    ok = _verify(file, "--log-key", instance.log_key, "--witness", w1, "--witness", w2)
    assert ok.code == 0, ok.out
    assert "✓ witnessed: the bundle's checkpoint" in ok.out and "the quorum is 2" in ok.out
    data = json.loads(_verify(file, "--log-key", instance.log_key, "--witness", w1, "--witness", w2, "--json").out)
    assert data["witnessed"]["ok"] is True and data["credentials"][0]["steps"][1]["step"] == "witnessed"
    stranger = CosignatureVerifier.from_public_key("witness.example/w3", bytes(range(32))).to_key_string()
    below = _verify(file, "--log-key", instance.log_key, "--witness", w1, "--witness", stranger)
    assert below.code == 1 and "✗ witnessed:" in below.out and "not by witness.example/w3" in below.out
    assert _verify(file, "--log-key", instance.log_key, "--witness", w1, "--witness", stranger,
                   "--quorum", "1").code == 0
    for args, message in (
        (("--witness", w1, "--quorum", "2"), "--quorum: the quorum is 0 … the number of pinned witnesses (1), not 2"),
        (("--quorum", "1"), "--quorum: pin the witnesses it counts with --witness"),
        (("--witness", instance.log_key), "--witness: not a witness key"),
        (("--witness", w1, "--witness", w1), "--witness: a witness is pinned twice"),
    ):
        refused = _verify(file, "--log-key", instance.log_key, *args)
        assert refused.code == 2 and message in refused.out + refused.err, (args, refused.out, refused.err)


# The fork -----------------------------------------------------------------------------------------


def test_a_fork_is_cosigned_at_most_once_and_caught_by_verifier_and_monitor(instance: Instance,
                                                                           tmp_path: Path) -> None:
    instance.record("Ilse Marchetti-Oduya")
    shared = instance.ledger.transparency_log.size()
    # The fork: the instance copied with its keys (same origin, same log key), grown differently.
    shutil.copytree(tmp_path / "instance", tmp_path / "fork")
    fork = Instance(open_ledger(tmp_path / "fork", PASSPHRASE), instance.witnesses)
    try:
        assert fork.log_key == instance.log_key
        real_student = instance.record("Tomas Quillfeather")
        fork_student = fork.record("Someone Invented")  # asked of the same witnesses, after the real one
        size = instance.ledger.transparency_log.size()
        assert fork.ledger.transparency_log.size() == size > shared
        assert len(instance.ledger.store.cosignature_lines(size)) == 2
        assert fork.ledger.store.cosignature_lines(size) == {}  # each witness cosigned one of them: the real
        outcomes = fork.ledger.witnessing.ask()
        assert all(o.startswith("conflict: the witness holds a checkpoint") for o in outcomes.values()), outcomes
        two = policy(instance, keys(*instance.witnesses))
        real = verify_bundle(export_bundle(instance.ledger, real_student), today=TODAY, policy=two)
        forked = verify_bundle(export_bundle(fork.ledger, fork_student), today=TODAY, policy=two)
        assert real.ok and real.witnessed.ok is True
        assert forked.checkpoint.ok is True  # the log key signed it: only the witnesses tell the trees apart
        assert forked.witnessed.ok is False and not forked.ok
        assert "cosigned by 0 of the 2 witnesses required" in forked.witnessed.detail

        pinned = MonitorState(log_key=instance.log_key, witnesses=keys(*instance.witnesses), quorum=2)
        real_checkpoint = instance.ledger.witnessing.published()
        fork_checkpoint = fork.ledger.transparency_log.checkpoint()  # signed with the log key, cosigned by none
        with serving(instance.ledger) as url:
            state, found = monitor(url, pinned, compare=real_checkpoint)
            assert state.size == size and [w["witness"] for w in found.witnessed_by] == [W1, W2]
            assert found.compared == {**found.compared, "size": size, "how": "the same tree"}
            # The fork's checkpoint shown to someone else, same size, another root: the log key signed both.
            with pytest.raises(SplitView, match=f"SPLIT VIEW: a checkpoint of {size} entries .* is not part of the "
                                                f"tree of {size} entries this monitor mirrors"):
                monitor(url, pinned, compare=fork_checkpoint)
            instance.record("Wren Achterberg")
            # Smaller than the mirror: the log's consistency proof from it cannot verify.
            with pytest.raises(SplitView, match="the log's consistency proof from it fails"):
                monitor(url, pinned, compare=fork_checkpoint)
            state, found = monitor(url, pinned, compare=real_checkpoint)
            assert found.compared["how"] == f"extended by the mirrored tree (consistency proof from {size})"
            # No split: w2 down, the log serves its newest checkpoint with the quorum, a bundle carries a newer
            # one (w1 only); the log proves the newer extends the served one.
            instance.witnesses[1].stop()
            instance.record("Yusuf Brightwater")
            served_size = state.size
            newer = instance.ledger.transparency_log.checkpoint()
            state, found = monitor(url, pinned, compare=newer)
            assert state.size == served_size and found.compared["size"] == served_size + 2
            assert found.compared["how"] == (f"ahead of the served checkpoint, proven to extend it (consistency "
                                             f"proof from {served_size})")
            assert [w["witness"] for w in found.compared["witnessed_by"]] == [W1]
        with serving(fork.ledger) as url:
            # The fork serves its newest cosigned checkpoint: the shared past, consistent on its own...
            state, found = monitor(url, pinned)
            assert state.size == shared
            # ...but the tree the witnesses cosigned for this log is not part of it: a split view.
            with pytest.raises(SplitView, match=f"SPLIT VIEW: a checkpoint of {size} entries .* is not part of the "
                                                f"tree of {shared} entries this monitor mirrors .*: the log serves a "
                                                "smaller tree and does not prove the larger one extends it"):
                monitor(url, pinned, compare=real_checkpoint)
            # A fork that serves its own newest checkpoint shows a tree below the witness quorum.
            fork.configure(instance.witnesses, quorum=0)
            with pytest.raises(SplitView, match=f"the log's checkpoint of {size} entries is below the witness "
                                                "quorum: cosigned by 0 of the 2 required"):
                monitor(url, pinned)
            file = tmp_path / "real-checkpoint.txt"
            file.write_text(real_checkpoint)
            cli = invoke_cli(None, "monitor", url, "--log-key", instance.log_key, "--witness", keys(*instance.witnesses)[0],
                             "--witness", keys(*instance.witnesses)[1], "--state", str(tmp_path / "m.json"),
                             passphrase=None)
            assert cli.code == 1 and "SPLIT VIEW" in cli.out + cli.err
            assert not (tmp_path / "m.json").exists()  # nothing of a split view is kept as the truth
            fork.configure(instance.witnesses, quorum=2)
            cli = invoke_cli(None, "monitor", url, "--log-key", instance.log_key, "--witness", keys(*instance.witnesses)[0],
                             "--witness", keys(*instance.witnesses)[1], "--state", str(tmp_path / "m.json"),
                             "--compare", str(file), passphrase=None)
            assert cli.code == 1 and "SPLIT VIEW" in cli.out + cli.err and "smaller tree" in cli.out + cli.err
    finally:
        fork.ledger.close()


def test_the_monitor_refuses_a_witness_policy_it_cannot_use(tmp_path: Path) -> None:
    log = LOG_KEY
    w = CosignatureVerifier.from_public_key("witness.example/w", bytes(32)).to_key_string()
    state = str(tmp_path / "state.json")
    other_log = tmp_path / "other.txt"
    other_log.write_text(TinyLog.new("tiny.example/other").checkpoint())
    for args, message in (
        (("--witness", w, "--quorum", "2"), "--quorum: 1 … 1 (the witnesses pinned), not 2"),
        (("--quorum", "1"), "--quorum: pin the witnesses it counts with --witness"),
        (("--witness", "nonsense"), "--witness: not a witness key"),
        (("--compare", str(other_log)), "--compare: not a checkpoint signed with the pinned log key"),
        (("--witness", w, "--witness", CosignatureVerifier.from_public_key("witness.example/alias", bytes(32))
          .to_key_string()), "--witness: a witness is pinned twice (one name, one key each)"),
    ):
        result = invoke_cli(None, "monitor", "http://127.0.0.1:9", "--log-key", log, "--state", state, *args,
                            passphrase=None)
        assert result.code == 2 and message in result.out + result.err, (args, result.out, result.err)
