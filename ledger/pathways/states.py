"""The state of an institution of record: whose rules a student sees.

Issuers carry no state in the ledger (an `IssuerRegistered` has a slug, a
name and a kind), and this task adds no event type. So an issuer's state is,
in this order:

1. configured: `issuer-states.json` in the instance's data directory, a JSON
   object of issuer slug -> "OH" | "MO" | "CO" | "NM" (`load_issuer_states`); the
   operator writes it, the demo writes its own;
2. derived from the lists: an institution that signs its own Colorado Menu
   of Options is a Colorado district (only Colorado has district lists);
3. derived from the lists: when the ledger holds one state's statewide list
   only (one state agency running the service), every institution is in
   that state;
4. otherwise unknown: the student's page says so and names the file, rather
   than showing every state's rules at once.

Pure but for `load_issuer_states`, which reads the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ledger.errors import InputError
from ledger.setting_files import read_setting, write_setting
from ledger.pathways.facts import ListingBook
from ledger.statelists import STATE_NAMES, STATES

ISSUER_STATES_FILE = "issuer-states.json"


def load_issuer_states(data_dir: Path | None) -> dict[str, str]:
    """The configured slug -> state mapping ({} without the file). InputError naming the file when it is wrong."""
    if data_dir is None:
        return {}
    raw = read_setting(Path(data_dir) / ISSUER_STATES_FILE, ISSUER_STATES_FILE, "a JSON object of issuer slug to state")
    if raw is None:
        return {}
    if not isinstance(raw, dict) or any(not isinstance(k, str) or v not in STATES for k, v in raw.items()):
        raise InputError.for_field(ISSUER_STATES_FILE, f"a JSON object of issuer slug to one of {', '.join(STATES)}")
    return dict(raw)


def write_issuer_states(data_dir: Path, states: Mapping[str, str]) -> None:
    """Write the configuration (the demo's, or an operator's script)."""
    write_setting(Path(data_dir) / ISSUER_STATES_FILE, dict(sorted(states.items())))


def issuer_state(did: str, slug: str | None, book: ListingBook, configured: Mapping[str, str] | None = None
                 ) -> tuple[str | None, str]:
    """(state or None, how it was decided) for one institution."""
    if slug is not None and configured and slug in configured:
        return configured[slug], f"configured in {ISSUER_STATES_FILE}"
    if any(state == "CO" and district == did for (state, district, _), _ in book.items()):
        return "CO", "it signs its own Colorado Menu of Options"
    statewide = {state for (state, district, _), _ in book.items() if district is None}
    if len(statewide) == 1:
        (only,) = statewide
        return only, f"the ledger holds {STATE_NAMES[only]}'s list only"
    return None, (f"not configured in {ISSUER_STATES_FILE} (the ledger holds the lists of "
                  f"{', '.join(STATE_NAMES[s] for s in sorted(statewide)) or 'no state'})")
