"""What every command module shares: the `main` group, the context, exit codes,
and the one place the ledger's errors become a message and an exit code.

Exit codes: 0 done; 1 a check failed (audit, verification); 2 bad input or
usage; 3 the ledger refused the event; 4 not found; 5 setup (no instance,
wrong passphrase, database unreachable); 6 `verify --online`: everything in the
file verified, but its online checks were withdrawn by the student, expired, or
the file was exported for offline checking only; 70 (sysexits' EX_SOFTWARE) an
internal error of credledger's own, never a verdict on the data or the input.
`--json` prints machine output.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
from eventsourcing.persistence import PersistenceError

from keys.errors import KeyStoreError
from keys.passphrase import passphrase_from_env_or_prompt
from ledger.application import Ledger
from ledger.config import data_dir_from_env
from ledger.errors import (
    InputError,
    IntegrityError,
    LedgerError,
    NotFoundError,
    RejectedError,
)

EXIT_FAILED, EXIT_INPUT, EXIT_REJECTED, EXIT_NOT_FOUND, EXIT_SETUP, EXIT_NOT_CURRENT = 1, 2, 3, 4, 5, 6
EXIT_INTERNAL = 70


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

    def out(self, data: Any, human: str | Callable[[], object]) -> None:
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
            c.ledger.transparency_log.integrate()

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
        problem = str(e).splitlines()[0] if str(e) else type(e).__name__
        _fail(EXIT_SETUP, "database", f"{problem} ({database_hint(problem)})")
    except OSError as e:
        _fail(EXIT_SETUP, "system", f"{type(e).__name__}: {e.strerror or e}")


def database_hint(problem: str) -> str:
    """What to do about a database error. Damage is never answered with "run migrate": migrate
    creates tables, and over a lost ledger it would start an empty one (it refuses to, see
    ledger.instance.migrate_instance)."""
    text = problem.lower()
    if "full" in text:
        return "the disk is full: free space and try again; nothing was stored"
    if "disk i/o error" in text:
        return "the disk could not be written (full, failing or read-only): free space or check it; nothing was stored"
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return "the database file is damaged: restore it from backup"
    if "no such table" in text or "does not exist" in text:
        context = click.get_current_context(silent=True)
        anchor = _anchor(context.obj.data_dir) if context is not None and isinstance(context.obj, Context) else None
        if anchor is not None and anchor.size > 0:
            return (f"the database is empty or was replaced, but this instance's log key signed {anchor.size} "
                    f"entries at {anchor.signed_at}: restore it from backup")
        return "run `credledger migrate` after an upgrade"
    return "check the database server and the configuration"


def _anchor(data_dir: Any) -> Any:
    from ledger.anchor import LogAnchor
    from ledger.config import LedgerConfig

    try:
        return LogAnchor(LedgerConfig.load(data_dir).keys_dir).read()
    except (LedgerError, OSError, ValueError):
        return None


def _fail(code: int, kind: str, message: str, errors: dict[str, list[str]] | None = None) -> NoReturn:
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


class Commands(click.Group):
    """The command group: an exception no command turned into a message is a bug of ours. It gets
    its own exit code, so that `audit` exiting 1 always means a finding, and no traceback (its
    values could hold a student's data); CREDLEDGER_DEBUG=1 lets the traceback through."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt,
                BrokenPipeError):
            raise  # click's own handling (a closed pipe, as in `credledger … | head`, is no bug)
        except Exception as e:
            if os.environ.get("CREDLEDGER_DEBUG") == "1":
                raise
            # Where in our code it happened (the innermost frame of our packages), for the report.
            frames = traceback.extract_tb(e.__traceback__)
            frame = ([f for f in frames if _ours(f.filename)] or frames)[-1]
            where = f"{_ours(frame.filename) or Path(frame.filename).name}:{frame.lineno}"
            _fail(EXIT_INTERNAL, "internal error",
                  f"{type(e).__name__} at {where}. This is a fault in credledger, not a finding about your "
                  "data or your input; please report it (CREDLEDGER_DEBUG=1 shows the traceback)")


def _ours(filename: str) -> str | None:
    """The path of a file of credledger's packages, relative to where they are installed; else None."""
    import keys
    import ledger
    import verifiers
    import web

    path = Path(filename).resolve()
    for package in (keys, ledger, verifiers, web):
        root = Path(package.__file__ or "").resolve().parent
        if path.is_relative_to(root):
            return str(path.relative_to(root.parent))
    return None


@click.group(cls=Commands)
@click.option("--data", envvar="CREDLEDGER_DATA", help="Data directory (default ./instance).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
@click.version_option(package_name="credledger")
@click.pass_context
def main(ctx: click.Context, data: str | None, as_json: bool) -> None:
    """credledger: signed, auditable records of industry-recognized credentials."""
    ctx.obj = Context(data, as_json)
