"""`credledger bench share`: share-link verification as JSON under load.

Sets up a scratch instance (a student with 10 credentials and a share link),
starts gunicorn with N workers on a loopback port, and drives
`GET /v/<token>.json` from a small keep-alive HTTP/1.1 client (asyncio, one
process) with C concurrent connections for a bounded time. Loopback only; it
stops by itself and always stops gunicorn. May import ledger and web.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from credledger_tools.bench.measure import percentile_ms
from credledger_tools.bench.scratch import scratch_dir, scratch_instance, scratch_schema
from credledger_tools.demo.catalog import CATALOG
from ledger.application import IssueRequest
from web.db import create_web_tables
from web.sharing import Sharing

PASSPHRASE = "load-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _setup(data_dir: Path, credentials: int, database_url: str | None) -> str:
    ledger = scratch_instance(data_dir, database_url=database_url, passphrase=PASSPHRASE)
    create_web_tables(ledger.store)
    ledger.register_issuer("load-district", "Load Test District", "district")
    for code, name, body, kind, months, field in CATALOG[:credentials]:
        ledger.define_credential(code, {"name": name, "certifyingBody": body, "credentialType": kind,
                                        "validityMonths": months, "careerField": field})
    student = ledger.register_student("load-district", {"name": "Load Student", "birth_date": "2008-01-01",
                                                        "local_id": "L-1"})
    ledger.issue([IssueRequest("load-district", student, code, date(2026, 3, 1), {"certificate": f"C-{i}"})
                  for i, (code, *_) in enumerate(CATALOG[:credentials])])
    ledger.transparency_log.integrate()
    token = Sharing(ledger.store).create(student, "load test", awards=None, days=30, now=datetime.now(timezone.utc))
    ledger.close()
    return token


async def _client(host: str, port: int, path: str, deadline: float, latencies: list[float], errors: list[int]) -> None:
    """One keep-alive connection issuing requests back to back; reconnects if the server closes it."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
            if not status_line:  # closed by the server: count nothing, reconnect
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            length, close = 0, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
                elif name.lower() == b"connection" and value.strip().lower() == b"close":
                    close = True
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not status_line.startswith(b"HTTP/1.1 200"):
                errors.append(int(status_line.split()[1]))
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


async def _load(port: int, path: str, seconds: float, connections: int) -> tuple[list[float], list[int], float]:
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    await asyncio.gather(*[_client("127.0.0.1", port, path, started + seconds, latencies, errors)
                           for _ in range(connections)])
    return latencies, errors, time.perf_counter() - started


def run_share_benchmark(*, seconds: float = 10.0, workers: int = 2, connections: int = 8,
                        credentials: int = 10, database_url: str | None = None) -> dict[str, Any]:
    port = _free_port()
    with scratch_dir("credledger-bench-share-") as scratch, scratch_schema(database_url, "bench_share") as url:
        token = _setup(scratch / "instance", credentials, url)
        env = os.environ | {"CREDLEDGER_DATA": str(scratch / "instance"), "CREDLEDGER_PASSPHRASE": PASSPHRASE,
                            # A load test is one client: the per-client verify limit would answer 429.
                            "CREDLEDGER_VERIFY_RATE_LIMIT": "off", "CREDLEDGER_INSECURE_COOKIES": "1"}
        env.pop("CREDLEDGER_DATABASE_URL", None)
        server = subprocess.Popen(
            # Threaded workers keep connections alive (gunicorn's sync workers close each one).
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "gthread",
             "--threads", "4", "--bind", f"127.0.0.1:{port}", "--keep-alive", "30", "--log-level", "warning",
             "--logger-class", "web.access_log.RedactingGunicornLogger", "web.wsgi:app"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            path = f"/v/{token}.json"
            _wait_until_up(port, path, server)
            asyncio.run(_load(port, path, 1.0, connections))  # warm-up: caches, connections, imports
            latencies, errors, elapsed = asyncio.run(_load(port, path, seconds, connections))
        finally:
            _stop(server)
    latencies.sort()
    return {
        "backend": "postgres" if database_url else "sqlite",
        "workers": workers,
        "connections": connections,
        "credentials_per_student": credentials,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "errors": len(errors),
        "requests_per_s": round(len(latencies) / elapsed),
        "p50_ms": percentile_ms(latencies, 0.5, 2) if latencies else None,
        "p99_ms": percentile_ms(latencies, 0.99, 2) if latencies else None,
    }


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


def _wait_until_up(port: int, path: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited: " + (server.stderr.read().decode()[-500:] if server.stderr else ""))
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up within 30 s")
