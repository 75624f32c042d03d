"""Keeping the read models up to date: the runner reads the ledger's notification log in bulk (which
works on SQLite too, where eventsourcing's subscriptions do not) and writes each page's rows with its
tracking record in one transaction. `rebuild()` clears the views and replays everything; the result
equals the incrementally maintained one. Readers that must see their own write call `wait(id)`."""

from __future__ import annotations

from eventsourcing.persistence import Tracking

from ledger.application import Ledger
from ledger.readmodels.queries import Queries
from ledger.readmodels.recorders import ReadModelMixin, SQLiteReadModel
from ledger.readmodels.rows import changes_for
from ledger.readmodels.schema import Change
from verifiers.timestamps import format_timestamp

PAGE = 500


class Projections(Queries):
    """Keeps the read models up to date with the ledger, and answers from them (`Queries`)."""

    def __init__(self, ledger: Ledger, view: ReadModelMixin):
        self.ledger = ledger
        self.view = view
        self.application_name = ledger.name

    @classmethod
    def of(cls, ledger: Ledger) -> Projections:
        recorder_class: type[ReadModelMixin] = SQLiteReadModel
        if ledger.config.backend == "postgres":
            from ledger.readmodels.postgres import PostgresReadModel  # psycopg only when PostgreSQL is in use

            recorder_class = PostgresReadModel
        view = ledger.factory.tracking_recorder(recorder_class)  # type: ignore[arg-type]
        assert isinstance(view, ReadModelMixin)
        return cls(ledger, view)

    def position(self) -> int:
        return self.view.max_tracking_id(self.application_name) or 0

    def catch_up(self, limit: int | None = None) -> int:
        """Process every notification not yet tracked; returns how many were processed."""
        processed = 0
        while limit is None or processed < limit:
            start = self.position()
            page = PAGE if limit is None else min(PAGE, limit - processed)
            notifications = self.ledger.recorder.select_notifications(start=start, limit=page, inclusive_of_start=False)
            if not notifications:
                break
            positions = self.ledger.store.positions_of(notifications[0].id, notifications[-1].id)
            changes: list[Change] = []
            for notification in notifications:
                event = self.ledger.mapper.to_domain_event(notification)
                document = event.document  # type: ignore[attr-defined]
                changes += changes_for(document, format_timestamp(event.timestamp),  # type: ignore[attr-defined]
                                       positions[notification.id], document["sequence"])
            tracking = Tracking(notification_id=notifications[-1].id, application_name=self.application_name)
            if self.view.apply(changes, tracking, start or None):
                processed += len(notifications)
        return processed

    def rebuild(self) -> int:
        self.view.clear(self.application_name)
        return self.catch_up()

    def wait(self, notification_id: int, timeout: float = 5.0) -> None:
        """Read-your-writes: block until the views include `notification_id` (TimeoutError otherwise)."""
        self.view.wait(self.application_name, notification_id, timeout=timeout)  # type: ignore[attr-defined]
