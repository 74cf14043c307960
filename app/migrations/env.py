"""Alembic environment: the engine comes from the caller (app.migrate), never a global URL."""

from __future__ import annotations

from alembic import context

import app.models  # noqa: F401  (registers every table on Base.metadata)
from app.db import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run `flask db upgrade`.")
run_migrations_online()
