"""An organisation's place in the tree, as a materialised path: ``/<root id>/.../<own id>/``.

The registry stores it on every organisation (and on what belongs to one: venues, groups); events
keeps it in its copy. The subtree of X is every path that starts with X's path, so a subtree is
one indexed prefix match (``tables.prefix_index``), and the path's ids, root first, are the
organisation's ancestors and itself: what ``Caller.require_org`` checks.
"""
from __future__ import annotations

from collections.abc import Sequence


def path_of(ancestors: Sequence[str]) -> str:
    """The path of the organisation whose ancestors (root first) end with its own id."""
    return "/" + "/".join(ancestors) + "/"


def ancestors(path: str) -> list[str]:
    """The ids on ``path``, root first, the organisation's own id last."""
    return [p for p in path.split("/") if p]


def within(path: str, root_path: str) -> bool:
    """True when the organisation at ``path`` lies in the subtree whose root has ``root_path``."""
    return path.startswith(root_path)


def in_subtree(column, path: str):
    """A SQL condition: ``column`` (a path column) lies in the subtree whose root has ``path``.

    Ids are the registry's UUIDs, so the path holds no ``%`` or ``_`` to escape.
    """
    return column.like(path + "%")
