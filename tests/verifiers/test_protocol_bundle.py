"""`verifiers.protocol.bundle`: the transcript bundle's wire model reads what it writes.

Round trips over generated values (hypothesis); that an exported bundle reads back
and writes out byte for byte is in tests/verifiers/test_bundle.py, against a real ledger.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifiers.errors import BundleFormatError, MalformedError
from verifiers.jcs import MAX_SAFE_INTEGER
from verifiers.protocol.bundle import FORMAT, Bundle, Entry, OnlineAccess, OnlineEvidence

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
EVENTS = st.dictionaries(TEXT, JSON, max_size=5)
HASHES = st.binary(min_size=32, max_size=32)
TIMES = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(timezone.utc))
ONLINE = st.builds(OnlineAccess, url=st.sampled_from(["https://", "http://"]).map(lambda s: s + "example.org/e"),
                   link=TEXT.filter(bool))


@st.composite
def entries(draw: st.DrawFn, stream: str = "s", position: int = 0) -> Entry:
    return Entry(stream, position, draw(EVENTS), draw(TIMES), draw(st.integers(0, 2**40)),
                 tuple(draw(st.lists(HASHES, max_size=4))))


@st.composite
def bundles(draw: st.DrawFn) -> Bundle:
    streams = {stream: [draw(entries(stream, n)).to_json() for n in range(draw(st.integers(0, 2)))]
               for stream in draw(st.lists(TEXT, max_size=3, unique=True))}
    return Bundle(draw(TEXT), draw(TEXT), draw(TEXT), draw(TEXT), draw(TEXT), streams,
                  tuple(draw(st.lists(TEXT, max_size=3))), draw(st.dictionaries(TEXT, JSON, max_size=2)),
                  draw(st.none() | ONLINE))


@given(ONLINE)
def test_online_access_round_trips(online: OnlineAccess) -> None:
    assert OnlineAccess.from_json(online.to_json()) == online


@given(entries())
def test_an_entry_round_trips(entry: Entry) -> None:
    assert Entry.from_json(entry.stream, entry.position, entry.to_json()) == entry


@given(bundles())
def test_a_bundle_round_trips(bundle: Bundle) -> None:
    written = bundle.to_json()
    assert written["format"] == FORMAT
    assert Bundle.from_json(written) == bundle
    assert Bundle.from_json(written).to_json() == written


@pytest.mark.parametrize(
    ("why", "change"),
    [
        ("not an object", lambda b: ["a list"]),
        ("format", lambda b: b | {"format": "credledger.transcript/v2"}),
        ("ledger not text", lambda b: b | {"ledger": 7}),
        ("streams not lists", lambda b: b | {"streams": {"s": {}}}),
        ("awards not ids", lambda b: b | {"awards": [1]}),
        ("disclosed not an object", lambda b: b | {"disclosed": []}),
        ("online with a third member", lambda b: b | {"online": {"url": "https://x", "link": "t", "more": 1}}),
        ("online in the clear", lambda b: b | {"online": {"url": "ftp://x", "link": "t"}}),
    ],
)
def test_what_is_not_a_bundle(why: str, change: Any) -> None:
    bundle = Bundle("2026-01-01T00:00:00.000000Z", "l", "o", "c", "s", {}, (), {}).to_json()
    with pytest.raises(BundleFormatError):
        Bundle.from_json(change(bundle))


@pytest.mark.parametrize(
    ("why", "raw"),
    [
        ("not an object", "entry"),
        ("no event", {"recorded": "2026-01-01T00:00:00Z", "index": 0, "inclusion": []}),
        ("index as text", {"event": {}, "recorded": "2026-01-01T00:00:00Z", "index": "0", "inclusion": []}),
        ("proof element short", {"event": {}, "recorded": "2026-01-01T00:00:00Z", "index": 0, "inclusion": ["AA=="]}),
        ("a float in the event", {"event": {"n": 1.5}, "recorded": "2026-01-01T00:00:00Z", "index": 0,
                                  "inclusion": []}),
    ],
)
def test_what_is_not_an_entry(why: str, raw: Any) -> None:
    with pytest.raises(MalformedError):
        Entry.from_json("s", 0, raw)


EVIDENCE = st.builds(OnlineEvidence, checkpoint=TEXT, consistency=st.lists(HASHES, max_size=4),
                     streams=st.dictionaries(TEXT, st.lists(st.dictionaries(TEXT, JSON, max_size=2), max_size=2),
                                             max_size=2))


@given(EVIDENCE)
def test_online_evidence_round_trips(evidence: OnlineEvidence) -> None:
    assert OnlineEvidence.from_json(evidence.to_json()) == evidence


@pytest.mark.parametrize(("raw", "error"), [
    ([], "the online evidence is not an object of 'checkpoint', 'consistency', 'streams'"),
    ({"checkpoint": "c", "consistency": []}, "not an object of 'checkpoint', 'consistency', 'streams'"),
    ({"checkpoint": "c", "consistency": [], "streams": {}, "extra": 1}, "not an object of"),
    ({"checkpoint": 7, "consistency": [], "streams": {}}, "checkpoint, consistency or streams has the wrong type"),
    ({"checkpoint": "c", "consistency": "AAAA", "streams": {}}, "has the wrong type"),
    ({"checkpoint": "c", "consistency": [], "streams": {"s": {}}}, "has the wrong type"),
    ({"checkpoint": "c", "consistency": ["AAAA"], "streams": {}},
     "a consistency proof element is not the base64 of a 32-byte hash"),
])
def test_what_is_not_online_evidence(raw: Any, error: str) -> None:
    with pytest.raises(MalformedError, match=error):
        OnlineEvidence.from_json(raw)
