"""The decision API over a real loopback server: evaluate, explain, policies, decisions and
replay; problem details listing every problem in API terms."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from service_support import RENT, b1_request, city_request, service_on

from policyrules.service import Service


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Service]]:
    with service_on(tmp_path_factory.mktemp("api")) as (url, service), httpx.Client(base_url=url, timeout=20) as c:
        yield c, service


def test_evaluate_seals_and_explains(api: tuple[httpx.Client, Service]) -> None:
    client, service = api
    body = {**city_request(**RENT), "explain": "zh", "subject": "P-100"}
    r = client.post("/evaluate", json=body)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["outputs"]["rent_subsidy"]["value"] == "3000.00"
    assert "适用上限" in got["explanation"]
    stored = service.store.get(got["id"])
    assert stored is not None and stored.hash == got["seal"]["hash"]
    assert stored.body["subject"] == "P-100" and stored.body["facts"]["person"]["annual_rent"] == "40000.00"
    # the stored decision, its chain status and its replay
    d = client.get(f"/decisions/{got['id']}").json()
    assert d["chain"]["sealed"] and d["chain"]["linked"] and d["record"]["policy"] == "city-employment-promotion"
    rep = client.post(f"/decisions/{got['id']}/replay").json()
    assert rep["recorded"]["identical"] and rep["current"]["identical"] and rep["policy_text_changed"] is False


def test_explain_and_b1(api: tuple[httpx.Client, Service]) -> None:
    client, _ = api
    r = client.post("/explain", json={**city_request(**RENT), "lang": "en", "outputs": ["rent_subsidy"]})
    assert r.status_code == 200 and "rent_subsidy" in r.json()["card"] and "guaranteed_loan" not in r.json()["card"]
    r = client.post("/evaluate", json=b1_request())
    assert r.status_code == 200, r.text
    assert r.json()["outputs"]["rent_subsidy"]["value"] == "3000.00"


def test_every_problem_listed_in_api_terms(api: tuple[httpx.Client, Service]) -> None:
    client, _ = api
    body = city_request(age="old", annual_rent=None)
    del body["parameters"]["min_wage_monthly"]
    r = client.post("/evaluate", json=body)
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    problems = {p["pointer"]: p["detail"] for p in r.json()["problems"]}
    assert {"/facts/person/age", "/facts/person/annual_rent", "/parameters/min_wage_monthly"} <= set(problems)
    assert '"parameters": {"min_wage_monthly"' in problems["/parameters/min_wage_monthly"]
    assert "--param" not in r.text
    r = client.post("/evaluate", json={"polcy": "b1", "facts": [], "date": 5, "trace": "yes"})
    pointers = [p["pointer"] for p in r.json()["problems"]]
    assert r.status_code == 400 and pointers == ["/polcy", "/policy", "/facts", "/date", "/trace"]
    assert "did you mean policy?" in r.json()["problems"][0]["detail"]


def test_policies_describe_the_form(api: tuple[httpx.Client, Service]) -> None:
    client, _ = api
    listed = client.get("/policies").json()
    assert [p["name"] for p in listed] == ["city-employment-promotion", "b1"]
    city = client.get("/policies/city-employment-promotion").json()
    fields = {f["name"]: f for f in city["facts"]["person"]["fields"]}
    assert fields["annual_rent"]["type"] == "money" and fields["annual_rent"]["label"] == "年租金"
    assert fields["venue"]["values"] == ["government_market", "other", "none"]
    assert {p["name"]: p["required"] for p in city["parameters"]}["min_wage_monthly"] is True
    assert city["schemas"]["facts"]["properties"]["person"]["properties"]["annual_rent"]["title"] == "年租金"
    r = client.get("/policies/nope")
    assert r.status_code == 404 and r.json()["title"] == "No such policy"


def test_no_reply_without_a_status(api: tuple[httpx.Client, Service]) -> None:
    client, _ = api
    for method, path, status in [("GET", "/nothing", 404), ("GET", "/evaluate", 405), ("DELETE", "/policies", 405),
                                 ("GET", "/decisions/0000", 404), ("POST", "/decisions/0000/replay", 404)]:
        r = client.request(method, path)
        assert r.status_code == status and r.json()["status"] == status, (method, path, r.text)
    r = client.post("/evaluate", content=b"[" * 200_000, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["type"].endswith("too-deep")  # within the 1 MiB default limit
    spec = client.get("/openapi.json").json()
    assert "Facts.b1" in spec["components"]["schemas"] and "/evaluate" in spec["paths"]


def test_a_policy_text_changed_since_shows_in_replay(tmp_path: Path) -> None:
    from service_support import CITY, policies

    from policyrules.api import loads
    from policyrules.audit import open_store

    store = open_store(f"sqlite:///{tmp_path / 'd.db'}")
    try:
        with service_on(tmp_path, store=store) as (url, _):
            did = httpx.post(url + "/evaluate", json=city_request(**RENT), timeout=20).json()["id"]
        amended = loads(CITY.read_text("utf-8").replace("10% of annual_rent", "5% of annual_rent"), str(CITY))
        service = Service({**policies(), amended.name: amended}, store)
        rep = service.replay(store.get(did))  # type: ignore[arg-type]
        assert rep["policy_text_changed"] is True and rep["recorded"]["identical"]
        assert rep["current"]["differences"] == [{"where": "rent_subsidy", "stored": "3000.00", "now": "2000.00"}]
    finally:
        store.close()


