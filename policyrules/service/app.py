"""The decision service as an ASGI application (Starlette): the JSON API, the auditor's pages
under ``/audit/``, authentication by API key, and the limits.

Evaluation and store writes are blocking: they run in a bounded worker pool (``workers``
threads) and at most ``max_pending`` requests wait for it; beyond that a request gets 503 with
``Retry-After``.  A decision is acknowledged only after its record has committed."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread
import attrs
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from policyrules.api import EvaluationError, InputError, Policy, PolicyError, loads
from policyrules.audit.records import differences, outcome, payload, reevaluate
from policyrules.audit.seal import text_hash
from policyrules.audit.store import ApiKey, Store, StoredDecision, StoreError
from policyrules.explain.data import decision_to_dict
from policyrules.service import schemas
from policyrules.service.body import parse_json, read_body
from policyrules.service.openapi import document
from policyrules.service.problems import Issue, Problem, api_terms, pointer, problem_response
from policyrules.service.requests import DecisionRequest, parse_request, refused

log = logging.getLogger("policyrules.service")
COOKIE = "policyrules_key"


@attrs.frozen(slots=True)
class Settings:
    """The service's limits (sizes in bytes, times in seconds)."""

    body_limit: int = 1 << 20
    body_timeout: float = 10.0  # the whole body, from the first read
    header_timeout: float = 10.0  # a connection's request line and headers (see server.py)
    idle_timeout: int = 5  # a kept-alive connection with no request
    workers: int = 8
    max_pending: int = 512
    key_cache: float = 2.0  # a revoked key stops working within this time


def loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class Service:
    """The policies, the store and the limits of one running service."""

    def __init__(self, policies: dict[str, Policy], store: Store, settings: Settings | None = None):
        self.policies = policies
        self.store = store
        self.settings = settings or Settings()
        self.pending = 0
        self.limiter: anyio.CapacityLimiter | None = None
        self._keys: dict[str, tuple[ApiKey | None, float]] = {}
        self._active: tuple[int, float] = (0, 0.0)
        self._stored: dict[str, Policy] = {text_hash(p.checked.source.text): p for p in policies.values()}

    # ------------------------------------------------------------ the worker pool
    async def work(self, fn: Callable[[], Any]) -> Any:
        if self.pending >= self.settings.max_pending:
            raise Problem(503, "busy", "Service at capacity",
                          f"{self.pending} requests are waiting; try again shortly", headers={"Retry-After": "1"})
        if self.limiter is None:
            self.limiter = anyio.CapacityLimiter(self.settings.workers)
        self.pending += 1
        try:
            return await anyio.to_thread.run_sync(fn, limiter=self.limiter)
        finally:
            self.pending -= 1

    # ------------------------------------------------------------ authentication
    async def active_keys(self) -> int:
        count, until = self._active
        if time.monotonic() >= until:
            count = await self.work(self.store.active_keys)
            self._active = (count, time.monotonic() + self.settings.key_cache)
        return count

    async def authorize(self, request: Request, roles: tuple[str, ...], cookie: bool = False) -> ApiKey | None:
        """The key of the request if it may do this (None: open loopback service), else a 401/403."""
        if await self.active_keys() == 0:
            if loopback(request.client.host if request.client else None):
                return None
            raise Problem(401, "unauthorized", "Unauthorized",
                          "the store has no API keys yet, so this service answers only on loopback",
                          headers={"WWW-Authenticate": "Bearer"})
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        secret = secret.strip() if scheme.lower() == "bearer" else ""
        if not secret and cookie:
            secret = request.cookies.get(COOKIE, "")
        if not secret:
            raise Problem(401, "unauthorized", "Unauthorized", "send an API key as `Authorization: Bearer KEY`",
                          headers={"WWW-Authenticate": "Bearer"})
        key = await self.key(secret)
        if key is None:
            raise Problem(401, "unauthorized", "Unauthorized", "the API key is not valid (unknown or revoked)",
                          headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        if key.role not in roles:
            raise Problem(403, "forbidden", "Forbidden",
                          f"a key of role {key.role} may not do this; it needs role {' or '.join(roles)}")
        return key

    async def key(self, secret: str) -> ApiKey | None:
        digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
        hit = self._keys.get(digest)
        if hit is not None and time.monotonic() < hit[1]:
            return hit[0]
        key = await self.work(functools.partial(self.store.authenticate, secret))
        if len(self._keys) > 10_000:
            self._keys.clear()
        self._keys[digest] = (key, time.monotonic() + self.settings.key_cache)
        return key

    # ------------------------------------------------------------ decisions
    def decide(self, req: DecisionRequest, key: ApiKey | None, lang: str | None) -> tuple[Any, StoredDecision]:
        """Evaluate and seal (in a worker): the Decision and its stored record."""
        try:
            decision = req.policy.evaluate(req.facts, on=req.date, parameters=req.parameters,
                                           trace=req.trace or lang is not None)
        except InputError as err:
            raise refused([Issue(pointer(p.where), api_terms(p.message)) for p in err.problems],
                          "the facts or parameters were refused; nothing was evaluated") from None
        except EvaluationError as err:
            raise Problem(400, "cannot-compute", "Cannot be computed", api_terms(str(err))) from None
        body = payload(req.policy, req.facts, req.parameters, decision, subject=req.subject,
                       key_id=key.id if key else None)
        try:
            stored = self.store.append(req.policy.checked.source.text, body)
        except StoreError as err:
            log.error("store: %s", err)
            raise Problem(503, "not-stored", "Decision not stored",
                          "the decision could not be sealed in the store, so it was not made; try again",
                          headers={"Retry-After": "1"}) from None
        return decision, stored

    def policy_for(self, rec: StoredDecision) -> Policy:
        """The policy a record was made under, from its stored text (checked once, then kept)."""
        sha = str(rec.body.get("policy_sha256"))
        if sha not in self._stored:
            text = self.store.policy_text(sha)
            if text is None:
                raise Problem(409, "text-missing", "Policy text missing",
                              f"the store has no policy text {sha[:12]}… for this decision")
            try:
                self._stored[sha] = loads(text, f"<stored {rec.body.get('policy')} {sha[:12]}>")
            except PolicyError as err:
                raise Problem(409, "text-does-not-check", "Recorded policy text does not check",
                              f"the policy text this decision was made under no longer checks under this engine "
                              f"version: {str(err).splitlines()[0]}") from None
        return self._stored[sha]

    def replay(self, rec: StoredDecision) -> dict[str, Any]:
        """The record recomputed under its own policy text and under the loaded policy of that name."""
        name = str(rec.body.get("policy"))
        out: dict[str, Any] = {"id": rec.id, "policy": name, "policy_text_changed": None, "current": None,
                               "recorded": _replay_under(self.policy_for(rec), rec)}
        current = self.policies.get(name)
        if current is not None:
            out["policy_text_changed"] = text_hash(current.checked.source.text) != rec.body.get("policy_sha256")
            out["current"] = _replay_under(current, rec)
        return out


def _replay_under(policy: Policy, rec: StoredDecision) -> dict[str, Any]:
    try:
        now = reevaluate(policy, rec.body)
    except InputError as err:
        return {"identical": False, "differences": [],
                "refused": [{"pointer": pointer(p.where), "detail": api_terms(p.message)} for p in err.problems]}
    except EvaluationError as err:
        return {"identical": False, "differences": [], "refused": [{"pointer": "", "detail": str(err)}]}
    diffs = differences(rec.body.get("outputs") or {}, outcome(now))
    return {"identical": not diffs,
            "differences": [{"where": d.where, "stored": d.stored, "now": d.now} for d in diffs]}


def seal_of(stored: StoredDecision) -> dict[str, Any]:
    return {"seq": stored.seq, "hash": stored.hash, "prev": stored.prev}


Handler = Callable[[Request], Awaitable[Response]]


def guarded(fn: Handler) -> Handler:
    """Every reply has a status and no traceback: Problems as they are, anything else a 500."""

    @functools.wraps(fn)
    async def run(request: Request) -> Response:
        try:
            return await fn(request)
        except Problem as p:
            return p.response(request.url.path)
        except Exception as err:  # noqa: BLE001 - the one place an unexpected error becomes a reply
            log.error("%s %s: %s: %s", request.method, request.url.path, type(err).__name__, err)
            return problem_response({"type": "about:blank", "title": "Internal error", "status": 500,
                                     "detail": "the service failed to answer this request; it has been logged",
                                     "instance": request.url.path}, 500)

    return run


def create_app(service: Service) -> Starlette:
    s = service
    docs = document(s.policies)

    @guarded
    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "policies": list(s.policies)})

    @guarded
    async def openapi(request: Request) -> Response:
        return JSONResponse(docs)

    @guarded
    async def list_policies(request: Request) -> Response:
        await s.authorize(request, ("evaluate", "audit"))
        return JSONResponse([schemas.summary(p.checked) for p in s.policies.values()])

    @guarded
    async def describe_policy(request: Request) -> Response:
        await s.authorize(request, ("evaluate", "audit"))
        name = request.path_params["name"]
        if name not in s.policies:
            raise Problem(404, "no-policy", "No such policy",
                          f"no policy {name[:80]!r} is loaded; loaded: {', '.join(s.policies)}")
        return JSONResponse(schemas.describe_policy(s.policies[name].checked))

    async def _request(request: Request, explaining: bool) -> tuple[DecisionRequest, ApiKey | None]:
        key = await s.authorize(request, ("evaluate",))
        raw = await read_body(request, s.settings.body_limit, s.settings.body_timeout)
        return parse_request(parse_json(raw), s.policies, explaining), key

    @guarded
    async def evaluate(request: Request) -> Response:
        req, key = await _request(request, explaining=False)

        def run() -> dict[str, Any]:
            decision, stored = s.decide(req, key, req.explain)
            body = {"id": stored.id, "seal": seal_of(stored),
                    **decision_to_dict(decision, req.policy.checked, trace=req.trace)}
            if req.explain:
                body["explanation"] = req.policy.explain(decision, lang=req.explain)
            return body

        return JSONResponse(await s.work(run))

    @guarded
    async def explain(request: Request) -> Response:
        req, key = await _request(request, explaining=True)

        def run() -> dict[str, Any]:
            decision, stored = s.decide(req, key, req.explain)
            card = req.policy.explain(decision, lang=req.explain or "en", outputs=list(req.outputs) or None)
            return {"id": stored.id, "seal": seal_of(stored), "lang": req.explain, "card": card}

        return JSONResponse(await s.work(run))

    async def _stored(request: Request) -> StoredDecision:
        await s.authorize(request, ("audit",))
        rec = await s.work(functools.partial(s.store.get, request.path_params["id"]))
        if rec is None:
            raise Problem(404, "no-decision", "No such decision",
                          f"no decision {request.path_params['id'][:80]!r} in the store")
        return rec

    @guarded
    async def get_decision(request: Request) -> Response:
        rec = await _stored(request)
        status = await s.work(functools.partial(s.store.status, rec))
        return JSONResponse({"id": rec.id, "seal": seal_of(rec), "record": rec.body,
                             "chain": {"sealed": status.sealed, "linked": status.linked, "detail": status.detail}})

    @guarded
    async def replay(request: Request) -> Response:
        rec = await _stored(request)
        raw = await read_body(request, s.settings.body_limit, s.settings.body_timeout)
        if raw.strip():
            body = parse_json(raw)
            if body != {}:
                raise refused([Issue("", "replay takes no members: send an empty body or {}")])
        return JSONResponse(await s.work(functools.partial(s.replay, rec)))

    from policyrules.service.audit_pages import routes as audit_routes

    async def not_found(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        path = request.url.path
        if exc.status_code == 405:
            return problem_response({"type": "about:blank", "title": "Method not allowed", "status": 405,
                                     "detail": f"{request.method} is not allowed on {path}",
                                     "instance": path}, 405, dict(exc.headers or {}))
        detail = (f"no resource {path[:200]}; see /openapi.json" if exc.status_code == 404
                  else str(exc.detail))
        return problem_response({"type": "about:blank", "title": "Not found" if exc.status_code == 404
                                 else "Error", "status": exc.status_code, "detail": detail, "instance": path},
                                exc.status_code)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        s.limiter = anyio.CapacityLimiter(s.settings.workers)
        yield

    return Starlette(routes=[
        Route("/health", health, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/policies", list_policies, methods=["GET"]),
        Route("/policies/{name}", describe_policy, methods=["GET"]),
        Route("/evaluate", evaluate, methods=["POST"]),
        Route("/explain", explain, methods=["POST"]),
        Route("/decisions/{id}", get_decision, methods=["GET"]),
        Route("/decisions/{id}/replay", replay, methods=["POST"]),
        Mount("/audit", routes=audit_routes(s, guarded)),
    ], exception_handlers={HTTPException: not_found}, lifespan=lifespan)
