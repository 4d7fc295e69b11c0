"""The registry's use cases, one module per concept. Each function takes a session (and the caller
and loaded input): it loads what it needs, asks the domain, writes, and emits its events into the
outbox in the same session. Nothing here commits: the kit's entrypoints do.

- ``orgs``: the organisation tree.
- ``venues``: venues, their status life cycle and designations.
- ``documents``: the stored venue documents (``get_venue``'s answer), their one writer and reads.
- ``search``: finding venues (filters, text, nearest first).
- ``groups``: groups and the excellent-team designation.
- ``network``: the network summary and the featured-base target.
- ``awards``: ``award_granted`` from the awards service.
- ``shared``: the outbox, ids, the active-designation condition.
"""
