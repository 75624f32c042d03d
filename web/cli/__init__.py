"""`credledger`: the command line, a thin layer over the ledger service.

Exit codes: 0 done; 1 a check failed (audit, verification); 2 bad input or
usage; 3 the ledger refused the event; 4 not found; 5 setup (no instance,
wrong passphrase, database unreachable); 70 a fault of ours (never a finding about your data). `--json` prints machine output.
One module per area registers its commands on `main` when imported here.
"""

from web.cli import bench, crosswalk, instance, log, records, reports, roster, transcripts, witness  # noqa: F401 (they register commands)
from web.cli.base import main

__all__ = ["main"]
