"""did:web identifiers and DID documents for issuers, as the ecosystem's verifiers resolve them.

An issuer's DID is `did:web:<domain>:issuers:<slug>` (the port's colon percent-encoded). did:web
resolves it to `https://<domain>/issuers/<slug>/did.json`. Each key is named under the DID as
`<did>#<multibase public key>`: an absolute id, which the DCC verifier requires (it does not resolve
`#key-1`).

The document lists every key the issuer ever had (W3C DID Core 1.0, Multikey methods), since
verifying something signed years ago needs the key of that time; `expires` marks a retired key's
end and `revoked` a compromise. `assertionMethod` lists the keys an exported credential may be
signed by: every key that is not compromised. A retired key stays there because credentials
exported before the rotation keep verifying (retirement is a planned end, not a suspicion); a
compromised key leaves it, so nothing it signs verifies through this document any more (did:web
cannot say "valid before this moment" the way the log does: the student exports again, signed by
a current key).

Pure: the keys and the moment are parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from verifiers.didkey import public_key_from_verification_method
from verifiers.errors import MalformedError
from verifiers.keyhistory import KeyRecord
from verifiers.timestamps import format_timestamp

__all__ = ["DID_CONTEXT", "did_document", "did_web_url", "key_of_method", "method_of", "multikey_of"]

DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def multikey_of(key_id: str) -> str:
    """The multibase public key of a did:key verification method (`did:key:z6Mk…#z6Mk…`)."""
    return key_id.partition("#")[0].removeprefix("did:key:")


def method_of(did: str, key_id: str) -> str:
    """The id under `did` of the key whose did:key verification method is `key_id`."""
    return f"{did}#{multikey_of(key_id)}"


def did_web_url(did: str) -> str:
    """Where did:web resolves `did` (did:web method §3.2: colons to slashes, /did.json, or
    /.well-known/did.json for a bare domain). MalformedError for a DID that is not did:web."""
    if not did.startswith("did:web:") or "#" in did or "/" in did:
        raise MalformedError(f"{did!r} is not a did:web identifier")
    domain, *path = did.removeprefix("did:web:").split(":")
    base = "https://" + domain.replace("%3A", ":").replace("%3a", ":")  # the one encoding did:web uses
    return base + ("/" + "/".join(path) + "/did.json" if path else "/.well-known/did.json")


def did_document(did: str, keys: Iterable[KeyRecord], now: datetime) -> dict[str, Any]:
    """The DID document of `did` with `keys` (its whole key history), as it stands at `now`."""
    methods, assertion = [], []
    for record in sorted(keys, key=lambda k: (k.valid_from, k.key_id)):
        method: dict[str, Any] = {"id": method_of(did, record.key_id), "type": "Multikey", "controller": did,
                                  "publicKeyMultibase": multikey_of(record.key_id)}
        if record.retired_at is not None:
            method["expires"] = format_timestamp(record.retired_at)
        compromised = record.compromised_at is not None and now >= record.compromised_at
        if record.compromised_at is not None:
            method["revoked"] = format_timestamp(record.compromised_at)
        methods.append(method)
        if not compromised:
            assertion.append(method["id"])
    return {"@context": DID_CONTEXT, "id": did, "verificationMethod": methods, "assertionMethod": assertion}


def key_of_method(document: Mapping[str, Any], method_id: str, purpose: str = "assertionMethod") -> bytes:
    """The raw Ed25519 key `method_id` names in a DID document, if the document lists it for `purpose`.

    MalformedError when the document does not list the method for that purpose (a key not in the
    DID document, or one taken out of `assertionMethod` after a compromise).
    """
    did = method_id.partition("#")[0]
    if document.get("id") != did:
        raise MalformedError(f"the DID document is {document.get('id')!r}, not {did!r}'s")
    listed = document.get(purpose)
    if not isinstance(listed, list) or method_id not in listed:
        raise MalformedError(f"{did}'s DID document does not list {method_id} for {purpose}")
    for method in document.get("verificationMethod") or []:
        if isinstance(method, dict) and method.get("id") == method_id and method.get("controller") == did:
            multikey = method.get("publicKeyMultibase")
            if method.get("type") != "Multikey" or not isinstance(multikey, str):
                raise MalformedError(f"{method_id} is not a Multikey with a publicKeyMultibase")
            return public_key_from_verification_method(f"did:key:{multikey}")
    raise MalformedError(f"{did}'s DID document has no verification method {method_id}")
