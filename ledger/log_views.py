"""Finding an event's place in the log."""

from __future__ import annotations

import uuid

from ledger.application import Ledger
from ledger.errors import InputError, NotFoundError


def leaf_of_event(ledger: Ledger, event: str) -> int:
    """The log index of the event `STREAM:SEQUENCE`."""
    stream, _, sequence = event.partition(":")
    try:
        stream_id, number = str(uuid.UUID(stream)), int(sequence)
    except ValueError:
        raise InputError.for_field("event", "expected STREAM:SEQUENCE") from None
    for row in ledger.store.select_journal_of_stream(stream_id):
        if row.originator_version == number:
            return row.position  # the journal position is the leaf index
    raise NotFoundError(f"no event {event}")
