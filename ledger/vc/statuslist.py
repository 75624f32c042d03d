"""Revocation of exported credentials: W3C Bitstring Status List v1.0 (`verifiers.statuslist` holds
the encoding and the verifier's side).

Decisions:

- **The entry is fixed when the award is recorded**, inside its signed `CredentialIssued`
  (`statusList`: the list's number, from 0; `statusIndex`: the entry, 0 … 131,071), so every rebuild
  reproduces it and nobody can move an award to another entry afterwards. The ledger draws it with
  `secrets` at random among the free entries of the recording issuer's open list (the store's
  `ledger_status_entries` keys issuer, list and index, so two awards never share one; a racing
  writer that drew the same entry gets `conflict` and retries). A list takes awards until 90% of
  its 131,072 entries are held (`STATUS_LIST_FILL`), then list n+1 opens: the last tenth stays free,
  so drawing stays cheap and the order of the entries never tells the order of issuance.
  An issuer that signs off the server gets the entry in the prepared document (`prepare_issue`);
  it is held when the signed document is stored, and refused (`status_entry_taken`) if another
  award took it meanwhile.
- **Awards recorded before status lists have no entry** (their signed events are what they are;
  a new signed event per old award would be a second source of truth for something the
  ledger's own status already says). Their badges carry no `credentialStatus`; a verifier
  reports the status step "not checked: this credential carries no revocation status entry"
  and the ledger's own pages, transcript bundles and `credledger verify --online` still say
  whether they were revoked. `status_in_words` says this for an export.
- **Who signs:** each list belongs to the *recording* issuer (the badge's `issuer`, whose did:web
  DID document lists the key), and is signed `eddsa-rdfc-2022` by that issuer's newest valid
  server-held key (`Ledger.sign_export`), like the badge. The bits are derived from the ledger's
  state: an award's bit is set once it is revoked (any reason, `superseded` included) by whoever
  may revoke it, so after a transfer the new custodian's revocation flips the recording issuer's
  bit. A list is a derived document, like the badge; nothing of it is evidence.
- **No server-held key of the issuer:** the server cannot sign its list (nor its badges: the
  export refuses alike), so it publishes none; the route answers 404 saying so, and the worker
  skips it until the issuer has a server-held key again.
- **Where:** `https://<domain>/issuers/<slug>/status/<n>`, served with
  `Cache-Control: public, max-age=300`. The signed list is kept in the read model
  `rm_status_lists` (rebuildable: a rebuild empties it and the next request or worker tick signs
  it again from the events).
- **Lifetime:** `validFrom` the signing moment, `validUntil` a day later (`LIFETIME`): the worker
  signs a list again within a tick of a change to its bits, when half its lifetime has passed, or
  when the key that signed it is no longer the issuer's newest held valid one (a rotation or a
  compromise); a verifier given an expired list learns nothing from it.

May import `ledger` and `verifiers`.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from ledger.application import Ledger, _Batch
from ledger.errors import NotFoundError, RejectedError
from ledger.readmodels import Projections
from ledger.values import AwardInfo
from ledger.vc.addresses import VC_CONTEXT, base_url
from verifiers.dataintegrity import EDDSA_RDFC_2022
from verifiers.didweb import method_of
from verifiers.protocol import documents as d
from verifiers.statuslist import ENTRY_TYPE, LIST_CREDENTIAL_TYPE, LIST_SIZE, REVOCATION, encode_list
from verifiers.timestamps import format_timestamp, parse_timestamp

LIFETIME = timedelta(days=1)
CACHE_SECONDS = 300


def list_url(ledger: Ledger, slug: str, number: int) -> str:
    return f"{base_url(ledger)}/issuers/{slug}/status/{number}"


def status_entry(ledger: Ledger, award: AwardInfo) -> dict[str, Any] | None:
    """The badge's `credentialStatus` (a BitstringStatusListEntry in its recording issuer's list), or
    None for an award recorded before status lists."""
    if award.status_entry is None:
        return None
    number, index = award.status_entry
    url = list_url(ledger, d.issuer_slug_from_did(award.issuer), number)
    return {"id": f"{url}#{index}", "type": ENTRY_TYPE, "statusPurpose": REVOCATION,
            "statusListIndex": str(index), "statusListCredential": url}


def status_in_words(ledger: Ledger, award: AwardInfo) -> str:
    """What an export of the award says about its revocation status, for a person."""
    if award.status_entry is None:
        return ("recorded before status lists: the badge carries no status entry, so a wallet cannot "
                "check it for revocation; the transcript bundle and the issuer's pages still can")
    number, index = award.status_entry
    return f"revocation status at entry {index} of {list_url(ledger, d.issuer_slug_from_did(award.issuer), number)}"


def build_list(ledger: Ledger, projections: Projections, did: str, number: int) -> tuple[dict[str, Any], int]:
    """The issuer's list `number`, signed now, and how many of its bits are set. NotFoundError for a
    list no award holds an entry of; RejectedError (no_signing_key) when the server holds no key."""
    view = projections.view
    if number not in ledger.store.status_list_sizes(did):  # the store's entries: never behind the events
        raise NotFoundError(f"no status list {number} of {did}")
    revoked = [int(r[0]) for r in view.query(
        "SELECT status_index FROM rm_awards WHERE issuer = ? AND status_list = ? AND revoked_reason IS NOT NULL",
        [did, number])]
    url = list_url(ledger, d.issuer_slug_from_did(did), number)
    now = ledger.clock().replace(microsecond=0)
    document = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": did,
        "validFrom": format_timestamp(now),
        "validUntil": format_timestamp(now + LIFETIME),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList", "statusPurpose": REVOCATION,
                              "encodedList": encode_list(revoked, LIST_SIZE)},
    }
    return ledger.sign_export(did, document, EDDSA_RDFC_2022), len(revoked)


def _store(projections: Projections, did: str, number: int, signed: dict[str, Any], revoked: int) -> None:
    key_id = str(signed["proof"]["verificationMethod"])
    projections.view.write([
        ("DELETE FROM rm_status_lists WHERE issuer = ? AND list = ?", [did, number]),
        ("INSERT INTO rm_status_lists (issuer, list, revoked, key_id, signed_at, valid_until, document) "
         "VALUES (?, ?, ?, ?, ?, ?, ?)",
         [did, number, revoked, key_id, signed["proof"]["created"], signed["validUntil"],
          json.dumps(signed, sort_keys=True)]),
    ])


def published_list(ledger: Ledger, projections: Projections, slug: str, number: int) -> dict[str, Any]:
    """The signed list as published: the stored one while it is current, else signed now and stored.
    NotFoundError for an unknown issuer or list, or an issuer whose key the server does not hold."""
    did = ledger.issuer(slug).did
    rows = projections.view.query("SELECT document, valid_until FROM rm_status_lists WHERE issuer = ? AND list = ?",
                                  [did, number])
    if rows and parse_timestamp(str(rows[0][1])) > ledger.clock():
        stored: dict[str, Any] = json.loads(str(rows[0][0]))
        return stored
    try:
        signed, revoked = build_list(ledger, projections, did, number)
    except RejectedError:
        raise NotFoundError(f"{slug} keeps its signing key off this server; it publishes no status list here") from None
    _store(projections, did, number, signed, revoked)
    return signed


def refresh_status_lists(ledger: Ledger, projections: Projections) -> list[tuple[str, int]]:
    """Sign again every list whose bits changed since it was signed (revocations only set bits, so a
    count tells), that was never signed, that is past half its lifetime, or whose key is no longer
    the issuer's newest held valid key. Returns the (issuer DID, list) signed. The worker's duty."""
    view = projections.view
    current = {(str(r[0]), int(r[1])): int(r[2]) for r in view.query(
        "SELECT issuer, status_list, SUM(CASE WHEN revoked_reason IS NULL THEN 0 ELSE 1 END) FROM rm_awards "
        "WHERE status_list IS NOT NULL GROUP BY issuer, status_list")}
    stored = {(str(r[0]), int(r[1])): (int(r[2]), str(r[3]), str(r[4])) for r in view.query(
        "SELECT issuer, list, revoked, key_id, valid_until FROM rm_status_lists ")}
    now = ledger.clock()
    batch = _Batch(ledger)
    keys: dict[str, str | None] = {}
    signed_now = []
    for (did, number), revoked in sorted(current.items()):
        if did not in keys:
            try:
                keys[did] = method_of(did, batch.signing_key(did))
            except (RejectedError, NotFoundError):
                keys[did] = None  # no server-held key: nothing to publish (see the module's words)
        if keys[did] is None:
            continue
        before = stored.get((did, number))
        if before is not None and before[0] == revoked and before[1] == keys[did] and \
                parse_timestamp(before[2]) - now > LIFETIME / 2:
            continue
        try:
            document, count = build_list(ledger, projections, did, number)
        except (RejectedError, NotFoundError):
            continue
        _store(projections, did, number, document, count)
        signed_now.append((did, number))
    return signed_now
