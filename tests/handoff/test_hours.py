"""Opening hours: when the desk answers live, in the desk's own timezone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handoff.hours import OpeningHours

PARIS = OpeningHours.parse("Mon-Fri 09:00-18:00, Sat 10:00-16:00", "Europe/Paris")


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "open_now"),
    [
        (utc(2026, 11, 30, 8, 0), True),  # Monday 09:00 in Paris (UTC+1): opening minute
        (utc(2026, 11, 30, 7, 59), False),  # Monday 08:59 in Paris
        (utc(2026, 11, 30, 17, 0), False),  # Monday 18:00 in Paris: closed at the end minute
        (utc(2026, 12, 5, 14, 0), True),  # Saturday 15:00 in Paris
        (utc(2026, 12, 6, 12, 0), False),  # Sunday
    ],
)
def test_is_open_reads_the_hours_in_the_desk_timezone(at: datetime, open_now: bool) -> None:
    assert PARIS.is_open(at) is open_now


def test_next_opening_after_friday_evening_is_saturday_morning_in_utc() -> None:
    friday_evening = utc(2026, 12, 4, 19, 0)  # Friday 20:00 in Paris
    assert PARIS.next_opening(friday_evening) == utc(2026, 12, 5, 9, 0)  # Sat 10:00 Paris


def test_next_opening_after_saturday_closing_skips_sunday() -> None:
    assert PARIS.next_opening(utc(2026, 12, 5, 16, 0)) == utc(2026, 12, 7, 8, 0)


def test_always_is_open_at_any_time_and_has_no_next_opening() -> None:
    always = OpeningHours.parse("always", "UTC")
    assert always.is_open(utc(2026, 12, 6, 3, 0))
    assert always.next_opening(utc(2026, 12, 6, 3, 0)) is None
    assert always.describe() == "24/7"


def test_describe_names_the_days_hours_and_timezone() -> None:
    hours = OpeningHours.parse("mon-fri 9:00-18:00", "UTC")
    assert hours.describe() == "Mon-Fri 09:00-18:00 (UTC)"


def test_several_ranges_in_one_day_leave_the_lunch_break_closed() -> None:
    hours = OpeningHours.parse("Mon-Fri 09:00-12:00 13:00-18:00", "UTC")
    assert not hours.is_open(utc(2026, 11, 30, 12, 30))
    assert hours.next_opening(utc(2026, 11, 30, 12, 30)) == utc(2026, 11, 30, 13, 0)


@pytest.mark.parametrize(
    ("text", "timezone", "message"),
    [
        ("Mon-Fri 18:00-09:00", "UTC", "ends before it starts"),
        ("Fri-Mon 09:00-18:00", "UTC", "runs backwards"),
        ("Weekdays 09:00-18:00", "UTC", "not a day"),
        ("Mon-Fri 9-18", "UTC", "not a range"),
        ("Mon-Fri 09:00-25:00", "UTC", "not a time of day"),
        ("Mon-Fri", "UTC", "needs days and hours"),
        ("", "UTC", "empty"),
        ("always", "Mars/Olympus", "not a known time zone"),
    ],
)
def test_bad_hours_are_refused_with_what_to_write(text: str, timezone: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OpeningHours.parse(text, timezone)
