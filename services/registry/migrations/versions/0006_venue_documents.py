"""Venue documents: ``get_venue``'s answer stored per venue (services/registry/usecases/documents.py),
built here for every venue already registered.

The backfill calls the same ``documents.refresh`` the venue writes call, so a document made here is
the one a write would make. It reads the venue columns ``VenueOut`` shows as of this revision; a
later change of the document that needs new columns rebuilds the documents in its own migration.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BATCH = 2000


def upgrade() -> None:
    op.create_table(
        "venue_documents",
        sa.Column("venue_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"], name=op.f("fk_venue_documents_venue_id_venues"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("venue_id", name=op.f("pk_venue_documents")),
    )
    from services.registry.usecases.documents import refresh

    conn = op.get_bind()
    after = ""
    while True:  # in id order, a batch at a time: memory stays flat on a large registry
        ids = conn.execute(sa.text("SELECT id FROM venues WHERE id > :after ORDER BY id LIMIT :n"),
                           {"after": after, "n": BATCH}).scalars().all()
        if not ids:
            break
        refresh(conn, ids)
        after = ids[-1]


def downgrade() -> None:
    op.drop_table("venue_documents")
