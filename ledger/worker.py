"""The background duties of a deployment, in one place: integrating the transparency log and keeping
the read models up to date (next: status lists and asking witnesses). One worker process per
deployment (`credledger worker`), or a thread of `credledger serve`."""

from __future__ import annotations

import threading
from collections.abc import Callable

from ledger.application import Ledger
from ledger.readmodels import Projections


class Worker:
    """The background process of a deployment: log integration and projections."""

    def __init__(self, ledger: Ledger, interval: float = 0.5, on_error: Callable[[Exception], None] | None = None):
        self.ledger = ledger
        self.projections = Projections.of(ledger)
        self.interval = interval
        self.on_error = on_error
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="credledger-worker", daemon=True)

    def start(self) -> Worker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.ledger.transparency_log.integrate()
                self.projections.catch_up()
            except Exception as e:  # a passing database error must not end the worker
                if self.on_error:
                    self.on_error(e)
            self._stop.wait(self.interval)
