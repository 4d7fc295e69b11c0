"""The talent service's use cases, one module per concept. Each function takes a session (and the
caller and loaded input): it loads what it needs, asks the domain, writes, and emits its events into
the outbox in the same session. Nothing here commits: the kit's entrypoints do.

- ``campaigns``: opening a campaign, its rounds and their panels.
- ``candidates``: the three entry channels, screening, reading a candidate and its stages.
- ``judging``: scores, closing a round (ranking and advancement), the ranking.
- ``showcases``: concentrated training, the showcase request and events' answer.
- ``pool``: admission to the talent pool, tiers (and awards raising them), the pool's search.
- ``shared``: the outbox, ids, loading for a write, recording a stage.
"""
