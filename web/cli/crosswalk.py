"""An institution's crosswalk of vendors' exam codes on the command line: `crosswalk import` (a CSV,
checked, then with --commit stored all or nothing), `crosswalk show` and `crosswalk remove`. The same
service as the console and the API (web.crosswalk)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from web.cli.base import Context, json_option, main, pass_ctx, reported

if TYPE_CHECKING:
    from web.crosswalk import Crosswalk


def _service(c: Context) -> Crosswalk:
    from ledger.readmodels import Projections
    from web.crosswalk import Crosswalk

    return Crosswalk(c.ledger, Projections.of(c.ledger))


@main.group()
def crosswalk() -> None:
    """An institution's mapping of vendors' exam codes to catalog codes (read by `import`)."""


@crosswalk.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--issuer", required=True, help="The institution whose crosswalk it is (slug).")
@click.option("--commit", is_flag=True, help="Store the mappings (otherwise: check every row and report).")
@json_option
@pass_ctx
def crosswalk_import(c: Context, file: Path, issuer: str, commit: bool) -> None:
    """Add or replace mappings from a CSV (vendor,exam_code,credential): every row checked; with --commit
    every mapping stored, or none. A code mapped already gets the file's credential."""
    from web.csv_files import raise_for_errors

    with reported():
        service, data = _service(c), file.read_bytes()
        rows = service.commit(issuer, data, "cli") if commit else service.check(issuer, data)
        raise_for_errors(rows)  # exit 2, naming each bad row's fields
        replaced = sum(1 for r in rows if r.replaces is not None and not r.unchanged)
        c.out({"rows": len(rows), "replaced": replaced, "committed": commit},
              f"Stored {len(rows)} mapping(s); {replaced} replaced an earlier credential." if commit else
              f"All {len(rows)} rows are valid ({replaced} would replace an earlier credential). "
              "Run again with --commit to store them.")


@crosswalk.command("show")
@click.option("--issuer", required=True, help="The institution (slug).")
@json_option
@pass_ctx
def crosswalk_show(c: Context, issuer: str) -> None:
    """The institution's mappings, by vendor and exam code."""
    with reported():
        entries = _service(c).entries(issuer)

        def table() -> None:
            if not entries:
                click.echo("No mappings: award files name credentials by catalog code.")
            for m in entries:
                click.echo(f"{m.vendor:<20} {m.exam_code:<16} {m.credential:<28} {m.updated}")
        c.out([vars(m) for m in entries], table)


@crosswalk.command("remove")
@click.option("--issuer", required=True, help="The institution (slug).")
@click.option("--vendor", required=True)
@click.option("--exam-code", "exam_code", required=True)
@json_option
@pass_ctx
def crosswalk_remove(c: Context, issuer: str, vendor: str, exam_code: str) -> None:
    """Remove one mapping (awards recorded through it keep the catalog code they signed)."""
    with reported():
        _service(c).remove(issuer, vendor, exam_code)
        c.out({"removed": True}, "Removed.")
