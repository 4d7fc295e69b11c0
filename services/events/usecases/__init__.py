"""The events service's use cases, one module per concept. Each function takes a session (and the
caller and loaded input): it loads what it needs, asks the domain, writes, and emits its events
into the outbox in the same session. Nothing here commits: the kit's entrypoints do.

- ``brands``: activity brands.
- ``activities``: the one scheduling path (``schedule(draft)``), the life cycle, reads, and the
  flagging of activities at a venue that is suspended or closed.
- ``registrations``: register, cancel (promoting the waitlist), check in.
- ``counters``: an activity's registration counters, the one place that changes them.
- ``rosters``: reads: an activity's registrations for the door, a worker's own.
- ``lectures``: the Mobile Lecture Hall's catalogue, orders, confirmation, delivery, rating.
- ``tours``: Culture Express tours, a stop an activity.
- ``showcases``: the answer to talent's ``showcase_requested``.
- ``reports``: participation by organisation subtree and period.
- ``venues``: what this service's copy of the registry knows of a venue.
- ``shared``: the outbox, ids, loading for a write, the scheduling lock.
"""
