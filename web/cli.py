"""`credledger`: the command line, a thin layer over the ledger service.

Exit codes: 0 done; 1 a check failed (audit, verification); 2 bad input or
usage; 3 the ledger refused the event; 4 not found; 5 setup (no instance,
wrong passphrase, database unreachable). `--json` prints machine output.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from eventsourcing.persistence import PersistenceError

from keys.errors import KeyStoreError
from keys.passphrase import passphrase_from_env_or_prompt
from ledger.application import IssueRequest, Ledger
from ledger.config import as_dict, data_dir_from_env
from ledger.errors import InputError, IntegrityError, LedgerError, NotFoundError, RejectedError
from web import schemas

EXIT_FAILED, EXIT_INPUT, EXIT_REJECTED, EXIT_NOT_FOUND, EXIT_SETUP = 1, 2, 3, 4, 5


class Context:
    def __init__(self, data: str | None, as_json: bool):
        self.data_dir = data_dir_from_env(data)
        self.as_json = as_json
        self._ledger: Ledger | None = None

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            from ledger.instance import open_ledger

            self._ledger = open_ledger(self.data_dir, passphrase_from_env_or_prompt())
        return self._ledger

    def out(self, data: Any, human: str | Callable[[], None]) -> None:
        if self.as_json:
            click.echo(json.dumps(data, indent=2, default=str))
        elif callable(human):
            human()
        else:
            click.echo(human)


pass_ctx = click.make_pass_decorator(Context)


def writes(command: Callable[..., None]) -> Callable[..., None]:
    """After a write, integrate the log: the new events are in a signed checkpoint when we return."""

    @functools.wraps(command)
    def wrapper(c: Context, *args: Any, **kwargs: Any) -> None:
        command(c, *args, **kwargs)
        with reported():
            c.ledger.log.integrate()

    return wrapper


@contextmanager
def reported() -> Iterator[None]:
    """Turn the ledger's errors into a one-line message and a meaningful exit code."""
    try:
        yield
    except InputError as e:
        _fail(EXIT_INPUT, "invalid input", str(e), e.errors)
    except RejectedError as e:
        _fail(EXIT_REJECTED, f"refused ({e.code})", str(e))
    except NotFoundError as e:
        _fail(EXIT_NOT_FOUND, "not found", str(e))
    except IntegrityError as e:
        _fail(EXIT_FAILED, "integrity", str(e))
    except KeyStoreError as e:
        _fail(EXIT_SETUP, "key store", str(e))
    except LedgerError as e:
        _fail(EXIT_SETUP, "error", str(e))
    except PersistenceError as e:
        # The driver's first line names the problem (e.g. a missing table); nothing else leaks.
        _fail(EXIT_SETUP, "database", f"{str(e).splitlines()[0] if str(e) else type(e).__name__} "
                                      "(run `credledger migrate` after an upgrade)")
    except OSError as e:
        _fail(EXIT_SETUP, "system", f"{type(e).__name__}: {e.strerror or e}")


def _fail(code: int, kind: str, message: str, errors: dict[str, list[str]] | None = None) -> None:
    click.echo(f"credledger: {kind}: {message}", err=True)
    for field, problems in (errors or {}).items():
        for problem in problems:
            click.echo(f"  {field}: {problem}", err=True)
    sys.exit(code)


def json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    def set_json(ctx: click.Context, _: Any, value: bool) -> None:
        if value:
            ctx.ensure_object(Context)  # created by the group already
            ctx.find_object(Context).as_json = True  # type: ignore[union-attr]

    return click.option("--json", "as_json", is_flag=True, expose_value=False, callback=set_json,
                        help="Print JSON for machines.")(f)


@click.group()
@click.option("--data", envvar="CREDLEDGER_DATA", help="Data directory (default ./instance).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
@click.version_option(package_name="credledger")
@click.pass_context
def main(ctx: click.Context, data: str | None, as_json: bool) -> None:
    """credledger: signed, auditable records of industry-recognized credentials."""
    ctx.obj = Context(data, as_json)


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
@json_option
@pass_ctx
@writes
def demo(c: Context, students: int, seed: int, links_only: bool, base_url: str) -> None:
    """Fill the ledger with a fictional district, CTE center and transfer district; print where to click."""
    from ledger.demo import load_demo
    from web.demo import add_demo_accounts, demo_links, demo_student

    with reported():
        summary: dict[str, Any] = {}
        if not links_only:
            summary = load_demo(c.ledger, students=students, seed=seed)
            add_demo_accounts(c.ledger)
        links = demo_links(c.ledger, demo_student(c.ledger), base_url)
        c.out(summary | links, lambda: _print_demo(summary, links))


def _print_demo(summary: dict[str, Any], links: dict[str, str]) -> None:
    if summary:
        click.echo("Demo data: " + ", ".join(f"{v} {k}" for k, v in summary.items() if isinstance(v, int)))
    click.echo(f"""
  Registrar (issuer console):  {links['registrar_login']}
                               email {links['registrar_email']}  password {links['registrar_password']}
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
        from ledger.projections import Worker

        app = create_app({"LEDGER": c.ledger})
        # The development server runs the worker itself; in production
        # `credledger worker` does, in its own process.
        integrator = Worker(c.ledger, on_error=lambda e: app.logger.warning("worker: %s", type(e).__name__)).start()
        click.echo(f"credledger is serving {c.data_dir} at http://{host}:{port}/  (Ctrl-C stops)")
        try:
            app.run(host=host, port=port)
        finally:
            integrator.stop()


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


# Issuers and keys ------------------------------------------------------------


@main.group()
def issuer() -> None:
    """Register issuers and manage their keys."""


@issuer.command("add")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--kind", default="school", show_default=True)
@click.option("--public-key", help="A did:key the issuer holds itself; otherwise the server makes one.")
@json_option
@pass_ctx
@writes
def issuer_add(c: Context, slug: str, name: str, kind: str, public_key: str | None) -> None:
    """Register an issuer (signed by the operator)."""
    with reported():
        data = schemas.load(schemas.IssuerInput, {"slug": slug, "name": name, "kind": kind, "public_key": public_key})
        did = c.ledger.register_issuer(data["slug"], data["name"], data["kind"], public_key_id=data["public_key"])
        c.out(_issuer_json(c.ledger, slug), f"Registered {name} as {did}")


@issuer.command("list")
@json_option
@pass_ctx
def issuer_list(c: Context) -> None:
    """List registered issuers."""
    with reported():
        issuers = [_issuer_json(c.ledger, i.slug) for i in c.ledger.issuers()]
        c.out(issuers, lambda: [click.echo(f"{i['slug']:<20} {i['kind']:<11} {i['name']}  {i['did']}") for i in issuers])


@issuer.command("show")
@click.argument("slug")
@json_option
@pass_ctx
def issuer_show(c: Context, slug: str) -> None:
    """Show an issuer and its key history."""
    with reported():
        info = _issuer_json(c.ledger, slug)

        def human() -> None:
            click.echo(f"{info['name']} ({info['kind']})\n{info['did']}")
            for k in info["keys"]:
                state = "compromised" if k["compromised_at"] else "retired" if k["retired_at"] else "active"
                click.echo(f"  {state:<11} from {k['valid_from']}  {k['key_id']}")

        c.out(info, human)


def _issuer_json(ledger: Ledger, slug: str) -> dict[str, Any]:
    issuer = ledger.issuer(slug)
    return {
        "slug": issuer.slug, "name": issuer.name, "kind": issuer.kind, "did": issuer.did,
        "keys": [
            {"key_id": k.key_id, "valid_from": k.valid_from, "retired_at": k.retired_at,
             "compromised_at": k.compromised_at, "held_by_server": k.key_id in ledger.keystore}
            for k in issuer.keys.values()
        ],
    }


@issuer.group("key")
def issuer_key() -> None:
    """Rotate, add, retire or declare compromised an issuer's keys."""


@issuer_key.command("rotate")
@click.argument("slug")
@json_option
@pass_ctx
@writes
def key_rotate(c: Context, slug: str) -> None:
    """New server-held key; the current ones are retired now (old signatures stay valid)."""
    with reported():
        key_id = c.ledger.rotate_issuer_key(slug)
        c.out({"key_id": key_id}, f"New key {key_id}")


@issuer_key.command("add")
@click.argument("slug")
@click.argument("key_id")
@json_option
@pass_ctx
@writes
def key_add(c: Context, slug: str, key_id: str) -> None:
    """Register a public key (did:key) that the issuer holds itself."""
    with reported():
        c.ledger.add_issuer_key(slug, key_id)
        c.out({"key_id": key_id}, f"Added {key_id}")


def _key_time(slug: str, key_id: str, at: str | None) -> dict[str, Any]:
    return schemas.load(schemas.KeyTimeInput, {"slug": slug, "key": key_id, "at": at or datetime.now().astimezone().isoformat()})


@issuer_key.command("retire")
@click.argument("slug")
@click.argument("key_id")
@click.option("--at", help="When it stops being valid (RFC 3339; default now). Never in the past.")
@json_option
@pass_ctx
@writes
def key_retire(c: Context, slug: str, key_id: str, at: str | None) -> None:
    """Retire a key: signatures before --at stay valid, later ones are refused."""
    with reported():
        data = _key_time(slug, key_id, at)
        c.ledger.retire_issuer_key(data["slug"], data["key"], data["at"])
        c.out({"key_id": key_id, "retired_at": data["at"]}, f"Retired {key_id} as of {data['at']}")


@issuer_key.command("compromise")
@click.argument("slug")
@click.argument("key_id")
@click.option("--at", required=True, help="From when the key is untrusted (RFC 3339); may be in the past.")
@json_option
@pass_ctx
@writes
def key_compromise(c: Context, slug: str, key_id: str, at: str) -> None:
    """Declare a key compromised: its signatures recorded after --at no longer count."""
    with reported():
        data = _key_time(slug, key_id, at)
        c.ledger.declare_key_compromised(data["slug"], data["key"], data["at"])
        c.out({"key_id": key_id, "compromised_at": data["at"]}, f"{key_id} compromised as of {data['at']}")


# Catalog ---------------------------------------------------------------------


@main.group()
def credential() -> None:
    """The credential catalog."""


@credential.command("define")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--body", "certifying_body", required=True, help="Certifying body, e.g. CompTIA.")
@click.option("--type", "credential_type", default="certification", show_default=True)
@click.option("--validity-months", type=int, help="Months until it expires (omit if it never does).")
@click.option("--career-field")
@click.option("--cluster", "career_cluster", help="Career Cluster, e.g. Health Science.")
@click.option("--soc", help="SOC occupation code, e.g. 29-2052.")
@click.option("--naics", help="NAICS industry code, e.g. 722.")
@click.option("--cip", help="CIP program code, e.g. 51.0805.")
@click.option("--owner", help="Define it as this issuer (slug) instead of the operator.")
@json_option
@pass_ctx
@writes
def credential_define(c: Context, code: str, name: str, certifying_body: str, credential_type: str,
                      validity_months: int | None, career_field: str | None, career_cluster: str | None,
                      soc: str | None, naics: str | None, cip: str | None, owner: str | None) -> None:
    """Add a catalog entry."""
    with reported():
        codes = {k: v for k, v in (("careerCluster", career_cluster), ("soc", soc), ("naics", naics), ("cip", cip))
                 if v is not None}
        data = schemas.load(schemas.CredentialInput, {
            "code": code, "name": name, "certifyingBody": certifying_body, "credentialType": credential_type,
            "validityMonths": validity_months, "careerField": career_field, **codes})
        code = data.pop("code")
        c.ledger.define_credential(code, data, owner=owner)
        c.out({"code": code} | data, f"Defined {code}: {name}")


@credential.command("list")
@json_option
@pass_ctx
def credential_list(c: Context) -> None:
    """List the catalog."""
    with reported():
        entries = [{"code": e.code} | e.fields for e in c.ledger.credentials()]
        c.out(entries, lambda: [click.echo(f"{e['code']:<28} {e['name']}  ({e['certifyingBody']})") for e in entries])


# Students and awards -----------------------------------------------------------


@main.group()
def student() -> None:
    """Students: opaque ids in the ledger, identity in the encrypted vault."""


@student.command("add")
@click.option("--issuer", required=True, help="Registering issuer (slug).")
@click.option("--name", required=True)
@click.option("--birth-date", required=True, help="YYYY-MM-DD")
@click.option("--local-id", required=True, help="The school's own student number.")
@click.option("--cohort", type=click.IntRange(1990, 2200), help="Graduating class, e.g. 2027.")
@json_option
@pass_ctx
@writes
def student_add(c: Context, issuer: str, name: str, birth_date: str, local_id: str, cohort: int | None) -> None:
    """Register a student; prints the opaque student id."""
    with reported():
        data = schemas.load(schemas.StudentInput, {"issuer": issuer, "name": name, "birth_date": birth_date,
                                                   "local_id": local_id})
        claims = {"name": data["name"], "birth_date": data["birth_date"].isoformat(), "local_id": data["local_id"]}
        student_id = c.ledger.register_student(data["issuer"], claims, cohort=cohort)
        c.out({"student": student_id}, student_id)


@student.command("claim")
@click.argument("student_id")
@click.option("--issuer", required=True, help="The school handing out the code (slug).")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
@json_option
@pass_ctx
def student_claim(c: Context, student_id: str, issuer: str, base_url: str) -> None:
    """Make a claim code for a student (shown once; give it to the student privately)."""
    from web.accounts import Accounts

    with reported():
        c.ledger.student(student_id)
        c.ledger.issuer(issuer)
        code = Accounts(c.ledger.store).add_claim(student_id, issuer)
        link = f"{base_url.rstrip('/')}/claim/{code}"
        c.out({"code": code, "link": link}, f"Claim code: {code}\nClaim link: {link}")


@student.command("erase")
@click.argument("student_id")
@json_option
@pass_ctx
def student_erase(c: Context, student_id: str) -> None:
    """Erase a student's PII; their signed records stay valid but can no longer be linked to them."""
    with reported():
        erased = c.ledger.erase_identity(student_id)
        c.out({"student": student_id, "erased": erased},
              "Erased." if erased else "Nothing to erase: no identity was stored.")


def _evidence(pairs: tuple[str, ...]) -> dict[str, str | int]:
    evidence: dict[str, str | int] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise InputError.for_field("evidence", f"expected KEY=VALUE, got {pair!r}")
        evidence[key] = int(value) if value.isascii() and value.isdigit() and len(value) < 16 else value
    return evidence


@main.command()
@click.option("--issuer", required=True, help="Issuing institution (slug).")
@click.option("--student", "student_id", required=True)
@click.option("--credential", "credential_code", required=True, help="Catalog code.")
@click.option("--earned", required=True, help="YYYY-MM-DD")
@click.option("--evidence", multiple=True, metavar="KEY=VALUE", help="Certificate number, score … (repeatable).")
@click.option("--supersedes", help="Award this one corrects (revoke it as 'superseded' first).")
@click.option("--unsigned", is_flag=True, help="Print the unsigned event for an issuer that signs elsewhere.")
@json_option
@pass_ctx
@writes
def issue(c: Context, issuer: str, student_id: str, credential_code: str, earned: str,
          evidence: tuple[str, ...], supersedes: str | None, unsigned: bool) -> None:
    """Record an earned credential, signed by the issuer."""
    with reported():
        data = schemas.load(schemas.IssueInput, {
            "issuer": issuer, "student": student_id, "credential": credential_code, "earned": earned,
            "evidence": _evidence(evidence), "supersedes": supersedes})
        request = IssueRequest(data["issuer"], str(data["student"]), data["credential"], data["earned"],
                               data["evidence"], str(data["supersedes"]) if data["supersedes"] else None)
        if unsigned:
            click.echo(json.dumps(c.ledger.prepare_issue([request])[0], indent=2))
            return
        (award_id,) = c.ledger.issue([request])
        c.out({"award": award_id}, award_id)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--issuer", required=True, help="The institution recording the awards (slug).")
@click.option("--commit", is_flag=True, help="Store the awards (otherwise: check every row and report).")
@json_option
@pass_ctx
@writes
def import_awards(c: Context, file: Path, issuer: str, commit: bool) -> None:
    """Import awards from CSV (the console's format): every row checked; stored all or nothing."""
    import time

    from ledger.projections import Projections
    from web.imports import DONE, Imports
    from web.roster import Roster

    with reported():
        projections = Projections.of(c.ledger)
        imports = Imports(c.ledger, projections, Roster(c.ledger, projections))
        started = time.perf_counter()
        job = imports.create(c.ledger.issuer(issuer).slug, "cli", file.name, file.read_bytes(),
                             c.ledger.clock().date())
        bad = [r for r in job.rows if r.errors]
        if not c.as_json:
            click.echo(f"Checked {job.total} row(s) in {time.perf_counter() - started:.1f}s: {len(bad)} with errors.")
        if bad:
            errors = {f"line {r.line}": r.errors for r in bad}
            raise InputError(f"{len(bad)} row(s) have errors; nothing was stored", errors)
        if commit:
            if not c.as_json:
                click.echo(f"Recording {job.total} award(s) in one transaction …")
            imports.start_commit(job.id)
            imports.wait(job.id, timeout=3600)
            job = imports.get(job.id)
            if job.status != DONE:
                raise RejectedError("import_failed", job.message or "the import did not complete")
        c.out({"rows": job.total, "stored": commit, "awards": [r.award for r in job.rows] if commit else []},
              f"Stored {job.total} award(s) in {time.perf_counter() - started:.1f}s." if commit
              else "All rows are valid. Run again with --commit to store them.")


@main.command()
@click.argument("award")
@click.option("--reason", required=True, help="issued_in_error | superseded | evidence_withdrawn | misconduct | other")
@click.option("--note", required=True, help="A short explanation, kept in the signed event.")
@click.option("--effective", help="When the revocation takes effect (RFC 3339; default now).")
@json_option
@pass_ctx
@writes
def revoke(c: Context, award: str, reason: str, note: str, effective: str | None) -> None:
    """Revoke an award, signed by its current custodian."""
    with reported():
        data = schemas.load(schemas.RevokeInput, {"award": award, "reason": reason, "note": note,
                                                  "effective": effective})
        c.ledger.revoke(str(data["award"]), data["reason"], data["note"], effective=data["effective"])
        c.out({"award": award, "revoked": True}, f"Revoked {award} ({reason}).")


@main.command()
@click.argument("awards", nargs=-1, required=True)
@click.option("--to", "to_slug", required=True, help="Receiving issuer (slug).")
@click.option("--reason", default="student changed school", show_default=True)
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the releasing custodian's signed half here for the receiver to countersign.")
@json_option
@pass_ctx
@writes
def transfer(c: Context, awards: tuple[str, ...], to_slug: str, reason: str, out_file: Path | None) -> None:
    """Transfer custody of awards; complete when the receiver countersigns."""
    with reported():
        data = schemas.load(schemas.TransferInput, {"awards": list(awards), "to": to_slug, "reason": reason})
        ids = [str(a) for a in data["awards"]]
        if out_file:
            halves = [c.ledger.prepare_transfer(a, data["to"], data["reason"]) for a in ids]
            out_file.write_text(json.dumps(halves, indent=2) + "\n")
            c.out({"pending": str(out_file)}, f"Wrote {len(halves)} transfer(s) to {out_file}; the receiver runs "
                                              f"`credledger countersign {out_file} --as {to_slug}`.")
            return
        receipts = c.ledger.transfer(ids, data["to"], data["reason"])
        c.out([r.__dict__ for r in receipts], f"Transferred {len(receipts)} award(s) to {to_slug}.")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "as_slug", required=True, help="The receiving issuer (slug) whose key countersigns.")
@json_option
@pass_ctx
@writes
def countersign(c: Context, file: Path, as_slug: str) -> None:
    """Countersign pending transfers as the receiver and store them."""
    with reported():
        documents = _read_documents(file)
        receipts = c.ledger.submit([c.ledger.countersign(doc, as_slug) for doc in documents])
        c.out([r.__dict__ for r in receipts], f"Accepted {len(receipts)} transfer(s).")


@main.group()
def keys() -> None:
    """An issuer's own key store, for signing off the server (needs no ledger)."""


@keys.command("new")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--label", default="issuer", show_default=True)
@json_option
@pass_ctx
def keys_new(c: Context, directory: Path, label: str) -> None:
    """Make a key in an encrypted key store (created if absent); prints its did:key."""
    from keys.store import FileKeyStore

    with reported():
        passphrase = passphrase_from_env_or_prompt(confirm=not (directory / "keystore.json").exists())
        store = (FileKeyStore.open(directory, passphrase) if (directory / "keystore.json").exists()
                 else FileKeyStore.create(directory, passphrase))
        key_id = store.generate(label)
        c.out({"key_id": key_id}, key_id)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--keys", "keys_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The issuer's own key store (`credledger keys new`).")
@click.option("--key", "key_id", required=True, help="The did:key to sign with.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), help="Default: standard output.")
def sign(file: Path, keys_dir: Path, key_id: str, out_file: Path | None) -> None:
    """Sign unsigned events with a key held off the server (needs no ledger)."""
    from keys.store import FileKeyStore
    from verifiers.timestamps import format_timestamp

    with reported():
        store = FileKeyStore.open(keys_dir, passphrase_from_env_or_prompt())
        signer = store.signer(key_id)
        created = format_timestamp(datetime.now().astimezone())
        signed = [signer.sign(doc, created) for doc in _read_documents(file)]
        text = json.dumps(signed if len(signed) > 1 else signed[0], indent=2) + "\n"
        if out_file:
            out_file.write_text(text)
        else:
            click.echo(text, nl=False)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_ctx
@writes
def submit(c: Context, file: Path) -> None:
    """Store events signed elsewhere (a JSON event, a JSON list, or JSON lines); all or nothing."""
    with reported():
        receipts = c.ledger.submit(_read_documents(file))
        c.out([r.__dict__ for r in receipts], f"Stored {len(receipts)} event(s).")


def _read_documents(file: Path) -> list[dict[str, Any]]:
    text = file.read_text()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as e:
            raise InputError.for_field("file", f"not JSON or JSON lines (line {e.lineno})") from None
    return data if isinstance(data, list) else [data]


@main.command()
@click.argument("student_id")
@json_option
@pass_ctx
def show(c: Context, student_id: str) -> None:
    """A student's events in order, with signer and status."""
    from ledger.views import student_events

    with reported():
        events = student_events(c.ledger, student_id)

        def human() -> None:
            for e in events:
                click.echo(f"#{e['position']:<6} {e['recorded'][:19]}  {e['type']:<22} {e['summary']}")
                click.echo(f"        signed by {e['signer']}  [{e['status']}; signature {e['signatures']}]")

        c.out(events, human)


@main.command()
@json_option
@pass_ctx
def audit(c: Context) -> None:
    """Re-verify every stored event; exit 1 naming the first bad one."""
    from ledger.audit import audit as run_audit

    with reported():
        report = run_audit(c.ledger)
        finding = report.finding
        data = {"ok": report.ok, "events": report.events, "log_size": report.log_size,
                "checkpoints": report.checkpoints, "finding": finding.__dict__ if finding else None}
        if finding is None:
            c.out(data, f"OK: {report.events} events verified (signatures, keys, authority, hash chains, log "
                        f"entries); log of {report.log_size} leaves recomputed, {report.checkpoints} signed "
                        f"checkpoints verified.")
            return
        c.out(data, f"FAILED at log position {finding.position} (stream {finding.stream}, sequence "
                    f"{finding.sequence}, notification {finding.notification_id}): {finding.problem}")
        sys.exit(EXIT_FAILED)


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


# Transcripts -------------------------------------------------------------------


@main.command()
@json_option
@pass_ctx
def students(c: Context) -> None:
    """List students: opaque id, registering issuer, number of awards."""
    from ledger.projections import Projections

    with reported():
        projections = Projections.of(c.ledger)
        projections.catch_up()
        rows = projections.students()
        c.out(rows, lambda: [click.echo(f"{r['student']}  {r['awards']:>3} awards  {r['issuer_name']}") for r in rows])


@main.command()
@click.argument("student_id")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--only", "only", multiple=True, metavar="AWARD", help="Export only these awards (repeatable).")
@click.option("--disclose", default="", help="Identity claims to disclose, e.g. name,birth_date (default none).")
@json_option
@pass_ctx
def export(c: Context, student_id: str, out_file: Path, only: tuple[str, ...], disclose: str) -> None:
    """Write the student's portable transcript bundle (verifiable offline)."""
    from ledger.export import export_bundle

    with reported():
        claims = [x.strip() for x in disclose.split(",") if x.strip()]
        bundle = export_bundle(c.ledger, student_id, only=list(only) or None, disclose=claims)
        out_file.write_text(json.dumps(bundle, indent=1) + "\n")
        c.out({"file": str(out_file), "awards": len(bundle["awards"]), "disclosed": sorted(bundle["disclosed"])},
              f"Wrote {out_file}: {len(bundle['awards'])} credential(s), disclosed: "
              f"{', '.join(sorted(bundle['disclosed'])) or 'nothing'}. Verify with "
              f"`credledger verify {out_file} --log-key \"$(credledger log key)\"`.")


@main.group()
def projections() -> None:
    """The read models (transcripts, award status, issuer directory)."""


@projections.command("rebuild")
@json_option
@pass_ctx
def projections_rebuild(c: Context) -> None:
    """Clear the read models and rebuild them from every stored event."""
    import time

    from ledger.projections import Projections

    with reported():
        started = time.perf_counter()
        count = Projections.of(c.ledger).rebuild()
        seconds = time.perf_counter() - started
        c.out({"events": count, "seconds": round(seconds, 3)}, f"Rebuilt from {count} events in {seconds:.2f}s.")


# The transparency log --------------------------------------------------------


@main.group()
def log() -> None:
    """The verification log: checkpoints, proofs, the key verifiers pin."""


@log.command("key")
@json_option
@pass_ctx
def log_key(c: Context) -> None:
    """Print the log's C2SP verifier key (what a verifier pins)."""
    with reported():
        key = c.ledger.log.verifier_key
        c.out({"log_key": key}, key)


@log.command("checkpoint")
@json_option
@pass_ctx
def log_checkpoint(c: Context) -> None:
    """Integrate pending events and print the latest signed checkpoint."""
    with reported():
        c.ledger.log.integrate()
        note = c.ledger.log.checkpoint()
        c.out({"checkpoint": note}, note.rstrip("\n"))


@log.command("prove")
@click.option("--index", type=click.IntRange(0), help="Leaf index to prove inclusion of.")
@click.option("--event", metavar="STREAM:SEQUENCE", help="Prove inclusion of this stored event.")
@click.option("--size", type=click.IntRange(0), help="Tree size (default: the latest checkpoint's).")
@click.option("--from", "size1", type=click.IntRange(0), help="Prove consistency from this size to --size.")
@json_option
@pass_ctx
def log_prove(c: Context, index: int | None, event: str | None, size: int | None, size1: int | None) -> None:
    """Inclusion proof of a leaf or event, or consistency proof between two sizes."""
    import base64

    from ledger.log_views import leaf_of_event

    with reported():
        log = c.ledger.log
        log.integrate()
        latest = c.ledger.store.latest_checkpoint()
        size = latest[0] if size is None and latest else size or 0
        if size1 is not None:
            proof = log.consistency_proof(size1, size)
            data: dict[str, Any] = {"from": size1, "to": size, "proof": [base64.b64encode(h).decode() for h in proof]}
        else:
            if event is not None:
                index = leaf_of_event(c.ledger, event)
            if index is None:
                raise InputError.for_field("index", "give --index, --event or --from")
            proof = log.inclusion_proof(index, size)
            data = {"index": index, "size": size, "root": base64.b64encode(log.root(size)).decode(),
                    "proof": [base64.b64encode(h).decode() for h in proof]}
        c.out(data, "\n".join(f"{k}: {v}" for k, v in data.items() if k != "proof") + "\nproof:\n" +
              "\n".join(f"  {h}" for h in data["proof"]))


@main.command()
@click.option("--interval", default=0.5, show_default=True, type=click.FloatRange(0.05, 60))
@pass_ctx
def worker(c: Context, interval: float) -> None:
    """Keep the log checkpointed and the read models current (one per deployment)."""
    from ledger.projections import Worker

    with reported():
        click.echo(f"integrating the log and projections every {interval}s; Ctrl-C stops")
        try:
            Worker(c.ledger, interval).run()
        except KeyboardInterrupt:
            pass


@main.command("monitor")
@click.argument("url")
@click.option("--log-key", help="The log's verifier key to pin (required on the first run).")
@click.option("--issuer", help="Only list new events signed by this DID.")
@click.option("--state", "state_file", default="monitor-state.json", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path), help="Where the monitor remembers the log.")
@json_option
@pass_ctx
def monitor_command(c: Context, url: str, log_key: str | None, issuer: str | None, state_file: Path) -> None:
    """Mirror a remote log, check it only ever grows, list new events (by issuer)."""
    from web.monitor import FetchError, MonitorError, MonitorState, monitor

    state = MonitorState.load(state_file)
    if state is None:
        if not log_key:
            _fail(EXIT_INPUT, "invalid input", "--log-key: required on the first run (pin the log's key)")
        state = MonitorState(log_key=log_key)  # type: ignore[arg-type]
    elif log_key and log_key != state.log_key:
        _fail(EXIT_INPUT, "invalid input", "--log-key differs from the key pinned in the state file")
    try:
        new_state, events = monitor(url, state, issuer)
    except MonitorError as e:
        _fail(EXIT_FAILED, "LOG MISBEHAVED", str(e))
    except FetchError as e:
        _fail(EXIT_SETUP, "unreachable", str(e))
    except Exception as e:  # a malformed key or answer
        _fail(EXIT_INPUT, "invalid", f"{type(e).__name__}: {e}")
    new_state.save(state_file)
    c.out({"size": new_state.size, "previous_size": state.size, "events": events},
          lambda: [click.echo(f"log grew {state.size} -> {new_state.size}, consistent."),
                   *[click.echo(f"  #{e['index']} {e['recorded'][:19]} {e['type']:<22} "
                                + ", ".join(f"{s['did']} ({s['key']})" for s in e["signers"]))
                     for e in events]])


# Verifying a transcript bundle (needs no ledger: an employer runs it) -----------------

VERIFY_TIMEOUT = 10
_MARKS = {True: "✓", False: "✗", None: "–"}


@main.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--log-key", "log_keys", multiple=True, required=True,
              help="The log's verifier key to pin (`credledger log key`); repeat to pin several.")
@click.option("--online", "online_url", metavar="URL",
              help="Also ask this credledger server for a newer checkpoint and current statuses.")
@click.option("--today", "today_text", metavar="YYYY-MM-DD", help="Decide expiry as of this date (default: today).")
@json_option
@pass_ctx
def verify(c: Context, file: Path, log_keys: tuple[str, ...], online_url: str | None, today_text: str | None) -> None:
    """Verify a transcript bundle: exit 0 if every credential verifies, 1 if one does not, 2 if not a bundle."""
    from datetime import date

    from verifiers.bundle import OnlineEvidence, verify_bundle
    from verifiers.errors import BundleFormatError

    bundle = _read_bundle(file)
    try:
        today = date.fromisoformat(today_text) if today_text else date.today()
    except ValueError:
        _fail(EXIT_INPUT, "invalid input", f"--today: expected YYYY-MM-DD, got {today_text!r}")
    try:
        result = verify_bundle(bundle, list(log_keys), today=today)
        if online_url:
            # Nothing can extend a checkpoint that does not verify, and there is nothing to ask
            # about no award: then ask the server nothing, and steps 9 and 10 say why.
            awards = [r.award for r in result.credentials]
            online = (_fetch_online_evidence(online_url, result.checkpoint_size, awards)
                      if result.checkpoint.ok and awards else OnlineEvidence("", [], {}))
            result = verify_bundle(bundle, list(log_keys), today=today, online=online)
    except BundleFormatError as e:
        _fail(EXIT_INPUT, "not a transcript bundle", str(e))
    except ValueError as e:  # an unreadable --log-key
        _fail(EXIT_INPUT, "invalid input", f"--log-key: {e}")
    c.out(_verify_json(result), lambda: _verify_human(result))
    sys.exit(0 if result.ok else EXIT_FAILED)


def _read_bundle(file: Path) -> Any:
    try:
        return json.loads(file.read_bytes())
    except OSError as e:
        _fail(EXIT_INPUT, "cannot read", f"{file}: {e.strerror or e}")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        _fail(EXIT_INPUT, "not a transcript bundle", f"{file} is not JSON")


def _fetch_online_evidence(url: str, since: int, awards: list[str]) -> Any:
    """GET the newest checkpoint and the evidence endpoint; exit 5 when the server cannot be used."""
    import base64
    import binascii
    import urllib.error
    import urllib.parse
    import urllib.request

    from verifiers.bundle import OnlineEvidence

    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        _fail(EXIT_INPUT, "invalid input", "--online: the server URL must be http(s)")

    def get(path: str) -> bytes:
        try:
            with urllib.request.urlopen(base + path, timeout=VERIFY_TIMEOUT) as response:  # noqa: S310 (scheme checked)
                return bytes(response.read())
        except urllib.error.HTTPError as e:
            _fail(EXIT_SETUP, "server refused", f"{base + path}: HTTP {e.code} {e.reason}")
            raise  # not reached: _fail exits
        except (urllib.error.URLError, OSError) as e:
            _fail(EXIT_SETUP, "unreachable", f"cannot fetch {base + path}: {getattr(e, 'reason', e)}")
            raise  # not reached: _fail exits

    latest = get("/log/checkpoint").decode("utf-8", "replace")
    query = urllib.parse.urlencode([("since", since), *(("award", a) for a in awards)])
    try:
        answer = json.loads(get(f"/transcripts/evidence?{query}"))
        return OnlineEvidence(
            checkpoint=answer.get("checkpoint") or latest,
            consistency=[base64.b64decode(h, validate=True) for h in answer["consistency"]],
            streams=answer["streams"],
        )
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        _fail(EXIT_SETUP, "unusable answer", f"{base}/transcripts/evidence did not answer with verification evidence")


def _verify_json(result: Any) -> dict[str, Any]:
    import dataclasses

    data = dataclasses.asdict(result)
    data["ok"] = result.ok
    for credential, out in zip(result.credentials, data["credentials"]):
        out["ok"] = credential.ok
    return data


def _verify_human(result: Any) -> None:
    click.echo(f"Transcript of student {result.student}")
    click.echo(f"  ledger {result.ledger}, log {result.log_origin or '?'}, checkpoint of "
               f"{result.checkpoint_size} entries")
    if not result.checkpoint.ok:
        click.echo(f"  {_MARKS[result.checkpoint.ok]} checkpoint: {result.checkpoint.detail}")
    if result.identity:
        click.echo("  identity: " + ", ".join(f"{claim} {_MARKS[opened]}" for claim, opened in result.identity.items()))
    for credential in result.credentials:
        click.echo()
        title = credential.name or credential.credential or "(unknown credential)"
        click.echo(f"{_MARKS[credential.ok]} {title} — {credential.issuer_name or credential.issuer or '?'}")
        expires = f", expires {credential.expires}" if credential.expires else ""
        click.echo(f"  award {credential.award}: earned {credential.earned or '?'}{expires}; "
                   f"status {credential.status}")
        for step in credential.steps:
            click.echo(f"  {_MARKS[step.ok]} {step.step:<17} {step.detail}")
    verified = sum(c.ok for c in result.credentials)
    click.echo()
    click.echo(f"{verified} of {len(result.credentials)} credential(s) verified."
               + ("" if result.ok else " NOT everything verified."))


# Catalog import, state listings, assessments, pathways and reports (ledger.catalog, ledger.reports) -----------


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

    Columns: code, name, certifying_body, type, validity_months, career_field, career_cluster, soc, naics, cip.
    """
    from ledger.catalog import define_catalog, parse_catalog_csv

    with reported():
        done = define_catalog(c.ledger, parse_catalog_csv(_read_text(file)))
        c.out(done, f"Catalog: {len(done['defined'])} defined, {len(done['updated'])} updated, "
                    f"{len(done['unchanged'])} unchanged.")


@main.group()
def listings() -> None:
    """State lists (OH, MO, CO) and Colorado districts' Menu of Options, by school year."""


@listings.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--state", type=click.Choice(["OH", "MO", "CO"], case_sensitive=False),
              help="The file is one state's list (fills or checks the state column).")
@click.option("--as", "as_district", metavar="SLUG", help="Sign as this district, for its own Menu of Options.")
@json_option
@pass_ctx
@writes
def listings_import(c: Context, file: Path, state: str | None, as_district: str | None) -> None:
    """Store listings from CSV, signed by the operator; all or nothing, every bad row listed.

    Columns: state, credential, effective_from, effective_to (school years like 2024-25), district,
    career_field, points (OH); list_kind, program_area, stackable (MO); incentive_tier (CO);
    meets_english, meets_math (a CO district's Menu of Options); note.
    """
    from ledger.catalog import list_credentials, parse_listings_csv

    with reported():
        requests = parse_listings_csv(c.ledger, _read_text(file), state=state.upper() if state else None)
        done = list_credentials(c.ledger, requests, as_district=as_district)
        c.out(done, f"Listings: {done['listed']} stored, {done['unchanged']} unchanged.")


@listings.command("show")
@click.option("--state", type=click.Choice(["OH", "MO", "CO"], case_sensitive=False))
@click.option("--year", help="Only what is in force in this school year (2025-26).")
@json_option
@pass_ctx
def listings_show(c: Context, state: str | None, year: str | None) -> None:
    """List the listings, each with the school years its terms are in force."""
    from ledger.projections import Projections
    from ledger.reports import load_listing_book, parse_year
    from ledger.statelists import school_year_to_text

    with reported():
        wanted = parse_year(year)
        projections = Projections.of(c.ledger)
        projections.catch_up()
        book = load_listing_book(projections.view)
        names = {i.did: i.slug for i in c.ledger.issuers()}
        rows = []
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
        c.out(rows, lambda: [click.echo(
            f"{r['state']} {(r['district'] or '-'):<12} {r['credential']:<28} {r['from']}…{r['to'] or '':<7} "
            + ", ".join(f"{k}={v}" for k, v in r["terms"].items())) for r in rows])


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
    from ledger.catalog import AssessmentRequest, record_assessments

    with reported():
        scores = {k: v for k, v in (("appliedMath", applied_math), ("graphicLiteracy", graphic_literacy),
                                    ("workplaceDocuments", workplace_documents)) if v is not None}
        if not scores:
            raise InputError.for_field("scores", "give at least one of --applied-math, --graphic-literacy, "
                                                 "--workplace-documents")
        (assessment_id,) = record_assessments(c.ledger, [AssessmentRequest(
            issuer, student_id, parse_date(taken, "taken"), scores, _evidence(evidence))])
        c.out({"assessment": assessment_id}, assessment_id)


def _today(text: str | None) -> Any:
    from datetime import date

    from ledger.application import parse_date

    return parse_date(text, "today") if text else date.today()


def _inputs(file: Path | None) -> Any:
    from ledger.report_inputs import parse_inputs_csv

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
    import dataclasses

    from ledger.projections import Projections
    from ledger.reports import student_pathways

    with reported():
        results = student_pathways(Projections.of(c.ledger), student_id, today=_today(today_text),
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

        c.out([dataclasses.asdict(r) | {"met": r.met} for r in results], human)


_PATHWAY_MARKS = {"met": "✓", "not met": "✗", "unknown": "?", "not applicable": "–"}


@main.command("report")
@click.argument("name", type=click.Choice(["irc-summary", "perkins-5s1", "ohio-status", "colorado-incentive"]))
@click.option("--year", help="School year (2025-26, or 2026 = the year it ends): earned in (irc-summary, "
                             "colorado-incentive) or graduating class (perkins-5s1, ohio-status).")
@click.option("--state", type=click.Choice(["OH", "MO", "CO"], case_sensitive=False),
              help="irc-summary: count only this state's recognized credentials.")
@click.option("--district", metavar="SLUG", help="Only students registered by this institution.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the report's main table as CSV.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file.")
@click.option("--inputs", "inputs_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="ohio-status: pathway inputs CSV.")
@click.option("--frl", "frl_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="colorado-incentive: student ids eligible for free/reduced lunch (never stored).")
@click.option("--concentrators", "concentrators_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="perkins-5s1: student ids of CTE concentrators (default: a proxy, see the report's notes).")
@click.option("--funds", type=click.IntRange(0), help="colorado-incentive: dollars available statewide.")
@click.option("--today", "today_text", metavar="YYYY-MM-DD")
@json_option
@pass_ctx
def report_command(c: Context, name: str, year: str | None, state: str | None, district: str | None, as_csv: bool,
                   out_file: Path | None, inputs_file: Path | None, frl_file: Path | None,
                   concentrators_file: Path | None, funds: int | None, today_text: str | None) -> None:
    """District reports: irc-summary, perkins-5s1, ohio-status, colorado-incentive."""
    from ledger.projections import Projections
    from ledger.report_inputs import parse_student_ids
    from ledger.reports import build_report

    with reported():
        projections = Projections.of(c.ledger)
        projections.catch_up()
        report = build_report(
            name, projections.view, today=_today(today_text), year=year, state=state.upper() if state else None,
            district=district, inputs=_inputs(inputs_file),
            frl=parse_student_ids(_read_text(frl_file), what="frl") if frl_file else None,
            concentrators=parse_student_ids(_read_text(concentrators_file), what="concentrators")
            if concentrators_file else None,
            funds_cents=None if funds is None else funds * 100,
        )
        text = (report.to_csv() if as_csv else json.dumps(report.to_json(), indent=2) + "\n" if c.as_json
                else report.to_text())
        if out_file:
            out_file.write_text(text)
            click.echo(f"Wrote {out_file}: {report.headline}")
        else:
            click.echo(text, nl=False)


@bench.command("report")
@click.option("--awards", default=100_000, show_default=True, type=click.IntRange(1))
@click.option("--students", default=10_000, show_default=True, type=click.IntRange(1))
@json_option
@pass_ctx
def bench_report(c: Context, awards: int, students: int) -> None:
    """A district report over many awards, from the read models (target ≤ 2 s)."""
    from ledger.report_bench import run_report_benchmark

    with reported():
        result = run_report_benchmark(awards=awards, students=students)
        c.out(result, "\n".join(f"{k:<32} {v}" for k, v in result.items()))
