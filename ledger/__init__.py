"""The event-sourced core: every fact is a signed event; this package stores, checks and reads them.

    application  the ledger service (`Ledger`): commands in, signed and checked events stored;
                 its public reads return the plain values of `values`
    rules        what may be recorded (the checks that need ledger state); the pure authority
                 and custody rules are `verifiers.protocol.authority`
    schemas      the shapes of signed event documents; aggregates: a stream's working state
    access       who may see, or record for, a student (over the facts of `relations`)
    store        eventsourcing's recorders plus the tables written in the same transaction;
                 postgres: the PostgreSQL side
    log, treemath, log_views, anchor   the RFC 9162 transparency log and its anchor
    readmodels/  the read side; reports/ and pathways/: district reports and state rules over it
    worker       the background duties (log integration, read models)
    export       transcript bundles and online evidence; audit, backup: re-verify, copy, restore
    catalog, catalog_codes, listings, assessments, csv_rows, statelists   the catalog and the state's data
    enrollment   a student's class, enrollment, graduation, move and state id, by the district of record
    witnessing   asking witnesses to cosign the log's checkpoints
    vault        the PII vault; instance, config: making and opening an instance; setting_files: the
                 operator's JSON settings in the data directory (issuer states and codes, state-file layouts)

May import `keys`, `verifiers`, `eventsourcing` and its drivers; never `web` or `credledger_tools`
(import-linter contracts in pyproject.toml, run by tests/test_layers.py).
"""
