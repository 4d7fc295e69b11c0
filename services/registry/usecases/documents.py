"""Venue documents: ``get_venue``'s answer, stored per venue, kept in step by this module alone.

``refresh(session, ids)`` is the one writer: it builds the documents of ``ids`` from the rows as
they stand in the caller's transaction and upserts them (``venue_documents``). Every venue write
calls it after its flush (``venues.py``: registered, updated, spaces added/renamed/removed, status
changed, designation granted or revoked, by RPC or by an award), so the document commits or rolls
back with the write; the migration that made the table (0006) and bulk loaders call it too.

A document is built from the rows with ``VenueOut`` in the ORM's own order (spaces by position,
designations by grant time, ids breaking ties): it is what the ORM path would answer
(tests/unit/registry/test_venue_documents.py checks it after every kind of write). Reads
(``get_venue``, a page of ``search_venues``) return the stored documents as they are; a venue
without one (a row written past the use cases) is answered from its rows, with a warning.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from types import SimpleNamespace

from sqlalchemy import Text, bindparam, cast, select

from services.common.errors import NotFound
from services.common.query import Prepared, dialect_insert
from services.common.rawjson import RawJSON
from services.common.reads import read_rows

from ..models import Space, Venue, VenueDesignation, VenueDocument
from ..schemas import VenueOut

log = logging.getLogger(__name__)
VENUE_OUT = VenueOut()
DOCUMENTS = VenueDocument.__table__
_VENUE = (Venue.id, Venue.name, Venue.type, Venue.org_id, Venue.district, Venue.address, Venue.lat, Venue.lon,
          Venue.opening_hours, Venue.facilities, Venue.art_fields, Venue.book_count, Venue.status,
          Venue.version, Venue.created_at, Venue.updated_at)
_SPACE = (Space.venue_id, Space.id, Space.name, Space.capacity)
_DESIGNATION = (VenueDesignation.venue_id, VenueDesignation.designation, VenueDesignation.year,
                VenueDesignation.granted_at, VenueDesignation.revoked_at, VenueDesignation.revoke_reason)
BATCH = 500  # ids per IN list


def build(conn, ids: Iterable[str]) -> dict[str, dict]:
    """The documents of the venues ``ids`` that exist, built from their rows; ``conn``: a session
    or a connection (a migration's)."""
    ids = list(dict.fromkeys(ids))
    out: dict[str, dict] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        venues = {r.id: SimpleNamespace(**r._asdict(), spaces=[], designations=[])
                  for r in conn.execute(select(*_VENUE).where(Venue.id.in_(chunk)))}
        for row in conn.execute(select(*_SPACE).where(Space.venue_id.in_(chunk))
                                .order_by(Space.venue_id, Space.position, Space.id)):
            venues[row.venue_id].spaces.append(row)
        for row in conn.execute(select(*_DESIGNATION).where(VenueDesignation.venue_id.in_(chunk))
                                .order_by(VenueDesignation.venue_id, VenueDesignation.granted_at,
                                          VenueDesignation.id)):
            venues[row.venue_id].designations.append(row)
        out.update((venue_id, VENUE_OUT.dump(venue)) for venue_id, venue in venues.items())
    return out


def refresh(conn, ids: Iterable[str]) -> dict[str, dict]:
    """Build and store the documents of ``ids`` in ``conn``'s transaction; returns them."""
    documents = build(conn, ids)
    if documents:
        _UPSERT.execute(conn, [{"venue_id": venue_id, "version": doc["version"], "document": doc}
                               for venue_id, doc in documents.items()])
    return documents


def _build_upsert(dialect_name: str):
    stmt = dialect_insert(dialect_name)(DOCUMENTS).values(
        {name: bindparam(name) for name in ("venue_id", "version", "document")})
    return stmt.on_conflict_do_update(index_elements=[DOCUMENTS.c.venue_id],
                                      set_={"version": stmt.excluded.version, "document": stmt.excluded.document})


_UPSERT = Prepared(_build_upsert)


# The documents as the text they are stored as (PostgreSQL's driver would parse a json column):
# a reply splices them in unparsed (``rawjson``).
_AS_TEXT = cast(DOCUMENTS.c.document, Text)
_MANY = select(DOCUMENTS.c.venue_id, _AS_TEXT).where(DOCUMENTS.c.venue_id.in_(bindparam("ids", expanding=True)))


def venue_documents(session, ids: list[str]) -> dict[str, Mapping]:
    """The stored documents of ``ids`` (those that exist), by id: what a page of venues is made of,
    each a ``RawJSON`` (the stored text, answered as it is). In the session's transaction: the
    page's documents are read with the ids that found them."""
    if not ids:
        return {}
    found = {venue_id: RawJSON(text) for venue_id, text in session.connection().execute(_MANY, {"ids": ids})}
    missing = [i for i in ids if i not in found]
    if missing:
        built = build(session, missing)
        if built:
            log.warning("venues without a stored document (written past the use cases?), answered from "
                        "their rows: %s", ", ".join(built))
        found.update(built)
    return found


def page_statement(keys):
    """A page's keys and documents in one statement: ``keys`` (a ``SELECT`` of a page's sort key and
    venue ``id``, ordered and limited) with each venue's stored document as text. Built once per
    query shape (its values as ``bindparam``s), SQLAlchemy neither builds nor keys it again per call."""
    found = keys.subquery("page")
    return select(*found.c, _AS_TEXT.label("text")).select_from(
        found.outerjoin(DOCUMENTS, DOCUMENTS.c.venue_id == found.c.id)).order_by(*found.c)


def page_documents(session, stmt, params: dict, limit: int) -> list:
    """The rows of a ``page_statement`` with ``params``, each with its venue's stored document
    (``document``: ``RawJSON``): the page's documents are read with the keys that found them. Rows
    past ``limit`` (the one that says a next page exists) come without their document; a venue
    without one is answered from its rows. The kit's lean read (no transaction) when the session
    has not begun one; else in it (SQLite has one connection a process: the session holds it)."""
    if session.in_transaction():
        rows = session.execute(stmt, params).all()
    else:
        rows = read_rows(session, stmt, **params)
    names = [c.key for c in stmt.selected_columns][:-1]  # the keys; the last column is the text
    at = names.index("id")
    missing = [row[at] for row in rows[:limit] if row[-1] is None]
    built = venue_documents(session, missing) if missing else {}
    return [SimpleNamespace(**dict(zip(names, row)), document=RawJSON(row[-1]) if row[-1] is not None
                            else built.get(row[at])) for row in rows]


_ONE = select(_AS_TEXT).where(DOCUMENTS.c.venue_id == bindparam("venue_id"))


def venue_document(session, venue_id: str) -> Mapping:
    """``get_venue``: the stored document of one venue (``RawJSON``), or ``NotFound``. One
    statement, the kit's lean read (no transaction, the session untouched) unless the venue has
    no document."""
    rows = read_rows(session, _ONE, venue_id=venue_id)
    document = RawJSON(rows[0][0]) if rows and rows[0][0] is not None else None
    if document is None:
        document = venue_documents(session, [venue_id]).get(venue_id)
        if document is None:
            raise NotFound(f"no venue with id {venue_id}")
    return document
