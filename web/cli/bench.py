"""`credledger bench …`: benchmarks (targets live here, not in timed tests).

Each command loads its benchmark from `credledger_tools` when it runs, never
when the CLI starts: the service does not depend on the tools.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from web.cli.base import Context, json_option, main, pass_ctx, reported

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@main.group()
def bench() -> None:
    """Benchmarks (targets live here, not in timed tests)."""


def _print(c: Context, result: dict[str, Any], width: int) -> None:
    c.out(result, "\n".join(f"{k:<{width}} {v}" for k, v in result.items()))


@bench.command("ingest")
@click.option("--events", default=10_000, show_default=True, type=click.IntRange(1))
@click.option("--batch", default=100, show_default=True, type=click.IntRange(1))
@click.option("--backend", type=click.Choice(["sqlite", "postgres"]), default="sqlite", show_default=True)
@click.option("--postgres", "database_url", default=POSTGRES, show_default=True,
              help="Server for --backend postgres (a scratch schema is made and dropped).")
@json_option
@pass_ctx
def bench_ingest(c: Context, events: int, batch: int, backend: str, database_url: str) -> None:
    """Signed-and-stored events/s, against a bare sign+store baseline in the same run."""
    from credledger_tools.bench.ingest import run_ingest_benchmark

    with reported():
        _print(c, run_ingest_benchmark(events=events, batch=batch,
                                       database_url=database_url if backend == "postgres" else None), 28)


@bench.command("log")
@click.option("--leaves", default=1_000_000, show_default=True, type=click.IntRange(1))
@json_option
@pass_ctx
def bench_log(c: Context, leaves: int) -> None:
    """Log append cost against issuance, and inclusion-proof latency in a large log."""
    from credledger_tools.bench.log import run_log_benchmark

    with reported():
        _print(c, run_log_benchmark(leaves=leaves), 32)


@bench.command("projections")
@click.option("--events", default=100_000, show_default=True, type=click.IntRange(1))
@json_option
@pass_ctx
def bench_projections(c: Context, events: int) -> None:
    """Time a full rebuild of the read models."""
    from credledger_tools.bench.projections import run_projections_benchmark

    with reported():
        _print(c, run_projections_benchmark(events=events), 20)


@bench.command("share")
@click.option("--seconds", default=10.0, show_default=True, type=click.FloatRange(1, 120))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16))
@click.option("--connections", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option("--backend", type=click.Choice(["sqlite", "postgres"]), default="postgres", show_default=True)
@click.option("--postgres", "database_url", default=POSTGRES, show_default=True)
@json_option
@pass_ctx
def bench_share(c: Context, seconds: float, workers: int, connections: int, backend: str, database_url: str) -> None:
    """Share-link verification as JSON under load: gunicorn on loopback, bounded in time."""
    from credledger_tools.loadtest import run_share_benchmark

    with reported():
        _print(c, run_share_benchmark(seconds=seconds, workers=workers, connections=connections,
                                      database_url=database_url if backend == "postgres" else None), 24)


@bench.command("verify")
@click.option("--credentials", default=20, show_default=True, type=click.IntRange(1, 200))
@json_option
@pass_ctx
def bench_verify(c: Context, credentials: int) -> None:
    """Offline verification of a transcript bundle, against the bare cryptographic floor."""
    from credledger_tools.bench.verify import run_verify_benchmark

    with reported():
        _print(c, run_verify_benchmark(credentials=credentials), 20)


@bench.command("export")
@click.option("--runs", default=300, show_default=True, type=click.IntRange(5, 100_000))
@json_option
@pass_ctx
def bench_export(c: Context, runs: int) -> None:
    """Sign and verify one Open Badges 3.0 badge (p50), against the bare canonicalize+hash+Ed25519 floor."""
    from credledger_tools.bench.export import run_export_benchmark

    with reported():
        _print(c, run_export_benchmark(runs=runs), 20)


@bench.command("witness")
@click.option("--runs", default=20, show_default=True, type=click.IntRange(3, 1000))
@json_option
@pass_ctx
def bench_witness(c: Context, runs: int) -> None:
    """From an event stored to a checkpoint covering it with 2 witness cosignatures (loopback), against the log alone."""
    from credledger_tools.bench.witness import run_witness_benchmark

    with reported():
        _print(c, run_witness_benchmark(runs=runs), 20)


@bench.command("report")
@click.option("--awards", default=100_000, show_default=True, type=click.IntRange(1))
@click.option("--students", default=30_000, show_default=True, type=click.IntRange(10))
@click.option("--runs", default=5, show_default=True, type=click.IntRange(1, 1000), help="Timed calls of each (p50).")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where built instances are kept, by content key (default ~/.cache/credledger/bench-report).")
@click.option("--no-cache", is_flag=True, help="Build a scratch instance for this run only.")
@click.option("--backend", type=click.Choice(["sqlite", "postgres"]), default="sqlite", show_default=True,
              help="postgres: built for the run in a scratch schema (never cached).")
@click.option("--postgres", "database_url", default=POSTGRES, show_default=True)
@json_option
@pass_ctx
def bench_report(c: Context, awards: int, students: int, runs: int, cache_dir: Path | None, no_cache: bool,
                 backend: str, database_url: str) -> None:
    """Each district report and a student's pathway page, p50, against reading their rows (target ≤ 2 s each)."""
    from credledger_tools.bench.report import CACHE, run_report_benchmark

    with reported():
        _print(c, run_report_benchmark(awards=awards, students=students, runs=runs,
                                       cache=None if no_cache else cache_dir or CACHE,
                                       database_url=database_url if backend == "postgres" else None), 36)
