"""`credledger verify` for an Open Badges 3.0 or CLR 2.0 file (`verify` in transcripts.py hands it here).

A badge carries no log checkpoint: what makes it genuine is its issuer's did:web document, and what
makes it current is its issuer's status list. Both come from files the employer saved
(`--did-document`, `--status-list`: fully offline), or are fetched (`--fetch`): did:web resolved as
its method says (https, the document at the DID's own address; http only for a loopback host, for
a server on this machine) and each status list at the URL its entry names. Fetched or given, both
are checked the same way (`web.badge_verifier.credential_json`, the site's verifier's own JSON): a
status list counts only when its issuer's key signed it.

Exit codes as for bundles: 0 genuine, 1 not (or revoked), 2 not a credential or bad input, 5 a
document could not be fetched, 6 genuine but its current status could not be checked although it
was asked for (`--fetch` or `--status-list`, and a badge whose list was not among them).
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from verifiers.didweb import did_web_url
from verifiers.errors import MalformedError
from verifiers.statuslist import status_entries
from web.badge_verifier import credential_json, credential_page_view, kind_of
from web.cli.base import EXIT_FAILED, EXIT_INPUT, EXIT_NOT_CURRENT, EXIT_SETUP, Context, _fail

FETCH_TIMEOUT = 10
MAX_FETCHED_BYTES = 4 * 1024 * 1024  # a status list of 131,072 entries is ~22 kB; a DID document less
_MARKS = {True: "✓", False: "✗", None: "–"}


def verify_credential_file(c: Context, document: dict[str, Any], did_files: Iterable[Path],
                           list_files: Iterable[Path], fetch: bool, now: datetime) -> None:
    documents = {d["id"]: d for d in (_read_json(f, "--did-document", "a DID document") for f in did_files)}
    lists = {d["id"]: d for d in (_read_json(f, "--status-list", "a status list credential") for f in list_files)}
    asked_status = fetch or bool(lists)
    if fetch:
        for did in sorted(_issuers(document) - documents.keys()):
            documents[did] = _fetch_json(_resolution_url(did), "DID document")
        for url in sorted(_status_urls(document) - lists.keys()):
            lists[url] = _fetch_json(_fetched_url(url), "status list")
    data = credential_json(document, documents, now, lists)
    view = credential_page_view(data)
    badges = view["credentials"] if data["kind"] == "clr" else [view]
    unchecked = [b for b in badges if b["verified"] and _status_step(b)["ok"] is None]
    c.out(data, lambda: _human(view, badges, unchecked if asked_status else []))
    sys.exit(EXIT_FAILED if not data["verified"] else EXIT_NOT_CURRENT if asked_status and unchecked else 0)


def refuse_bundle_options(document: dict[str, Any], log_keys: tuple[str, ...], online_url: str | None,
                          witness_keys: tuple[str, ...] = (), quorum: int | None = None) -> None:
    """--log-key, --witness, --quorum and --online are a bundle's: say so rather than ignore them."""
    given = [option for option, value in (("--log-key", log_keys), ("--witness", witness_keys),
                                          ("--quorum", quorum is not None), ("--online", online_url)) if value]
    if given:
        option = given[0]
        _fail(EXIT_INPUT, "invalid input", f"{option} is for transcript bundles; this file is "
              f"{'a CLR 2.0 transcript' if kind_of(document) == 'clr' else 'an Open Badges 3.0 credential'} "
              "(give --did-document and --status-list files, or --fetch)")


def _status_step(badge: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in badge["steps"] if s["step"] == "status")


def _badges(document: dict[str, Any]) -> list[dict[str, Any]]:
    subject = document.get("credentialSubject")
    nested = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    return [document, *(b for b in (nested if isinstance(nested, list) else []) if isinstance(b, dict))]


def _issuers(document: dict[str, Any]) -> set[str]:
    """The DIDs whose documents decide the file's signatures (the CLR's issuer and each badge's)."""
    found = set()
    for badge in _badges(document):
        issuer = badge.get("issuer")
        did = issuer.get("id") if isinstance(issuer, dict) else issuer
        if isinstance(did, str) and did.startswith("did:web:"):
            found.add(did)
    return found


def _status_urls(document: dict[str, Any]) -> set[str]:
    return {e["statusListCredential"] for badge in _badges(document) for e in status_entries(badge)
            if isinstance(e.get("statusListCredential"), str)}


def _resolution_url(did: str) -> str:
    try:
        return _fetched_url(did_web_url(did))
    except MalformedError as e:
        _fail(EXIT_INPUT, "invalid input", f"--fetch: {e}")


_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def _fetched_url(url: str) -> str:
    """Where to fetch an https address the file names: there, except that a server on this machine
    (a demo, a test) answers over http. Anything but https is refused."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https":
        _fail(EXIT_INPUT, "invalid input", f"--fetch: {url} is not an https address")
    return url.replace("https://", "http://", 1) if parts.hostname in _LOOPBACK else url


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A did:web document lives at its DID's own address: a redirect elsewhere is not it.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _fetch_json(url: str, what: str) -> Any:
    request = urllib.request.Request(url, headers={"User-Agent": "credledger-verify",
                                                   "Accept": "application/json, application/did+json"})
    try:
        with urllib.request.build_opener(_NoRedirects).open(request, timeout=FETCH_TIMEOUT) as response:
            body = response.read(MAX_FETCHED_BYTES + 1)
    except urllib.error.HTTPError as e:
        _fail(EXIT_SETUP, "server refused", f"the {what} at {url}: HTTP {e.code} {e.reason}")
    except (urllib.error.URLError, OSError) as e:
        _fail(EXIT_SETUP, "unreachable", f"cannot fetch the {what} at {url}: {getattr(e, 'reason', e)}")
    if len(body) > MAX_FETCHED_BYTES:
        _fail(EXIT_SETUP, "unusable answer", f"the {what} at {url} is larger than {MAX_FETCHED_BYTES} bytes")
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        _fail(EXIT_SETUP, "unusable answer", f"the {what} at {url} is not JSON")


def _read_json(path: Path, option: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes())
    except OSError as e:
        _fail(EXIT_INPUT, "cannot read", f"{option} {path}: {e.strerror or e}")
    except (ValueError, RecursionError):
        _fail(EXIT_INPUT, "invalid input", f"{option} {path} is not JSON")
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        _fail(EXIT_INPUT, "invalid input", f"{option} {path} is not {what} (no id)")
    return dict(data)


def _human(view: dict[str, Any], badges: list[dict[str, Any]], unchecked: list[dict[str, Any]]) -> None:
    if view["kind"] == "clr":
        clr = view["clr"]
        click.echo(f"CLR 2.0 transcript {clr['name'] or clr['id'] or '?'} — {clr['issuer_name'] or clr['issuer'] or '?'}")
        for step in view["steps"]:
            click.echo(f"  {_MARKS[step['ok']]} {step['step']:<10} {step['detail']}")
    for badge in badges:
        credential = badge["credential"]
        click.echo()
        click.echo(f"{_MARKS[badge['verified']]} {credential['name'] or credential['id'] or '(unknown credential)'} — "
                   f"{credential['issuer_name'] or credential['issuer'] or '?'}: {badge['verdict_words']}")
        dates = f"valid from {credential['valid_from'] or '?'}"
        click.echo(f"  {dates}" + (f", until {credential['valid_until']}" if credential["valid_until"] else ""))
        for step in badge["steps"]:
            click.echo(f"  {_MARKS[step['ok']]} {step['step']:<10} {step['detail']}")
    verified = sum(b["verified"] for b in badges)
    click.echo()
    click.echo(f"{verified} of {len(badges)} credential(s) verified."
               + ("" if view["verified"] else " NOT everything verified."))
    if unchecked:
        click.echo(f"Current status not checked for {len(unchecked)} credential(s): no status list for them.")
