"""C2SP tlog-tiles paths: tile coordinates to URL paths and back.

A tile index N is written in groups of three decimal digits, every group but
the last prefixed by `x` (1234067 -> x001/x234/067); a partial tile adds
`.p/<width>` with 1 <= width <= 255. Levels are plain decimals (0..63);
entry bundles live under `tile/entries/`. Each tile has exactly one path: a
parser refuses every other spelling (`tile/01/000`, `x000/001`, `.p/007`), so
no cache or mirror ever holds one tile under two names.
"""

from __future__ import annotations

import re

from verifiers.errors import MalformedError

TILE_WIDTH = 256
MAX_TILE_LEVEL = 63
#: Tree sizes, hence tile indices, are unsigned 64-bit integers in every tlog.
MAX_TILE_INDEX = (1 << 64) - 1
_MAX_GROUPS = 7  # 20 decimal digits
# ASCII digits only, matched in full: `\d` would take any Unicode digit and
# `$` a trailing newline.
_GROUP = re.compile(r"x[0-9]{3}")
_LAST = re.compile(r"[0-9]{3}")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")
_LEVEL = re.compile(r"0|[1-9][0-9]?")


def tile_index_to_path(index: int) -> str:
    if index < 0:
        raise ValueError("a tile index is not negative")
    digits = f"{index:d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def tile_path(index: int, width: int | None = None) -> str:
    """`x001/x234/067` for a full tile, `…/067.p/<width>` for a partial one."""
    path = tile_index_to_path(index)
    if width is None or width == TILE_WIDTH:
        return path
    if not 1 <= width < TILE_WIDTH:
        raise ValueError("a partial tile has 1 to 255 entries")
    return f"{path}.p/{width}"


def tile_level_from_path(text: str) -> int:
    """The level of `tile/<L>/…`: 0 to 63 in ASCII decimal without leading zeros; MalformedError otherwise."""
    if not _LEVEL.fullmatch(text) or int(text) > MAX_TILE_LEVEL:
        raise MalformedError(f"a tile level is 0 to {MAX_TILE_LEVEL}, without leading zeros")
    return int(text)


def tile_index_from_path(path: str) -> tuple[int, int | None]:
    """(index, width or None for a full tile) from an index path; MalformedError otherwise."""
    width: int | None = None
    if ".p/" in path:
        path, _, width_text = path.partition(".p/")
        if not _WIDTH.fullmatch(width_text) or not 1 <= int(width_text) < TILE_WIDTH:
            raise MalformedError("a partial tile width is 1 to 255, without leading zeros")
        width = int(width_text)
    parts = path.split("/")
    if len(parts) > _MAX_GROUPS:
        raise MalformedError("a tile index is an unsigned 64-bit integer")
    if not _LAST.fullmatch(parts[-1]) or not all(_GROUP.fullmatch(p) for p in parts[:-1]):
        raise MalformedError("a tile index is 3-digit groups, all but the last prefixed with x")
    text = "".join(p.lstrip("x") for p in parts)
    if len(parts) > 1 and parts[0] == "x000":
        raise MalformedError("a tile index has no leading zero groups")
    index = int(text)
    if index > MAX_TILE_INDEX:
        raise MalformedError("a tile index is an unsigned 64-bit integer")
    return index, width
