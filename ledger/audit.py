"""`credledger audit`: re-verify everything that is stored, from scratch.

The audit replays the store in its global order into fresh in-memory
aggregates and runs, for every event, the same `rules.check_document` the
ledger ran on the way in, this time verifying every signature. It also checks
what only storage can get wrong: the event decodes, its stream position
matches the document, the journal gives it the next dense log position, and
the journal's leaf is the leaf recomputed from the event. The first event that
fails is reported; later ones are not trusted after it, so the audit stops.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.utils import TopicError, resolve_topic

from keys.errors import KeyStoreError
from ledger import rules
from ledger.aggregates import AGGREGATE_CLASSES, SignedAggregate, Student
from ledger.application import Ledger
from ledger.errors import IntegrityError, LedgerError
from ledger.relations import AMENDED, OFFERED, RelationSet, changes_of
from ledger.schemas import validate_document
from ledger.vault import unseal
from verifiers import compact_range
from verifiers.checkpoint import verify_checkpoint
from verifiers.cosignature import cosignatures
from verifiers.errors import VerificationError
from verifiers.keyhistory import KeyRecord
from verifiers.merkle import EMPTY_ROOT, hash_leaf
from verifiers.note import Verifier
from verifiers.protocol import documents as d

PAGE = 1000
# What reading a tampered row can raise: eventsourcing's cipher raises ValueError for a
# failed tag, JSON and UTF-8 errors are ValueErrors, a damaged topic is a TopicError, a
# missing or wrong member a TypeError, KeyError or AttributeError, damaged compression zlib.error.
UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, TopicError, zlib.error)


@dataclass(frozen=True)
class Finding:
    """The first stored event that does not verify, and why."""

    position: int
    notification_id: int | None
    stream: str
    sequence: int
    problem: str


@dataclass(frozen=True)
class AuditReport:
    events: int
    finding: Finding | None
    log_size: int = 0
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return self.finding is None


class _ReplayView:
    """The LedgerView of the audit: only what has been replayed so far."""

    def __init__(self, ledger_id: str, operator_did: str, operator_key: KeyRecord):
        self.ledger_id = ledger_id
        self.operator_did = operator_did
        self.operator_key = operator_key
        self.aggregates: dict[str, SignedAggregate] = {}
        self.facts = RelationSet()
        self.status_entries: set[tuple[str, int, int, str]] = set()  # (issuer, list, index, award) issued

    def stream(self, stream_id: str) -> SignedAggregate | None:
        return self.aggregates.get(stream_id)

    def relates(self, student_id: str, institution: str, on: date, bases: frozenset[str]) -> bool:
        return self.facts.relates(student_id, institution, on, bases)

    def amended(self, award_id: str) -> bool:
        return self.facts.exists(award_id, AMENDED)

    def offered(self, award_id: str) -> bool:
        return self.facts.exists(award_id, OFFERED)


class _Bad(Exception):
    pass


def audit(ledger: Ledger, progress: Callable[[int], None] | None = None) -> AuditReport:
    # Ids are compared as stored text by every read (a stream is found by its id's exact spelling):
    # a spelling the library would parse into the same UUID hides the event from its stream.
    for notification_id, stream, version in ledger.store.noncanonical_events():
        positions = ledger.store.positions_of(notification_id, notification_id)
        return AuditReport(0, Finding(positions.get(notification_id, -1), notification_id, stream, version,
                                      f"the stored stream id {stream!r} is not in canonical form "
                                      "(32 lowercase hex digits): the event is hidden from its stream"))
    view = _ReplayView(ledger.config.ledger_id, ledger.operator_did, ledger.operator_key)
    count = 0
    for position, notification, journal in _stored(ledger):
        where = (position, getattr(notification, "id", None), getattr(notification, "originator_id", "?"),
                 getattr(notification, "originator_version", 0))
        try:
            _check_one(ledger, view, position, notification, journal)
        except _Bad as e:
            return AuditReport(count, Finding(where[0], where[1], str(where[2]), int(where[3]), str(e)))
        count += 1
        if progress and count % PAGE == 0:
            progress(count)
    # The vault: every row opens with its own student id as associated data (a row moved to another
    # student, or one flipped bit, does not), and belongs to a student the ledger registered.
    problem = _vault_problem(ledger, view)
    if problem is not None:
        return AuditReport(count, Finding(count, None, "student_identities", 0, problem))
    problem = _key_store_problem(ledger)
    if problem is not None:
        return AuditReport(count, Finding(count, None, "key store", 0, problem))
    # Who may see a student is read from stored facts: they must be exactly the replayed ones.
    if set(ledger.store.select_all_relations()) != set(view.facts):
        return AuditReport(count, Finding(count, None, "relations", 0,
                                          "the stored access facts (ledger_relations) differ from the events"))
    # Which award a status list entry revokes is read from stored rows: exactly the issued ones.
    if set(ledger.store.select_status_entries()) != view.status_entries:
        return AuditReport(count, Finding(count, None, "status entries", 0, "the stored status list entries "
                                          "(ledger_status_entries) differ from the signed CredentialIssued events"))
    return audit_log(ledger, count)


def _vault_problem(ledger: Ledger, view: _ReplayView) -> str | None:
    """Every registered student has a vault row that opens, unless their erasure is recorded."""
    after, held = "", set()
    while rows := ledger.store.select_vault(after, PAGE):
        for student_id, sealed in rows:
            if not isinstance(view.aggregates.get(student_id), Student):
                return f"the vault holds a row for {student_id!r}, a student the ledger never registered"
            if view.aggregates.get(d.erasure_stream(student_id)) is not None:
                return f"the vault holds a row for student {student_id}, whose erasure is recorded"
            try:
                identity = unseal(sealed, ledger.vault_key, student_id)
                commitments = identity.commitments()
            except (IntegrityError, *UNREADABLE):
                return f"the vault row of student {student_id} does not open (damaged, or moved from another student)"
            # Sealed anew with another claim (a state id, a name changed by someone holding the vault key):
            # it opens, but no longer opens the commitments the student's events signed: the registration's,
            # and a state id recorded since (StateIdRecorded) in place of the registration's.
            student = view.aggregates[student_id]
            assert isinstance(student, Student)
            if commitments != student.commitments:
                changed = sorted(c for c in commitments.keys() | student.commitments.keys()
                                 if commitments.get(c) != student.commitments.get(c))
                return (f"the vault row of student {student_id} does not match the commitments of their "
                        f"registration and record ({', '.join(changed)})")
            held.add(student_id)
        after = rows[-1][0]
    for stream_id, aggregate in view.aggregates.items():
        if isinstance(aggregate, Student) and stream_id not in held and \
                view.aggregates.get(d.erasure_stream(stream_id)) is None:
            return f"the vault row of student {stream_id} is missing, and no erasure of it is recorded"
    return None


def _key_store_problem(ledger: Ledger) -> str | None:
    """Every private key the server holds opens with this instance's passphrase and is the key its file
    names (authenticated encryption, the key id bound as associated data), and the operator's and the
    log's keys are there. The keys' history itself (added, retired, compromised, by whom, when) is in
    the issuers' signed events, replayed above; an extra key file no event names is not evidence of
    anything (a write that failed before its event was stored) and is not reported."""
    try:
        for key_id in ledger.keystore.key_ids():
            ledger.keystore.signer(key_id)
    except KeyStoreError as e:
        return f"a key file does not open: {e}"
    for role, key_id in (("operator", ledger.config.operator_key_id), ("log", ledger.config.log_key_id)):
        if key_id not in ledger.keystore:
            return f"the {role} key {key_id} is missing from the key store"
    return None


def audit_log(ledger: Ledger, events: int) -> AuditReport:
    """Recompute the Merkle tree from the journal; check every stored node and kept checkpoint.

    Streams the leaves keeping only the tree's right edge (O(log n) memory).
    The journal leaves themselves were checked against the events above.
    """
    store, log = ledger.store, ledger.transparency_log
    verifier = Verifier.from_key_string(log.verifier_key)
    checkpoints = store.select_checkpoints()
    by_size = {size: (root, note) for size, root, note in checkpoints}
    for size, root, note in checkpoints:
        try:
            checkpoint = verify_checkpoint(note, verifier)
        except VerificationError as e:
            return _log_finding(events, size, f"checkpoint of size {size} does not verify: {e}")
        if (checkpoint.size, checkpoint.root_hash, checkpoint.origin) != (size, root, log.origin):
            return _log_finding(events, size, f"checkpoint of size {size} differs from its stored root")
    problem = _cosignature_problem(ledger, by_size)
    if problem is not None:
        return _log_finding(events, problem[0], problem[1])
    anchor = log.anchor.read()
    if anchor is not None and by_size.get(anchor.size, (None,))[0] != anchor.root:
        return _log_finding(events, anchor.size, f"the store does not hold the checkpoint of size {anchor.size} "
                                                 f"the log key signed at {anchor.signed_at} (the log's anchor): "
                                                 "checkpoints were deleted, or the database was rolled back or "
                                                 "replaced")
    log_size = store.log_size()
    if checkpoints and checkpoints[-1][0] < log_size:
        return _log_finding(events, log_size, "the log has nodes beyond its latest checkpoint")
    if checkpoints and checkpoints[-1][0] > log_size:
        # Nodes and checkpoint are stored in one transaction: leaves are missing.
        return _log_finding(events, log_size, f"the checkpoint of size {checkpoints[-1][0]} covers leaves "
                                              f"the log does not store ({log_size})")
    if log_size > events:
        return _log_finding(events, log_size, "the log has more leaves than the ledger has events")
    edge: dict[tuple[int, int], bytes] = {}
    if 0 in by_size and by_size[0][0] != EMPTY_ROOT:
        return _log_finding(events, 0, "the checkpoint of the empty log has a wrong root")
    for start in range(0, log_size, PAGE):
        stop = min(start + PAGE, log_size)
        leaves = store.select_journal_leaves(start, stop)
        stored = _stored_nodes(store, start, stop)
        for offset, leaf in enumerate(leaves):
            size = start + offset
            for node, value in compact_range.extend_edge(edge, size, hash_leaf(leaf)):
                if stored.get(node) != value:
                    return _log_finding(events, size, f"stored log node {node} differs from the recomputed tree")
            if size + 1 in by_size and compact_range.root_from_nodes(size + 1, edge) != by_size[size + 1][0]:
                return _log_finding(events, size + 1, f"checkpoint of size {size + 1} has a wrong root")
    return AuditReport(events, None, log_size, len(checkpoints))


def _cosignature_problem(ledger: Ledger, by_size: dict[int, tuple[bytes, str]]) -> tuple[int, str] | None:
    """Each kept witness cosignature is of a kept checkpoint and, for a witness still configured, verifies
    over it with the time it was kept under (what /log/checkpoint and bundles serve and quorums count).
    A witness no longer configured has no pinned key here: its lines are kept as they were, unjudged."""
    pinned = {w.verifier.name: w.verifier for w in ledger.witnessing.witnesses}
    for size, witness, line, cosigned_at in ledger.store.select_cosignatures():
        if size not in by_size:
            return size, f"a cosignature of {witness} is kept for a checkpoint of size {size} the store does not hold"
        verifier = pinned.get(witness)
        if verifier is None:
            continue
        try:
            found = cosignatures(by_size[size][1] + line, [verifier])
        except VerificationError:
            found = []
        if [c.timestamp for c in found] != [cosigned_at]:
            return size, (f"the kept cosignature of {witness} for the checkpoint of size {size} does not verify "
                          "with its pinned key, or not at the time kept with it")
    return None


def _stored_nodes(store: Any, start: int, stop: int) -> dict[tuple[int, int], bytes]:
    """The stored perfect nodes completed by leaves [start, stop): one range read per level."""
    nodes: dict[tuple[int, int], bytes] = {}
    level = 0
    while (1 << level) <= stop:
        # Node (level, i) completes with leaf (i + 1) * 2**level - 1.
        lo = -(-(start + 1) // (1 << level)) - 1
        hi = stop >> level
        if hi > lo:
            for i, value in enumerate(store.select_level(level, lo, hi)):
                nodes[(level, lo + i)] = value
        level += 1
    return nodes


def _log_finding(events: int, position: int, problem: str) -> AuditReport:
    return AuditReport(events, Finding(position, None, "log", 0, problem))


def _stored(ledger: Ledger) -> Iterator[tuple[int, Any, Any]]:
    """Notifications and journal rows side by side, in global order."""
    store = ledger.store
    position, last_notification = 0, 0
    while True:
        notifications = ledger.recorder.select_notifications(
            start=last_notification, limit=PAGE, inclusive_of_start=False
        )
        journal = store.select_journal(position, len(notifications) or 1)
        if not notifications:
            for row in journal:
                yield row.position, None, row  # a journal row with no event behind it
            return
        for i, notification in enumerate(notifications):
            yield position, notification, journal[i] if i < len(journal) else None
            position += 1
        last_notification = notifications[-1].id


def _check_one(ledger: Ledger, view: _ReplayView, position: int, notification: Any, journal: Any) -> None:
    if notification is None:
        raise _Bad("the journal has a log entry with no stored event")
    if journal is None or journal.position != position:
        raise _Bad(f"the journal has no log entry at position {position}")
    if (journal.notification_id, journal.originator_id, journal.originator_version) != (
        notification.id, str(UUID(str(notification.originator_id))), notification.originator_version
    ):
        raise _Bad(f"log entry {position} points at another event")
    try:
        event: Any = ledger.mapper.to_domain_event(notification)  # a SignedAggregate event, if it decodes
        document = event.document
        recorded = event.timestamp
        validate_document(document)
        # What applying the event will read of it: an opening event names its aggregate's class,
        # which must be the one its document's type opens (a renamed key or another valid topic
        # is damage, found here, not a crash further on).
        if isinstance(event, SignedAggregate.Opened):
            kind = resolve_topic(event.originator_topic)
            if kind is not AGGREGATE_CLASSES.get(d.OPENING_EVENTS.get(document["type"], "")):
                raise _Bad("the stored event names another kind of stream than its document opens")
    except LedgerError as e:
        raise _Bad(f"the stored document is malformed: {e}") from None
    except UNREADABLE as e:  # decryption, decompression, JSON, topic or shape: all mean tampering
        raise _Bad(f"the stored event cannot be read ({type(e).__name__})") from None
    if document["stream"] != str(event.originator_id) or document["sequence"] != event.originator_version:
        raise _Bad("the document's stream or sequence differs from where it is stored")
    try:
        rules.check_document(document, view, recorded, verify_signatures=True)
    except LedgerError as e:
        raise _Bad(str(e)) from None
    # The document passed the shape and rule checks: applying it cannot fail on
    # stored data, so an error here is a bug of ours and must not pass as tampering.
    aggregate = event.mutate(view.aggregates.get(document["stream"]))
    view.aggregates[document["stream"]] = aggregate
    if journal.leaf != d.leaf_record(document, aggregate.last_hash, recorded):
        raise _Bad(f"log entry {position} does not match the event")
    student_id = document.get("student") or getattr(aggregate, "student", None)
    if (journal.event_type, journal.student_id) != (document["type"], student_id):
        raise _Bad(f"log entry {position} names another event type or student than the event")
    for change in changes_of(document, aggregate):
        view.facts.apply(change)
    if document["type"] == d.CREDENTIAL_ISSUED and "statusList" in document:
        view.status_entries.add((document["issuer"], document["statusList"], document["statusIndex"], document["award"]))
