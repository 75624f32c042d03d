"""Issuers and keys, the catalog, students and awards, signing off the server, show and audit."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from keys.passphrase import passphrase_from_env_or_prompt
from ledger.application import IssueRequest, Ledger, parse_date
from ledger.errors import InputError, RejectedError
from ledger.statelists import STATES
from verifiers.protocol.documents import issuer_slug_from_did
from verifiers.protocol.status import status_in_words
from web import schemas
from web.cli.base import (
    EXIT_FAILED,
    Context,
    json_option,
    main,
    pass_ctx,
    reported,
    writes,
)

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
        def human() -> None:
            for i in issuers:
                click.echo(f"{i['slug']:<20} {i['kind']:<11} {i['name']}  {i['did']}")

        c.out(issuers, human)


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


@issuer.command("state")
@click.argument("slug")
@click.argument("state", required=False, type=click.Choice([*STATES, "none"], case_sensitive=False))
@json_option
@pass_ctx
def issuer_state_command(c: Context, slug: str, state: str | None) -> None:
    """The state whose rules the institution's students see and whose files it makes (issuer-states.json);
    without STATE, show it and how it was decided; `none` removes the setting."""
    from ledger.pathways.states import ISSUER_STATES_FILE, load_issuer_states, write_issuer_states

    with reported():
        c.ledger.issuer(slug)  # an unknown institution is named
        data_dir = c.ledger.config.data_dir
        states = load_issuer_states(data_dir)
        if state is not None:
            if state.lower() == "none":
                states.pop(slug, None)
            else:
                states[slug] = state.upper()
            write_issuer_states(data_dir, states)
        value = states.get(slug)
        c.out({"slug": slug, "state": value}, f"{slug}: {value or 'no state configured'} ({ISSUER_STATES_FILE})")


@issuer.command("codes")
@click.argument("slug")
@click.argument("codes", nargs=-1, metavar="[NAME=CODE]…")
@json_option
@pass_ctx
def issuer_codes_command(c: Context, slug: str, codes: tuple[str, ...]) -> None:
    """The codes the state files name the institution by (issuer-codes.json: irn, district_code,
    location_code, delivery_method…); NAME= (empty) removes one; without arguments, show them."""
    from ledger.reports.codes import ISSUER_CODES_FILE, load_issuer_codes, write_issuer_codes

    with reported():
        c.ledger.issuer(slug)
        data_dir = c.ledger.config.data_dir
        every = load_issuer_codes(data_dir)
        mine = dict(every.get(slug, {}))
        for pair in codes:
            name, sep, code = pair.partition("=")
            if not sep or not name:
                raise InputError.for_field("codes", f"NAME=CODE, like irn=099901 (not {pair!r})")
            if code:
                mine[name] = code
            else:
                mine.pop(name, None)
        if codes:
            every[slug] = mine
            write_issuer_codes(data_dir, {k: v for k, v in every.items() if v})
        c.out({"slug": slug, "codes": mine}, f"{slug}: " + (", ".join(f"{k}={v}" for k, v in sorted(mine.items()))
                                                          or f"no codes ({ISSUER_CODES_FILE})"))


@issuer.command("did-document")
@click.argument("slug")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write it to this file (default: print it).")
@pass_ctx
def issuer_did_document(c: Context, slug: str, out_file: Path | None) -> None:
    """The issuer's did:web document as /issuers/SLUG/did.json serves it now: for an employer's
    offline `credledger verify --did-document`, or to publish on another host."""
    from verifiers.didweb import did_document

    with reported():
        record = c.ledger.issuer(slug)
        text = json.dumps(did_document(record.did, record.keys.values(), c.ledger.clock()), indent=2) + "\n"
        if out_file is None:
            click.echo(text, nl=False)
            return
        out_file.write_text(text, encoding="utf-8")
        click.echo(f"Wrote the DID document of {record.did} to {out_file}")


def _issuer_json(ledger: Ledger, slug: str) -> dict[str, Any]:
    from ledger.views import issuer_json

    return issuer_json(ledger, ledger.issuer(slug))


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


def _key_time(c: Context, slug: str, key_id: str, at: str | None) -> dict[str, Any]:
    """--at, or now on the ledger's clock."""
    return schemas.load(schemas.KeyTimeInput, {"slug": slug, "key": key_id, "at": at or c.ledger.clock().isoformat()})


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
        data = _key_time(c, slug, key_id, at)
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
        data = _key_time(c, slug, key_id, at)
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
@click.option("--soc", multiple=True, help="SOC occupation code, e.g. 29-2052; repeat it for several.")
@click.option("--naics", help="NAICS industry code, e.g. 722.")
@click.option("--cip", multiple=True, help="CIP program code, e.g. 51.0805; repeat it for several.")
@click.option("--ctid", help="Credential Engine CTID, e.g. ce-0b5d9a2e-4c1f-4e3a-9d6b-2f8e7c1a5b40.")
@click.option("--lookup-url", help="The certifying body's public page for looking a certificate up (https).")
@click.option("--owner", help="Define it as this issuer (slug) instead of the operator.")
@json_option
@pass_ctx
@writes
def credential_define(c: Context, code: str, name: str, certifying_body: str, credential_type: str,
                      validity_months: int | None, career_field: str | None, career_cluster: str | None,
                      soc: tuple[str, ...], naics: str | None, cip: tuple[str, ...], ctid: str | None,
                      lookup_url: str | None,
                      owner: str | None) -> None:
    """Add a catalog entry."""
    with reported():
        codes = {k: v for k, v in (("careerCluster", career_cluster), ("soc", list(soc) or None), ("naics", naics),
                                   ("cip", list(cip) or None), ("ctid", ctid), ("lookupUrl", lookup_url))
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
        entries = [{"code": e.code, **e.fields} for e in c.ledger.credentials()]
        def human() -> None:
            for e in entries:
                click.echo(f"{e['code']:<28} {e['name']}  ({e['certifyingBody']})")

        c.out(entries, human)


# Students and awards -----------------------------------------------------------


@main.group()
def student() -> None:
    """Students: opaque ids in the ledger, identity in the encrypted vault."""


@student.command("add")
@click.option("--issuer", required=True, help="Registering issuer (slug).")
@click.option("--name", required=True)
@click.option("--birth-date", required=True, help="YYYY-MM-DD")
@click.option("--local-id", required=True, help="The school's own student number.")
@click.option("--state-id", help="The state student id (Ohio SSID, Missouri MOSIS id, Colorado SASID).")
@click.option("--cohort", type=click.IntRange(1990, 2200), help="Graduating class, e.g. 2027.")
@json_option
@pass_ctx
@writes
def student_add(c: Context, issuer: str, name: str, birth_date: str, local_id: str, state_id: str | None,
                cohort: int | None) -> None:
    """Register a student; prints the opaque student id."""
    with reported():
        data = schemas.load(schemas.StudentInput, {"issuer": issuer, "name": name, "birth_date": birth_date,
                                                   "local_id": local_id, "state_id": state_id, "cohort": cohort})
        claims = schemas.student_claims(data)
        student_id = c.ledger.register_student(data["issuer"], claims, cohort=data["cohort"])
        c.out({"student": student_id}, student_id)


@student.command("claim")
@click.argument("student_id")
@click.option("--issuer", required=True, help="The school handing out the code (slug).")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
@json_option
@pass_ctx
def student_claim(c: Context, student_id: str, issuer: str, base_url: str) -> None:
    """Make a claim code for a student (shown once; give it to the student privately); the codes this
    institution gave the student before stop working."""
    from web.accounts import Accounts

    with reported():
        # The console's rule: only an institution that serves the student itself (ledger.access).
        c.ledger.access.require_own(c.ledger.issuer(issuer).did, student_id)
        # It replaces the codes this institution gave the student before, as the console's do.
        code = Accounts(c.ledger.store).replace_claims([student_id], issuer)[student_id]
        link = f"{base_url.rstrip('/')}/claim/{code}"
        c.out({"code": code, "link": link}, f"Claim code: {code}\nClaim link: {link}")


@student.command("erase")
@click.argument("student_id")
@json_option
@pass_ctx
@writes
def student_erase(c: Context, student_id: str) -> None:
    """Erase a student's PII; their signed records stay valid but can no longer be linked to them.
    The erasure is recorded as a signed event (no PII), so an audit tells it from a lost row."""
    with reported():
        erased = c.ledger.erase_identity(student_id)
        c.out({"student": student_id, "erased": erased},
              "Erased." if erased else "Already erased: the erasure is recorded.")


def parse_evidence(pairs: tuple[str, ...]) -> dict[str, str | int]:
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
            "evidence": parse_evidence(evidence), "supersedes": supersedes})
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
@click.option("--choose", "choose", multiple=True, metavar="LINE=STUDENT",
              help="For a row in review (several candidate students, or a near match of a name): the student id "
                   "of the candidate it is, or LINE=skip to record nothing for it. Repeat for each such row.")
@json_option
@pass_ctx
@writes
def import_awards(c: Context, file: Path, issuer: str, commit: bool, choose: tuple[str, ...]) -> None:
    """Import awards from CSV (the console's format): every row checked; stored all or nothing. A row that
    could be several students is refused, naming its candidates, until --choose says which it is."""
    import time

    from ledger.readmodels import Projections
    from web.crosswalk import Crosswalk
    from web.imports import DONE, Imports
    from web.roster import Roster

    with reported():
        projections = Projections.of(c.ledger)
        imports = Imports(c.ledger, projections, Roster(c.ledger, projections), Crosswalk(c.ledger, projections))
        started = time.perf_counter()
        job = imports.create(c.ledger.issuer(issuer).slug, "cli", file.name, file.read_bytes(),
                             c.ledger.clock().date())
        bad = [r for r in job.rows if r.errors]
        if not c.as_json:
            click.echo(f"Checked {job.total} row(s) in {time.perf_counter() - started:.1f}s: {len(bad)} with errors.")
        if bad:
            imports.cancel(job.id)
            errors = {f"line {r.line}": r.errors for r in bad}
            raise InputError(f"{len(bad)} row(s) have errors; nothing was stored", errors)
        choices = _choices(choose)
        unchosen = [r for r in job.review if r.line not in choices]
        if unchosen:
            imports.cancel(job.id)
            raise InputError(f"{len(unchosen)} row(s) could be more than one student; nothing was stored. Pass "
                             f"--choose LINE=STUDENT (or LINE=skip) for each",
                             {f"line {r.line}.student": [_candidates(c, r.candidates)] for r in unchosen})
        try:
            imports.resolve_choices(job, choices)  # a bad choice is named before anything is claimed
        except InputError:
            imports.cancel(job.id)
            raise
        if commit:
            if not c.as_json:
                click.echo(f"Recording {job.recorded} award(s) in one transaction …")
            imports.start_commit(job.id, choices)
            imports.wait(job.id, timeout=3600)
            job = imports.get(job.id)
            if job.status != DONE:
                raise RejectedError("import_failed", job.message or "the import did not complete")
        else:
            imports.cancel(job.id)  # a check: its rows (local ids) go now
        awards = [r.award for r in job.rows if r.award]
        c.out({"rows": job.total, "stored": commit, "awards": awards, "skipped": [r.line for r in job.rows
                                                                                 if r.skipped]},
              f"Stored {len(awards)} award(s) in {time.perf_counter() - started:.1f}s." if commit
              else "All rows are valid. Run again with --commit to store them.")


def _choices(choose: tuple[str, ...]) -> dict[int, str]:
    """--choose LINE=STUDENT, as {line: student id or "skip"}."""
    choices = {}
    for item in choose:
        line, sep, student_id = item.partition("=")
        if not sep or not line.strip().isdigit() or not student_id.strip():
            raise InputError.for_field("choose", f"{item!r} is not LINE=STUDENT (or LINE=skip)")
        choices[int(line)] = student_id.strip()
    return choices


def _candidates(c: Context, candidates: list[str]) -> str:
    """A row's candidates as the registrar tells them apart here: opaque ids and local ids, nothing else."""
    people = c.ledger.identities(candidates)
    return "candidates: " + ", ".join(f"{s} (local id {people[s].claims.get('local_id', '?')})" if s in people
                                       else s for s in candidates)


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
    """Offer custody of one student's awards to another issuer; it moves when the receiver accepts
    (`transfers accept`) or countersigns (`countersign`, with --out)."""
    with reported():
        data = schemas.load(schemas.TransferInput, {"awards": list(awards), "to": to_slug, "reason": reason})
        ids = [str(a) for a in data["awards"]]
        if out_file:
            halves = [c.ledger.prepare_transfer(a, data["to"], data["reason"]) for a in ids]
            out_file.write_text(json.dumps(halves, indent=2) + "\n")
            c.out({"pending": str(out_file)}, f"Wrote {len(halves)} transfer(s) to {out_file}; the receiver runs "
                                              f"`credledger countersign {out_file} --as {to_slug}`.")
            return
        students = {c.ledger.award(a).student for a in ids}
        if len(students) != 1:
            raise InputError.for_field("awards", "one transfer moves awards of one student")
        sender = c.ledger.award(ids[0]).custodian
        offer = c.ledger.offer_transfer(issuer_slug_from_did(sender), data["to"], students.pop(), data["reason"],
                                        awards=ids)
        if not c.as_json:  # the id alone on stdout, as `issue` prints the award id
            click.echo(f"Offered {len(ids)} award(s) to {to_slug}; they move when {to_slug} runs "
                       f"`credledger transfers accept {offer} --as {to_slug}` or accepts in its console.", err=True)
        c.out({"transfer": offer, "status": "pending"}, offer)


@main.group()
def transfers() -> None:
    """Transfer offers: list them, and accept, decline or withdraw one."""


@transfers.command("list")
@click.option("--issuer", required=True, help="The institution (slug) whose offers to list.")
@json_option
@pass_ctx
def transfers_list(c: Context, issuer: str) -> None:
    """Offers this institution sent or received, with their state."""
    with reported():
        did = c.ledger.issuer(issuer).did
        rows = [{"transfer": str(o.id), "from": issuer_slug_from_did(o.sender), "to": issuer_slug_from_did(o.receiver),
                 "student": o.student, "awards": o.awards, "status": o.outcome or "pending", "offered": o.offered}
                for o in c.ledger.access.transfer_offers(did)]
        def human() -> None:
            for r in rows:
                click.echo(f"{r['transfer']}  {r['status']:<9} {r['from']} -> {r['to']}  {len(r['awards'])} award(s)")
            if not rows:
                click.echo("None.")

        c.out(rows, human)


def _close_offer(c: Context, offer: str, as_slug: str, outcome: str) -> None:
    with reported():
        if outcome == "accepted":
            receipts = c.ledger.accept_transfer(offer, as_slug)
            c.out([r.__dict__ for r in receipts], f"Accepted: {len(receipts) - 1} award(s) now held by {as_slug}.")
        else:
            c.ledger.close_transfer_offer(offer, as_slug, outcome)
            c.out({"transfer": offer, "status": outcome}, f"Transfer {offer} {outcome}; nothing moved.")


@transfers.command("accept")
@click.argument("offer")
@click.option("--as", "as_slug", required=True, help="The receiving institution (slug); its key countersigns.")
@json_option
@pass_ctx
@writes
def transfers_accept(c: Context, offer: str, as_slug: str) -> None:
    """Accept a transfer offered to this institution: custody moves, countersigned by its key."""
    _close_offer(c, offer, as_slug, "accepted")


@transfers.command("decline")
@click.argument("offer")
@click.option("--as", "as_slug", required=True, help="The receiving institution (slug).")
@json_option
@pass_ctx
@writes
def transfers_decline(c: Context, offer: str, as_slug: str) -> None:
    """Decline a transfer offered to this institution."""
    _close_offer(c, offer, as_slug, "declined")


@transfers.command("withdraw")
@click.argument("offer")
@click.option("--as", "as_slug", required=True, help="The sending institution (slug).")
@json_option
@pass_ctx
@writes
def transfers_withdraw(c: Context, offer: str, as_slug: str) -> None:
    """Withdraw a transfer this institution offered, while it is pending."""
    _close_offer(c, offer, as_slug, "withdrawn")


# Roster shares -------------------------------------------------------------------


@main.group()
def share() -> None:
    """Roster shares: a district shares named students with the CTE center they attend."""


@share.command("grant")
@click.option("--from", "granter", required=True, help="The sharing institution (slug), which serves the students.")
@click.option("--to", "grantee", required=True, help="The receiving institution (slug).")
@click.option("--student", "students", multiple=True, help="A student id (repeatable).")
@click.option("--local-ids", "local_ids_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Or a CSV whose first column holds the students' local ids (a header row is skipped).")
@click.option("--purpose", type=click.Choice(["record", "report"]), default="record", show_default=True,
              help="record: see and record credentials; report: see only.")
@click.option("--until", required=True, help="The last day the share holds (YYYY-MM-DD).")
@click.option("--note", default="", help="What the share is for, e.g. 'CTE roster 2026-27'.")
@json_option
@pass_ctx
@writes
def share_grant(c: Context, granter: str, grantee: str, students: tuple[str, ...], local_ids_file: Path | None,
                purpose: str, until: str, note: str) -> None:
    """Share students with another institution until a day; recorded in each student's disclosures."""
    from ledger.readmodels import Projections
    from web.roster import Roster, local_ids_from_csv, resolve_local_ids

    with reported():
        did = c.ledger.issuer(granter).did
        chosen = list(students)
        if local_ids_file is not None:
            roster = Roster(c.ledger, Projections.of(c.ledger))
            chosen += resolve_local_ids(roster, did, local_ids_from_csv(local_ids_file.read_bytes()))
        if not chosen:
            raise InputError.for_field("student", "name students (--student) or a CSV of local ids (--local-ids)")
        share_id = c.ledger.share_roster(granter, grantee, chosen, purpose=purpose,
                                         until=parse_date(until, "until"), note=note)
        c.out({"share": share_id, "students": len(chosen)},
              f"Shared {len(chosen)} student(s) with {grantee} until {until} (share {share_id}).")


@share.command("list")
@click.option("--issuer", required=True, help="The institution (slug) whose shares to list.")
@json_option
@pass_ctx
def share_list(c: Context, issuer: str) -> None:
    """Roster shares this institution granted and received."""
    from web.roster import share_view

    with reported():
        did, today = c.ledger.issuer(issuer).did, c.ledger.clock().date()
        rows = [share_view(x, today) for x in c.ledger.access.shares_granted(did) + c.ledger.access.shares_received(did)]
        def human() -> None:
            for r in rows:
                click.echo(f"{r['share']}  {'active' if r['active'] else 'ended':<6} {r['granter']} -> {r['grantee']}  "
                           f"{len(r['students'])} student(s), {r['purpose']}, until {r['until']}")
            if not rows:
                click.echo("None.")

        c.out(rows, human)


@share.command("withdraw")
@click.argument("share_id")
@click.option("--as", "as_slug", required=True, help="The institution that granted it (slug).")
@click.option("--reason", default="")
@json_option
@pass_ctx
@writes
def share_withdraw(c: Context, share_id: str, as_slug: str, reason: str) -> None:
    """Withdraw a roster share: the grantee no longer sees those students."""
    with reported():
        c.ledger.withdraw_roster_share(share_id, as_slug, reason)
        c.out({"share": share_id, "withdrawn": True}, f"Withdrew share {share_id}.")


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


def _read_model_differences(ledger: Ledger) -> dict[str, int]:
    """Tables whose rows differ from a rebuild from the events, with how many rows differ."""
    from ledger.readmodels import Projections

    projections = Projections.of(ledger)
    projections.catch_up()
    before = projections.dump()
    projections.rebuild()
    after = projections.dump()
    return {table: len(set(map(repr, before[table])) ^ set(map(repr, after[table])))
            for table in after if before.get(table) != after[table]}


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
                click.echo(f"#{e['position']:<6} {e['recorded'][:19]}  {e['label']}: {e['summary']}")
                click.echo(f"        signed by {e['signer']}  [{status_in_words(e['status'])}; "
                           f"signature {e['signatures']}]")

        c.out(events, human)


@main.command()
@click.option("--read-models", is_flag=True, help="Also compare the read models with a fresh rebuild, and "
              "rebuild them (they are not evidence: the pages read them).")
@json_option
@pass_ctx
def audit(c: Context, read_models: bool) -> None:
    """Re-verify every stored event; exit 1 naming the first bad one."""
    from ledger.audit import audit as run_audit

    with reported():
        report = run_audit(c.ledger)
        finding = report.finding
        data = {"ok": report.ok, "events": report.events, "log_size": report.log_size,
                "checkpoints": report.checkpoints, "finding": finding.__dict__ if finding else None}
        differences = _read_model_differences(c.ledger) if finding is None and read_models else None
        if differences is not None:
            data["read_models"] = differences
        if finding is None:
            c.out(data, f"OK: {report.events} events verified (signatures, keys, authority, hash chains, log "
                        f"entries, vault, access facts); log of {report.log_size} leaves recomputed, "
                        f"{report.checkpoints} signed checkpoints verified.")
            if differences:
                if not c.as_json:
                    click.echo("Read models differed from a fresh rebuild (they are not evidence, and are "
                               "rebuilt now): " + ", ".join(f"{t} ({n} rows)" for t, n in differences.items()))
                sys.exit(EXIT_FAILED)
            return
        c.out(data, f"FAILED at log position {finding.position} (stream {finding.stream}, sequence "
                    f"{finding.sequence}, notification {finding.notification_id}): {finding.problem}")
        sys.exit(EXIT_FAILED)
