"""The operator's settings kept as small JSON files in the instance's data directory (which state each
institution is in, the codes the state files name it by, an instance's own state-file layouts): read with
every failure an InputError naming the file (a setting is the operator's input, never a 500), and written
whole (beside the file, then renamed over it), so a crash never leaves half a setting.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ledger.errors import InputError


def read_setting(path: Path, field: str, what: str) -> Any:
    """The JSON in `path`, or None when there is none; InputError naming `field` (the file as the operator
    knows it) when it cannot be read or is not JSON, saying `what` it should be."""
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:  # unreadable (permissions, a directory in its place)
        raise InputError.for_field(field, f"cannot be read ({e.strerror or e})") from None
    except ValueError as e:  # not UTF-8, or not JSON
        raise InputError.for_field(field, f"{what} ({e})") from None


def write_setting(path: Path, value: Any) -> None:
    """`value` as JSON in `path`, whole or not at all."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
