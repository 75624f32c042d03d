"""Benchmarks: targets live here, not in timed tests."""

from __future__ import annotations

import click

from web.cli.base import Context, json_option, main, pass_ctx, reported


@main.group()
def bench() -> None:
    """Benchmarks (targets live here, not in timed tests)."""


@bench.command("ingest")
@click.option("--events", default=10_000, show_default=True, type=click.IntRange(1))
@click.option("--batch", default=100, show_default=True, type=click.IntRange(1))
@click.option("--backend", type=click.Choice(["sqlite", "postgres"]), default="sqlite", show_default=True)
@click.option("--postgres", "database_url", default="postgresql://postgres@127.0.0.1:5432/test",
              show_default=True, help="Server for --backend postgres (a scratch schema is made and dropped).")
@json_option
@pass_ctx
def bench_ingest(c: Context, events: int, batch: int, backend: str, database_url: str) -> None:
    """Signed-and-stored events/s, against a bare sign+store baseline in the same run."""
    from ledger.bench import run_ingest_benchmark

    with reported():
        result = run_ingest_benchmark(events=events, batch=batch,
                                      database_url=database_url if backend == "postgres" else None)
        c.out(result, "\n".join(f"{k:<28} {v}" for k, v in result.items()))


@bench.command("log")
@click.option("--leaves", default=1_000_000, show_default=True, type=click.IntRange(1))
@json_option
@pass_ctx
def bench_log(c: Context, leaves: int) -> None:
    """Log append cost against issuance, and inclusion-proof latency in a large log."""
    from ledger.bench import run_log_benchmark

    with reported():
        result = run_log_benchmark(leaves=leaves)
        c.out(result, "\n".join(f"{k:<32} {v}" for k, v in result.items()))


@bench.command("projections")
@click.option("--events", default=100_000, show_default=True, type=click.IntRange(1))
@json_option
@pass_ctx
def bench_projections(c: Context, events: int) -> None:
    """Time a full rebuild of the read models."""
    from ledger.bench import run_projections_benchmark

    with reported():
        result = run_projections_benchmark(events=events)
        c.out(result, "\n".join(f"{k:<20} {v}" for k, v in result.items()))


@bench.command("share")
@click.option("--seconds", default=10.0, show_default=True, type=click.FloatRange(1, 120))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16))
@click.option("--connections", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option("--backend", type=click.Choice(["sqlite", "postgres"]), default="postgres", show_default=True)
@click.option("--postgres", "database_url", default="postgresql://postgres@127.0.0.1:5432/test", show_default=True)
@json_option
@pass_ctx
def bench_share(c: Context, seconds: float, workers: int, connections: int, backend: str, database_url: str) -> None:
    """Share-link verification as JSON under load: gunicorn on loopback, bounded in time."""
    from web.loadtest import run_share_benchmark

    with reported():
        result = run_share_benchmark(seconds=seconds, workers=workers, connections=connections,
                                     database_url=database_url if backend == "postgres" else None)
        c.out(result, "\n".join(f"{k:<24} {v}" for k, v in result.items()))


@bench.command("verify")
@click.option("--credentials", default=20, show_default=True, type=click.IntRange(1, 200))
@json_option
@pass_ctx
def bench_verify(c: Context, credentials: int) -> None:
    """Offline verification of a transcript bundle, against the bare cryptographic floor."""
    from ledger.bench import run_verify_benchmark

    with reported():
        result = run_verify_benchmark(credentials=credentials)
        c.out(result, "\n".join(f"{k:<20} {v}" for k, v in result.items()))
