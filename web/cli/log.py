"""The transparency log: key, checkpoint, proofs, the worker, the monitor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ledger.errors import InputError
from verifiers.protocol.event_words import event_type_in_words
from web.cli.base import (
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_SETUP,
    Context,
    _fail,
    json_option,
    main,
    pass_ctx,
    reported,
)

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
        key = c.ledger.transparency_log.verifier_key
        c.out({"log_key": key}, key)


@log.command("checkpoint")
@json_option
@pass_ctx
def log_checkpoint(c: Context) -> None:
    """Integrate pending events, ask the witnesses (if any), and print the latest signed checkpoint."""
    with reported():
        c.ledger.transparency_log.integrate()
        outcomes = c.ledger.witnessing.ask()
        note = c.ledger.transparency_log.checkpoint()
        for name, outcome in sorted(outcomes.items()):
            if outcome != "cosigned":
                click.echo(f"credledger: witness {name}: {outcome}", err=True)
        c.out({"checkpoint": note, "witnesses": outcomes}, note.rstrip("\n"))


@log.group("witness")
def log_witness() -> None:
    """The witnesses the log asks to cosign each checkpoint (C2SP tlog-witness)."""


@log_witness.command("add")
@click.argument("witness_key")
@click.argument("url")
@json_option
@pass_ctx
def log_witness_add(c: Context, witness_key: str, url: str) -> None:
    """Ask the witness whose verifier key is WITNESS_KEY (`credledger witness key`) at URL, its
    submission prefix. Give the witness the log's key first (`credledger witness add-log DIR "$(credledger log key)"`)."""
    import dataclasses

    from ledger.witnessing import Witness

    with reported():
        witness = Witness.from_setting(witness_key, url)
        settings = [(k, u) for k, u in c.ledger.config.witnesses
                    if Witness.from_setting(k, u).verifier.name != witness.verifier.name]
        dataclasses.replace(c.ledger.config, witnesses=(*settings, (witness_key, witness.url))).save()
        c.out({"witness": witness.verifier.name, "url": witness.url},
              f"The log asks {witness.verifier.name} at {witness.url} (restart the server and worker to take it up)")


@log_witness.command("remove")
@click.argument("name")
@pass_ctx
def log_witness_remove(c: Context, name: str) -> None:
    """Stop asking the witness NAME (its cosignatures already kept stay with their checkpoints)."""
    import dataclasses

    from ledger.witnessing import Witness

    with reported():
        kept = tuple((k, u) for k, u in c.ledger.config.witnesses if Witness.from_setting(k, u).verifier.name != name)
        if len(kept) == len(c.ledger.config.witnesses):
            raise InputError.for_field("name", f"the log asks no witness named {name!r}")
        if c.ledger.config.witness_quorum > len(kept):
            raise InputError.for_field("name", f"the quorum is {c.ledger.config.witness_quorum}: lower it first "
                                               "(`credledger log witness quorum N`)")
        dataclasses.replace(c.ledger.config, witnesses=kept).save()
        click.echo(f"The log no longer asks {name}")


@log_witness.command("quorum")
@click.argument("count", type=click.IntRange(0))
@pass_ctx
def log_witness_quorum(c: Context, count: int) -> None:
    """Serve at /log/checkpoint only checkpoints COUNT witnesses have cosigned (0: at once, as signed);
    an export asks the witnesses first when the latest checkpoint lacks them."""
    import dataclasses

    with reported():
        if count > len(c.ledger.config.witnesses):
            raise InputError.for_field("count", f"the log asks {len(c.ledger.config.witnesses)} witness(es)")
        dataclasses.replace(c.ledger.config, witness_quorum=count).save()
        click.echo(f"/log/checkpoint serves checkpoints {count} witness(es) cosigned" if count else
                   "/log/checkpoint serves each checkpoint at once")


@log_witness.command("list")
@json_option
@pass_ctx
def log_witness_list(c: Context) -> None:
    """The witnesses the log asks, and the largest checkpoint each cosigned."""
    from ledger.witnessing import Witness

    with reported():
        rows = [{"name": w.verifier.name, "url": w.url, "key": w.verifier.to_key_string(),
                 "cosigned_size": c.ledger.store.latest_cosigned_size(w.verifier.name)}
                for w in (Witness.from_setting(k, u) for k, u in c.ledger.config.witnesses)]

        def human() -> None:
            for r in rows or [{"name": "(none)", "url": "", "cosigned_size": None}]:
                click.echo(f"{r['name']:<32} {r['url']:<40} cosigned up to {r['cosigned_size'] or 0}")

        c.out(rows, human)


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
        log = c.ledger.transparency_log
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
    """Keep the log checkpointed and witnessed and the read models current (one per deployment)."""
    from ledger.worker import Worker

    with reported():
        click.echo(f"integrating the log and projections every {interval}s; Ctrl-C stops")
        try:
            Worker(c.ledger, interval,
                   on_witness=lambda name, outcome: click.echo(f"witness {name}: {outcome}", err=True)).run()
        except KeyboardInterrupt:
            pass


@main.command("monitor")
@click.argument("url")
@click.option("--log-key", help="The log's verifier key to pin (required on the first run).")
@click.option("--witness", "witness_keys", multiple=True, metavar="KEY",
              help="A witness's verifier key to pin (first run; repeat for several): each checkpoint must "
                   "carry the quorum of their cosignatures.")
@click.option("--quorum", type=int, metavar="K", help="How many pinned witnesses must cosign (default: all).")
@click.option("--compare", "compare_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A cosigned checkpoint seen elsewhere (a checkpoint note, or a transcript bundle): it must be "
                   "part of the tree the monitor mirrors.")
@click.option("--issuer", help="Only list new events signed by this DID.")
@click.option("--state", "state_file", default="monitor-state.json", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path), help="Where the monitor remembers the log.")
@json_option
@pass_ctx
def monitor_command(c: Context, url: str, log_key: str | None, witness_keys: tuple[str, ...], quorum: int | None,
                    compare_file: Path | None, issuer: str | None, state_file: Path) -> None:
    """Mirror a remote log, check it only ever grows and that its witnesses saw it, list new events (by issuer)."""
    from verifiers.errors import VerificationError
    from web.exceptions import FetchError, MonitorError, SplitView, StateError
    from web.monitor import MonitorState, monitor

    try:
        state = MonitorState.load(state_file)
    except StateError as e:
        _fail(EXIT_INPUT, "invalid state", str(e))
    if state is None:
        if not log_key:
            _fail(EXIT_INPUT, "invalid input", "--log-key: required on the first run (pin the log's key)")
        state = MonitorState(log_key=log_key, witnesses=list(witness_keys),
                             quorum=len(witness_keys) if quorum is None else quorum)
        _check_witness_policy(state)
    else:
        if log_key and log_key != state.log_key:
            _fail(EXIT_INPUT, "invalid input", "--log-key differs from the key pinned in the state file")
        if (witness_keys and set(witness_keys) != set(state.witnesses)) or (quorum is not None and quorum != state.quorum):
            _fail(EXIT_INPUT, "invalid input", "--witness/--quorum differ from the witnesses pinned in the state "
                  "file (start a new state file to change them)")
    compare = _checkpoint_to_compare(compare_file, state.log_key) if compare_file else None
    try:
        new_state, found = monitor(url, state, issuer, compare)
    except SplitView as e:
        _fail(EXIT_FAILED, "SPLIT VIEW", str(e))
    except MonitorError as e:
        _fail(EXIT_FAILED, "LOG MISBEHAVED", str(e))
    except FetchError as e:
        _fail(EXIT_SETUP, "unreachable", str(e))
    except VerificationError as e:  # the pinned key string is malformed
        _fail(EXIT_INPUT, "invalid log key", str(e))
    new_state.save(state_file)

    events = found.events

    def human() -> None:
        click.echo(f"log grew {state.size} -> {new_state.size}, consistent.")
        if found.witnessed_by:
            click.echo(f"witnessed by {len(found.witnessed_by)} (quorum {state.quorum}): "
                       + ", ".join(w["witness"] for w in found.witnessed_by))
        if found.compared:
            click.echo(f"compared checkpoint of {found.compared['size']} entries: {found.compared['how']}.")
        for e in events:
            click.echo(f"  #{e['index']} {e['recorded'][:19]} {event_type_in_words(e['type'])}: "
                       + ", ".join(f"{s['did']} ({s['key']})" for s in e["signers"]))

    c.out({"size": new_state.size, "previous_size": state.size, "events": events,
           "witnessed_by": found.witnessed_by, "quorum": state.quorum, "compared": found.compared}, human)


def _check_witness_policy(state: Any) -> None:
    """The first run's --witness/--quorum, refused naming the option."""
    from verifiers.errors import MalformedError

    try:
        state.witness_verifiers()
    except MalformedError as e:
        _fail(EXIT_INPUT, "invalid input", f"--witness: not a witness key ({e})")
    if state.pinned_twice():
        _fail(EXIT_INPUT, "invalid input", "--witness: a witness is pinned twice (one name, one key each)")
    if state.quorum and not state.witnesses:
        _fail(EXIT_INPUT, "invalid input", "--quorum: pin the witnesses it counts with --witness")
    if not 0 <= state.quorum <= len(state.witnesses) or (state.witnesses and not state.quorum):
        _fail(EXIT_INPUT, "invalid input", f"--quorum: 1 … {len(state.witnesses)} (the witnesses pinned), "
              f"not {state.quorum}")


def _checkpoint_to_compare(file: Path, log_key: str) -> str:
    """The checkpoint note of --compare: the file itself, or the `checkpoint` of a transcript bundle, signed
    with the pinned log key (another log's checkpoint is bad input, not a misbehaving log)."""
    from verifiers.checkpoint import verify_checkpoint
    from verifiers.errors import VerificationError
    from verifiers.note import Verifier

    note = _compare_note(file)
    try:
        verify_checkpoint(note, Verifier.from_key_string(log_key))
    except VerificationError as e:
        _fail(EXIT_INPUT, "invalid input", f"--compare: not a checkpoint signed with the pinned log key ({e})")
    return note


def _compare_note(file: Path) -> str:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        _fail(EXIT_INPUT, "cannot read", f"--compare: {file}: {getattr(e, 'strerror', None) or e}")
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        note = data.get("checkpoint") if isinstance(data, dict) else None
        if not isinstance(note, str):
            _fail(EXIT_INPUT, "invalid input", "--compare: a JSON file must be a transcript bundle (its checkpoint)")
        return note
    return text
