"""web.monitor and `credledger monitor`: an independent auditor of a served log.

The application is served on a real loopback port (werkzeug's server in a
thread) and the monitor talks HTTP to it, as it would to a remote operator.
Misbehaving logs are real instances too: a copy of the data directory (same
log key, same origin) whose history was rewritten and re-signed, or which is
simply older (shorter) than what the monitor has already seen.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import socket
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.application import IssueRequest, Ledger
from ledger.instance import init_instance, open_ledger
from verifiers.errors import MalformedError
from verifiers.note import key_string_from_public_key
from web.exceptions import FetchError, MonitorError
from web.monitor import MonitorState, monitor
from tests.support import CliResult, invoke_cli, serving, transfer

PASSPHRASE = "monitor-test-passphrase"
RIVER, LAKE = "river-test-school", "lake-test-district"
SERVSAFE = {"name": "ServSafe Food Handler", "certifyingBody": "National Restaurant Association",
         "credentialType": "certificate", "validityMonths": 36, "careerField": "Hospitality & Tourism"}


class World:
    """A served instance with two issuers, one student and a transfer between them."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.ledger = init_instance(data_dir, PASSPHRASE, scrypt_n=2**10)
        ledger = self.ledger
        self.river = ledger.register_issuer(RIVER, "River Test School", "school")
        self.lake = ledger.register_issuer(LAKE, "Lake Test District", "district")
        ledger.define_credential("servsafe-handler", SERVSAFE)
        self.student = ledger.register_student(
            RIVER, {"name": "Morgan Imaginary", "birth_date": "2008-02-29", "local_id": "RV-6006"})
        awards = self.issue(RIVER, 3, "first")
        transfer(ledger, [awards[0]], LAKE, "Student enrolled at the lake district")
        ledger.transparency_log.integrate()

    def issue(self, slug: str, count: int, tag: str) -> list[str]:
        return self.ledger.issue([
            IssueRequest(slug, self.student, "servsafe-handler", date(2026, 6, 1), {"certificate": f"SS-{tag}-{i}"})
            for i in range(count)])

    @property
    def key(self) -> str:
        return self.ledger.transparency_log.verifier_key

    def leaves(self) -> list[dict[str, Any]]:
        return [json.loads(leaf) for leaf in self.ledger.store.select_journal_leaves(0, self.ledger.transparency_log.size())]

    def signed_by(self, did: str, start: int = 0) -> list[int]:
        return [i for i, leaf in enumerate(self.leaves()) if i >= start and did in {s["did"] for s in leaf["signers"]}]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    world = World(tmp_path / "instance")
    yield world
    world.ledger.close()


def copy_instance(world: World, target: Path) -> Ledger:
    """Another instance with the same ledger id, keys and history so far."""
    shutil.copytree(world.data_dir, target)
    return open_ledger(target, PASSPHRASE)


def run_cli(*args: str) -> CliResult:
    """The monitor needs no instance: the suite's in-process CLI harness, with no data directory."""
    return invoke_cli(None, *args, passphrase=None)


# The monitor as a library ------------------------------------------------------


def test_first_run_mirrors_the_log_and_lists_an_issuers_events(world: World) -> None:
    with serving(world.ledger) as url:
        state, found = monitor(url, MonitorState(log_key=world.key), world.river)
        events = found.events
    latest = world.ledger.store.latest_checkpoint()
    assert (state.size, state.root) == (latest[0], base64.b64encode(latest[1]).decode())
    assert [e["index"] for e in events] == world.signed_by(world.river)
    assert [e["type"] for e in events] == ["StudentRegistered", *["CredentialIssued"] * 3, "CredentialTransferred"]
    leaves = world.leaves()
    for event in events:
        assert {k: v for k, v in event.items() if k != "index"} == leaves[event["index"]]


def test_countersignatures_count_as_use_of_an_issuers_key(world: World) -> None:
    with serving(world.ledger) as url:
        _, found = monitor(url, MonitorState(log_key=world.key), world.lake)
        events = found.events
    # The lake district signed nothing itself (the operator registered it), but countersigned the transfer.
    assert [e["type"] for e in events] == ["CredentialTransferred"]
    (transfer,) = events
    assert [s["did"] for s in transfer["signers"]] == [world.river, world.lake]
    lake_key = world.ledger.issuer(LAKE).keys
    assert transfer["signers"][1]["key"] in lake_key


def test_second_run_lists_only_the_new_events(world: World) -> None:
    with serving(world.ledger) as url:
        first, _ = monitor(url, MonitorState(log_key=world.key), world.river)
        world.issue(RIVER, 2, "second")
        world.issue(LAKE, 1, "second")
        world.ledger.transparency_log.integrate()
        second, found = monitor(url, first, world.river)
        events = found.events
        third, found = monitor(url, second, world.river)
        nothing = found.events
    assert [e["index"] for e in events] == world.signed_by(world.river, start=first.size)
    assert [e["type"] for e in events] == ["CredentialIssued"] * 2
    assert all(e["index"] >= first.size for e in events)
    assert second.size == first.size + 3 == world.ledger.transparency_log.size()
    assert (third.size, third.root, nothing) == (second.size, second.root, [])


def test_mirroring_across_tile_boundaries(world: World) -> None:
    state = MonitorState(log_key=world.key)
    seen: list[int] = []
    with serving(world.ledger) as url:
        for count in (90, 160, 40, 300):  # sizes 98, 258, 298, 598: partial, full and crossing tiles
            world.issue(RIVER, count, f"bulk{count}")
            world.ledger.transparency_log.integrate()
            state, found = monitor(url, state)
            events = found.events
            seen += [e["index"] for e in events]
    assert state.size == 598 == world.ledger.transparency_log.size()
    assert seen == list(range(598))  # every leaf exactly once
    assert len(state.edge) == bin(598).count("1")  # only the right edge is kept


def test_wrong_pinned_key_is_log_misbehaviour(world: World, tmp_path: Path) -> None:
    other = init_instance(tmp_path / "other", PASSPHRASE, scrypt_n=2**10)
    try:
        wrong_keys = [
            other.transparency_log.verifier_key,  # another log altogether
            key_string_from_public_key(world.ledger.transparency_log.origin, other.transparency_log.signer.public_key),  # same name
        ]
    finally:
        other.close()
    with serving(world.ledger) as url:
        for key in wrong_keys:
            with pytest.raises(MonitorError):
                monitor(url, MonitorState(log_key=key))


def test_a_malformed_pinned_key_is_refused(world: World) -> None:
    with serving(world.ledger) as url, pytest.raises(MalformedError):
        monitor(url, MonitorState(log_key="not a key"))


def rewrite_history(world: World, target: Path, *, grow: bool) -> Ledger:
    """A copy of the instance whose leaf 2 is changed and whose log is rebuilt and re-signed with the same key."""
    forged = copy_instance(world, target)
    forged.close()
    conn = sqlite3.connect(target / "ledger.sqlite")
    try:
        with conn:
            (leaf,) = conn.execute("SELECT leaf FROM ledger_journal WHERE position = 2").fetchone()
            conn.execute("UPDATE ledger_journal SET leaf = ? WHERE position = 2",
                         [bytes(leaf).replace(b'"recorded":"2', b'"recorded":"1')])
            conn.execute("DELETE FROM log_nodes")
            conn.execute("DELETE FROM log_checkpoints")
    finally:
        conn.close()
    # Whoever holds the log key signs what they like: they drop the anchor that would stop our own
    # log code from signing this (ledger.anchor guards the store, not a stolen key; monitors do).
    (target / "keys" / "log-anchor.json").unlink()
    forged = open_ledger(target, PASSPHRASE)
    if grow:
        forged.register_issuer("forged-test-school", "A School Nobody Registered", "school")
    forged.transparency_log.integrate()
    assert forged.transparency_log.verifier_key == world.key
    return forged


@pytest.mark.parametrize("grow", [False, True], ids=["same-size", "grown"])
def test_a_rewritten_history_signed_with_the_same_key_is_caught(world: World, tmp_path: Path, grow: bool) -> None:
    with serving(world.ledger) as url:
        state, _ = monitor(url, MonitorState(log_key=world.key))
    forged = rewrite_history(world, tmp_path / "forged", grow=grow)
    try:
        with serving(forged) as url:
            # A fresh monitor would accept the forged log: it is well formed and signed...
            monitor(url, MonitorState(log_key=world.key))
            # ...but not one that saw the real history.
            with pytest.raises(MonitorError):
                monitor(url, state)
    finally:
        forged.close()


def test_a_log_that_shrank_is_caught(world: World, tmp_path: Path) -> None:
    older = copy_instance(world, tmp_path / "older")
    try:
        world.issue(RIVER, 4, "later")
        world.ledger.transparency_log.integrate()
        with serving(world.ledger) as url:
            state, _ = monitor(url, MonitorState(log_key=world.key))
        with serving(older) as url, pytest.raises(MonitorError):
            monitor(url, state)
    finally:
        older.close()


def test_an_unreachable_log_is_a_fetch_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    key = key_string_from_public_key("log.example.com/test", bytes(range(32)))
    with pytest.raises(FetchError):
        monitor(f"http://127.0.0.1:{port}", MonitorState(log_key=key))
    with pytest.raises(FetchError):
        monitor("file:///etc/hostname", MonitorState(log_key=key))


# `credledger monitor` ------------------------------------------------------------


def test_cli_first_and_second_run(world: World, tmp_path: Path) -> None:
    state_file = tmp_path / "monitor-state.json"
    with serving(world.ledger) as url:
        first = run_cli("--json", "monitor", url, "--log-key", world.key, "--state", str(state_file),
                        "--issuer", world.lake)
        assert first.code == 0, first.output
        answer = json.loads(first.out)
        assert (answer["previous_size"], answer["size"]) == (0, world.ledger.transparency_log.size())
        assert [e["type"] for e in answer["events"]] == ["CredentialTransferred"]
        assert json.loads(state_file.read_text())["size"] == answer["size"]

        world.issue(LAKE, 2, "cli")
        world.ledger.transparency_log.integrate()
        second = run_cli("monitor", url, "--state", str(state_file), "--issuer", world.lake)  # key from the state
        assert second.code == 0, second.output
        assert f"log grew {answer['size']} -> {answer['size'] + 2}, consistent." in second.out
        assert second.out.count(world.lake) == 2
        assert second.out.count("Credential recorded: ") == 2 and "CredentialIssued" not in second.out  # in words
        assert "Morgan" not in second.output  # the public log carries no PII


def test_cli_wrong_key_exits_1_and_keeps_no_state(world: World, tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    wrong = key_string_from_public_key(world.ledger.transparency_log.origin, bytes(range(32)))
    with serving(world.ledger) as url:
        result = run_cli("monitor", url, "--log-key", wrong, "--state", str(state_file))
    assert result.code == 1
    assert "LOG MISBEHAVED" in result.output
    assert not state_file.exists()


def test_cli_first_run_needs_a_key(world: World, tmp_path: Path) -> None:
    with serving(world.ledger) as url:
        result = run_cli("monitor", url, "--state", str(tmp_path / "state.json"))
    assert result.code == 2 and "--log-key" in result.output


@pytest.mark.parametrize("grow", [False, True], ids=["same-size", "grown"])
def test_cli_rewritten_history_exits_1(world: World, tmp_path: Path, grow: bool) -> None:
    state_file = tmp_path / "state.json"
    with serving(world.ledger) as url:
        assert run_cli("monitor", url, "--log-key", world.key, "--state", str(state_file)).code == 0
    saved = state_file.read_text()
    forged = rewrite_history(world, tmp_path / "forged", grow=grow)
    try:
        with serving(forged) as url:
            result = run_cli("monitor", url, "--state", str(state_file))
    finally:
        forged.close()
    assert result.code == 1, result.output
    assert "LOG MISBEHAVED" in result.output
    assert state_file.read_text() == saved  # the forged head is not remembered


def test_cli_shrunk_log_exits_1(world: World, tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    older = copy_instance(world, tmp_path / "older")
    try:
        world.issue(RIVER, 1, "later")
        world.ledger.transparency_log.integrate()
        with serving(world.ledger) as url:
            assert run_cli("monitor", url, "--log-key", world.key, "--state", str(state_file)).code == 0
        with serving(older) as url:
            result = run_cli("monitor", url, "--state", str(state_file))
    finally:
        older.close()
    assert result.code == 1
    assert "LOG MISBEHAVED" in result.output and "shrank" in result.output


def test_a_fault_in_reading_the_state_is_not_a_damaged_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the parsers' own ValueErrors say "not a monitor state file": a TypeError inside (once caught
    along with them) is a fault of ours and surfaces as itself."""
    state_file = tmp_path / "state.json"
    state_file.write_text('{"log_key": "x", "edge": {"0:0": "AAAA"}}')

    def broken(text: str) -> tuple[int, int]:
        raise TypeError("a fault in reading the edge")

    monkeypatch.setattr("web.monitor._node_key", broken)
    with pytest.raises(TypeError):
        MonitorState.load(state_file)


def test_a_damaged_state_file_or_a_malformed_key_is_bad_input(world: World, tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    state_file.write_text('{"log_key": "x", "edge": {"0:0": "not base64!"}}')
    damaged = run_cli("monitor", "http://127.0.0.1:9", "--state", str(state_file))
    assert damaged.code == 2
    assert "is not a monitor state file" in damaged.output
    for fields in ('{"log_key": "x", "edge": []}', '{"log_key": "x", "size": "3"}', '["x"]', '{"log_key": 1}'):
        state_file.write_text(fields)  # JSON of the wrong shape: bad input too, never an internal error
        damaged = run_cli("monitor", "http://127.0.0.1:9", "--state", str(state_file))
        assert damaged.code == 2 and "is not a monitor state file" in damaged.output, fields
    malformed = run_cli("monitor", "http://127.0.0.1:9", "--log-key", "no-plus-signs-here",
                        "--state", str(tmp_path / "fresh.json"))
    assert malformed.code == 2
    assert "invalid log key" in malformed.output


@pytest.mark.parametrize(("answer", "says"), [
    (b"[1, 2]", "the log's consistency proof is unreadable: no list of base64 hashes under 'proof'"),
    (b'{"proof": ["not base64!"]}', "the log's consistency proof is unreadable"),
    (b"\xff\xfe", "the log's consistency proof is unreadable"),
])
def test_a_log_answering_nonsense_for_a_proof_is_log_misbehaviour(world: World, monkeypatch: pytest.MonkeyPatch,
                                                                  answer: bytes, says: str) -> None:
    """Not a crash of ours (it was an AttributeError, exit 70): a finding about the log."""
    import web.monitor

    with serving(world.ledger) as url:
        first, _ = monitor(url, MonitorState(log_key=world.key))
        world.issue(RIVER, 1, "later")
        world.ledger.transparency_log.integrate()
        real_get = web.monitor._get
        monkeypatch.setattr(web.monitor, "_get", lambda u: answer if "/log/proof/consistency" in u else real_get(u))
        with pytest.raises(MonitorError, match=re.escape(says)):
            monitor(url, first)
