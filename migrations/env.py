"""Alembic environment: storectl's metadata, batch mode for SQLite, connection passed in-process."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storectl.models import load_all

config = context.config
target_metadata = load_all()  # every table, not only those some import already defined


def _include(obj, name, type_, reflected, compare_to):  # noqa: ANN001
    tables = config.attributes.get("include_tables")
    if tables is not None and type_ == "table":
        return name in tables
    return True


def _configure(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=_include,
    )


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


run()
