"""API keys: Bearer keys with roles evaluate and audit, revocation, the open loopback-only mode
of a store without keys, and the auditor's sign-in."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from service_support import b1_request, policies, service_on

from policyrules.audit import open_store
from policyrules.interfaces.service import ServeError, protection
from policyrules.service import Service, Settings, create_app


def test_roles_and_revocation(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'd.db'}")
    ev_key, ev = store.add_key("evaluate", "intake")
    _, au = store.add_key("audit", "auditor")
    try:
        with service_on(tmp_path, Settings(key_cache=0), store=store) as (url, _), \
                httpx.Client(base_url=url, timeout=20) as c:
            assert c.get("/health").status_code == 200 and c.get("/openapi.json").status_code == 200
            r = c.post("/evaluate", json=b1_request())
            assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
            assert c.post("/evaluate", json=b1_request(), headers={"Authorization": "Bearer nope"}).status_code == 401
            r = c.post("/evaluate", json=b1_request(), headers={"Authorization": f"Bearer {ev}"})
            assert r.status_code == 200
            did = r.json()["id"]
            assert store.get(did).body["key_id"] == ev_key.id  # type: ignore[union-attr]
            r = c.post("/evaluate", json=b1_request(), headers={"Authorization": f"Bearer {au}"})
            assert r.status_code == 403 and "role evaluate" in r.json()["detail"]
            assert c.get(f"/decisions/{did}", headers={"Authorization": f"Bearer {ev}"}).status_code == 403
            assert c.get(f"/decisions/{did}", headers={"Authorization": f"Bearer {au}"}).status_code == 200
            # the auditor's page: a browser signs in once, then the cookie carries the key
            r = c.get("/audit/")
            assert r.status_code == 303 and r.headers["location"].startswith("/audit/login")
            assert c.post("/audit/login", data={"key": ev}).status_code == 401
            r = c.post("/audit/login", data={"key": au})
            assert r.status_code == 303 and "policyrules_key" in r.headers["set-cookie"]
            assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=strict" in r.headers["set-cookie"]
            page = c.get("/audit/")
            assert page.status_code == 200 and did in page.text
            store.revoke_key(ev_key.id)
            assert c.post("/evaluate", json=b1_request(), headers={"Authorization": f"Bearer {ev}"}).status_code == 401
    finally:
        store.close()


def test_without_keys_only_loopback(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'd.db'}")
    app = create_app(Service(policies(), store))

    async def post(client: tuple[str, int]) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return await c.post("/evaluate", json=b1_request())

    try:
        assert asyncio.run(post(("127.0.0.1", 4000))).status_code == 200
        r = asyncio.run(post(("10.1.2.3", 4000)))
        assert r.status_code == 401 and "only on loopback" in r.json()["detail"]
        assert "WITHOUT authentication" in protection(store, "127.0.0.1")
        with pytest.raises(ServeError, match="loopback only, not 0.0.0.0"):
            protection(store, "0.0.0.0")
        store.add_key("evaluate")
        assert "1 API key in the store" in protection(store, "0.0.0.0")
    finally:
        store.close()


def test_serve_refuses_an_open_public_service(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from service_support import B1

    from policyrules.interfaces.cli import main

    code = main(["serve", str(B1), "--host", "0.0.0.0", "--store", f"sqlite:///{tmp_path / 'd.db'}"])
    assert code == 2 and "no API keys" in capsys.readouterr().err
