"""Words of the contract that more than one service checks its input against."""
from __future__ import annotations

# The art fields (艺术门类) of venues, groups, lectures, talent and awards.
ART_FIELDS = ("literature", "music", "dance", "fine_art", "photography", "animation", "calligraphy", "quyi",
              "folk_art")
