"""The transcript bundle on the wire, format ``credledger.transcript/v1`` (docs/transcript-bundle.md).

``Bundle``, ``Entry``, ``OnlineAccess`` and ``OnlineEvidence`` (the server's answer to an
online check) each read their JSON (``from_json``) and write it (``to_json``):
``ledger.export`` builds bundles and evidence with them, ``verifiers.bundle`` and the CLI read
them, so the writer and the reader are one definition. Reading raises
``BundleFormatError`` for input that is not a bundle at all, and ``MalformedError`` for
an entry that cannot be read (which fails only the credentials relying on it).
Pure; imports only ``verifiers``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from verifiers.errors import BundleFormatError, MalformedError
from verifiers.merkle import HASH_SIZE
from verifiers.protocol.documents import document_hash, leaf_record
from verifiers.timestamps import format_timestamp, parse_timestamp

__all__ = ["FORMAT", "Bundle", "Entry", "OnlineAccess", "OnlineEvidence", "leaf_from_entry"]

FORMAT = "credledger.transcript/v1"
_TEXT_MEMBERS = ("exported", "ledger", "operator", "checkpoint", "student")


@dataclass(frozen=True)
class OnlineAccess:
    """Where and how a bundle is checked online: its optional ``online`` member."""

    url: str  # the server's evidence endpoint, http(s)://…/transcripts/evidence
    link: str  # the link credential to present in a request header, never in a URL

    @classmethod
    def from_json(cls, online: object) -> OnlineAccess:
        url = online.get("url") if isinstance(online, dict) else None
        link = online.get("link") if isinstance(online, dict) else None
        if not (isinstance(online, dict) and set(online) == {"url", "link"} and isinstance(url, str)
                and url.startswith(("https://", "http://")) and isinstance(link, str) and link):
            raise BundleFormatError("the bundle's 'online' is not an object of an http(s) 'url' and a 'link'")
        return cls(url, link)

    def to_json(self) -> dict[str, str]:
        return {"url": self.url, "link": self.link}


@dataclass(frozen=True)
class OnlineEvidence:
    """What a credledger server answers an online check with (steps 9 and 10 of the verifier)."""

    checkpoint: str  # a newer signed checkpoint note
    consistency: list[bytes]  # proof from the bundle's checkpoint size to the newer size
    streams: dict[str, list[dict[str, Any]]]  # bundle entry format, proofs against the newer tree

    @classmethod
    def from_json(cls, answer: object) -> OnlineEvidence:
        """Raises MalformedError for anything but an object of a checkpoint note, a list of base64
        hashes and an object of streams (each entry is read, and judged, by the verifier)."""
        if not (isinstance(answer, dict) and set(answer) == {"checkpoint", "consistency", "streams"}):
            raise MalformedError("the online evidence is not an object of 'checkpoint', 'consistency', 'streams'")
        checkpoint, consistency, streams = answer["checkpoint"], answer["consistency"], answer["streams"]
        if not isinstance(checkpoint, str) or not isinstance(consistency, list) or not (
                isinstance(streams, dict) and all(isinstance(v, list) for v in streams.values())):
            raise MalformedError("the online evidence's checkpoint, consistency or streams has the wrong type")
        return cls(checkpoint, [_hash_from_base64(h, "a consistency proof element") for h in consistency], streams)

    def to_json(self) -> dict[str, Any]:
        return {"checkpoint": self.checkpoint,
                "consistency": [base64.b64encode(h).decode("ascii") for h in self.consistency],
                "streams": self.streams}


@dataclass(frozen=True)
class Entry:
    """One stored event with its log evidence, at its place in a stream of the bundle."""

    stream: str  # the stream it is in: the key of its list, not written in the entry
    position: int  # its place in the stream's list, from 0
    event: dict[str, Any]  # the signed event document, verbatim
    recorded: datetime  # when the ledger recorded it: the time the log commits to
    index: int  # its leaf index in the log
    inclusion: tuple[bytes, ...]  # its inclusion proof in the bundle's checkpoint
    # SHA-256 hex of the canonical signed event: what chains the stream. Computed on
    # construction, so an event that cannot be canonicalized makes its stream unreadable.
    hash: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hash", document_hash(self.event))

    @property
    def type(self) -> str:
        kind = self.event.get("type")
        return kind if isinstance(kind, str) else "event"

    @property
    def leaf(self) -> bytes:
        """The log's record of this entry, recomputed (never read from the bundle)."""
        return leaf_record(self.event, self.hash, self.recorded)

    @classmethod
    def from_json(cls, stream: str, position: int, raw: object) -> Entry:
        if not isinstance(raw, dict):
            raise MalformedError(f"entry {position + 1} is not a JSON object")
        event = _event_of(raw)
        index, inclusion = raw.get("index"), raw.get("inclusion")
        if type(index) is not int or index < 0:
            raise MalformedError("the entry's index is not a non-negative integer")
        if not isinstance(inclusion, list):
            raise MalformedError("the entry's inclusion proof is not a list")
        return cls(stream, position, event, parse_timestamp(raw.get("recorded")), index,
                   tuple(_hash_from_base64(h) for h in inclusion))

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "recorded": format_timestamp(self.recorded),
            "index": self.index,
            "inclusion": [base64.b64encode(h).decode() for h in self.inclusion],
        }


@dataclass(frozen=True)
class Bundle:
    """A student's transcript bundle: the streams its awards rely on, proven in one checkpoint."""

    exported: str  # RFC 3339
    ledger: str
    operator: str  # the operator's did:key
    checkpoint: str  # the C2SP signed note, exactly as signed
    student: str
    # Each stream's entries as JSON, read one stream at a time with Entry.from_json, so that
    # an unreadable stream fails only the credentials that rely on it.
    streams: Mapping[str, list[Any]]
    awards: tuple[str, ...]
    disclosed: dict[str, Any]  # claim -> {"value", "salt"}
    online: OnlineAccess | None = None

    @classmethod
    def from_json(cls, bundle: object) -> Bundle:
        """The top level of a bundle; anything else is not a bundle at all (BundleFormatError)."""
        if not isinstance(bundle, dict):
            raise BundleFormatError("a transcript bundle is a JSON object")
        if bundle.get("format") != FORMAT:
            raise BundleFormatError(f"not a transcript bundle: format is not {FORMAT!r}")
        for name in _TEXT_MEMBERS:
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
        online = bundle.get("online")
        return cls(bundle["exported"], bundle["ledger"], bundle["operator"], bundle["checkpoint"],
                   bundle["student"], streams, tuple(awards), disclosed,
                   None if online is None else OnlineAccess.from_json(online))

    def to_json(self) -> dict[str, Any]:
        # Members in the order of the format's description: a file reads top-down.
        bundle: dict[str, Any] = {
            "format": FORMAT,
            "exported": self.exported,
            "ledger": self.ledger,
            "operator": self.operator,
            "checkpoint": self.checkpoint,
            "student": self.student,
            "streams": dict(self.streams),
            "awards": list(self.awards),
            "disclosed": self.disclosed,
        }
        if self.online is not None:
            bundle["online"] = self.online.to_json()
        return bundle


def leaf_from_entry(entry: dict[str, Any]) -> bytes:
    """The leaf bytes of a bundle entry, recomputed from its event and recorded time."""
    if not isinstance(entry, dict):
        raise MalformedError("an entry is not a JSON object")
    event = _event_of(entry)
    return leaf_record(event, document_hash(event), parse_timestamp(entry.get("recorded")))


def _event_of(entry: dict[str, Any]) -> dict[str, Any]:
    event = entry.get("event")
    if not isinstance(event, dict):
        raise MalformedError("the entry has no event object")
    return event


def _hash_from_base64(text: object, what: str = "an inclusion proof element") -> bytes:
    try:
        raw = base64.b64decode(text, validate=True) if isinstance(text, str) else b""
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != HASH_SIZE:
        raise MalformedError(f"{what} is not the base64 of a {HASH_SIZE}-byte hash")
    return raw
