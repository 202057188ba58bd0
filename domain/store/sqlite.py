"""`BEGIN IMMEDIATE` transactions on Tortoise's SQLite client (Tortoise begins deferred ones only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionWrapper
from tortoise.connection import get_connections


@asynccontextmanager
async def immediate_transaction(connection_name: str) -> AsyncIterator[SqliteTransactionWrapper]:
    """Run the code inside in a transaction that takes SQLite's write lock as it begins, before anything
    is read, so that no other connection can change what it reads until it ends.

    Like Tortoise's own transactions, it holds the client's lock (one aiosqlite connection serves the
    whole process) and makes the transaction the current connection of the models. When another
    connection holds the write lock, BEGIN waits up to the busy timeout, then raises "database is locked".
    """
    connections = get_connections()
    client = connections.get(connection_name)
    if not isinstance(client, SqliteClient):
        raise TypeError(f"{connection_name} is not a SQLite connection")
    async with client._lock:
        if client._connection is None:
            await client.create_connection(with_db=True)
        transaction = SqliteTransactionWrapper(client)
        connection = transaction._connection
        token = connections.set(connection_name, transaction)
        try:
            await connection.execute("BEGIN IMMEDIATE")
            yield transaction
            await connection.commit()
        finally:
            try:
                if connection.in_transaction:
                    await connection.rollback()
            finally:
                connections.reset(token)
