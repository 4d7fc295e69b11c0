"""Finding venues: filters, text, and nearest first, paged with the kit's cursors."""
from __future__ import annotations

from sqlalchemy import and_, bindparam, column, func, or_, select, table, text, true, tuple_
from sqlalchemy.orm import Session

from services.common.orgpath import in_subtree
from services.common.pagination import Pager
from services.common.query import contains, get_or_not_found
from services.common.rawjson import merged

from ..models import Org, Venue, VenueArtField
from .nearest import nearest
from .shared import designation_rows
from .documents import page_documents, page_statement, venue_documents


# SQLite's trigram index of venue names and addresses (migration 0007); PostgreSQL has pg_trgm's.
VENUES_FTS = table("venues_fts", column("id"))
EQUALITIES = ("district", "type", "status")
FTS_FEW = 2000  # SQLite: a text the trigram index finds in at most this many venues is searched there


def search_venues(session: Session, filters: dict) -> dict:
    """Which venues, in which order, from the cursor on. Each filter's condition is the one it always
    was; what is added only chooses the way to them (docs/PERFORMANCE.md, registry)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    path = _subtree(session, filters["org_id"]) if "org_id" in filters else None
    if "near" in filters:  # the box leads; SQLite's subtree as LIKE, which no SQLite index serves
        pager = Pager("search_venues", filters, (int, float), str)
        params = _params(filters, pager, path, fts=False)
        conditions = _text(filters, params.get) + _equalities(filters, params.get, () if sqlite else EQUALITIES)
        conditions += [in_subtree(Venue.org_path, path)] if path else []
        # OFFSET 0: PostgreSQL then looks each venue's rows up by index, never hashes a whole table
        return _search_near(session, conditions, [r.offset(0).exists() for r in _related(filters, params.get)],
                            filters["near"], pager)
    pager = Pager("search_venues", filters, str, str)
    fts = sqlite and len(filters.get("text", "")) >= 3 and _fts_finds_few(session, filters["text"])
    shape = (session.get_bind().dialect.name, tuple(sorted(k for k in filters if k not in ("limit", "cursor"))),
             path is not None, fts, pager.after is not None)
    stmt = _PAGES.get(shape)
    if stmt is None:  # the first page of this shape: built, and kept (a few dozen shapes in all)
        stmt = _PAGES[shape] = page_statement(_keys(filters, sqlite, path, fts, pager.after is not None))
    rows = page_documents(session, stmt, _params(filters, pager, path, fts), pager.limit)
    return pager.page(rows, lambda r: [r.name, r.id], lambda r: r.document)


# A page's statement by the query's shape (database, which filters, a subtree or not, SQLite's trigram
# index or not, a cursor or not), its values as named parameters (``_params``): SQLAlchemy then
# neither builds the statement nor computes its cache key again per call.
_PAGES: dict = {}
# After a cursor's key (``q_after_name``, ``q_after_id``), in the pages' order (name, id).
_AFTER = tuple_(Venue.name, Venue.id) > tuple_(bindparam("q_after_name"), bindparam("q_after_id"))


def _params(filters: dict, pager: Pager, path: str | None, fts: bool) -> dict:
    """The values of a search's statement, by the parameter names ``_keys`` gives them."""
    params = {f"q_{k}": filters[k] for k in (*EQUALITIES, "designation", "art_field") if k in filters}
    if "text" in filters:
        params["q_pattern"] = contains(filters["text"])
    if fts:
        params["q_fts"] = _fts_phrase(filters["text"])
    if path:
        params["q_path"], params["q_path_end"] = path, path[:-1] + chr(ord(path[-1]) + 1)
    if pager.after:
        params["q_after_name"], params["q_after_id"] = pager.after
    params["q_limit"] = pager.limit + 1
    return params


def _keys(filters: dict, sqlite: bool, path: str | None, fts: bool, after: bool):
    """A page's keys (``name``, ``id``) for a query of this shape, with ``bindparam``s for its values."""
    v = bindparam
    conditions = _text(filters, v) + [r.exists() for r in _related(filters, v)]
    if fts:
        conditions.append(Venue.id.in_(select(VENUES_FTS.c.id).where(_FTS_MATCH)))
    if sqlite:  # no statistics to choose an index by: one condition leads, no index serves the others
        conditions += _equalities(filters, v, () if path or fts else _sqlite_leading(filters))
        conditions += [in_subtree(Venue.org_path, v("q_path")) if fts else _in_subtree(v)] if path else []
    elif path:
        return _keys_per_org(conditions + _equalities(filters, v), after)
    else:
        conditions += _equalities(filters, v)
    order = (Venue.name, Venue.id)
    return select(*order).where(*conditions, *([_AFTER] if after else [])).order_by(*order).limit(v("q_limit"))


def _text(filters: dict, v) -> list:
    if "text" not in filters:
        return []
    return [or_(Venue.name.ilike(v("q_pattern"), escape="\\"), Venue.address.ilike(v("q_pattern"), escape="\\"))]


def _related(filters: dict, v) -> list:
    """The venue's rows in other tables that must exist (``v(name)``: the value, or its parameter)."""
    related = []
    if "designation" in filters:
        related.append(designation_rows(v("q_designation")))
    if "art_field" in filters:
        related.append(select(VenueArtField.venue_id).where(VenueArtField.venue_id == Venue.id,
                                                            VenueArtField.art_field == v("q_art_field")))
    return related


def _search_near(session: Session, conditions: list, related: list, near: dict, pager: Pager) -> dict:
    """Nearest first, a page at a time from the cursor on (``nearest.py``)."""
    hits = nearest(session, conditions, related, near, pager.after, pager.limit + 1)
    found = venue_documents(session, [i for _, i in hits[: pager.limit]])  # the page: stored documents
    return pager.page(hits, lambda h: [h[0], h[1]], lambda h: merged(found[h[1]], distance_km=round(h[0], 3)))


def _in_subtree(v):
    """SQLite: the subtree as a range of ``ix_venues_org_path_name_id`` (its ``LIKE 'prefix%'``
    cannot use an index). Every path starting with ``path`` lies between it and ``path`` with its
    last character (``/``) incremented (``q_path_end``, ``_params``); ids are lower-case UUIDs, as
    the ``LIKE`` also assumes."""
    return and_(Venue.org_path >= v("q_path"), Venue.org_path < v("q_path_end"))


def _subtree(session: Session, org_id: str) -> str | None:
    """The path whose subtree the venues must lie in; None when that is every venue (the tree's one
    root: every venue's ``org_path`` is one of its organisations' paths)."""
    org = get_or_not_found(session, Org, org_id, "organisation")
    roots = select(func.count()).select_from(Org).where(Org.parent_id.is_(None))
    return None if org.parent_id is None and session.scalar(roots) == 1 else org.path


def _equalities(filters: dict, v, indexed=EQUALITIES) -> list:
    """``type``, ``district``, ``status`` equal to the filter's value (``v("q_<name>")``); those not
    ``indexed`` written ``column || '' = value``: the same test, which no index serves (for SQLite,
    below)."""
    return [(getattr(Venue, k) if k in indexed else getattr(Venue, k).concat("")) == v(f"q_{k}")
            for k in EQUALITIES if k in filters]


def _sqlite_leading(filters: dict) -> set:
    """SQLite has no statistics to choose an index by: district and type lead (together,
    ``ix_venues_district_type_name_id``), status (80 % of venues are open) only alone."""
    given = {k for k in EQUALITIES if k in filters}
    return given - {"status"} or given


def _keys_per_org(conditions: list, after: bool):
    """PostgreSQL, a subtree: the page of each organisation in it (``org_path`` equal to its path:
    ``ix_venues_org_path_name_id`` in name order, at most a page each), merged. The planner would
    rather walk the whole name index, expecting the subtree's venues spread evenly through it."""
    order = (Venue.name, Venue.id)
    orgs = select(Org.path).where(in_subtree(Org.path, bindparam("q_path"))).subquery()
    per_org = (select(*order).where(Venue.org_path == orgs.c.path, *conditions, *([_AFTER] if after else []))
               .order_by(*order).limit(bindparam("q_limit")).lateral())
    stmt = select(per_org.c.name, per_org.c.id).select_from(orgs).join(per_org, true())
    return stmt.order_by(per_org.c.name, per_org.c.id).limit(bindparam("q_limit"))


_FTS_MATCH = text("venues_fts MATCH :q_fts")  # q_fts: a ``_fts_phrase``


def _fts_phrase(text_: str) -> str:
    """``text_`` as an FTS5 phrase: every character literal."""
    return '"' + text_.replace('"', '""') + '"'


def _fts_match(text_: str):
    """``venues_fts`` has ``text_`` in a name or an address."""
    return _FTS_MATCH.bindparams(q_fts=_fts_phrase(text_))


def _fts_finds_few(session: Session, text_: str) -> bool:
    """True when at most ``FTS_FEW`` venues have ``text_``: then the search starts from them. A
    common word is found sooner in name order (the trigram index would list every venue with it)."""
    few = select(VENUES_FTS.c.id).where(_fts_match(text_)).limit(FTS_FEW + 1).subquery()
    return session.scalar(select(func.count()).select_from(few)) <= FTS_FEW
