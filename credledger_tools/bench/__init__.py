"""`credledger bench …`: targets live in benchmarks, not in timed tests.

Each benchmark makes its own scratch instance (and, on PostgreSQL, a scratch
schema), measures, and removes it; nothing touches the instance of `--data`.

    scratch       the scratch instance and schema, the benchmark district, the rate loop
    ingest        `bench ingest`: signed-and-stored events/s against bare baselines
    log           `bench log`: log append against issuance, proofs in a large log
    projections   `bench projections`: a full rebuild of the read models
    verify        `bench verify`: offline verification of a bundle against the bare floor
    report        `bench report`: a district report over many awards
    export        `bench export`: sign and verify one Open Badges 3.0 badge against the bare floor
"""
