"""Life cycles as tables: ``Lifecycle(noun, transitions).check(current, new)``.

Every entity with a status (a venue, an activity, a registration, a lecture order, and next a
campaign, a round, a candidate, a cycle, a notice, an objection) declares its transitions once, as
data, in its service's domain; ``check`` refuses anything else with ``InvalidState`` naming what
*is* allowed from the current status, so a caller learns the way forward from the error.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import InvalidState


@dataclass(frozen=True)
class Lifecycle:
    noun: str                       # "an activity": how the error names the entity
    transitions: dict[str, tuple[str, ...]]
    final: str = "nothing"          # what a final status allows, as the error says it
    same_is_error: bool = False     # "the venue is already open" rather than "cannot go"
    statuses: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "statuses", tuple(self.transitions))

    def allows(self, current: str, new: str) -> bool:
        return new in self.transitions[current]

    def check(self, current: str, new: str) -> None:
        if self.same_is_error and new == current:
            thing = self.noun.split(" ", 1)[-1]  # "a venue" -> "venue"
            raise InvalidState(f"the {thing} is already {current}")
        if not self.allows(current, new):
            allowed = ", ".join(self.transitions[current]) or self.final
            raise InvalidState(f"{self.noun} cannot go from {current} to {new}; from {current}: {allowed}")
