"""verifiers.tiles: C2SP tlog-tiles index paths.

The example index 1234067 -> x001/x234/067, the width rules (1 to 255, no
leading zeros) and the level rule (0 to 63, no leading zeros) are from the C2SP spec, https://c2sp.org/tlog-tiles
(tlog-tiles.md, "Merkle Tree" section).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifiers.errors import MalformedError
from verifiers.tiles import (
    MAX_TILE_INDEX,
    MAX_TILE_LEVEL,
    TILE_WIDTH,
    tile_index_from_path,
    tile_index_to_path,
    tile_level_from_path,
    tile_path,
)

indices = st.integers(min_value=0, max_value=MAX_TILE_INDEX)
partial_widths = st.integers(min_value=1, max_value=TILE_WIDTH - 1)


def test_c2sp_example() -> None:
    assert tile_index_to_path(1234067) == "x001/x234/067"
    assert tile_index_from_path("x001/x234/067") == (1234067, None)
    assert tile_path(1234067, 17) == "x001/x234/067.p/17"
    assert tile_index_from_path("x001/x234/067.p/17") == (1234067, 17)


@pytest.mark.parametrize(
    ("index", "path"),
    [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (256_000, "x256/000"),
     (1_000_000, "x001/x000/000"), (MAX_TILE_INDEX, "x018/x446/x744/x073/x709/x551/615")],
)
def test_known_paths(index: int, path: str) -> None:
    assert tile_index_to_path(index) == path
    assert tile_index_from_path(path) == (index, None)


@given(indices, st.one_of(st.none(), partial_widths))
def test_path_round_trip(index: int, width: int | None) -> None:
    path = tile_path(index, width)
    assert tile_index_from_path(path) == (index, width)
    assert path.count(".p/") == (width is not None)


@given(indices)
def test_full_width_is_the_full_path(index: int) -> None:
    assert tile_path(index, TILE_WIDTH) == tile_path(index) == tile_index_to_path(index)


@given(indices, st.one_of(st.none(), partial_widths))
def test_canonical_paths_parse_back_to_themselves(index: int, width: int | None) -> None:
    path = tile_path(index, width)
    assert tile_path(*tile_index_from_path(path)) == path


@pytest.mark.parametrize(
    "path",
    [
        "", "0", "00", "0000", "1", "x000", "x001", "001/000", "x01/000", "x0001/000", "x001/x234/67",
        "x001/234/067",      # a middle group without x
        "x000/001",          # a leading zero group
        "x000/x000/000",
        "-01", "+01", " 01", "01 ", "abc", "0x1", "x001//000", "/000", "000/",
        "000\n", "x001\n/000",               # a trailing newline is not a digit
        "\u0660\u0660\u0661", "x001/\u0660\u0660\u0661",  # Arabic-Indic digits
        "000.p/", "000.p/0", "000.p/00", "000.p/01", "000.p/256", "000.p/1000", "000.p/-1", "000.p/+1",
        "000.p/1\n", "000.p/\uff11",         # a fullwidth digit one
        "000.p/1/2", "000.p/5.p/6", ".p/5", "000.p",
        "x999/" * 7 + "999",                 # beyond 64 bits: refused before any big-int work
        "x018/x446/x744/x073/x709/x551/616",  # 2**64
        "x001/" * 2000 + "000",
    ],
)
def test_malformed_paths(path: str) -> None:
    with pytest.raises(MalformedError):
        tile_index_from_path(path)


@pytest.mark.parametrize(("index", "width"), [(-1, None), (0, 0), (0, 257), (0, -1)])
def test_misuse_is_value_error(index: int, width: int | None) -> None:
    with pytest.raises(ValueError):
        tile_path(index, width)


@given(st.integers(min_value=0, max_value=MAX_TILE_LEVEL))
def test_levels_round_trip(level: int) -> None:
    assert tile_level_from_path(str(level)) == level


@pytest.mark.parametrize(
    "text", ["", "64", "99", "100", "00", "01", "063", "+1", "-0", " 1", "1 ", "1\n", "0x1", "1.0", "1e1",
             "\u0661", "\uff11", "entries", "9" * 30],
)
def test_malformed_levels(text: str) -> None:
    with pytest.raises(MalformedError, match="a tile level is 0 to 63, without leading zeros"):
        tile_level_from_path(text)
