"""`credledger bench …`: targets live in benchmarks, not in timed tests.

Each benchmark makes its own scratch instance (and, on PostgreSQL, a scratch
schema), measures, and removes it; nothing touches the instance of `--data`.

    scratch       the scratch instance and schema, the benchmark district, the rate loop
    ingest        `bench ingest`: signed-and-stored events/s against bare baselines
    log           `bench log`: log append against issuance, proofs in a large log
    projections   `bench projections`: a full rebuild of the read models
    verify        `bench verify`: offline verification of a bundle against the bare floor
    report        `bench report`: each district report and a pathway page at district size, against the floor
    report_instance  the instance it measures (districts, a CTE center, listings, 30,000 students), cached
    export        `bench export`: sign and verify one Open Badges 3.0 badge against the bare floor
"""
