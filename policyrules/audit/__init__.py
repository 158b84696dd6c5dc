"""The decision store: sealed (hash-chained) decision records, the policy texts they were
made under (stored once, by content), and the service's API keys.  SQLite by default,
PostgreSQL for an office; one interface, :func:`open_store`."""

from policyrules.audit.store import Store, StoreError, open_store

__all__ = ["Store", "StoreError", "open_store"]
