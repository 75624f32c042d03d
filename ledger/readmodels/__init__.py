"""The read side: read models rebuilt from the events (transcripts, award status, the issuer
directory, the catalog, listings, assessments), which pages and reports read.

Built on eventsourcing's own machinery: the view is a TrackingRecorder (its tables live beside the
ledger's, on SQLite or PostgreSQL), and every batch of changes is written in one transaction together
with the tracking record of the last notification it covers, so processing is idempotent and a
restarted processor continues exactly where the last commit left off. Read models are not evidence:
`credledger audit --read-models` compares them with a fresh rebuild.

    schema       the tables, their later columns and indexes
    rows         the pure event → rows mapping, one function per event type
    recorders    the SQLite view (and the SQL shared with PostgreSQL); postgres: the PostgreSQL view
    projections  keeping the views up to date (catch up, rebuild, wait for a write)
    queries      what the web, the CLI and the reports ask of them, as plain values

May import ledger (the application, documents, errors) and verifiers; nothing of web.
"""

from ledger.readmodels.projections import Projections
__all__ = ["Projections"]
