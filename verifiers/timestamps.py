"""RFC 3339 timestamps in UTC, written with ``Z``.

We write one shape only, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, so that equal
instants are equal strings inside signed payloads. We read that shape and the
same without fractional seconds (as in the W3C test vectors), always in UTC.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from verifiers.errors import MalformedError

__all__ = ["format_timestamp", "parse_timestamp"]

# RFC 3339 §5.6 date-time restricted to the "Z" offset; 1 to 6 fractional digits
# because datetime holds microseconds and we refuse to round evidence silently.
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z",
    re.ASCII,
)


def format_timestamp(dt: datetime) -> str:
    """Return ``dt`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC; naive datetimes are refused."""
    if not isinstance(dt, datetime):
        raise TypeError(f"expected datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: attach a timezone (UTC) before formatting")
    utc = dt.astimezone(timezone.utc)
    # Explicit widths: strftime's %Y does not zero-pad years below 1000 on glibc.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


def parse_timestamp(s: object) -> datetime:
    """Return the timezone-aware UTC datetime written in ``s``; ``MalformedError`` otherwise."""
    if not isinstance(s, str):
        raise MalformedError(f"timestamp must be a string, not {type(s).__name__}")
    match = _TIMESTAMP.fullmatch(s)
    if match is None:
        raise MalformedError(f"not an RFC 3339 UTC timestamp ending in Z: {s!r}")
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=timezone.utc,
        )
    except ValueError as error:
        # Out-of-range fields (month 13, second 60: datetime has no leap seconds).
        raise MalformedError(f"not a valid timestamp: {s!r} ({error})") from None
