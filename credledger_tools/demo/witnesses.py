"""The demo's two witnesses (`credledger demo --witnesses`, which `make run` uses): each a witness
directory of its own under the instance (`witnesses/w1`, `witnesses/w2`), watching the demo's log,
and the log configured to ask them on loopback ports. `make run` starts them (`credledger witness
serve`) beside the server, so a newcomer sees cosigned checkpoints at once. Demonstration only: real
witnesses are other parties' machines (README, "Trust model")."""

from __future__ import annotations

import dataclasses

from ledger.application import Ledger
from web.witness import add_log, init_witness

PORTS = (7381, 7382)


def add_demo_witnesses(ledger: Ledger, passphrase: str) -> list[str]:
    """Make the two witnesses and have the log ask them; returns their names."""
    settings, names = [], []
    for number, port in enumerate(PORTS, start=1):
        directory = ledger.config.data_dir / "witnesses" / f"w{number}"
        name = f"witness{number}.demo.example/w"
        verifier = init_witness(directory, name, passphrase)
        add_log(directory, ledger.transparency_log.verifier_key)
        settings.append((verifier.to_key_string(), f"http://127.0.0.1:{port}"))
        names.append(name)
    dataclasses.replace(ledger.config, witnesses=(*ledger.config.witnesses, *settings)).save()
    return names
