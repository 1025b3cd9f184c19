"""knowledge vectors keyed by model and embedded-text hash (replaces per-section embeddings)

Revision ID: c7e1a2b3d4f5
Revises: abc9759752b3
Create Date: 2026-12-06 23:55:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c7e1a2b3d4f5"
down_revision: str | None = "abc9759752b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "knowledge_vector",
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("text_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("model", "text_hash"),
    )
    op.create_table(
        "knowledge_calibration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_knowledge_calibration_mode", "knowledge_calibration", ["mode"])
    with op.batch_alter_table("knowledge_document") as batch_op:
        batch_op.add_column(sa.Column("internal", sa.Boolean(), nullable=False, server_default=sa.false()))
    # per-section vectors of the endpoint model: recomputed by the background embedder under the new key
    op.drop_table("knowledge_embedding")


def downgrade() -> None:
    op.create_table(
        "knowledge_embedding",
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["section_id"], ["knowledge_section.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("section_id"),
    )
    op.drop_table("knowledge_vector")
    op.drop_index("ix_knowledge_calibration_mode", "knowledge_calibration")
    op.drop_table("knowledge_calibration")
    with op.batch_alter_table("knowledge_document") as batch_op:
        batch_op.drop_column("internal")
