"""The transcript bundle as data: its constants, the results, and reading the
JSON into entries (docs/transcript-bundle.md). `verifiers.bundle` is the public
entry point; this module is pure, like all of `verifiers`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from verifiers.dataintegrity import proofs_of
from verifiers.didkey import public_key_from_verification_method
from verifiers.errors import (
    BundleFormatError,
    MalformedError,
)
from verifiers.jcs import canonicalize
from verifiers.merkle import HASH_SIZE
from verifiers.timestamps import format_timestamp, parse_timestamp

FORMAT = "credledger.transcript/v1"
STEPS = (
    "checkpoint", "log_inclusion", "hash_chain", "signature", "key_validity",
    "issuer_authority", "status", "identity", "consistency", "current_status",
)  # fmt: skip

# Event types and named-stream ids as ledger.documents defines them; verifiers
# imports nothing of ours, so they are repeated here (a test keeps them equal).
ISSUER_REGISTERED, ISSUER_KEY_ADDED = "IssuerRegistered", "IssuerKeyAdded"
ISSUER_KEY_RETIRED, ISSUER_KEY_COMPROMISED = "IssuerKeyRetired", "IssuerKeyCompromised"
CREDENTIAL_DEFINED, CREDENTIAL_UPDATED = "CredentialDefined", "CredentialUpdated"
STUDENT_REGISTERED, CREDENTIAL_ISSUED = "StudentRegistered", "CredentialIssued"
CREDENTIAL_REVOKED, CREDENTIAL_TRANSFERRED = "CredentialRevoked", "CredentialTransferred"
STREAM_NAMESPACE = uuid.UUID("6f1c2b0e-3d4a-5b6c-8d7e-9f0a1b2c3d4e")
_KEY_EVENTS = (ISSUER_KEY_ADDED, ISSUER_KEY_RETIRED, ISSUER_KEY_COMPROMISED)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# Results ------------------------------------------------------------------------


@dataclass(frozen=True)
class StepResult:
    step: str  # one of STEPS
    ok: bool | None  # None: not checked, or not applicable
    detail: str  # plain words for a person: what was proven, or why not


@dataclass(frozen=True)
class CredentialResult:
    award: str
    credential: str
    name: str | None
    issuer: str
    issuer_name: str | None
    earned: str
    expires: str | None
    status: str  # "active" | "expired" | "revoked: <reason>" ("unknown" without an award event)
    steps: tuple[StepResult, ...]

    @property
    def ok(self) -> bool:
        return all(s.ok is not False for s in self.steps) and not self.status.startswith("revoked")

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.step == name)


@dataclass(frozen=True)
class BundleResult:
    format: str
    ledger: str
    log_origin: str
    checkpoint_size: int
    student: str
    identity: dict[str, bool]  # disclosed claim -> it opened its commitments
    credentials: tuple[CredentialResult, ...]
    checkpoint: StepResult  # step 1, shared by every credential (also when there is none)

    @property
    def ok(self) -> bool:
        return (
            self.checkpoint.ok is True
            and all(c.ok for c in self.credentials)
            and all(self.identity.values())
        )


@dataclass(frozen=True)
class OnlineEvidence:
    """What a caller fetched from a credledger server for steps 9 and 10."""

    checkpoint: str  # a newer signed checkpoint note
    consistency: list[bytes]  # proof from the bundle's checkpoint size to the newer size
    streams: dict[str, list[dict[str, Any]]]  # bundle entry format, proofs against the newer tree


@dataclass(frozen=True)
class OnlineUnavailable:
    """Online evidence a caller could not have, and why: steps 9 and 10 say so (``ok=None``)."""

    reason: str


OFFLINE_ONLY = OnlineUnavailable("this file was exported for offline checking only")
WITHDRAWN = OnlineUnavailable("online checks were withdrawn by the student or have expired; "
                              "the offline proof still stands")


@dataclass(frozen=True)
class OnlineAccess:
    """Where and how a bundle is checked online: its optional ``online`` member."""

    url: str  # the server's evidence endpoint, http(s)://…/transcripts/evidence
    link: str  # the link credential to present in a request header, never in a URL


class _NotChecked(Exception):
    """A step that could not be, or need not be, checked (ok=None)."""


# Reading the bundle ----------------------------------------------------------------


@dataclass(frozen=True)
class _Bundle:
    ledger: str
    operator: str
    checkpoint: str
    student: str
    streams: dict[str, Any]
    awards: tuple[str, ...]
    disclosed: dict[str, Any]
    online: OnlineAccess | None = None


def _bundle_from_json(bundle: object) -> _Bundle:
    """The top level of a bundle; anything else is not a bundle at all."""
    if not isinstance(bundle, dict):
        raise BundleFormatError("a transcript bundle is a JSON object")
    if bundle.get("format") != FORMAT:
        raise BundleFormatError(f"not a transcript bundle: format is not {FORMAT!r}")
    for name in ("exported", "ledger", "operator", "checkpoint", "student"):
        if not isinstance(bundle.get(name), str):
            raise BundleFormatError(f"the bundle's {name!r} is missing or not a string")
    streams, awards = bundle.get("streams"), bundle.get("awards")
    if not isinstance(streams, dict) or not all(isinstance(s, list) for s in streams.values()):
        raise BundleFormatError("the bundle's 'streams' is not an object of entry lists")
    if not isinstance(awards, list) or not all(isinstance(a, str) for a in awards):
        raise BundleFormatError("the bundle's 'awards' is not a list of award ids")
    disclosed = bundle.get("disclosed", {})
    if not isinstance(disclosed, dict):
        raise BundleFormatError("the bundle's 'disclosed' is not an object")
    return _Bundle(bundle["ledger"], bundle["operator"], bundle["checkpoint"], bundle["student"],
                   streams, tuple(awards), disclosed, _online_from_json(bundle.get("online")))


def _online_from_json(online: object) -> OnlineAccess | None:
    if online is None:
        return None
    url = online.get("url") if isinstance(online, dict) else None
    link = online.get("link") if isinstance(online, dict) else None
    if not (isinstance(url, str) and url.startswith(("https://", "http://")) and isinstance(link, str) and link
            and set(online) == {"url", "link"}):
        raise BundleFormatError("the bundle's 'online' is not an object of an http(s) 'url' and a 'link'")
    return OnlineAccess(url, link)


def online_access_from_bundle(bundle: object) -> OnlineAccess | None:
    """Where and with which link the bundle is checked online; None for a file for offline checking only.

    Raises ``BundleFormatError`` if ``bundle`` is not a transcript bundle (or its ``online`` is malformed).
    """
    return _bundle_from_json(bundle).online


@dataclass(frozen=True)
class _Entry:
    """One stored event with its log evidence, read from a stream of the bundle."""

    stream: str
    position: int  # its place in the stream's list, from 0
    event: dict[str, Any]
    recorded: datetime
    index: int
    inclusion: tuple[bytes, ...]
    hash: str  # SHA-256 hex of the canonical signed event: what chains the stream

    @property
    def type(self) -> str:
        kind = self.event.get("type")
        return kind if isinstance(kind, str) else "event"


def _event_of(entry: dict[str, Any]) -> dict[str, Any]:
    event = entry.get("event")
    if not isinstance(event, dict):
        raise MalformedError("the entry has no event object")
    return event


def _hash_from_base64(text: object) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True) if isinstance(text, str) else b""
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != HASH_SIZE:
        raise MalformedError(f"an inclusion proof element is not the base64 of a {HASH_SIZE}-byte hash")
    return raw


def _entry_from_json(stream: str, position: int, raw: object) -> _Entry:
    if not isinstance(raw, dict):
        raise MalformedError(f"entry {position + 1} is not a JSON object")
    event = _event_of(raw)
    index, inclusion = raw.get("index"), raw.get("inclusion")
    if type(index) is not int or index < 0:
        raise MalformedError("the entry's index is not a non-negative integer")
    if not isinstance(inclusion, list):
        raise MalformedError("the entry's inclusion proof is not a list")
    return _Entry(stream, position, event, parse_timestamp(raw.get("recorded")), index,
                  tuple(_hash_from_base64(h) for h in inclusion),
                  hashlib.sha256(canonicalize(event)).hexdigest())


def _text(event: dict[str, Any], name: str) -> str:
    value = event.get(name)
    if not isinstance(value, str):
        raise MalformedError(f"the {event.get('type', 'event')} event has no {name!r} text")
    return value


def _signers(event: dict[str, Any]) -> list[str]:
    """Who must sign: the actor; for a transfer also the receiver, who countersigns."""
    if event.get("type") == CREDENTIAL_TRANSFERRED:
        return [_text(event, "actor"), _text(event, "to")]
    return [_text(event, "actor")]


def _verification_method(proof: dict[str, Any]) -> str:
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        raise MalformedError("a proof names no verificationMethod")
    return method


def _leaf(event: dict[str, Any], event_hash: str, recorded: datetime) -> bytes:
    """The log's public record of one event: byte for byte ledger.documents.leaf_record."""
    signers = [{"did": did, "key": _verification_method(proof)}
               for did, proof in zip(_signers(event), proofs_of(event))]
    return canonicalize({"event": event_hash, "type": _text(event, "type"), "signers": signers,
                         "recorded": format_timestamp(recorded)})


def leaf_from_entry(entry: dict[str, Any]) -> bytes:
    """The leaf bytes of a bundle entry, recomputed from its event and recorded time."""
    if not isinstance(entry, dict):
        raise MalformedError("an entry is not a JSON object")
    event = _event_of(entry)
    return _leaf(event, hashlib.sha256(canonicalize(event)).hexdigest(), parse_timestamp(entry.get("recorded")))


def issuer_stream_of(did: object) -> str | None:
    """The stream id of a ``did:web:…:issuers:<slug>`` issuer; None for any other DID."""
    if not isinstance(did, str) or not did.startswith("did:web:") or ":issuers:" not in did:
        return None
    return _named_stream("issuer:" + did.rsplit(":", 1)[-1])


def credential_stream_of(code: str) -> str:
    return _named_stream("credential:" + code)


@lru_cache(maxsize=4096)
def _named_stream(name: str) -> str:
    return str(uuid.uuid5(STREAM_NAMESPACE, name))


@lru_cache(maxsize=256)
def _public_key(method: str) -> bytes:
    # Cached: a bundle names a handful of keys in many proofs, and base58 is slow.
    return public_key_from_verification_method(method)
