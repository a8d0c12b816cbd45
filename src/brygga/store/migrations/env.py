"""Alembic environment: runs on the connection `Database.migrate` puts in the config.

There is no alembic.ini and no URL here, so migrations always run on the database the caller
opened, inside its transaction.
"""

from alembic import context

from brygga.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through brygga.store.Database.migrate()")

# Batch mode renders future ALTERs in a form SQLite can run (it rebuilds the table).
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
