"""`credledger witness` (web.witness): a C2SP tlog-witness of our own, for a log that is not
credledger's (tests.support.TinyLog). Its answers over HTTP, its state on SQLite and PostgreSQL,
the evidence it keeps of a fork, its rate limit, and kill -9 at random moments while two forks of
one log race to be cosigned: it never cosigns both, and it loses no state."""

from __future__ import annotations

import http.client
import os
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.support import CLI, TinyLog, cli_env, invoke_cli, naive_root
from verifiers.cosignature import CosignatureVerifier, cosignatures
from web.witness import WitnessState, add_log, create_witness_app, init_witness

PASSPHRASE = "witness-test-passphrase"
ORIGIN = "tiny.example/log"
NAME = "witness.example/w1"


def make_witness(directory: Path, log: TinyLog, database_url: str | None = None) -> CosignatureVerifier:
    verifier = init_witness(directory, NAME, PASSPHRASE, database_url=database_url, scrypt_n=2**10)
    add_log(directory, log.verifier.to_key_string())
    return verifier


@pytest.fixture
def log() -> TinyLog:
    tiny = TinyLog.new(ORIGIN)
    tiny.leaves.extend(f"leaf {i}".encode() for i in range(5))
    return tiny


def post(client: Any, body: bytes) -> tuple[int, str, str]:
    response = client.post("/add-checkpoint", data=body)
    return response.status_code, response.get_data(as_text=True), response.content_type


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_witness_cosigns_a_growing_log_and_refuses_as_the_spec_says(
        tmp_path: Path, log: TinyLog, store: str, request: pytest.FixtureRequest) -> None:
    url = str(request.getfixturevalue("postgres_url")) if store == "postgres" else None
    me = make_witness(tmp_path / "w", log, url)
    client = create_witness_app(tmp_path / "w", PASSPHRASE).test_client()

    status, body, _ = post(client, log.add_checkpoint(0))
    assert status == 200 and body.startswith(f"— {NAME} ") and body.endswith("\n") and body.count("\n") == 1
    assert [c.witness for c in cosignatures(log.checkpoint() + body, [me])] == [NAME]
    log.leaves.extend([b"six", b"seven"])
    status, body, _ = post(client, log.add_checkpoint(5))
    assert status == 200 and cosignatures(log.checkpoint() + body, [me])
    # The log is behind (it thinks 5): 409 with the latest size, text/x.tlog.size.
    assert post(client, log.add_checkpoint(5)) == (409, "7\n", "text/x.tlog.size")
    # Asked again for the same checkpoint (an answer lost): cosigned again.
    assert post(client, log.add_checkpoint(7))[0] == 200
    stranger = TinyLog.new("other.example/log")
    stranger.leaves.append(b"x")
    assert post(client, stranger.add_checkpoint(0))[:2] == (404, "unknown log origin 'other.example/log'\n")
    assert post(client, b"old 1\n")[0] == 400
    # A fork at the witness's size: refused, and the signed checkpoint is kept as evidence.
    fork = log.fork()
    fork.leaves[-1] = b"seven, rewritten"
    assert post(client, fork.add_checkpoint(7)) == (409, "7\n", "text/x.tlog.size")
    state = WitnessState(tmp_path / "w", url)
    try:
        assert state.latest(ORIGIN) == (7, naive_root(log.leaves))
        ((reason, kept),) = state.evidence(ORIGIN)
        assert reason == "another root hash for size 7: a fork" and fork.checkpoint() in kept
    finally:
        state.close()


def test_a_flood_from_one_log_is_limited(tmp_path: Path, log: TinyLog) -> None:
    make_witness(tmp_path / "w", log)
    client = create_witness_app(tmp_path / "w", PASSPHRASE, clock=lambda: 1_764_000_000.0).test_client()
    answers = [post(client, log.add_checkpoint(0 if i == 0 else 5))[0] for i in range(21)]
    assert answers[:20] == [200] * 20 and answers[20] == 429


def test_the_cli_makes_and_names_a_witness(tmp_path: Path, log: TinyLog) -> None:
    made = invoke_cli(None, "witness", "init", str(tmp_path / "w"), "--name", NAME, passphrase=PASSPHRASE)
    assert made.code == 0, made.err
    key = made.out.strip()
    assert CosignatureVerifier.from_key_string(key).name == NAME
    assert invoke_cli(None, "witness", "key", str(tmp_path / "w"), passphrase=PASSPHRASE).out.strip() == key
    added = invoke_cli(None, "witness", "add-log", str(tmp_path / "w"), log.verifier.to_key_string(),
                       passphrase=PASSPHRASE)
    assert added.code == 0 and f"Witnessing {ORIGIN}" in added.out
    bad = invoke_cli(None, "witness", "add-log", str(tmp_path / "w"), key, passphrase=PASSPHRASE)
    assert bad.code == 2 and "LOG_KEY: not a log verifier key" in bad.err
    again = invoke_cli(None, "witness", "init", str(tmp_path / "w"), "--name", NAME, passphrase=PASSPHRASE)
    assert again.code == 2 and "already holds a witness" in again.err
    nowhere = invoke_cli(None, "witness", "serve", str(tmp_path / "none"), passphrase=PASSPHRASE)
    assert nowhere.code == 2 and "holds no witness" in nowhere.err


# kill -9 -------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(directory: Path, port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen([str(CLI), "witness", "serve", str(directory), "--port", str(port)],
                               env=cli_env(PASSPHRASE), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("the witness did not start")


def _submit(port: int, body: bytes) -> tuple[int, str]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/add-checkpoint", data=body, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        try:
            return e.code, e.read().decode()
        except (http.client.HTTPException, OSError):
            return 0, ""  # killed while sending the refusal's body
    except (urllib.error.URLError, http.client.HTTPException, OSError):
        # Killed while answering: no connection, or a body cut short (IncompleteRead). The client never got
        # a cosignature, so none is counted.
        return 0, ""


@pytest.mark.slow
def test_kill_9_never_yields_two_inconsistent_cosignatures_nor_loses_state(tmp_path: Path, log: TinyLog) -> None:
    """Two forks of one log (same origin and key) race; the witness is killed at random moments and
    restarted. Every cosignature it ever returned is of one fork only, and after each restart its
    state is at least the largest checkpoint it cosigned."""
    me = make_witness(tmp_path / "w", log)
    forks = [log.fork(), log.fork()]
    forks[1].leaves.append(b"the other history")
    forks[0].leaves.append(b"one history")
    known = [0, 0]  # what each fork believes the witness last cosigned
    cosigned: list[tuple[int, bytes, int]] = []  # (size, root, fork)
    rng = random.Random(int(os.environ.get("WITNESS_KILL_SEED", "7")))
    port = _free_port()
    process = _start(tmp_path / "w", port)
    try:
        for _ in range(int(os.environ.get("WITNESS_KILL_ROUNDS", "8"))):
            # Submissions from both forks, each in flight while a kill -9 may come at a random moment
            # (before the witness reads it, while it judges and stores, or after it committed).
            killed = False
            for _ in range(6):
                which = rng.randrange(2)
                fork = forks[which]
                fork.leaves.append(f"leaf {len(fork.leaves)} of {which}".encode())
                answers: list[tuple[int, str]] = []
                sender = threading.Thread(target=lambda: answers.append(_submit(port, fork.add_checkpoint(known[which]))))
                sender.start()
                if not killed and rng.random() < 0.35:
                    time.sleep(rng.uniform(0.0, 0.01))
                    process.send_signal(signal.SIGKILL)
                    process.wait()
                    killed = True
                sender.join()
                status, body = answers[0]
                if status == 409:
                    known[which] = int(body)
                elif status == 200:
                    assert cosignatures(fork.checkpoint() + body, [me])
                    cosigned.append((len(fork.leaves), naive_root(fork.leaves), which))
                    known[which] = len(fork.leaves)
                if killed:
                    break
            if process.poll() is not None:
                process = _start(tmp_path / "w", port)
            state = WitnessState(tmp_path / "w", None)
            try:
                latest = state.latest(ORIGIN)
            finally:
                state.close()
            assert latest is not None and latest[0] >= max((s for s, _, _ in cosigned), default=0)
    finally:
        process.kill()
        process.wait()
    # Both forks share the first 5 leaves; beyond them, only one may ever have been cosigned.
    beyond = {which for size, _, which in cosigned if size > 5}
    assert len(beyond) <= 1, "the witness cosigned two inconsistent checkpoints"
    assert cosigned, "nothing was ever cosigned: the test proved nothing"


def test_the_demo_has_two_witnesses_that_cosign_its_log(tmp_path: Path) -> None:
    """`credledger demo --witnesses` (what `make run` does): two witness directories under the instance,
    watching the demo's log, which asks them; served, both cosign its checkpoint."""
    from ledger.instance import open_ledger
    from ledger.witnessing import Witnessing
    from tests.support import run_cli

    data = tmp_path / "demo"
    run_cli(data, "init", passphrase=PASSPHRASE, expect=0)
    out = run_cli(data, "demo", "--students", "3", "--witnesses", passphrase=PASSPHRASE, expect=0).out
    assert "Witnesses the log asks to cosign its checkpoints: witness1.demo.example/w, witness2.demo.example/w" in out
    ledger = open_ledger(data, PASSPHRASE)
    try:
        assert [url for _, url in ledger.config.witnesses] == ["http://127.0.0.1:7381", "http://127.0.0.1:7382"]
        clients = {f"http://127.0.0.1:738{n}/add-checkpoint": create_witness_app(data / "witnesses" / f"w{n}",
                                                                               PASSPHRASE).test_client()
                   for n in (1, 2)}

        def post(url: str, body: bytes) -> tuple[int, str, str]:  # the witnesses' own apps, in process
            answer = clients[url].post("/add-checkpoint", data=body)
            return answer.status_code, answer.get_data(as_text=True), answer.mimetype

        ledger.transparency_log.integrate()
        witnessing = Witnessing(ledger.transparency_log, ledger.witnessing.witnesses, post=post)
        assert set(witnessing.ask().values()) == {"cosigned"}
        assert len(cosignatures(ledger.transparency_log.checkpoint(),
                                [w.verifier for w in ledger.witnessing.witnesses])) == 2
    finally:
        ledger.close()


def test_the_log_s_witnesses_are_configured_from_the_cli(tmp_path: Path) -> None:
    from tests.support import run_cli

    data = tmp_path / "instance"
    run_cli(data, "init", passphrase=PASSPHRASE, expect=0)
    key = invoke_cli(None, "witness", "init", str(tmp_path / "w"), "--name", NAME, passphrase=PASSPHRASE).out.strip()

    def cli(*args: str) -> Any:
        return invoke_cli(data, "log", "witness", *args, passphrase=PASSPHRASE)

    added = cli("add", key, "http://127.0.0.1:7390/")
    assert added.code == 0 and f"The log asks {NAME} at http://127.0.0.1:7390" in added.out
    assert "witness_key: not a witness verifier key" in cli("add", "not-a-key", "http://x").err
    assert "cosigned up to 0" in cli("list").out
    assert cli("quorum", "2").code == 2 and "count: the log asks 1 witness(es)" in cli("quorum", "2").err
    assert cli("quorum", "1").code == 0
    refused = cli("remove", NAME)
    assert refused.code == 2 and "the quorum is 1: lower it first" in refused.err
    assert cli("quorum", "0").code == 0 and cli("remove", NAME).code == 0
    assert "(none)" in cli("list").out
