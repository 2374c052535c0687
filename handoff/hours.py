"""``OpeningHours``: when agents answer live, parsed from ``DESK_HOURS`` and ``DESK_TIMEZONE``.

The bot tells shoppers the truth from this: within the hours an agent joins the chat,
outside them the team replies by e-mail. The text is a comma-separated list of
``<days> <HH:MM>-<HH:MM>`` entries, days as ``Mon``, ``Mon-Fri`` or ``Sat-Sun`` (a day
may carry several ranges: ``Mon-Fri 09:00-12:00 13:00-18:00``), or ``always`` (24/7).
Times are local to the timezone; ``24:00`` ends a day. Ranges that cross midnight are
refused (write them as two entries) so every range sits inside one calendar day, and a
daylight-saving change cannot make a range ambiguous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def _minutes(hours: str, minutes: str, text: str) -> int:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and m != 0):
        raise ValueError(f"DESK_HOURS: {text!r} is not a time of day (use 00:00 to 24:00).")
    return h * 60 + m


def _days(text: str) -> list[int]:
    lookup = {name.casefold(): index for index, name in enumerate(DAYS)}
    first, _, last = text.partition("-")
    try:
        start = lookup[first.casefold()]
        end = lookup[last.casefold()] if last else start
    except KeyError:
        raise ValueError(
            f"DESK_HOURS: {text!r} is not a day or a range of days (use Mon..Sun, e.g. Mon-Fri)."
        ) from None
    if end < start:
        raise ValueError(f"DESK_HOURS: {text!r} runs backwards (write Mon-Fri, not Fri-Mon).")
    return list(range(start, end + 1))


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class OpeningHours:
    # per weekday (0 = Monday): sorted (start, end) minutes since local midnight
    week: tuple[tuple[tuple[int, int], ...], ...] | None  # None: always open
    timezone: str
    source: str  # the entries as written, normalised, for describe()

    @classmethod
    def parse(cls, text: str, timezone: str) -> OpeningHours:
        """Read ``DESK_HOURS``; a ``ValueError`` names the part that cannot be used."""
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"DESK_TIMEZONE: {timezone!r} is not a known time zone (e.g. UTC, Europe/Paris)."
            ) from None
        cleaned = " ".join(text.split())
        if cleaned.casefold() in ("always", "24/7"):
            return cls(week=None, timezone=timezone, source="always")
        if not cleaned:
            raise ValueError('DESK_HOURS is empty: write "always" or e.g. "Mon-Fri 09:00-18:00".')
        week: list[list[tuple[int, int]]] = [[] for _ in DAYS]
        entries: list[str] = []
        for entry in cleaned.split(","):
            parts = entry.split()
            if len(parts) < 2:
                raise ValueError(
                    f"DESK_HOURS: {entry.strip()!r} needs days and hours, e.g. 'Sat 10:00-16:00'."
                )
            days = _days(parts[0])
            ranges: list[tuple[int, int]] = []
            for part in parts[1:]:
                match = _RANGE.match(part)
                if not match:
                    raise ValueError(f"DESK_HOURS: {part!r} is not a range like 09:00-18:00.")
                start = _minutes(match[1], match[2], part)
                end = _minutes(match[3], match[4], part)
                if end <= start:
                    raise ValueError(
                        f"DESK_HOURS: {part!r} ends before it starts; a range past midnight "
                        "is written as two entries (e.g. 'Fri 22:00-24:00, Sat 00:00-02:00')."
                    )
                ranges.append((start, end))
            for day in days:
                week[day].extend(ranges)
            entries.append(
                parts[0].title() + " " + " ".join(f"{_hhmm(s)}-{_hhmm(e)}" for s, e in ranges)
            )
        return cls(
            week=tuple(tuple(sorted(day)) for day in week),
            timezone=timezone,
            source=", ".join(entries),
        )

    @property
    def always(self) -> bool:
        return self.week is None

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's opening ranges as aware datetimes in the desk's timezone."""
        assert self.week is not None
        zone = self._zone()
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        return [
            (midnight + timedelta(minutes=start), midnight + timedelta(minutes=end))
            for start, end in self.week[day.weekday()]
        ]

    def is_open(self, at: datetime) -> bool:
        if at.tzinfo is None:
            raise ValueError(f"Naive datetime {at!r}: pass an aware time.")
        if self.week is None:
            return True
        local = at.astimezone(self._zone())
        return any(start <= local < end for start, end in self._intervals(local.date()))

    def next_opening(self, at: datetime) -> datetime | None:
        """When the desk is next open, in UTC: ``at`` itself while open; None for "always"."""
        if self.week is None:
            return None
        if self.is_open(at):
            return at.astimezone(UTC)
        local = at.astimezone(self._zone())
        for offset in range(8):
            for start, _end in self._intervals(local.date() + timedelta(days=offset)):
                if start > local:
                    return start.astimezone(UTC)
        return None  # no day has hours: never opens (parse refuses that, kept for safety)

    def describe(self) -> str:
        """For messages: ``Mon-Fri 09:00-18:00 (UTC)``; ``24/7`` when always open."""
        if self.week is None:
            return "24/7"
        return f"{self.source} ({self.timezone})"
