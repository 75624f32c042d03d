"""`credledger witness …`: run a C2SP tlog-witness (web.witness). Needs no ledger: a witness is
another party's service, with its own directory, key store and passphrase (CREDLEDGER_PASSPHRASE,
or asked on the terminal)."""

from __future__ import annotations

from pathlib import Path

import click

from keys.passphrase import passphrase_from_env_or_prompt
from web.cli.base import EXIT_INPUT, Context, _fail, json_option, main, pass_ctx, reported


@main.group()
def witness() -> None:
    """Run a transparency-log witness (C2SP tlog-witness) for credledger's log or any other."""


def _directory(directory: Path) -> Path:
    from web.witness import CONFIG

    if not (directory / CONFIG).is_file():
        _fail(EXIT_INPUT, "not a witness", f"{directory} holds no witness (`credledger witness init` makes one)")
    return directory


@witness.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", required=True, help="The witness's name, a schema-less URL, e.g. witness.example.org/w1.")
@click.option("--database-url", help="PostgreSQL for its state (default: SQLite in the directory).")
@json_option
@pass_ctx
def witness_init(c: Context, directory: Path, name: str, database_url: str | None) -> None:
    """Make a witness in DIRECTORY: its key (prints its verifier key, for the logs' configuration) and state."""
    from web.witness import init_witness

    with reported():
        passphrase = passphrase_from_env_or_prompt(confirm=True)
        try:
            verifier = init_witness(directory, name, passphrase, database_url=database_url)
        except (ValueError, FileExistsError) as e:
            _fail(EXIT_INPUT, "invalid input", str(e))
        c.out({"name": name, "verifier_key": verifier.to_key_string()}, verifier.to_key_string())


@witness.command("add-log")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.argument("log_key")
@json_option
@pass_ctx
def witness_add_log(c: Context, directory: Path, log_key: str) -> None:
    """Witness the log whose checkpoints LOG_KEY signs (its C2SP verifier key, `credledger log key`)."""
    from verifiers.errors import MalformedError
    from web.witness import add_log

    try:
        origin = add_log(_directory(directory), log_key)
    except MalformedError as e:
        _fail(EXIT_INPUT, "invalid input", f"LOG_KEY: not a log verifier key ({e})")
    c.out({"origin": origin}, f"Witnessing {origin} (restart the witness to take it up)")


@witness.command("key")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@pass_ctx
def witness_key(c: Context, directory: Path) -> None:
    """Print the witness's verifier key (what logs and verifiers pin)."""
    from keys.store import FileKeyStore
    from verifiers.cosignature import CosignatureVerifier
    from web.witness import KEYS, WitnessConfig

    with reported():
        config = WitnessConfig.load(_directory(directory))
        store = FileKeyStore.open(directory / KEYS, passphrase_from_env_or_prompt())
        click.echo(CosignatureVerifier.from_public_key(config.name, store.public_key(config.key_id)).to_key_string())


@witness.command("serve")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=7380, show_default=True, type=click.IntRange(0, 65535))
def witness_serve(directory: Path, host: str, port: int) -> None:
    """Serve POST /add-checkpoint (threaded development server; put TLS in front of it)."""
    from web.witness import create_witness_app

    with reported():
        app = create_witness_app(_directory(directory), passphrase_from_env_or_prompt())
        click.echo(f"witness serving {directory} at http://{host}:{port}/  (Ctrl-C stops)")
        app.run(host=host, port=port, threaded=True)
