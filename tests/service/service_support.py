"""Running the real service (uvicorn, h11, the guarded protocol) in a thread on a loopback
port chosen by the system, for the duration of a `with` block."""

from __future__ import annotations

import copy
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
import yaml

from policyrules.api import Policy, load
from policyrules.audit import Store, open_store
from policyrules.service import Service, Settings, create_app
from policyrules.service.server import config

ROOT = Path(__file__).resolve().parents[2]
CITY = ROOT / "policies" / "city-employment-promotion.policy"
B1 = ROOT / "policies" / "b1.policy"
CASES = yaml.safe_load((ROOT / "tests" / "acceptance" / "city-employment-promotion.yaml").read_text("utf-8"))


def policies() -> dict[str, Policy]:
    out = {}
    for path in (CITY, B1):
        p = load(path)
        out[p.name] = p
    return out


def city_request(**person: Any) -> dict[str, Any]:
    """A POST /evaluate body for the city policy: the acceptance base facts, some changed."""
    facts = copy.deepcopy(CASES["base"])
    facts["person"].update(person)
    return {"policy": "city-employment-promotion", "facts": facts, "date": str(CASES["date"]),
            "parameters": dict(CASES["parameters"])}


RENT = {"registered_unemployed": True, "starts_business": True, "first_business": True, "business_months": 14,
        "venue": "government_market", "annual_rent": "40000.00"}


def b1_request(person_id: int = 1) -> dict[str, Any]:
    person = {"sex": "F", "age": 45, "hukou": "urban", "registered_unemployed": True,
              "holds_reemployment_cert": True, "hardship": True, "receiving_ui": False,
              "ui_entitlement_total": "0", "starts_business": True, "first_business": True,
              "business_months": 14, "venue": "government_market", "annual_rent": "36000.00",
              "micro_profit_project": False, "industry": "retail", "years_rent_subsidy_received": 0,
              "tax_paid": "5000.00", "years_tax_relief_received": 0, "flexible_employed": False,
              "monthly_income": "0", "pays_si": False, "years_si_subsidy_received": 0,
              "months_to_retirement": 120, "rural_migrant": False, "cert_level": "senior"}
    return {"policy": "b1", "facts": {"person": person}, "date": "2024-06-30", "subject": f"P{person_id}"}


@contextmanager
def running(service: Service, settings: Settings | None = None) -> Iterator[str]:
    """The service listening on 127.0.0.1; yields its base URL."""
    settings = settings or service.settings
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(config(create_app(service), "127.0.0.1", port, settings))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


@contextmanager
def service_on(tmp_path: Path, settings: Settings | None = None,
               store: Store | None = None) -> Iterator[tuple[str, Service]]:
    own = store is None
    store = store or open_store(f"sqlite:///{tmp_path / 'decisions.db'}")
    service = Service(policies(), store, settings or Settings())
    try:
        with running(service) as url:
            yield url, service
    finally:
        if own:
            store.close()
