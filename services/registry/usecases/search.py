"""Finding venues: filters, text, and nearest first, paged with the kit's cursors."""
from __future__ import annotations

from sqlalchemy import and_, column, func, or_, select, table, text, true, tuple_
from sqlalchemy.orm import Session

from services.common.orgpath import in_subtree
from services.common.pagination import Pager
from services.common.query import contains, get_or_not_found

from ..models import Org, Venue, VenueArtField
from .nearest import nearest
from .shared import designation_rows
from .documents import page_documents, venue_documents


# SQLite's trigram index of venue names and addresses (migration 0007); PostgreSQL has pg_trgm's.
VENUES_FTS = table("venues_fts", column("id"))
EQUALITIES = ("district", "type", "status")
FTS_FEW = 2000  # SQLite: a text the trigram index finds in at most this many venues is searched there


def search_venues(session: Session, filters: dict) -> dict:
    """Which venues, in which order, from the cursor on. Each filter's condition is the one it always
    was; what is added only chooses the way to them (docs/PERFORMANCE.md, registry)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    path = _subtree(session, filters["org_id"]) if "org_id" in filters else None
    conditions, related = [], []  # related: the venue's rows in other tables that must exist
    if "designation" in filters:
        related.append(designation_rows(filters["designation"]))
    if "art_field" in filters:
        related.append(select(VenueArtField.venue_id).where(VenueArtField.venue_id == Venue.id,
                                                            VenueArtField.art_field == filters["art_field"]))
    if "text" in filters:
        pattern = contains(filters["text"])
        conditions.append(or_(Venue.name.ilike(pattern, escape="\\"), Venue.address.ilike(pattern, escape="\\")))
    if "near" in filters:  # the box leads; SQLite's subtree as LIKE, which no SQLite index serves
        conditions += _equalities(filters, () if sqlite else EQUALITIES)
        conditions += [in_subtree(Venue.org_path, path)] if path else []
        # OFFSET 0: PostgreSQL then looks each venue's rows up by index, never hashes a whole table
        return _search_near(session, conditions, [r.offset(0).exists() for r in related], filters["near"],
                            Pager("search_venues", filters, (int, float), str))
    conditions += [r.exists() for r in related]
    pager = Pager("search_venues", filters, str, str)
    fts = sqlite and len(filters.get("text", "")) >= 3 and _fts_finds_few(session, filters["text"])
    if fts:
        conditions.append(Venue.id.in_(select(VENUES_FTS.c.id).where(_fts_match(filters["text"]))))
    if sqlite:  # no statistics to choose an index by: one condition leads, no index serves the others
        conditions += _equalities(filters, () if path or fts else _sqlite_leading(filters))
        conditions += [in_subtree(Venue.org_path, path) if fts else _in_subtree(path)] if path else []
        keys = pager.ordered(select(Venue.name, Venue.id).where(*conditions), Venue.name, Venue.id)
    elif path:
        keys = _keys_per_org(pager, conditions + _equalities(filters), path)
    else:
        keys = pager.ordered(select(Venue.name, Venue.id).where(*conditions, *_equalities(filters)),
                             Venue.name, Venue.id)
    rows = page_documents(session, keys, pager.limit)  # the page's keys and stored documents, one statement
    return pager.page(rows, lambda r: [r.name, r.id], lambda r: r.document)


def _search_near(session: Session, conditions: list, related: list, near: dict, pager: Pager) -> dict:
    """Nearest first, a page at a time from the cursor on (``nearest.py``)."""
    hits = nearest(session, conditions, related, near, pager.after, pager.limit + 1)
    found = venue_documents(session, [i for _, i in hits[: pager.limit]])  # the page: stored documents
    return pager.page(hits, lambda h: [h[0], h[1]], lambda h: {**found[h[1]], "distance_km": round(h[0], 3)})


def _in_subtree(path: str):
    """SQLite: the subtree as a range of ``ix_venues_org_path_name_id`` (its ``LIKE 'prefix%'``
    cannot use an index). Every path starting with ``path`` lies between it and ``path`` with its
    last character (``/``) incremented; ids are lower-case UUIDs, as the ``LIKE`` also assumes."""
    return and_(Venue.org_path >= path, Venue.org_path < path[:-1] + chr(ord(path[-1]) + 1))


def _subtree(session: Session, org_id: str) -> str | None:
    """The path whose subtree the venues must lie in; None when that is every venue (the tree's one
    root: every venue's ``org_path`` is one of its organisations' paths)."""
    org = get_or_not_found(session, Org, org_id, "organisation")
    roots = select(func.count()).select_from(Org).where(Org.parent_id.is_(None))
    return None if org.parent_id is None and session.scalar(roots) == 1 else org.path


def _equalities(filters: dict, indexed=EQUALITIES) -> list:
    """``type``, ``district``, ``status`` equal to the filter's value; those not ``indexed`` written
    ``column || '' = value``: the same test, which no index serves (for SQLite, below)."""
    return [(getattr(Venue, k) if k in indexed else getattr(Venue, k).concat("")) == filters[k]
            for k in EQUALITIES if k in filters]


def _sqlite_leading(filters: dict) -> set:
    """SQLite has no statistics to choose an index by: district and type lead (together,
    ``ix_venues_district_type_name_id``), status (80 % of venues are open) only alone."""
    given = {k for k in EQUALITIES if k in filters}
    return given - {"status"} or given


def _keys_per_org(pager: Pager, conditions: list, path: str):
    """PostgreSQL, a subtree: the page of each organisation in it (``org_path`` equal to its path:
    ``ix_venues_org_path_name_id`` in name order, at most a page each), merged. The planner would
    rather walk the whole name index, expecting the subtree's venues spread evenly through it."""
    order = (Venue.name, Venue.id)
    after = [tuple_(*order) > tuple_(*pager.after)] if pager.after else []
    orgs = select(Org.path).where(in_subtree(Org.path, path)).subquery()
    per_org = (select(*order).where(Venue.org_path == orgs.c.path, *conditions, *after)
               .order_by(*order).limit(pager.limit + 1).lateral())
    stmt = select(per_org.c.name, per_org.c.id).select_from(orgs).join(per_org, true())
    return stmt.order_by(per_org.c.name, per_org.c.id).limit(pager.limit + 1)


def _fts_match(text_: str):
    """``venues_fts`` has ``text_`` in a name or an address (a phrase: every character literal)."""
    return text("venues_fts MATCH :fts").bindparams(fts='"' + text_.replace('"', '""') + '"')


def _fts_finds_few(session: Session, text_: str) -> bool:
    """True when at most ``FTS_FEW`` venues have ``text_``: then the search starts from them. A
    common word is found sooner in name order (the trigram index would list every venue with it)."""
    few = select(VENUES_FTS.c.id).where(_fts_match(text_)).limit(FTS_FEW + 1).subquery()
    return session.scalar(select(func.count()).select_from(few)) <= FTS_FEW
