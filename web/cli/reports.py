"""Catalog import, state listings, assessments, pathways and reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ledger.errors import InputError
from web.cli.base import Context, json_option, main, pass_ctx, reported, writes
from web.cli.records import parse_evidence

# Catalog import, state listings, assessments, pathways and reports (ledger.catalog, ledger.listings,
# ledger.assessments, ledger.reports) ---------------------------------------------------------------------------


def _read_text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError.for_field("file", f"{file} is not UTF-8 text (save the spreadsheet as CSV UTF-8)") from None


@main.group()
def catalog() -> None:
    """The whole credential catalog: import from CSV."""


@catalog.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_ctx
@writes
def catalog_import(c: Context, file: Path) -> None:
    """Define or update catalog entries from CSV; all or nothing, every bad row listed.

    Columns: code, name, certifying_body, type, validity_months, career_field, career_cluster, soc, naics, cip, ctid,
    lookup_url; soc and cip take several codes separated by ";".
    """
    from ledger.catalog import define_catalog, parse_catalog_csv

    with reported():
        done = define_catalog(c.ledger, parse_catalog_csv(_read_text(file)))
        c.out(done, f"Catalog: {len(done['defined'])} defined, {len(done['updated'])} updated, "
                    f"{len(done['unchanged'])} unchanged.")


@main.group()
def listings() -> None:
    """State lists (OH, MO, CO, NM) and Colorado districts' Menu of Options, by school year."""


@listings.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--state", type=click.Choice(["OH", "MO", "CO", "NM"], case_sensitive=False),
              help="The file is one state's list (fills or checks the state column).")
@click.option("--as", "as_district", metavar="SLUG", help="Sign as this district, for its own Menu of Options.")
@json_option
@pass_ctx
@writes
def listings_import(c: Context, file: Path, state: str | None, as_district: str | None) -> None:
    """Store listings from CSV, signed by the operator; all or nothing, every bad row listed.

    Columns: state, credential, effective_from, effective_to (school years like 2024-25), district,
    career_field, points, exam_license, emis_area (OH); list_kind, program_area, stackable (MO);
    incentive_tier (CO); meets_english, meets_math (a CO district's Menu of Options); state_code (NM);
    postsecondary; note.
    """
    from ledger.listings import list_credentials, parse_listings_csv

    with reported():
        requests = parse_listings_csv(c.ledger, _read_text(file), state=state.upper() if state else None)
        done = list_credentials(c.ledger, requests, as_district=as_district)
        c.out(done, f"Listings: {done['listed']} stored, {done['unchanged']} unchanged.")


@listings.command("show")
@click.option("--state", type=click.Choice(["OH", "MO", "CO", "NM"], case_sensitive=False))
@click.option("--year", help="Only what is in force in this school year (2025-26).")
@json_option
@pass_ctx
def listings_show(c: Context, state: str | None, year: str | None) -> None:
    """List the listings, each with the school years its terms are in force."""
    from ledger.readmodels import Projections
    from ledger.reports import parse_year
    from ledger.reports.data import load_listing_book
    from ledger.statelists import school_year_to_text

    with reported():
        wanted = parse_year(year)
        projections = Projections.of(c.ledger)
        projections.catch_up()
        book = load_listing_book(projections.view)
        names = {i.did: i.slug for i in c.ledger.issuers()}
        rows: list[dict[str, Any]] = []
        for (s, district, code), segments in book.items():
            if state and s != state.upper():
                continue
            for seg in segments:
                if wanted is not None and not seg.covers(wanted):
                    continue
                rows.append({"state": s, "district": names.get(district, district) if district else None,
                             "credential": code, "from": school_year_to_text(seg.first),
                             "to": school_year_to_text(seg.last) if seg.last else None, "terms": dict(seg.terms),
                             "note": seg.note})

        def human() -> None:
            for r in rows:
                click.echo(f"{r['state']} {(r['district'] or '-'):<12} {r['credential']:<28} "
                           f"{r['from']}…{r['to'] or '':<7} " + ", ".join(f"{k}={v}" for k, v in r["terms"].items()))

        c.out(rows, human)


@main.group()
def assessment() -> None:
    """Assessment results (WorkKeys levels), signed by the issuer."""


@assessment.command("record")
@click.option("--issuer", required=True, help="The institution attesting the score report (slug).")
@click.option("--student", "student_id", required=True)
@click.option("--taken", required=True, help="YYYY-MM-DD")
@click.option("--applied-math", type=click.IntRange(3, 7), help="WorkKeys level 3–7.")
@click.option("--graphic-literacy", type=click.IntRange(3, 7))
@click.option("--workplace-documents", type=click.IntRange(3, 7))
@click.option("--evidence", multiple=True, metavar="KEY=VALUE", help="Score report number … (repeatable).")
@json_option
@pass_ctx
@writes
def assessment_record(c: Context, issuer: str, student_id: str, taken: str, applied_math: int | None,
                      graphic_literacy: int | None, workplace_documents: int | None, evidence: tuple[str, ...]) -> None:
    """Record one WorkKeys sitting (give the levels of the tests taken)."""
    from ledger.application import parse_date
    from ledger.assessments import AssessmentRequest, record_assessments

    with reported():
        scores = {k: v for k, v in (("appliedMath", applied_math), ("graphicLiteracy", graphic_literacy),
                                    ("workplaceDocuments", workplace_documents)) if v is not None}
        if not scores:
            raise InputError.for_field("scores", "give at least one of --applied-math, --graphic-literacy, "
                                                 "--workplace-documents")
        (assessment_id,) = record_assessments(c.ledger, [AssessmentRequest(
            issuer, student_id, parse_date(taken, "taken"), scores, parse_evidence(evidence))])
        c.out({"assessment": assessment_id}, assessment_id)


@assessment.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--issuer", required=True, help="The institution attesting the score reports (slug).")
@click.option("--commit", is_flag=True, help="Record them (without it: check every row, record nothing).")
@json_option
@pass_ctx
@writes
def assessment_import(c: Context, file: Path, issuer: str, commit: bool) -> None:
    """Import WorkKeys score reports: a CSV of local_id,taken,applied_math,graphic_literacy,workplace_documents
    (and score_report), one sitting a row, of students the issuer may record for; all or nothing."""
    from ledger.assessments import record_assessments, workkeys_requests
    from ledger.readmodels import Projections
    from web.roster import Roster, local_id_resolver

    with reported():
        projections = Projections.of(c.ledger)
        projections.catch_up()
        resolve = local_id_resolver(Roster(c.ledger, projections), c.ledger.issuer(issuer).did)
        requests = workkeys_requests(_read_text(file), issuer, resolve)
        if not commit:
            c.out({"committed": False, "sittings": len(requests)},
                  f"{len(requests)} sitting(s), every row valid; nothing recorded (add --commit)")
            return
        ids = record_assessments(c.ledger, requests)
        c.out({"committed": True, "sittings": len(ids), "assessments": ids}, f"Recorded {len(ids)} sitting(s)")


def _today(c: Context, text: str | None) -> Any:
    """--today, or today on the ledger's clock."""
    from ledger.application import parse_date

    return parse_date(text, "today") if text else c.ledger.clock().date()


def _inputs(file: Path | None) -> Any:
    from ledger.reports.inputs import parse_inputs_csv

    return parse_inputs_csv(_read_text(file)) if file else {}


@main.command("pathways")
@click.argument("student_id")
@click.option("--state", "states", multiple=True, type=click.Choice(["OH", "MO", "CO"], case_sensitive=False),
              help="Only this state's rules (repeatable).")
@click.option("--cohort", type=click.IntRange(1990, 2200), help="Evaluate as this graduating class.")
@click.option("--inputs", "inputs_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Pathway inputs CSV (work-based hours, WebXams, CTE courses and GPA …).")
@click.option("--today", "today_text", metavar="YYYY-MM-DD")
@json_option
@pass_ctx
def pathways_command(c: Context, student_id: str, states: tuple[str, ...], cohort: int | None,
                     inputs_file: Path | None, today_text: str | None) -> None:
    """Which state pathway rules a student meets, and what is missing."""
    from ledger.readmodels import Projections
    from ledger.reports.student import student_pathways

    with reported():
        results = student_pathways(Projections.of(c.ledger), student_id, today=_today(c, today_text),
                                   inputs=_inputs(inputs_file).get(student_id), cohort=cohort,
                                   states=[s.upper() for s in states] or None)

        def human() -> None:
            for r in results:
                click.echo(f"{_PATHWAY_MARKS.get(r.status, '?')} {r.title}: {r.summary}  [{r.version}]")
                for m in r.missing:
                    click.echo(f"    missing: {m}")
                for k in r.counted:
                    click.echo(f"    counted: {k.name} ({k.detail})")
                for n in r.notes:
                    click.echo(f"    note: {n}")

        c.out([r.as_json() for r in results], human)


_PATHWAY_MARKS = {"met": "✓", "not met": "✗", "unknown": "?", "not applicable": "–"}


@main.command("report")
@click.argument("name", type=click.Choice(["irc-summary", "perkins-5s1", "ohio-status", "colorado-incentive",
                                           "state-file"]))
@click.option("--year", help="School year (2025-26, or 2026 = the year it ends): earned in (irc-summary, "
                             "colorado-incentive, state-file: required) or graduating class (perkins-5s1, "
                             "ohio-status).")
@click.option("--state", help="irc-summary, perkins-5s1: only this state's recognized credentials (OH, MO, CO, "
                              "NM). state-file (required): whose file, oh (EMIS FA), nm (STARS CTE credential) "
                              "or co (CDIP claims), or an instance's own layout.")
@click.option("--district", metavar="SLUG", help="One institution's report: the students it registered (their "
              "credentials wherever recorded) and, for irc-summary, the awards it recorded itself; for "
              "state-file, the students it may see.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the report's main table as CSV.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="Write to a file (state-file: written whole or not at all; - for standard output).")
@click.option("--inputs", "inputs_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="ohio-status, colorado-incentive, state-file co: pathway inputs CSV.")
@click.option("--frl", "frl_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="colorado-incentive, state-file co: student ids eligible for free/reduced lunch (never stored).")
@click.option("--concentrators", "concentrators_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="perkins-5s1 (required): CTE concentrators, a student id a line, with a graduated column.")
@click.option("--funds", type=click.IntRange(0), help="colorado-incentive, state-file co: dollars available "
                                                      "statewide.")
@click.option("--omit-missing", is_flag=True, help="state-file: leave out the students without a state student "
              "id (they are listed) instead of refusing the file.")
@click.option("--today", "today_text", metavar="YYYY-MM-DD")
@json_option
@pass_ctx
def report_command(c: Context, name: str, year: str | None, state: str | None, district: str | None, as_csv: bool,
                   out_file: Path | None, inputs_file: Path | None, frl_file: Path | None,
                   concentrators_file: Path | None, funds: int | None, omit_missing: bool,
                   today_text: str | None) -> None:
    """District reports: irc-summary, perkins-5s1, ohio-status, colorado-incentive; and the state's file
    (state-file --state oh|nm|co --year Y --out FILE)."""
    from ledger.readmodels import Projections
    from ledger.reports import build_report
    from ledger.pathways.states import load_issuer_states
    from ledger.reports.inputs import parse_concentrators, parse_student_ids
    from ledger.statelists import STATES

    with reported():
        if name == "state-file":
            _state_file(c, state, year, district, out_file, inputs_file, frl_file, funds, omit_missing)
            return
        if state is not None and state.upper() not in STATES:
            raise InputError.for_field("state", f"one of {', '.join(STATES)}")
        projections = Projections.of(c.ledger)
        projections.catch_up()
        report = build_report(
            name, projections.view, today=_today(c, today_text), year=year, state=state.upper() if state else None,
            district=district, inputs=_inputs(inputs_file),
            frl=parse_student_ids(_read_text(frl_file), what="frl") if frl_file else None,
            concentrators=parse_concentrators(_read_text(concentrators_file)) if concentrators_file else None,
            issuer_states=load_issuer_states(c.ledger.config.data_dir),
            funds_cents=None if funds is None else funds * 100,
            served=c.ledger.access.students(c.ledger.issuer(district).did) if district else None,
            identities=c.ledger.identity_claims,
        )
        text = (report.to_csv() if as_csv else json.dumps(report.to_json(), indent=2) + "\n" if c.as_json
                else report.to_text())
        if out_file and str(out_file) != "-":
            out_file.write_text(text)
            click.echo(f"Wrote {out_file}: {report.headline}")
        else:
            click.echo(text, nl=False)


def _state_file(c: Context, state: str | None, year: str | None, district: str | None, out_file: Path | None,
                inputs_file: Path | None, frl_file: Path | None, funds: int | None, omit_missing: bool) -> None:
    """`report state-file`: the state's file (ledger.reports.state_files), written whole or not at all."""
    from ledger.pathways.states import load_issuer_states
    from ledger.readmodels import Projections
    from ledger.reports.inputs import parse_student_ids
    from ledger.reports.layouts import layout_names
    from ledger.reports.state_files import build_state_file

    data_dir = c.ledger.config.data_dir
    if not state:
        raise InputError.for_field("state", f"one of {', '.join(layout_names(data_dir))} (the state's file)")
    projections = Projections.of(c.ledger)
    projections.catch_up()
    built = build_state_file(
        state, projections.view, year=year, identities=c.ledger.identities, data_dir=data_dir, district=district,
        served=c.ledger.access.students(c.ledger.issuer(district).did) if district else None,
        issuer_states=load_issuer_states(data_dir), funds_cents=None if funds is None else funds * 100,
        frl=parse_student_ids(_read_text(frl_file), what="frl") if frl_file else None, inputs=_inputs(inputs_file),
        omit_missing=omit_missing)
    if out_file is None or str(out_file) == "-":
        click.echo(built.text, nl=False)  # the file alone on standard output; what it holds on standard error
        click.echo(built.summary, err=True)
        return
    write_atomically(out_file, built.text)
    c.out({"file": str(out_file), "layout": built.layout.name, "year": built.year, "records": len(built.records),
           "omitted": built.omitted}, f"Wrote {out_file}: {built.summary}")


def write_atomically(path: Path, text: str) -> None:
    """The whole file or none: written beside it, flushed to disk, then renamed over it (a reader never sees
    half a file, and an earlier file stays until the new one is complete). Bytes as given: the layout decides
    the line ends."""
    import os
    import tempfile

    path = path.resolve()
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
        # The rename itself survives a crash only once the directory is on disk too.
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
