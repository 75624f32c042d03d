"""Helpers shared by test modules (imported as `tests.support`; fixtures live in conftest.py)."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

CLI = Path(sys.executable).with_name("credledger")  # the installed console script


class Clock:
    """A controllable clock: tests move time instead of sleeping."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2026, 9, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def naive_split(n: int) -> int:
    """The largest power of two smaller than n (n > 1): where RFC 9162 §2.1.1 splits D[n]."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_root(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) exactly as RFC 9162 §2.1.1 defines it: slow, obviously right, for cross-checks.
    The suite's one reference root (verifiers', ledger's and the web log's tests all use it)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = naive_split(len(leaves))
    return hashlib.sha256(b"\x01" + naive_root(leaves[:k]) + naive_root(leaves[k:])).digest()


def naive_consistency_proof(leaves: list[bytes], m: int) -> list[bytes]:
    """PROOF(m, D[n]) exactly as RFC 9162 §2.1.4.1 defines it (SUBPROOF), for cross-checks."""
    def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
        if m == len(d):
            return [] if b else [naive_root(d)]
        k = naive_split(len(d))
        if m <= k:
            return subproof(m, d[:k], b) + [naive_root(d[k:])]
        return subproof(m - k, d[k:], False) + [naive_root(d[:k])]
    return subproof(m, leaves, True) if 0 < m < len(leaves) else []


@dataclass
class TinyLog:
    """A log that is not credledger's: leaves in a list, checkpoints signed by one raw Ed25519 key
    (C2SP signed note), for the witness tests. Two TinyLogs with one origin and key are a fork."""

    origin: str
    private_key: Any  # cryptography Ed25519PrivateKey
    leaves: list[bytes]

    @classmethod
    def new(cls, origin: str, seed: bytes | None = None) -> TinyLog:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = Ed25519PrivateKey.from_private_bytes(seed) if seed else Ed25519PrivateKey.generate()
        return cls(origin, key, [])

    def fork(self) -> TinyLog:
        return TinyLog(self.origin, self.private_key, list(self.leaves))

    @property
    def verifier(self) -> Any:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        from verifiers.note import Verifier

        raw = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier.from_public_key(self.origin, raw)

    def checkpoint(self, size: int | None = None) -> str:
        """The signed checkpoint of the first `size` leaves (all, unless told)."""
        import base64

        from verifiers.note import note_with_signatures, signature_line

        size = len(self.leaves) if size is None else size
        text = f"{self.origin}\n{size}\n{base64.b64encode(naive_root(self.leaves[:size])).decode()}\n"
        line = signature_line(self.origin, self.verifier.key_id, self.private_key.sign(text.encode()))
        return note_with_signatures(text, [line])

    def add_checkpoint(self, old: int, size: int | None = None) -> bytes:
        """The add-checkpoint request from `old` to `size` leaves."""
        from verifiers.witness import add_checkpoint_body

        size = len(self.leaves) if size is None else size
        return add_checkpoint_body(old, naive_consistency_proof(self.leaves[:size], old), self.checkpoint(size))


# The demo world ------------------------------------------------------------------------------------

DEMO_PASSPHRASE = "demo-world-passphrase-7f3a"  # distinctive, so that the CLI harness can look for it
DEMO_SCRYPT_N = 2**10  # the instance's key store: fast for tests

# Staff accounts a demo world may hold, by the name tests use: (email, name, password, issuer, role).
STAFF: dict[str, tuple[str, str, str, str | None, str]] = {
    "operator": ("op@state.example", "Olu Operator", "operator-pw-1", None, "operator"),
    "rb_admin": ("admin@riverbend.example", "Ada Admin", "password-rb-1", "riverbend", "admin"),
    "rb_registrar": ("reg@riverbend.example", "Rae Registrar", "password-rb-2", "riverbend", "registrar"),
    "rb_viewer": ("view@riverbend.example", "Vic Viewer", "password-rb-3", "riverbend", "viewer"),
    "lk_registrar": ("reg@lakeshore.example", "Lee Lakeshore", "password-lk-1", "lakeshore", "registrar"),
    "lk_admin": ("admin@lakeshore.example", "Lou Lakeshore", "password-lk-2", "lakeshore", "admin"),
    "lk_viewer": ("view@lakeshore.example", "Lia Lakeshore", "password-lk-3", "lakeshore", "viewer"),
    "ctc_registrar": ("reg@ctc.example", "Cy Center", "password-ctc-1", "riverbend-ctc", "registrar"),
}


@dataclass
class ThreadedWitness:
    """One of our witnesses (web.witness) served over real HTTP from a thread, stopped and restarted at will."""

    verifier: Any  # verifiers.cosignature.CosignatureVerifier
    url: str
    directory: Path
    passphrase: str
    server: Any = None
    thread: Any = None

    @classmethod
    def create(cls, directory: Path, name: str, passphrase: str, log_keys: Sequence[str]) -> ThreadedWitness:
        """A new witness of `name` for the logs of `log_keys`, started."""
        from web.witness import add_log, init_witness

        verifier = init_witness(directory, name, passphrase, scrypt_n=2**10)
        for key in log_keys:
            add_log(directory, key)
        witness = cls(verifier, "", directory, passphrase)
        witness.start()
        return witness

    def start(self, port: int = 0) -> None:
        import logging
        import threading

        from werkzeug.serving import make_server

        from web.witness import create_witness_app

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = make_server("127.0.0.1", port, create_witness_app(self.directory, self.passphrase))
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


@dataclass
class DemoWorld:
    """An instance holding the demo district (credledger_tools.demo): its ledger, the web app over it
    (None without one), the demo's summary, the staff accounts asked for (name -> user id)."""

    data_dir: Path
    ledger: Any
    app: Any
    demo: dict[str, Any]
    users: dict[str, str]
    passphrase: str = DEMO_PASSPHRASE


def make_demo_world(data_dir: Path, *, students: int = 10, database_url: str | None = None,
                    passphrase: str = DEMO_PASSPHRASE, web: bool = True, staff: Sequence[str] = (),
                    app_config: Mapping[str, Any] | None = None,
                    clock: Callable[[], datetime] | None = None, close: bool = False) -> DemoWorld:
    """The suite's one demo-world factory: a new instance at `data_dir` (SQLite, or `database_url`),
    the web tables (with `web`), the demo district with `students` students, the `staff` accounts
    (names from STAFF) and the app (with `web`; `app_config`
    added to its config). With `close`, the ledger is closed and only the files are left (for runs of
    the CLI). The caller closes the ledger otherwise. Staff password hashing is as costly as
    web.security.SCRYPT_N says: callers patch it down for as long as the world lives."""
    from credledger_tools.demo.district import load_demo
    from ledger.instance import init_instance

    ledger = init_instance(data_dir, passphrase, scrypt_n=DEMO_SCRYPT_N, database_url=database_url)
    if clock is not None:
        ledger.clock = clock
    users: dict[str, str] = {}
    app = None
    if web:
        from web import create_app
        from web.accounts import Accounts
        from web.db import create_web_tables

        create_web_tables(ledger.store)
    demo = load_demo(ledger, students=students)
    if web:
        accounts = Accounts(ledger.store)
        for who in staff:
            email, name, password, issuer, role = STAFF[who]
            users[who] = accounts.add_user(email, name, password, issuer=issuer, role=role)
        app = create_app({"LEDGER": ledger, "TESTING": True, **(app_config or {})})
    if close:
        ledger.close()
    return DemoWorld(data_dir, ledger, app, demo, users, passphrase)


def transfer(ledger: Any, awards: Sequence[str], to_slug: str, reason: str) -> list[Any]:
    """Custody moves with the receiver acting: the sender's signed half, countersigned by the
    receiver's server-held key, submitted (the off-server path, both keys on this test server)."""
    documents = [ledger.countersign(ledger.prepare_transfer(a, to_slug, reason), to_slug) for a in awards]
    return list(ledger.submit(documents))


def json_patch(document: Any, operations: Sequence[dict[str, Any]]) -> Any:
    """`document` changed by RFC 6902 JSON Patch `operations` (add, remove, replace, move, copy, test),
    on a deep copy: how the golden vectors (tests/vectors/credledger) describe a corruption.
    A `test` that does not hold, or a path that does not exist, is a ValueError."""

    def parts(pointer: str) -> list[str]:
        if pointer == "":
            return []
        if not pointer.startswith("/"):
            raise ValueError(f"not a JSON pointer: {pointer!r}")
        return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]

    def parent(doc: Any, pointer: str) -> tuple[Any, str]:
        *path, last = parts(pointer)
        for part in path:
            doc = doc[int(part)] if isinstance(doc, list) else doc[part]
        return doc, last

    def get(doc: Any, pointer: str) -> Any:
        for part in parts(pointer):
            doc = doc[int(part)] if isinstance(doc, list) else doc[part]
        return doc

    def remove(doc: Any, pointer: str) -> Any:
        container, last = parent(doc, pointer)
        return container.pop(int(last) if isinstance(container, list) else last)

    def add(doc: Any, pointer: str, value: Any) -> None:
        container, last = parent(doc, pointer)
        if isinstance(container, list):
            container.insert(len(container) if last == "-" else int(last), value)
        else:
            container[last] = value

    result = copy.deepcopy(document)
    for op in operations:
        kind, path = op["op"], op["path"]
        try:
            if kind == "test":
                if get(result, path) != op["value"]:
                    raise ValueError(f"test failed at {path}: the document is not the one the patch was made for")
            elif kind == "remove":
                remove(result, path)
            elif kind == "add":
                add(result, path, copy.deepcopy(op["value"]))
            elif kind == "replace":
                container, last = parent(result, path)
                get(result, path)  # must exist
                container[int(last) if isinstance(container, list) else last] = copy.deepcopy(op["value"])
            elif kind == "move":
                add(result, path, remove(result, op["from"]))
            elif kind == "copy":
                add(result, path, copy.deepcopy(get(result, op["from"])))
            else:
                raise ValueError(f"unknown patch operation {kind!r}")
        except (KeyError, IndexError) as e:
            raise ValueError(f"{kind} {path}: no such member ({e})") from None
    return result


@dataclass
class CliResult:
    code: int
    out: str
    err: str
    output: str = ""  # what a terminal shows: stdout and stderr (interleaved, from click's runner)

    def __post_init__(self) -> None:
        self.output = self.output or self.out + self.err

    def json(self) -> Any:
        return json.loads(self.out)


def check_cli_output(result: CliResult, *, secrets: Sequence[str | None] = (), traceback_ok: bool = False,
                     expect: int | None = None, what: str = "") -> CliResult:
    """The guards every CLI run in the suite goes through: no secret (the passphrase, above all) in what
    it printed, no traceback unless the test says it expects one, and, with `expect`, that exit code."""
    shown = result.out + result.err + result.output
    for secret in secrets:
        if secret:
            assert secret not in shown, f"{what}: a secret (the passphrase?) leaked into the output"
    if not traceback_ok:
        assert "Traceback" not in shown, f"{what}: {shown}"
    if expect is not None:
        assert result.code == expect, f"{what}: exit {result.code}, not {expect}: {shown}"
    return result


def cli_env(passphrase: str | None, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any CREDLEDGER_ setting, then the passphrase and `env`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CREDLEDGER_")}
    if passphrase is not None:
        environment["CREDLEDGER_PASSPHRASE"] = passphrase
    environment.update(env or {})
    return environment


def cli_command(data: Path | None, args: Sequence[str], json_out: bool = False) -> list[str]:
    return (["--data", str(data)] if data is not None else []) + (["--json"] if json_out else []) + list(args)


def run_cli(data: Path | None, *args: str, passphrase: str | None, json_out: bool = False,
            env: Mapping[str, str] | None = None, input: str | None = None, cwd: Path | None = None,
            expect: int | None = None, traceback_ok: bool = False, secrets: Sequence[str] = (),
            timeout: float = 120, preexec_fn: Callable[[], Any] | None = None) -> CliResult:
    """`credledger [--data DATA] [--json] ARGS…` as a user runs it: the installed console script in a
    subprocess, with no CREDLEDGER_ setting of ours but the passphrase and `env`, stdin `input` (or
    none). The guards of check_cli_output hold: the passphrase (and `secrets`) never printed, no
    traceback (unless `traceback_ok`), and exit code `expect` when given."""
    command = [str(CLI), *cli_command(data, args, json_out)]
    done = subprocess.run(command, env=cli_env(passphrase, env), capture_output=True, text=True, timeout=timeout,
                          input=input, stdin=None if input is not None else subprocess.DEVNULL, cwd=cwd,
                          preexec_fn=preexec_fn, check=False)
    return check_cli_output(CliResult(done.returncode, done.stdout, done.stderr),
                            secrets=[passphrase, *secrets], traceback_ok=traceback_ok, expect=expect,
                            what=" ".join(args))


def start_cli(data: Path | None, *args: str, passphrase: str | None, json_out: bool = False,
              env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """run_cli's command started and left running (for runs that must overlap); finish it with
    finish_cli, which applies the same guards."""
    return subprocess.Popen([str(CLI), *cli_command(data, args, json_out)], env=cli_env(passphrase, env),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_cli(process: subprocess.Popen[str], *, passphrase: str | None, expect: int | None = None,
               traceback_ok: bool = False, timeout: float = 120) -> CliResult:
    out, err = process.communicate(timeout=timeout)
    return check_cli_output(CliResult(process.returncode, out, err), secrets=[passphrase],
                            traceback_ok=traceback_ok, expect=expect, what=" ".join(map(str, process.args)))


def invoke_cli(data: Path | None, *args: str, passphrase: str | None, json_out: bool = False,
               env: Mapping[str, str] | None = None, input: str | None = None, expect: int | None = None,
               traceback_ok: bool = False, secrets: Sequence[str] = (), catch_exceptions: bool = False) -> CliResult:
    """The same command in this process, through click's CliRunner: for tests that patch the code
    under it (a fault injected, a fake clock) or run it many times. The same guards as run_cli; the
    environment is the runner's (this process's), with CREDLEDGER_ settings of ours masked out."""
    from click.testing import CliRunner

    from web.cli import main

    masked: dict[str, str | None] = {k: None for k in os.environ if k.startswith("CREDLEDGER_")}
    masked.update({"CREDLEDGER_PASSPHRASE": passphrase} if passphrase is not None else {})
    masked.update(env or {})
    done = CliRunner().invoke(main, cli_command(data, args, json_out), env=masked, input=input,
                              catch_exceptions=catch_exceptions)
    if done.exception is not None and not isinstance(done.exception, SystemExit) and not traceback_ok:
        raise AssertionError(f"{' '.join(args)}: raised {done.exception!r}") from done.exception
    return check_cli_output(CliResult(done.exit_code, done.stdout, done.stderr, done.output),
                            secrets=[passphrase, *secrets], traceback_ok=traceback_ok, expect=expect,
                            what=" ".join(args))


def signed_in_client(app: Any, csrf: str, user_id: str | None) -> Any:
    """A Flask test client whose session holds `csrf` and, with `user_id`, that account signed in."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["csrf"] = csrf
        if user_id:
            session["user"] = user_id
            session["version"] = 0  # a new account's session version (web.accounts)
    return client


@contextmanager
def serving(ledger: Any) -> Iterator[str]:
    """The instance's web application on a real loopback port (werkzeug's threaded server); its URL."""
    import threading

    from werkzeug.serving import make_server

    from web import create_app

    server = make_server("127.0.0.1", 0, create_app({"LEDGER": ledger}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="test-log-server",
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
