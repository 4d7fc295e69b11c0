"""The platform's clock, its time zone, and the one rule for time on the wire.

- Stored: UTC, in both databases (``tables.UTCDateTime``).
- On the wire (every RPC reply, every event's data, the envelope's ``time``): ISO 8601 with the
  offset ``+08:00`` (``to_wire``). The programme is one city's; its opening hours and activity
  times are wall-clock times in Asia/Shanghai, which admins read and type; China has kept that one
  offset, without daylight saving, since 1991; and a time with its offset is still an exact
  instant any subscriber can convert.
- Inputs: any ISO 8601 time with an offset (``fields.When``).

``PLATFORM_TZ`` is the zone for wall-clock rules (which day, which opening range, a calendar's
VTIMEZONE). The wire uses the fixed offset ``WIRE_OFFSET`` rather than the zone, so that a time
before 1991 (inputs go back to 1900) is still written ``+08:00``, never with the zone's historic
``+09:00`` summers or its ``+08:05:43`` local mean time (RFC 3339 has no seconds in an offset).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

PLATFORM_TZ = ZoneInfo("Asia/Shanghai")
WIRE_OFFSET = timezone(timedelta(hours=8))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def to_wire(when: datetime) -> str:
    """``when`` as the wire writes it: ISO 8601 with ``+08:00``, e.g. ``2026-05-01T19:30:00+08:00``."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("naive datetime: only aware datetimes go on the wire")
    return when.astimezone(WIRE_OFFSET).isoformat()
