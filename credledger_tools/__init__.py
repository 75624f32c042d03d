"""Tools beside the service: demo data, benchmarks and the load test.

Nothing here is part of the records service. These modules may import
`ledger`, `web`, `keys` and `verifiers`; nothing of the core imports them,
except the CLI's `credledger demo` and `credledger bench …` commands, which
load them lazily (inside the command), so the service never does.

    credledger_tools.demo       the fictional district `credledger demo` (and `make run`) loads
    credledger_tools.bench      `credledger bench ingest|log|projections|verify|report`
    credledger_tools.loadtest   `credledger bench share`: share links under load, gunicorn on loopback
"""
