"""The background duties of a deployment, in one place: integrating the transparency log, keeping
the read models up to date, and signing again the Bitstring Status Lists whose bits changed
(`ledger.vc.statuslist`: a revocation shows in its list within a tick, about `interval` seconds).
asking the witnesses to cosign each new checkpoint (`ledger.witnessing`). One worker process per deployment (`credledger worker`), or a thread of
`credledger serve`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ledger.application import Ledger
from ledger.readmodels import Projections
from ledger.vc.statuslist import refresh_status_lists


# Status lists are looked at after every tick in which the read models moved (a revocation, a key
# rotation) and otherwise at least this often (a list past half its lifetime is signed again).
STATUS_SWEEP_SECONDS = 60.0
# A witness that did not cosign the latest checkpoint is asked again this often (and at every new one).
WITNESS_RETRY_SECONDS = 5.0


class Worker:
    """The background process of a deployment: log integration and witnesses, projections, status lists."""

    def __init__(self, ledger: Ledger, interval: float = 0.5, on_error: Callable[[Exception], None] | None = None,
                 on_witness: Callable[[str, str], None] | None = None):
        self.ledger = ledger
        self.projections = Projections.of(ledger)
        self.interval = interval
        self.on_error = on_error
        # time.monotonic() and the read models' position at the last status list sweep (the web's
        # pages catch the read models up too: the position, not this worker's own catch-up, tells)
        self._swept: tuple[float, int] | None = None
        # The checkpoint size last sent to the witnesses, when, and whether one did not cosign it.
        self._witnessed: tuple[int, float, bool] = (-1, 0.0, False)
        self.on_witness = on_witness
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="credledger-worker", daemon=True)

    def start(self) -> Worker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def tick(self) -> None:
        """One round of every duty, in order: the status lists read the read models just caught up."""
        size = self.ledger.transparency_log.integrate()
        if self.ledger.config.witnesses and (size != self._witnessed[0] or (
                self._witnessed[2] and time.monotonic() - self._witnessed[1] >= WITNESS_RETRY_SECONDS)):
            # Each new checkpoint goes to the witnesses at once; one that did not answer is asked again
            # a little later (not every tick: a witness that is down costs its timeout each time).
            outcomes = self.ledger.witnessing.ask()
            failed = {name: outcome for name, outcome in outcomes.items() if outcome != "cosigned"}
            self._witnessed = (size, time.monotonic(), bool(failed))
            for name, outcome in failed.items():
                if self.on_witness:
                    self.on_witness(name, outcome)
        self.projections.catch_up()
        position = self.projections.position()
        if self._swept is None or self._swept[1] != position or time.monotonic() - self._swept[0] >= STATUS_SWEEP_SECONDS:
            refresh_status_lists(self.ledger, self.projections)
            self._swept = (time.monotonic(), position)

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception as e:  # a passing database error must not end the worker
                if self.on_error:
                    self.on_error(e)
            self._stop.wait(self.interval)
