"""Alembic environment: migrations run on the connection the engine hands over."""

from __future__ import annotations

from alembic import context

from engine.storage.schema import Base, is_modelled

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=is_modelled,
)
with context.begin_transaction():
    context.run_migrations()
