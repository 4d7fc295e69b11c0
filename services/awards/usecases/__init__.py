"""The awards service's use cases, one module per concept. Each function takes a session (and the
caller and loaded input): it loads what it needs, asks the domain, writes, and emits its events into
the outbox in the same session. Nothing here commits: the kit's entrypoints do.

- ``cycles``: opening a cycle of a programme.
- ``nominations``: nominating (window, quota held by the database), eligibility from the copies.
- ``review``: reviewers, reviews with recusal, the shortlist.
- ``notice``: the public notice 公示, objections, finalizing, results.
- ``assessment``: a district federation's scorecard and the programme's targets.
- ``shared``: the outbox, loading for a write.
"""
