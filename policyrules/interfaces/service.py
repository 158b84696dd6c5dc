"""``policyrules serve``: open the store, build the ASGI app, say how it is protected, run."""

from __future__ import annotations

from collections.abc import Callable

from policyrules.api import Policy
from policyrules.audit.store import Store, open_store
from policyrules.service.app import Service, Settings, create_app, loopback


class ServeError(Exception):
    """The service cannot start as asked; the message says why."""


def protection(store: Store, host: str) -> str:
    """How requests will be authenticated, as said at start; ServeError if it would be open."""
    keys = store.active_keys()
    if keys:
        return f"{keys} API key{'s' if keys != 1 else ''} in the store: requests need `Authorization: Bearer KEY`"
    if not loopback(host):
        raise ServeError(f"the store has no API keys, so the service may listen on loopback only, not {host}; "
                         "add one with `policyrules keys add --role evaluate --store URL`")
    return ("no API keys in the store: serving loopback only, WITHOUT authentication "
            "(add keys with `policyrules keys add`)")


def serve(policies: dict[str, Policy], store_url: str, host: str, port: int, settings: Settings,
          say: Callable[[str], None]) -> None:
    from policyrules.service.server import run

    store = open_store(store_url)
    try:
        how = protection(store, host)
        app = create_app(Service(policies, store, settings))
        say(f"serving {', '.join(policies)} on http://{host}:{port} (API at /openapi.json, auditor's page at /audit/)")
        say(f"decisions are sealed in {store.url}")
        say(how)
        run(app, host, port, settings)
    finally:
        store.close()
