"""Transcripts: students, export, read models, and verifying a bundle."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ledger.errors import InputError
from web.cli.base import (
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_NOT_CURRENT,
    EXIT_SETUP,
    Context,
    _fail,
    json_option,
    main,
    pass_ctx,
    reported,
)

# Transcripts -------------------------------------------------------------------


@main.command()
@json_option
@pass_ctx
def students(c: Context) -> None:
    """List students: opaque id, registering issuer, number of awards."""
    from ledger.readmodels import Projections

    with reported():
        projections = Projections.of(c.ledger)
        projections.catch_up()
        rows = projections.students()
        def human() -> None:
            for r in rows:
                click.echo(f"{r['student']}  {r['awards']:>3} awards  {r['issuer_name']}")

        c.out(rows, human)


@main.command()
@click.argument("student_id")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path),
              help="The file to write (--as bundle or clr), or the directory for one <award>.json each (--as ob3).")
@click.option("--as", "form", type=click.Choice(["bundle", "ob3", "clr"]), default="bundle", show_default=True,
              help="bundle: the portable transcript (credledger's own, verifiable offline). "
                   "ob3: each award as an Open Badges 3.0 credential, for wallets and other verifiers. "
                   "clr: the transcript as one CLR 2.0 credential holding those badges.")
@click.option("--only", "only", multiple=True, metavar="AWARD", help="Export only these awards (repeatable).")
@click.option("--disclose", default="", help="Identity claims to disclose, e.g. name,birth_date (default none; "
                                             "ob3: name only, else each badge carries the name hashed).")
@click.option("--evidence", default="", help="ob3: evidence each badge shows where its award holds it, "
                                             "e.g. certificate,score (default none).")
@click.option("--offline", is_flag=True,
              help="No link for online checks in the file (otherwise a file link the student can withdraw).")
@json_option
@pass_ctx
def export(c: Context, student_id: str, out_path: Path, form: str, only: tuple[str, ...], disclose: str,
           evidence: str, offline: bool) -> None:
    """Write the student's portable transcript bundle (verifiable offline; online too, unless --offline),
    or each award as an Open Badges 3.0 credential (--as ob3)."""
    claims = [x.strip() for x in disclose.split(",") if x.strip()]
    chosen_evidence = [x.strip() for x in evidence.split(",") if x.strip()]
    if form == "ob3":
        _export_badges(c, student_id, out_path, list(only), claims, chosen_evidence)
        return
    if form == "clr":
        _export_clr(c, student_id, out_path, list(only), claims, chosen_evidence)
        return
    from ledger.export import export_bundle
    from web.sharing import Sharing, embed_file_link, evidence_url

    with reported():
        if evidence:
            raise InputError.for_field("evidence", "only for --as ob3 or clr: a bundle carries every award's evidence")
        bundle = export_bundle(c.ledger, student_id, only=list(only) or None, disclose=claims)
        if not offline:
            bundle = embed_file_link(Sharing(c.ledger.store), bundle, evidence_url(c.ledger.config.domain),
                                     EXPORT_LABEL, c.ledger.clock())
        out_path.write_text(json.dumps(bundle, indent=1) + "\n")
        online = bundle.get("online", {}).get("url")
        c.out({"file": str(out_path), "awards": len(bundle["awards"]), "disclosed": sorted(bundle["disclosed"]),
               "online": online},
              f"Wrote {out_path}: {len(bundle['awards'])} credential(s), disclosed: "
              f"{', '.join(sorted(bundle['disclosed'])) or 'nothing'}; online checks: "
              f"{'at ' + online + ' until the student withdraws the link or it expires' if online else 'none'}. "
              f"Verify with `credledger verify {out_path} --log-key \"$(credledger log key)\"`.")


def _name_shown(claims: list[str]) -> bool:
    """--disclose for a badge or a CLR: the name in plain, or nothing (they carry no other claim)."""
    if [x for x in claims if x != "name"]:
        raise InputError.for_field("disclose", "an Open Badge or a CLR can disclose only the name")
    return "name" in claims


def _export_clr(c: Context, student_id: str, out_file: Path, only: list[str], claims: list[str],
                evidence: list[str]) -> None:
    from ledger.vc.clr import clr_credential

    with reported():
        clr = clr_credential(c.ledger, student_id, only=only or None, name_in_plain=_name_shown(claims),
                             evidence=evidence)
        out_file.write_text(json.dumps(clr, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        held = len(clr["credentialSubject"]["verifiableCredential"])
        c.out({"file": str(out_file), "credentials": held, "issuer": clr["issuer"]["id"]},
              f"Wrote {out_file}: a CLR 2.0 transcript of {held} credential(s), signed eddsa-rdfc-2022 by "
              f"{clr['issuer']['name']}; each credential in it signed by its own institution.")


def _export_badges(c: Context, student_id: str, out_dir: Path, only: list[str], claims: list[str],
                   evidence: list[str]) -> None:
    from ledger.vc.openbadge import open_badges

    with reported():
        shown = _name_shown(claims)
        if out_dir.exists() and not out_dir.is_dir():
            raise InputError.for_field("out", f"{out_dir} is a file; --as ob3 writes a directory")
        badges, withdrawn = open_badges(c.ledger, student_id, only=only or None, name_in_plain=shown,
                                        evidence=evidence)
        out_dir.mkdir(parents=True, exist_ok=True)
        files = []
        for award_id, badge in badges.items():
            path = out_dir / f"{award_id}.json"
            path.write_text(json.dumps(badge, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            files.append(str(path))
        left = f"; left out {len(withdrawn)} revoked or replaced" if withdrawn else ""
        c.out({"directory": str(out_dir), "files": files, "withdrawn": withdrawn},
              f"Wrote {len(files)} Open Badges 3.0 credential(s) to {out_dir}{left}. Each is signed "
              f"eddsa-rdfc-2022 by its institution's key, listed in the institution's did:web document.")


EXPORT_LABEL = "Exported file (credledger export)"


@main.group()
def projections() -> None:
    """The read models (transcripts, award status, issuer directory)."""


@projections.command("rebuild")
@json_option
@pass_ctx
def projections_rebuild(c: Context) -> None:
    """Clear the read models and rebuild them from every stored event."""
    import time

    from ledger.readmodels import Projections

    with reported():
        started = time.perf_counter()
        count = Projections.of(c.ledger).rebuild()
        seconds = time.perf_counter() - started
        c.out({"events": count, "seconds": round(seconds, 3)}, f"Rebuilt from {count} events in {seconds:.2f}s.")



# Verifying a transcript bundle (needs no ledger: an employer runs it) -----------------

VERIFY_TIMEOUT = 10
_MARKS = {True: "✓", False: "✗", None: "–"}


@main.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--log-key", "log_keys", multiple=True,
              help="Bundles: the log's verifier key to pin (`credledger log key`); repeat to pin several.")
@click.option("--witness", "witness_keys", multiple=True, metavar="KEY",
              help="Bundles: a witness's verifier key to pin (C2SP tlog-cosignature, `credledger witness key`); "
                   "repeat for several.")
@click.option("--quorum", type=int, metavar="K",
              help="Bundles: how many of the pinned witnesses must have cosigned the checkpoint "
                   "(default: all of them).")
@click.option("--online", "online_url", metavar="URL",
              help="Bundles: also ask this credledger server for a newer checkpoint and current statuses, "
                   "with the link the file carries.")
@click.option("--did-document", "did_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Badges and CLRs: an issuer's did:web document saved as a file; repeat for several.")
@click.option("--status-list", "list_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Badges and CLRs: a status list credential saved as a file; repeat for several.")
@click.option("--fetch", is_flag=True,
              help="Badges and CLRs: resolve the issuers' did:web documents and fetch the status lists the file names.")
@click.option("--today", "today_text", metavar="YYYY-MM-DD", help="Decide expiry as of this date (default: today).")
@json_option
@pass_ctx
def verify(c: Context, file: Path, log_keys: tuple[str, ...], witness_keys: tuple[str, ...], quorum: int | None,
           online_url: str | None, did_files: tuple[Path, ...], list_files: tuple[Path, ...], fetch: bool,
           today_text: str | None) -> None:
    """Verify a transcript bundle (--log-key), or an Open Badges 3.0 or CLR 2.0 file (--did-document and
    --status-list files, or --fetch): exit 0 if every credential verifies, 1 if one does not, 2 if the file
    is none of these, 6 if it all verifies but its current status could not be checked."""
    from datetime import date, datetime, time, timezone

    from verifiers.bundle import OnlineUnavailable, online_access_from_bundle, verify_bundle
    from verifiers.errors import BundleFormatError
    from verifiers.policy import VerificationPolicy
    from web.badge_verifier import kind_of
    from web.cli.badges import refuse_bundle_options, verify_credential_file

    bundle = _read_bundle(file)
    try:
        today = date.fromisoformat(today_text) if today_text else date.today()
    except ValueError:
        _fail(EXIT_INPUT, "invalid input", f"--today: expected YYYY-MM-DD, got {today_text!r}")
    if kind_of(bundle) is not None:
        refuse_bundle_options(bundle, log_keys, online_url, witness_keys, quorum)
        now = datetime.combine(today, time(12), timezone.utc) if today_text else datetime.now(timezone.utc)
        verify_credential_file(c, bundle, did_files, list_files, fetch, now)
    if did_files or list_files or fetch:
        option = "--did-document" if did_files else "--status-list" if list_files else "--fetch"
        _fail(EXIT_INPUT, "invalid input", f"{option} is for Open Badges 3.0 and CLR files; this is not one")
    if not log_keys:
        _fail(EXIT_INPUT, "invalid input", "--log-key is required to verify a transcript bundle "
              "(the log's key, `credledger log key`)")
    if online_url and not online_url.startswith(("http://", "https://")):
        _fail(EXIT_INPUT, "invalid input", "--online: the server URL must be http(s)")
    try:
        access = online_access_from_bundle(bundle)
    except BundleFormatError as e:
        _fail(EXIT_INPUT, "not a transcript bundle", str(e))
    # The keys parsed alone (after the bundle, whose refusal comes first): a ValueError from verifying
    # itself is a fault of ours (exit 70), not an unreadable --log-key.
    try:
        policy = VerificationPolicy.from_log_keys(log_keys)
    except ValueError as e:
        _fail(EXIT_INPUT, "invalid input", f"--log-key: {e}")
    if quorum is not None and not witness_keys:
        _fail(EXIT_INPUT, "invalid input", "--quorum: pin the witnesses it counts with --witness")
    try:
        policy = VerificationPolicy.from_keys(log_keys, witness_keys, quorum)
    except ValueError as e:
        option = "--witness" if str(e).startswith(("not a witness key", "a witness is pinned twice")) else "--quorum"
        _fail(EXIT_INPUT, "invalid input", f"{option}: {e}")
    result = verify_bundle(bundle, today=today, policy=policy)
    online = _online(online_url, access, result) if online_url else None
    if online is not None:
        result = verify_bundle(bundle, today=today, online=online, policy=policy)
    unavailable = online.reason if isinstance(online, OnlineUnavailable) else None
    c.out(_verify_json(result, unavailable), lambda: _verify_human(result, unavailable))
    sys.exit(EXIT_FAILED if not result.ok else EXIT_NOT_CURRENT if unavailable else 0)


def _read_bundle(file: Path) -> Any:
    try:
        return json.loads(file.read_bytes())
    except OSError as e:
        _fail(EXIT_INPUT, "cannot read", f"{file}: {e.strerror or e}")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        _fail(EXIT_INPUT, "not a transcript bundle", f"{file} is not JSON")


def _online(url: str, access: Any, result: Any) -> Any:
    """The online evidence for steps 9 and 10, or why there is none (OnlineUnavailable)."""
    from verifiers.bundle import OFFLINE_ONLY, OnlineEvidence, OnlineUnavailable

    if access is None:
        return OFFLINE_ONLY  # no link in the file: ask the server nothing
    awards = [r.award for r in result.credentials]
    if not (result.checkpoint.ok and awards):
        # Nothing can extend a checkpoint that does not verify, and there is nothing to ask
        # about no award: then ask the server nothing, and steps 9 and 10 say why.
        return OnlineEvidence("", [], {})
    online = _fetch_online_evidence(url, result.checkpoint_size, awards, access.link)
    if isinstance(online, OnlineUnavailable) and not access.url.startswith(url.rstrip("/")):
        return OnlineUnavailable(f"{online.reason} (or {url} is not the server the file names for them, "
                                 f"{access.url})")
    return online


USER_AGENT = "credledger-verify"


def _fetch_online_evidence(url: str, since: int, awards: list[str], link: str) -> Any:
    """GET the newest checkpoint and the evidence endpoint, presenting the file's link in a header.

    WITHDRAWN when the server refuses the link (404 in credledger's error shape: withdrawn,
    expired, or not covering these awards); exit 5 when the server cannot be used.
    """
    import dataclasses
    import urllib.error
    import urllib.parse
    import urllib.request

    from verifiers.bundle import WITHDRAWN, OnlineEvidence
    from verifiers.errors import MalformedError

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        # A redirect would carry the link elsewhere: a 3xx is the server refusing.
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    base = url.rstrip("/")
    opener = urllib.request.build_opener(NoRedirects)

    def get(path: str, headers: dict[str, str]) -> bytes:
        request = urllib.request.Request(base + path, headers={"User-Agent": USER_AGENT, **headers})
        with opener.open(request, timeout=VERIFY_TIMEOUT) as response:  # scheme checked by the caller
            return bytes(response.read())

    def refused(e: urllib.error.HTTPError) -> bool:
        try:
            return e.code == 404 and json.loads(e.read()).get("code") == "not_found"
        except (ValueError, AttributeError, OSError):
            return False

    query = urllib.parse.urlencode([("since", since), *(("award", a) for a in awards)])
    path = "/log/checkpoint"
    try:
        latest = get(path, {}).decode("utf-8", "replace")
        path = f"/transcripts/evidence?{query}"  # the link goes in a header, never into the URL
        evidence = OnlineEvidence.from_json(json.loads(get(path, {"Authorization": f"Bearer {link}"})))
        return evidence if evidence.checkpoint else dataclasses.replace(evidence, checkpoint=latest)
    except urllib.error.HTTPError as e:
        if path != "/log/checkpoint" and refused(e):
            return WITHDRAWN
        _fail(EXIT_SETUP, "server refused", f"{base + path}: HTTP {e.code} {e.reason}")
    except (urllib.error.URLError, OSError) as e:
        _fail(EXIT_SETUP, "unreachable", f"cannot fetch {base + path}: {getattr(e, 'reason', e)}")
    except (ValueError, MalformedError):  # not JSON (ValueError), or not evidence
        _fail(EXIT_SETUP, "unusable answer", f"{base}/transcripts/evidence did not answer with verification evidence")


def _verify_json(result: Any, unavailable: str | None) -> dict[str, Any]:
    import dataclasses

    data = dataclasses.asdict(result)
    data["ok"] = result.ok
    data["online_unavailable"] = unavailable  # why --online could not check current status; null otherwise
    for credential, out in zip(result.credentials, data["credentials"]):
        out["ok"] = credential.ok
    return data


def _verify_human(result: Any, unavailable: str | None) -> None:
    click.echo(f"Transcript of student {result.student}")
    click.echo(f"  ledger {result.ledger}, log {result.log_origin or '?'}, checkpoint of "
               f"{result.checkpoint_size} entries")
    if not result.checkpoint.ok:
        click.echo(f"  {_MARKS[result.checkpoint.ok]} checkpoint: {result.checkpoint.detail}")
    if result.witnessed.ok is not None:
        click.echo(f"  {_MARKS[result.witnessed.ok]} witnessed: {result.witnessed.detail}")
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
    if unavailable:
        click.echo(f"Current status not checked online: {unavailable}.")
