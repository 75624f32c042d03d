"""RFC 8785 canonicalization: the RFC's own examples, then a cross-check against ``rfc8785``."""

from __future__ import annotations

import json
from collections import OrderedDict
from enum import IntEnum
from random import Random
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from verifiers.errors import CanonicalizationError, MalformedError
from verifiers.jcs import MAX_SAFE_INTEGER, canonicalize

# --- RFC 8785 examples, typed in from the RFC ---------------------------------


def test_rfc8785_3_2_3_sorts_keys_by_utf16_code_units() -> None:
    # RFC 8785 §3.2.3, "Sorting of Object Properties": the emoji (surrogate pair
    # D83D DE00) sorts before U+FB33 although its code point is larger.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    )
    assert canonicalize(value) == expected.encode("utf-8")


def test_rfc8785_3_2_3_sorting_applies_inside_nested_objects() -> None:
    inner = {"\ufb33": 1, "\U0001f600": 2}
    assert canonicalize({"b": [inner], "a": inner}) == (
        '{"a":{"\U0001f600":2,"\ufb33":1},"b":[{"\U0001f600":2,"\ufb33":1}]}'.encode()
    )


def test_rfc8785_3_2_2_example_without_its_numbers() -> None:
    # RFC 8785 §3.2.2 example input and output, "string" and "literals" members;
    # its "numbers" member is left out because we refuse floats.
    # Input string in JSON: "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/"
    value = {
        "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/",
        "literals": [None, True, False],
    }
    expected = '{"literals":[null,true,false],"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    assert canonicalize(value) == expected.encode("utf-8")


def test_rfc8785_3_2_4_utf8_of_the_example() -> None:
    # RFC 8785 §3.2.4: the output is UTF-8; "€" is e2 82 ac, "\u000f" stays escaped.
    assert canonicalize("\u20ac$\u000f") == bytes.fromhex("22 e2 82 ac 24 5c 75 30 30 30 66 22")


@pytest.mark.parametrize(
    ("char", "written"),
    [
        # RFC 8785 §3.2.2.2: the two-character escapes ...
        ("\b", "\\b"),
        ("\t", "\\t"),
        ("\n", "\\n"),
        ("\f", "\\f"),
        ("\r", "\\r"),
        ('"', '\\"'),
        ("\\", "\\\\"),
        # ... other controls as \u00xx with lowercase hex ...
        ("\u0000", "\\u0000"),
        ("\u001f", "\\u001f"),
        ("\u000b", "\\u000b"),
        # ... and everything else as itself: "/", DEL, C1 controls, U+2028, non-BMP.
        ("/", "/"),
        ("\u007f", "\u007f"),
        ("\u0080", "\u0080"),
        ("\u2028", "\u2028"),
        ("\U0001f600", "\U0001f600"),
    ],
)
def test_rfc8785_3_2_2_2_string_escapes(char: str, written: str) -> None:
    assert canonicalize(char) == f'"{written}"'.encode()
    assert canonicalize({char: char}) == f'{{"{written}":"{written}"}}'.encode()


def test_every_ascii_and_latin1_character_matches_reference() -> None:
    text = "".join(chr(code) for code in range(0x100))
    assert canonicalize(text) == rfc8785.dumps(text)


def test_integers_at_the_i_json_limit() -> None:
    # RFC 8785 §3.2.2.3 via I-JSON (RFC 7493 §2.2): ±(2**53 - 1) is exact.
    assert (
        canonicalize([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, 0])
        == b"[9007199254740991,-9007199254740991,0]"
    )


def test_whitespace_is_removed_and_tuples_are_arrays() -> None:
    assert canonicalize({"a": (1, [], {}), "b": ""}) == b'{"a":[1,[],{}],"b":""}'


@pytest.mark.parametrize("value", ["x", 0, True, False, None, [], {}])
def test_top_level_scalars_and_empties(value: Any) -> None:
    assert canonicalize(value) == rfc8785.dumps(value)


# --- What we refuse ----------------------------------------------------------


class Small(IntEnum):
    ONE = 1


@pytest.mark.parametrize(
    "value",
    [
        1.0,
        0.5,
        float("nan"),
        {"a": [1, 2.5]},
        2**53,
        -(2**53),
        {"a": 2**64},
        "\ud800",
        "ok \udfff",
        {"\ud83d": "lone high surrogate key"},
        {"\U0001f600": "non-BMP key forces the exact path", "x": "\udc00"},
        {1: "int key"},
        {None: "None key"},
        {("a",): "tuple key"},
        b"bytes",
        {"a": {1, 2}},
        object(),
        OrderedDict(a=1),
        Small.ONE,
    ],
    ids=repr,
)
def test_refuses_what_we_do_not_sign(value: object) -> None:
    with pytest.raises(CanonicalizationError):
        canonicalize(value)


def test_canonicalization_error_is_a_malformed_error() -> None:
    with pytest.raises(MalformedError):
        canonicalize(1.5)


def test_cyclic_and_very_deep_values_are_refused_not_crashing() -> None:
    cyclic: list[object] = []
    cyclic.append(cyclic)
    with pytest.raises(CanonicalizationError):
        canonicalize(cyclic)
    deep: object = 1
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(CanonicalizationError):
        canonicalize(deep)


# --- Cross-check against the reference package -------------------------------

_safe_ints = st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
# Any code point UTF-8 can encode: everything but the surrogates, which are not characters.
_text = st.text(st.characters(codec="utf-8"))
_scalars = st.none() | st.booleans() | _safe_ints | _text
_json = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_text, children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400)
@given(_json)
def test_matches_rfc8785_package(value: Any) -> None:
    assert canonicalize(value) == rfc8785.dumps(value)


@settings(max_examples=200)
@given(st.dictionaries(st.text(st.characters(min_codepoint=0xE000, codec="utf-8")), _safe_ints))
def test_matches_rfc8785_package_on_keys_near_and_past_the_bmp_edge(value: dict[str, int]) -> None:
    assert canonicalize(value) == rfc8785.dumps(value)


@given(_json)
def test_output_is_json_for_the_same_value(value: object) -> None:
    assert json.loads(canonicalize(value)) == value


@given(st.lists(_safe_ints | _text, max_size=5), st.randoms(use_true_random=False))
def test_key_insertion_order_does_not_matter(values: list[object], random: Random) -> None:
    items = [(f"k{index}", value) for index, value in enumerate(values)]
    shuffled = list(items)
    random.shuffle(shuffled)
    assert canonicalize(dict(items)) == canonicalize(dict(shuffled))
