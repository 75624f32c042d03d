"""RFC 3339 UTC timestamps: one shape written, two read, everything else refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifiers.errors import MalformedError
from verifiers.timestamps import format_timestamp, parse_timestamp

UTC = timezone.utc


def test_format_always_writes_microseconds_and_z() -> None:
    assert (
        format_timestamp(datetime(2025, 5, 1, 14, 3, 22, tzinfo=UTC))
        == "2025-05-01T14:03:22.000000Z"
    )
    assert (
        format_timestamp(datetime(2025, 5, 1, 14, 3, 22, 1234, tzinfo=UTC))
        == "2025-05-01T14:03:22.001234Z"
    )


def test_format_converts_other_offsets_to_utc() -> None:
    central = timezone(timedelta(hours=-5))
    assert (
        format_timestamp(datetime(2025, 12, 31, 20, 0, tzinfo=central))
        == "2026-01-01T01:00:00.000000Z"
    )


def test_format_pads_small_years() -> None:
    assert format_timestamp(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00.000000Z"


def test_format_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        format_timestamp(datetime(2025, 5, 1, 14, 3, 22))


def test_format_refuses_non_datetimes() -> None:
    with pytest.raises(TypeError):
        format_timestamp("2025-05-01T14:03:22Z")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "2023-02-24T23:36:38Z",
            datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
        ),  # vc-di-eddsa vectors
        ("2025-05-01T14:03:22.123456Z", datetime(2025, 5, 1, 14, 3, 22, 123456, tzinfo=UTC)),
        ("2025-05-01T14:03:22.1Z", datetime(2025, 5, 1, 14, 3, 22, 100000, tzinfo=UTC)),
        ("2024-02-29T00:00:00Z", datetime(2024, 2, 29, tzinfo=UTC)),
    ],
)
def test_parse(text: str, expected: datetime) -> None:
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2025-05-01",
        "2025-05-01T14:03:22",  # no offset
        "2025-05-01T14:03:22+00:00",  # an offset, not Z
        "2025-05-01T14:03:22.123Z ",
        " 2025-05-01T14:03:22Z",
        "2025-05-01T14:03:22z",
        "2025-05-01t14:03:22Z",
        "2025-05-01 14:03:22Z",
        "2025-05-01T14:03:22.Z",
        "2025-05-01T14:03:22.1234567Z",  # beyond microseconds
        "2025-13-01T14:03:22Z",
        "2025-02-30T14:03:22Z",
        "2023-02-29T00:00:00Z",
        "2025-05-01T24:00:00Z",
        "2016-12-31T23:59:60Z",  # leap second: datetime cannot hold it
        "0000-01-01T00:00:00Z",
        "2025-05-01T14:03:22.12345\u0661Z",  # a non-ASCII digit
        "+2025-05-01T14:03:22Z",
    ],
)
def test_parse_refuses(text: str) -> None:
    with pytest.raises(MalformedError):
        parse_timestamp(text)


@pytest.mark.parametrize("value", [None, 1700000000, datetime(2025, 1, 1, tzinfo=UTC)])
def test_parse_refuses_non_strings(value: object) -> None:
    with pytest.raises(MalformedError):
        parse_timestamp(value)  # type: ignore[arg-type]


@given(
    st.datetimes(
        timezones=st.just(UTC), min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)
    )
)
def test_round_trip(moment: datetime) -> None:
    text = format_timestamp(moment)
    assert len(text) == 27
    assert parse_timestamp(text) == moment


# Fixed offsets: with zoneinfo zones, Python's == is False for times in a DST fold.
_offsets = st.builds(
    timezone,
    st.timedeltas(
        min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
    ),
)


@given(
    st.datetimes(timezones=_offsets, min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31))
)
def test_round_trip_keeps_the_instant(moment: datetime) -> None:
    assert parse_timestamp(format_timestamp(moment)) == moment
