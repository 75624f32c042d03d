"""WSGI entry point for production servers:
`gunicorn --access-logfile - --logger-class web.access_log.RedactingGunicornLogger 'web.wsgi:app'`
(the logger class keeps share tokens and claim codes out of the access log; README, Deployment).

Opens the ledger named by CREDLEDGER_DATA with CREDLEDGER_PASSPHRASE. It never
creates tables (that is `credledger init`, once). Keeping the log checkpointed
is `credledger worker`'s job, in its own process; a web worker integrates only
when a transcript it must prove has events the worker has not checkpointed yet
(at most half a second's worth: requests cannot make it sign more than writes
already stored).
"""

from __future__ import annotations

import os

from ledger.config import data_dir_from_env
from ledger.instance import open_ledger
from web import create_app



def _verify_rate_limit() -> tuple[int, int] | None:
    """CREDLEDGER_VERIFY_RATE_LIMIT: "HITS/SECONDS" per client (default 120/60), or "off"."""
    value = os.environ.get("CREDLEDGER_VERIFY_RATE_LIMIT", "120/60")
    if value == "off":
        return None
    hits, _, seconds = value.partition("/")
    return int(hits), int(seconds or 60)


app = create_app({
    "LEDGER": open_ledger(data_dir_from_env(), os.environ["CREDLEDGER_PASSPHRASE"]),
    # Behind HTTPS in production; CREDLEDGER_INSECURE_COOKIES=1 only for plain-http benchmarks and trials.
    "SESSION_COOKIE_SECURE": os.environ.get("CREDLEDGER_INSECURE_COOKIES") != "1",
    "VERIFY_RATE_LIMIT": _verify_rate_limit(),
})
