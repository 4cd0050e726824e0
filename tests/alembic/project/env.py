"""Runs migrations online against HOTIDX_ALEMBIC_URL, the way a Flask-Migrate app does."""
import os

from alembic import context
from sqlalchemy import create_engine, pool

url = os.environ["HOTIDX_ALEMBIC_URL"]
engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
