"""The registrar's roster on the command line: `student import` (CSV, checked then committed all or nothing),
`student class` (the graduating class corrected), `student state-id` (a state id given or corrected) and `student enroll | exit | graduate | move` (enrollment
facts, signed by the district of record). The same services as the console and the API."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.enrollment import ENROLLED, EXITED, GRADUATED, MOVED, correct_cohort, record_enrollment, record_state_id
from ledger.rules import DIPLOMA_TYPES, EXIT_REASONS
from web import schemas
from web.cli.base import Context, json_option, pass_ctx, reported, writes
from web.cli.records import student


@student.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--issuer", required=True, help="The institution registering the students (slug).")
@click.option("--commit", is_flag=True, help="Register them (otherwise: check every row and report).")
@json_option
@pass_ctx
@writes
def student_import(c: Context, file: Path, issuer: str, commit: bool) -> None:
    """Import students from a roster CSV (local_id, state_id, name, birth_date, cohort, building): every row
    checked; the new students registered all or nothing; students registered before are skipped."""
    from ledger.readmodels import Projections
    from web.roster import Roster
    from web.csv_files import raise_for_errors
    from web.roster_import import RosterImport

    with reported():
        projections = Projections.of(c.ledger)
        service = RosterImport(c.ledger, projections, Roster(c.ledger, projections))
        slug, data, today = c.ledger.issuer(issuer).slug, file.read_bytes(), c.ledger.clock().date()
        if commit:
            rows, ids = service.commit(slug, data, today)
        else:
            rows, ids = service.check(slug, data, today), []
            raise_for_errors(rows)  # exit 2, naming each bad row's fields
        new, adds = sum(1 for r in rows if r.new), sum(1 for r in rows if r.adds_state_id)
        known = len(rows) - new - adds
        c.out({"rows": len(rows), "new": new, "registered": len(ids), "students": ids, "committed": commit,
               "state_ids": adds if commit else 0, "adds_state_ids": adds},
              f"Registered {len(ids)} student(s); added {adds} state id(s); {known} were registered already."
              if commit else f"All {len(rows)} rows are valid: {new} new, {adds} add a state id, {known} registered "
              "already. Run again with --commit to register them.")


def _record(c: Context, student_id: str, issuer: str, fact: dict[str, object]) -> None:
    with reported():
        data = schemas.load(schemas.EnrollmentInput, fact)
        receipt = record_enrollment(c.ledger, c.ledger.issuer(issuer).slug, student_id, schemas.enrollment_fact(data))
        c.out({"student": student_id, "type": receipt.type, "sequence": receipt.sequence}, "Recorded.")


ISSUER = click.option("--issuer", required=True, help="The district of record (slug).")
DATE = click.option("--date", "day", required=True, help="YYYY-MM-DD")


@student.command("class")
@click.argument("student_id")
@ISSUER
@click.option("--cohort", required=True, type=int, help="The graduating class, e.g. 2027.")
@json_option
@pass_ctx
@writes
def student_class(c: Context, student_id: str, issuer: str, cohort: int) -> None:
    """Correct a student's graduating class (a signed event of the district of record)."""
    with reported():
        data = schemas.load(schemas.CohortInput, {"cohort": cohort})
        correct_cohort(c.ledger, c.ledger.issuer(issuer).slug, student_id, data["cohort"])
        c.out({"student": student_id, "cohort": data["cohort"]}, f"The graduating class is now {data['cohort']}.")


@student.command("state-id")
@click.argument("student_id")
@ISSUER
@click.option("--state-id", "state_id", required=True, help="The Ohio SSID, Missouri MOSIS id or Colorado SASID.")
@json_option
@pass_ctx
@writes
def student_state_id(c: Context, student_id: str, issuer: str, state_id: str) -> None:
    """Give a student registered without a state id one, or correct it (a signed event of the district of
    record; the id goes to the vault with a new salted commitment, and is not printed back)."""
    with reported():
        data = schemas.load(schemas.StateIdInput, {"state_id": state_id.strip()})
        receipt = record_state_id(c.ledger, c.ledger.issuer(issuer).slug, student_id, schemas.state_id_of(data))
        c.out({"student": student_id, "type": receipt.type, "sequence": receipt.sequence},
              "The state student id is recorded.")


@student.command("enroll")
@click.argument("student_id")
@ISSUER
@DATE
@click.option("--building", help="Your code of the school building.")
@json_option
@pass_ctx
@writes
def student_enroll(c: Context, student_id: str, issuer: str, day: str, building: str | None) -> None:
    """Record that the student enrolled."""
    _record(c, student_id, issuer, {"kind": ENROLLED, "date": day, "building": building})


@student.command("exit")
@click.argument("student_id")
@ISSUER
@DATE
@click.option("--reason", required=True, type=click.Choice(sorted(EXIT_REASONS)))
@json_option
@pass_ctx
@writes
def student_exit(c: Context, student_id: str, issuer: str, day: str, reason: str) -> None:
    """Record that the student left without graduating, and why."""
    _record(c, student_id, issuer, {"kind": EXITED, "date": day, "reason": reason})


@student.command("graduate")
@click.argument("student_id")
@ISSUER
@DATE
@click.option("--diploma", required=True, type=click.Choice(sorted(DIPLOMA_TYPES)))
@json_option
@pass_ctx
@writes
def student_graduate(c: Context, student_id: str, issuer: str, day: str, diploma: str) -> None:
    """Record the student's graduation (Perkins V 5S1 counts it)."""
    _record(c, student_id, issuer, {"kind": GRADUATED, "date": day, "diploma": diploma})


@student.command("move")
@click.argument("student_id")
@ISSUER
@DATE
@click.option("--to", "to", required=True, help="The receiving district (slug): the district of record from then on.")
@json_option
@pass_ctx
@writes
def student_move(c: Context, student_id: str, issuer: str, day: str, to: str) -> None:
    """Record that the student moved to another district, which becomes the district of record."""
    _record(c, student_id, issuer, {"kind": MOVED, "date": day, "to": to})
