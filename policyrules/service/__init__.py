"""The decision service: an ASGI app (Starlette) over the API, served by uvicorn, writing every
decision to the audit store.  :func:`create_app` builds it; ``policyrules serve`` runs it."""

from policyrules.service.app import Service, Settings, create_app

__all__ = ["Service", "Settings", "create_app"]
