"""The verification of one bundle: its shared context and the steps, in the order
the spec gives them (see the numbered list in `verifiers.bundle`), all but step 6
(issuer authority: `verifiers.bundle_authority`). Each step raises, or returns the
plain words a person reads; `verifiers.bundle` assembles them into results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache, partial
from typing import Any

from verifiers.bundle_results import StepResult, _NotChecked
from verifiers.checkpoint import Checkpoint, verify_checkpoint
from verifiers.commitments import salt_from_text, verify_commitment
from verifiers.dataintegrity import proofs_of, verify_proof
from verifiers.didkey import DID_KEY_PREFIX, public_key_from_verification_method
from verifiers.errors import (
    ChainError,
    CommitmentError,
    KeyValidityError,
    MalformedError,
    ProofError,
    SignatureError,
    VerificationError,
)
from verifiers.keyhistory import KeyRecord, verify_key_valid_at
from verifiers.merkle import hash_leaf, verify_consistency, verify_inclusion
from verifiers.note import NoteVerifier
from verifiers.policy import VerificationPolicy
from verifiers.protocol.bundle import Bundle, Entry, OnlineEvidence
from verifiers.protocol.status import revoked_status
from verifiers.protocol.documents import (
    CREDENTIAL_ISSUED,
    CREDENTIAL_REVOKED,
    CREDENTIAL_TRANSFERRED,
    ISSUER_KEY_ADDED,
    ISSUER_KEY_COMPROMISED,
    ISSUER_KEY_RETIRED,
    ISSUER_REGISTERED,
    KEY_EVENTS,
    STUDENT_REGISTERED,
    credential_stream,
    issuer_stream_of,
    required_signers,
    text_of,
    verification_method_of,
)
from verifiers.timestamps import format_timestamp, parse_timestamp

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# One verification ------------------------------------------------------------------------


@dataclass(frozen=True)
class _KeyEvent:
    issuer: str
    index: int
    kind: str
    key: str
    time: datetime


@dataclass
class _Evidence:
    """The streams one award relies on: its own, the student's, the catalog's, its signers'."""

    award: str
    issued: dict[str, Any] | None = None
    streams: dict[str, tuple[Entry, ...]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def entries(self) -> Iterator[Entry]:
        for entries in self.streams.values():
            yield from entries

    def award_entries(self) -> tuple[Entry, ...]:
        return self.streams.get(self.award, ())


class _Verification:
    """One bundle under verification; each entry's checks run once, whatever relies on it."""

    def __init__(self, bundle: Bundle, policy: VerificationPolicy, online: OnlineEvidence | None):
        self.bundle = bundle
        self.policy = policy
        self.online = online
        self._streams: dict[str, tuple[Entry, ...] | str] = {}
        self._done: dict[tuple[str, str, int], tuple[type[VerificationError], str] | None] = {}
        self._key_events: dict[str, list[_KeyEvent]] = {}
        self._current: dict[str, tuple[Entry, ...] | str] = {}
        self.checkpoint_step, self.verifier, self.checkpoint = _check_checkpoint(bundle.checkpoint, policy)
        self.consistency_step, self.newer = _check_consistency(self)

    # Streams of the bundle.

    def stream(self, stream_id: str) -> tuple[Entry, ...]:
        """The stream's entries; MalformedError if the bundle lacks it or it is unreadable."""
        if stream_id not in self._streams:
            self._streams[stream_id] = _read_stream(self.bundle.streams, stream_id)
        found = self._streams[stream_id]
        if isinstance(found, str):
            raise MalformedError(found)
        return found

    def label(self, entry: Entry) -> str:
        return f"{entry.type} (entry {entry.position + 1} of stream {entry.stream})"

    def once(self, check: str, entry: Entry, position: int, run: Callable[[], None]) -> None:
        """Run a check of one entry (or stream: position -1) once; raise its failure every time."""
        key = (check, entry.stream, position)
        if key not in self._done:
            try:
                run()
                self._done[key] = None
            except VerificationError as e:
                self._done[key] = (type(e), f"{self.label(entry)}: {e}")
        failure = self._done[key]
        if failure is not None:
            raise failure[0](failure[1])

    # Issuers.

    def key_events(self, did: str) -> list[_KeyEvent]:
        if did not in self._key_events:
            try:
                entries = self.stream(issuer_stream_of(did) or "")
            except MalformedError:
                raise KeyValidityError(f"the key history of {did} is not in the bundle") from None
            self._key_events[did] = [_key_event(e, did) for e in entries
                                     if e.type in (ISSUER_REGISTERED, *KEY_EVENTS)]
        return self._key_events[did]

    def key_record(self, did: str, method: str, index: int, later: Sequence[_KeyEvent] = ()) -> KeyRecord:
        """The key ``method`` of ``did`` as it stood for an event at log ``index``."""
        if did.startswith(DID_KEY_PREFIX):
            # The operator (or any did:key): the key is the DID itself, valid for ever.
            if method.partition("#")[0] != did:
                raise KeyValidityError(f"{method} is not the key of {did}")
            return KeyRecord(method, _public_key(method), _EPOCH)
        valid_from = retired = compromised = None
        for event in self.key_events(did):
            if event.key != method or event.index >= index:
                continue
            if event.kind in (ISSUER_REGISTERED, ISSUER_KEY_ADDED) and valid_from is None:
                valid_from = event.time
            elif event.kind == ISSUER_KEY_RETIRED and retired is None:
                retired = event.time
        if valid_from is None:
            raise KeyValidityError(f"{method} was not a key of {did} when the event was recorded")
        for event in (*self.key_events(did), *later):
            if event.issuer == did and event.key == method and event.kind == ISSUER_KEY_COMPROMISED:
                compromised = event.time if compromised is None else min(compromised, event.time)
        return KeyRecord(method, _public_key(method), valid_from, retired, compromised)

    # Online.

    def current(self, stream_id: str, label: str) -> tuple[Entry, ...]:
        """The entries the server has beyond the bundle's, proven in the newer tree."""
        if stream_id not in self._current:
            try:
                self._current[stream_id] = _newer_entries(self, stream_id, label)
            except VerificationError as e:
                self._current[stream_id] = f"{label}: {e}"
        found = self._current[stream_id]
        if isinstance(found, str):
            raise ProofError(found)
        return found


def _read_stream(streams: Mapping[str, list[Any]], stream_id: str) -> tuple[Entry, ...] | str:
    raw = streams.get(stream_id)
    if raw is None:
        return f"stream {stream_id} is not in the bundle"
    if not raw:
        return f"stream {stream_id} is empty"
    try:
        return tuple(Entry.from_json(stream_id, n, entry) for n, entry in enumerate(raw))
    except MalformedError as e:
        return f"stream {stream_id} is unreadable: {e}"


def _key_event(entry: Entry, issuer: str) -> _KeyEvent:
    event = entry.event
    when = event.get("validFrom") if entry.type in (ISSUER_REGISTERED, ISSUER_KEY_ADDED) else event.get("at")
    return _KeyEvent(issuer, entry.index, entry.type, text_of(event, "key"), parse_timestamp(when))


def _gather(v: _Verification, award: str) -> _Evidence:
    evidence = _Evidence(award)
    seen: set[str] = set()

    def add(stream_id: str, what: str) -> None:
        if stream_id in seen:
            return
        seen.add(stream_id)
        try:
            evidence.streams[stream_id] = v.stream(stream_id)
        except MalformedError as e:
            evidence.missing.append(f"{what}: {e}")

    add(award, "the award")
    award_entries = evidence.streams.get(award, ())
    if award_entries and award_entries[0].type == CREDENTIAL_ISSUED:
        issued = evidence.issued = award_entries[0].event
        if isinstance(issued.get("student"), str):
            add(issued["student"], "the student's registration")
        if isinstance(issued.get("credential"), str):
            add(credential_stream(issued["credential"]), f"the catalog entry {issued['credential']}")
    # The key history of every issuer that signed any of those events, and of
    # whoever signed those histories; the operator has none (its key is its did:key).
    done: set[str] = set()
    while pending := [s for s in evidence.streams if s not in done]:
        for stream_id in pending:
            done.add(stream_id)
            for entry in evidence.streams[stream_id]:
                for did in (entry.event.get("actor"), entry.event.get("to")):
                    issuer_stream = issuer_stream_of(did)
                    if issuer_stream is not None:
                        add(issuer_stream, f"the key history of {did}")
    return evidence


# The steps ------------------------------------------------------------------------------


def _check_checkpoint(note: str, policy: VerificationPolicy,
                      ) -> tuple[StepResult, NoteVerifier | None, Checkpoint | None]:
    # 1. The note verifies with a pinned log key, and its origin is that key's name.
    problems: list[str] = []
    for verifier in policy.log_keys:
        try:
            checkpoint = verify_checkpoint(note, verifier)
        except VerificationError as e:
            problems.append(str(e))
            continue
        detail = f"signed by the pinned log key {verifier.name}: a tree of {checkpoint.size} entries"
        return StepResult("checkpoint", True, detail), verifier, checkpoint
    why = "; ".join(dict.fromkeys(problems))
    detail = f"the checkpoint does not verify with the pinned log key: {why} (a bundle from another log?)"
    return StepResult("checkpoint", False, detail), None, None


def _check_inclusion(v: _Verification, evidence: _Evidence) -> str:
    # 2. Every entry the award relies on is a leaf of the checkpoint's tree, at its index.
    if evidence.missing:
        raise ProofError("evidence missing from the bundle: " + "; ".join(evidence.missing))
    checkpoint = v.checkpoint
    if checkpoint is None:
        raise _NotChecked("not checked: the checkpoint did not verify, so there is no tree to check against")
    entries = list(evidence.entries())
    for entry in entries:
        def run(entry: Entry = entry) -> None:
            leaf_hash = hash_leaf(entry.leaf)
            try:
                verify_inclusion(entry.index, checkpoint.size, leaf_hash, entry.inclusion, checkpoint.root_hash)
            except ProofError as e:
                raise ProofError(f"not in the log at index {entry.index} ({e})") from None

        v.once("inclusion", entry, entry.position, run)
    return f"all {len(entries)} events it relies on are in the log's tree of {checkpoint.size} entries"


def _require_events(evidence: _Evidence) -> None:
    if not evidence.streams:
        raise _NotChecked("not checked: the bundle holds no events of this award")


def _check_chain(v: _Verification, evidence: _Evidence) -> str:
    # 3. Each stream runs from sequence 1 with no gap, each event names the hash of
    #    the one before, and all carry this bundle's ledger id and their own stream id.
    _require_events(evidence)
    for entries in evidence.streams.values():
        for entry in entries:
            previous = entries[entry.position - 1].hash if entry.position else None
            v.once("chain", entry, entry.position, partial(_check_link, v, entry, previous))
    count = sum(len(e) for e in evidence.streams.values())
    return (f"{len(evidence.streams)} streams ({count} events) are unbroken hash chains from sequence 1, "
            f"all of ledger {v.bundle.ledger}")


def _check_link(v: _Verification, entry: Entry, previous: str | None) -> None:
    event = entry.event
    sequence = event.get("sequence")
    if type(sequence) is not int or sequence != entry.position + 1:
        raise ChainError(f"sequence {sequence!r} where {entry.position + 1} belongs: "
                         "an event is missing or out of order")
    if event.get("previous") != previous:
        raise ChainError("'previous' is not the hash of the event before it")
    if event.get("ledger") != v.bundle.ledger:
        raise ChainError(f"signed for ledger {event.get('ledger')!r}, not this bundle's ledger {v.bundle.ledger}")
    if event.get("stream") != entry.stream:
        raise ChainError(f"names stream {event.get('stream')!r}, not the stream it is in")


def _check_signatures(v: _Verification, evidence: _Evidence) -> str:
    # 4. Every proof of every event verifies with the key its verificationMethod names.
    _require_events(evidence)
    entries = list(evidence.entries())
    for entry in entries:
        v.once("signature", entry, entry.position, partial(_verify_proofs, entry.event))
    return f"every signature on the {len(entries)} events verifies (eddsa-jcs-2022)"


def _verify_proofs(event: dict[str, Any]) -> None:
    for proof in proofs_of(event):
        method = verification_method_of(proof)
        try:
            verify_proof(event, proof, _public_key(method))
        except SignatureError:
            raise SignatureError(f"the signature by {method} does not verify: "
                                 "the event was changed after signing, or signed with another key") from None


def _check_keys(v: _Verification, evidence: _Evidence) -> str:
    # 5. Each proof's key belongs to the required signer and was valid when the
    #    log recorded the event (the log is the clock).
    _require_events(evidence)
    for entry in evidence.entries():
        v.once("key", entry, entry.position, partial(_check_entry_keys, v, entry))
    return "every key belonged to its signer and was valid when the log recorded the event"


def _check_entry_keys(v: _Verification, entry: Entry, later: Sequence[_KeyEvent] = ()) -> None:
    signers, proofs = required_signers(entry.event), proofs_of(entry.event)
    if len(proofs) > len(signers):
        raise KeyValidityError(f"carries {len(proofs)} proofs for {len(signers)} signer(s)")
    for did, proof in zip(signers, proofs):
        record = v.key_record(did, verification_method_of(proof), entry.index, later)
        try:
            verify_key_valid_at(record, entry.recorded)
        except KeyValidityError as e:
            raise KeyValidityError(f"recorded {format_timestamp(entry.recorded)}, but {e}") from None


def _status(evidence: _Evidence, today: date) -> tuple[str, StepResult]:
    # 7. Active, expired (expires < today; not a failure), superseded or revoked (a failure).
    issued = evidence.issued
    if issued is None:
        return "unknown", StepResult("status", None, "not checked: the bundle holds no CredentialIssued of this award")
    revocations = [e.event for e in evidence.award_entries() if e.type == CREDENTIAL_REVOKED]
    if revocations:
        status, detail = _revocation(revocations[-1])
        return status, StepResult("status", False, detail)
    expires = issued.get("expires")
    try:
        ended = expires is not None and date.fromisoformat(expires) < today
    except (TypeError, ValueError):
        return "unknown", StepResult("status", False, f"the expiry date {expires!r} is not a date")
    if ended:
        return "expired", StepResult("status", True, f"expired on {expires}: no longer current, but not revoked")
    until = f"valid until {expires}" if expires else "does not expire"
    return "active", StepResult("status", True, f"active on {today.isoformat()}: earned {issued.get('earned')}, {until}")


def revocation_in_bundle(evidence: _Evidence) -> dict[str, Any] | None:
    """The award's last CredentialRevoked event in the bundle, if any."""
    revocations = [e.event for e in evidence.award_entries() if e.type == CREDENTIAL_REVOKED]
    return revocations[-1] if revocations else None


def _revocation(event: dict[str, Any], when: str = "") -> tuple[str, str]:
    """The status and a plain account of a revocation."""
    reason = event.get("reason")
    detail = (f"revoked{when} by {event.get('actor')}, effective {event.get('effective')}: "
              f"{reason} ({event.get('note')})")
    return revoked_status(str(reason)), detail


def _check_identity(v: _Verification, evidence: _Evidence) -> str:
    # 8. The award is this bundle's student's, its commitments are the student's
    #    registration's, and each disclosed claim opens its commitment.
    issued = evidence.issued
    if issued is None:
        raise _NotChecked("not checked: the bundle holds no CredentialIssued of this award")
    student, subject = issued.get("student"), issued.get("subject")
    if student != v.bundle.student:
        raise CommitmentError(f"the award was issued to student {student}, not to this bundle's student "
                              f"{v.bundle.student}")
    if not isinstance(subject, dict):
        raise MalformedError("the award carries no identity commitments")
    registration = _registration_subject(v, student)
    if registration is not None and registration != subject:
        raise CommitmentError("the award's identity commitments differ from the student's registration")
    if not v.bundle.disclosed:
        raise _NotChecked(f"no identity claim disclosed; the award is bound to student {student}")
    for claim in sorted(v.bundle.disclosed):
        _open(v.bundle.disclosed, claim, subject)
    hidden = sorted(set(subject) - set(v.bundle.disclosed))
    opened = [f"{claim} opens its commitment" for claim in sorted(v.bundle.disclosed)]
    return "; ".join(opened + ([", ".join(hidden) + " not disclosed"] if hidden else []))


def _registration_subject(v: _Verification, student: str) -> object:
    try:
        first = v.stream(student)[0]
    except MalformedError:
        return None  # step 2 reports the missing registration
    return first.event.get("subject") if first.type == STUDENT_REGISTERED else None


def _open(disclosed: dict[str, Any], claim: str, subject: dict[str, Any]) -> None:
    opening = disclosed[claim]
    if not isinstance(opening, dict) or not isinstance(opening.get("value"), str):
        raise MalformedError(f"disclosed {claim} is not a value with its salt")
    if claim not in subject:
        raise CommitmentError(f"the award holds no commitment to {claim}")
    salt = opening.get("salt")
    if not isinstance(salt, str):
        raise MalformedError(f"disclosed {claim} has no salt")
    verify_commitment(claim, opening["value"], salt_from_text(salt), subject[claim])


def _check_consistency(v: _Verification) -> tuple[StepResult, Checkpoint | None]:
    # 9. Online: a newer checkpoint, signed by the same log key, extends the bundle's tree.
    if v.online is None:
        return StepResult("consistency", None, "not checked: offline (no newer checkpoint given)"), None
    if v.checkpoint is None or v.verifier is None:
        return StepResult("consistency", None, "not checked: the bundle's checkpoint did not verify"), None
    old = v.checkpoint
    try:
        newer = verify_checkpoint(v.online.checkpoint, v.verifier)
        verify_consistency(old.size, newer.size, list(v.online.consistency), old.root_hash, newer.root_hash)
    except VerificationError as e:
        return StepResult("consistency", False, f"the log's newer checkpoint does not extend the bundle's: {e}"), None
    detail = f"the log's newer checkpoint ({newer.size} entries) verifies and extends the bundle's ({old.size})"
    return StepResult("consistency", True, detail), newer


def _newer_entries(v: _Verification, stream_id: str, label: str) -> tuple[Entry, ...]:
    if v.online is None or v.newer is None:
        raise TypeError("online evidence and a trusted newer checkpoint are needed")
    raw = v.online.streams.get(stream_id) if isinstance(v.online.streams, dict) else None
    if not isinstance(raw, list):
        raise MalformedError("the server sent no current record of it")
    entries = tuple(Entry.from_json(stream_id, n, entry) for n, entry in enumerate(raw))
    known = v.stream(stream_id)
    if len(entries) < len(known) or any(
        (a.hash, a.index, a.recorded) != (b.hash, b.index, b.recorded) for a, b in zip(known, entries)
    ):
        raise ChainError("the server's record does not extend the bundle's")
    for entry in entries[len(known):]:
        _check_link(v, entry, entries[entry.position - 1].hash)
        leaf_hash = hash_leaf(entry.leaf)
        verify_inclusion(entry.index, v.newer.size, leaf_hash, entry.inclusion, v.newer.root_hash)
    return entries[len(known):]


def _check_current(v: _Verification, evidence: _Evidence) -> tuple[StepResult, dict[str, Any] | None]:
    # 10. Online: the award's and its issuers' events up to the newer checkpoint extend
    #     the bundle's; no later revocation, no later compromise reaching back over its events.
    if v.online is None:
        return StepResult("current_status", None, "not checked: offline"), None
    if v.newer is None:
        return StepResult("current_status", None, "not checked: no trusted newer checkpoint"), None
    if evidence.issued is None or evidence.missing:
        return StepResult("current_status", None, "not checked: the bundle's own evidence is incomplete"), None
    later_award = v.current(evidence.award, "the award")
    signers = {did for e in evidence.award_entries() for did in required_signers(e.event)}
    compromises: list[_KeyEvent] = []
    for stream_id, entries in evidence.streams.items():
        issuer = entries[0].event.get("issuer")
        if entries[0].type != ISSUER_REGISTERED or not isinstance(issuer, str):
            continue
        if issuer in signers or stream_id in v.online.streams:  # the award's own signers are required
            later = v.current(stream_id, f"the key history of {issuer}")
            compromises += [_key_event(e, issuer) for e in later if e.type == ISSUER_KEY_COMPROMISED]
    _check_later_compromises(v, evidence, compromises)
    revocations = [e.event for e in later_award if e.type == CREDENTIAL_REVOKED]
    if revocations:
        _, detail = _revocation(revocations[-1], " after the export")
        return StepResult("current_status", False, detail), revocations[-1]
    moves = [e.event.get("to") for e in later_award if e.type == CREDENTIAL_TRANSFERRED]
    moved = f"; custody since transferred to {moves[-1]}" if moves else ""
    return StepResult("current_status", True, f"no revocation and no key compromise up to the log's "
                                              f"checkpoint of {v.newer.size} entries{moved}"), None


def _check_later_compromises(v: _Verification, evidence: _Evidence, compromises: list[_KeyEvent]) -> None:
    if not compromises:
        return
    for entry in evidence.entries():
        try:
            _check_entry_keys(v, entry, compromises)
        except KeyValidityError as e:
            raise KeyValidityError(f"a key was declared compromised after the export: {v.label(entry)}: {e}") from None


@lru_cache(maxsize=256)
def _public_key(method: str) -> bytes:
    # Cached: a bundle names a handful of keys in many proofs, and base58 is slow.
    return public_key_from_verification_method(method)
