"""Setting up an instance: init, migrate, demo, serve, backup and restore, staff accounts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from keys.passphrase import passphrase_from_env_or_prompt
from ledger.config import as_dict
from web.cli.base import EXIT_FAILED, Context, json_option, main, pass_ctx, reported, writes


@main.command()
@click.option("--postgres", "database_url", help="postgresql://user@host:port/db[?schema=s] (default: SQLite file).")
@click.option("--domain", default="localhost:5000", show_default=True, help="Host of the issuers' did:web ids.")
@click.option("--encrypt-events", is_flag=True, help="Encrypt stored events at rest (AES-GCM).")
@json_option
@pass_ctx
def init(c: Context, database_url: str | None, domain: str, encrypt_events: bool) -> None:
    """Create the data directory, ledger tables and operator key."""
    from ledger.instance import init_instance
    from web.db import create_web_tables

    with reported():
        passphrase = passphrase_from_env_or_prompt(confirm=True)
        ledger = init_instance(c.data_dir, passphrase, domain=domain, database_url=database_url,
                               encrypt_events=encrypt_events)
        create_web_tables(ledger.store)
        info = as_dict(ledger.config) | {"operator": ledger.operator_did}
        c.out(info, f"Created a ledger in {c.data_dir} ({info['database']}).\n"
                    f"Operator: {ledger.operator_did}\nOperator key: {ledger.config.operator_key_id}")


@main.command()
@json_option
@pass_ctx
def migrate(c: Context) -> None:
    """Create any tables this version needs that the database lacks (run once, not per worker)."""
    from ledger.instance import migrate_instance
    from web.db import create_web_tables

    with reported():
        migrate_instance(c.data_dir, passphrase_from_env_or_prompt())
        create_web_tables(c.ledger.store)
        c.out({"migrated": True}, "Tables are up to date.")


@main.command()
@click.option("--students", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--seed", default=7, show_default=True, help="Random seed: the same seed, the same district.")
@click.option("--links-only", is_flag=True, help="Only print fresh demo links (the data is already loaded).")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
@click.option("--witnesses", is_flag=True, help="Also make two demo witnesses under the instance and have the log "
              "ask them on ports 7381 and 7382 (`make run` starts them).")
@json_option
@pass_ctx
@writes
def demo(c: Context, students: int, seed: int, links_only: bool, base_url: str, witnesses: bool) -> None:
    """Fill the ledger with a fictional district, CTE center and transfer district; print where to click."""
    from credledger_tools.demo.district import load_demo
    from credledger_tools.demo.people import add_demo_accounts, demo_links, demo_student

    with reported():
        summary: dict[str, Any] = {}
        if not links_only:
            summary = load_demo(c.ledger, students=students, seed=seed)
            add_demo_accounts(c.ledger)
            if witnesses:
                from credledger_tools.demo.witnesses import add_demo_witnesses

                summary["witnesses"] = add_demo_witnesses(c.ledger, passphrase_from_env_or_prompt())
        links = demo_links(c.ledger, demo_student(c.ledger), base_url)
        c.out(summary | links, lambda: _print_demo(summary, links))


def _print_demo(summary: dict[str, Any], links: dict[str, str]) -> None:
    if summary:
        click.echo("Demo data: " + ", ".join(f"{v} {k}" for k, v in summary.items() if isinstance(v, int)))
    if summary.get("witnesses"):
        click.echo("Witnesses the log asks to cosign its checkpoints: " + ", ".join(summary["witnesses"]))
    click.echo(f"""
  CTE center registrar (console; the district shares its CTE roster with the center):
                               {links['registrar_login']}
                               email {links['registrar_email']}  password {links['registrar_password']}
  District administrator (keys, staff, tokens, reports):
                               {links['registrar_login']}
                               email {links['admin_email']}  password {links['admin_password']}
  Operator (the state agency: every institution):
                               {links['registrar_login']}
                               email {links['operator_email']}  password {links['operator_password']}
  Student (claim link):        {links['student_claim_link']}
  Employer (live share link):  {links['share_link']}
""")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@pass_ctx
def serve(c: Context, host: str, port: int) -> None:
    """Serve the web application (development server)."""
    from web import create_app

    with reported():
        from ledger.worker import Worker

        app = create_app({"LEDGER": c.ledger})
        # The development server runs the worker itself; in production
        # `credledger worker` does, in its own process.
        integrator = Worker(c.ledger, on_error=lambda e: app.logger.warning("worker: %s", type(e).__name__),
                            on_witness=lambda name, outcome: app.logger.warning("witness %s: %s", name, outcome)).start()
        click.echo(f"credledger is serving {c.data_dir} at http://{host}:{port}/  (Ctrl-C stops)")
        try:
            app.run(host=host, port=port)
        finally:
            integrator.stop()


# Backup and restore --------------------------------------------------------------


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@json_option
@pass_ctx
def backup(c: Context, directory: Path) -> None:
    """A consistent online backup into a new DIRECTORY: configuration, key store (with the log's
    anchor), and the database (SQLite's backup API, or pg_dump)."""
    from ledger.backup import backup_instance

    with reported():
        manifest = backup_instance(c.data_dir, directory)
        c.out(manifest, f"Backed up {c.data_dir} to {directory} ({manifest['backend']}). Keep it with the "
                        "passphrase apart: the key store in it is encrypted.")


@main.command()
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--postgres", "database_url", help="Restore PostgreSQL into this database (same schema; it must "
              "not exist yet). Default: the database the backup was taken from.")
@json_option
@pass_ctx
def restore(c: Context, source: Path, database_url: str | None) -> None:
    """Restore the backup SOURCE as a new instance at --data, then audit it."""
    from ledger.audit import audit
    from ledger.backup import restore_instance
    from ledger.instance import open_ledger

    with reported():
        restore_instance(source, c.data_dir, database_url)
        ledger = open_ledger(c.data_dir, passphrase_from_env_or_prompt())
        try:
            report = audit(ledger)
        finally:
            ledger.close()
        data = {"restored": str(c.data_dir), "events": report.events, "ok": report.ok,
                "finding": report.finding.__dict__ if report.finding else None}
        c.out(data, f"Restored {report.events} events to {c.data_dir}; audit: "
                    + ("OK" if report.ok else f"FAILED: {report.finding.problem if report.finding else ''}"))
        if not report.ok:
            sys.exit(EXIT_FAILED)


# Staff accounts ----------------------------------------------------------------


@main.group()
def user() -> None:
    """Staff accounts for the web console."""


@user.command("add")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--issuer", help="The institution (slug); omit for an operator administrator.")
@click.option("--role", default="registrar", show_default=True, help="viewer | registrar | admin (operator if no --issuer)")
@json_option
@pass_ctx
def user_add(c: Context, email: str, name: str, issuer: str | None, role: str) -> None:
    """Add a staff account; the password comes from CREDLEDGER_USER_PASSWORD or a prompt."""
    import os

    from web.accounts import Accounts

    with reported():
        if issuer:
            c.ledger.issuer(issuer)
        password = os.environ.get("CREDLEDGER_USER_PASSWORD") or click.prompt(
            "Password", hide_input=True, confirmation_prompt=True)
        user_id = Accounts(c.ledger.store).add_user(email, name, password, issuer=issuer,
                                                    role=role if issuer else "operator")
        c.out({"user": user_id, "email": email}, f"Added {email}.")
