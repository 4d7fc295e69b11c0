"""Activities as an iCalendar (RFC 5545) text, written by the ``icalendar`` library.

One VEVENT per activity: DTSTART/DTEND in Asia/Shanghai with its VTIMEZONE (so a calendar app
shows local time wherever it is), UID ``<activity id>@culture-events``, SEQUENCE = the activity's
version (a changed activity replaces the old entry), STATUS CONFIRMED / TENTATIVE (draft never
appears) / CANCELLED, LOCATION the venue and address.
"""
from __future__ import annotations

from datetime import date

from icalendar import Calendar, Event, Timezone

from .domain import LOCAL, utcnow
from .models import Activity, Venue

STATUS = {"published": "CONFIRMED", "in_progress": "CONFIRMED", "completed": "CONFIRMED",
          "cancelled": "CANCELLED"}


def to_ical(activities: list[Activity], venues: dict[str, Venue]) -> str:
    cal = Calendar()
    cal.add("prodid", "-//Workers' Culture Platform//events//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "职工文化活动")
    cal.add("x-wr-timezone", "Asia/Shanghai")
    # From 1991, China's last daylight-saving year: the VTIMEZONE then carries its STANDARD
    # observance (a VTIMEZONE with no observance at all is not valid RFC 5545).
    cal.add_component(Timezone.from_tzinfo(LOCAL, first_date=date(1991, 1, 1), last_date=date(2100, 1, 1)))
    stamp = utcnow()
    for activity in activities:
        event = Event()
        event.add("uid", f"{activity.id}@culture-events")
        event.add("dtstamp", stamp)
        event.add("sequence", activity.version)
        event.add("summary", activity.title)
        event.add("dtstart", activity.starts_at.astimezone(LOCAL))
        event.add("dtend", activity.ends_at.astimezone(LOCAL))
        event.add("status", STATUS.get(activity.status, "TENTATIVE"))
        event.add("categories", [activity.kind])
        places = []
        for booking in activity.bookings:
            venue = venues.get(booking.venue_id)
            if venue is not None and f"{venue.name}（{venue.address}）" not in places:
                places.append(f"{venue.name}（{venue.address}）")
        if activity.address:
            places.append(activity.address)
        if places:
            event.add("location", "；".join(places))
        if activity.status == "cancelled" and activity.cancel_reason:
            event.add("description", f"已取消：{activity.cancel_reason}")
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")
