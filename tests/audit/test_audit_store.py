"""The decision store, the same suite on SQLite and on PostgreSQL: sealed appends, search, policy
texts stored once, API keys kept as hashes, and the chain catching every kind of tampering."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policyrules.api import Policy, loads
from policyrules.audit import Store, StoreError, open_store
from policyrules.audit.records import payload
from policyrules.audit.seal import canonical, seal
from policyrules.interfaces.record import ReplayError, record, replay

RENT = {"registered_unemployed": True, "starts_business": True, "first_business": True, "business_months": 14,
        "venue": "government_market", "annual_rent": "40000.00"}


def _fill(store: Store, policy: Policy, facts: Any, params: dict[str, str], n: int = 4) -> list[str]:
    ids = []
    for i in range(n):
        rent = {**facts, "person": {**facts["person"], "annual_rent": f"{20000 + 5000 * i}.00"}}
        ids.append(record(store, policy, rent, params, "2009-07-01", subject=f"P-{i}").id)
    return ids


@pytest.fixture()
def filled(store: Store, city_policy: Policy, with_facts: Any, city_params: dict[str, str]) -> list[str]:
    return _fill(store, city_policy, with_facts(person=RENT), city_params)


def _body(store: Store, seq: int) -> dict[str, Any]:
    return json.loads(store.db.run("SELECT body FROM decisions WHERE seq = ?", (seq,))[0][0])


def _set_body(store: Store, seq: int, body: dict[str, Any], reseal: bool = False) -> None:
    text = canonical(body).decode("utf-8")
    if reseal:
        store.db.run("UPDATE decisions SET body = ?, hash = ? WHERE seq = ?", (text, seal(body), seq))
    else:
        store.db.run("UPDATE decisions SET body = ? WHERE seq = ?", (text, seq))


def test_append_seals_and_chains(store: Store, filled: list[str]) -> None:
    first, second = store.get(filled[0]), store.get(filled[1])
    assert first is not None and second is not None
    assert first.seq == 1 and second.prev == first.hash and second.seq == 2
    assert first.body["outputs"]["rent_subsidy"]["value"] == "2000.00"
    assert store.verify().ok and store.verify().records == 4
    assert store.status(second).sealed and store.status(second).linked
    # the policy text is stored once, by content
    assert int(store.db.run("SELECT COUNT(*) FROM policy_texts")[0][0]) == 1
    assert store.policy_text(first.body["policy_sha256"]) is not None


def test_search(store: Store, filled: list[str]) -> None:
    assert [d.id for d in store.search()] == filled[::-1]
    assert [d.id for d in store.search(subject="P-2")] == [filled[2]]
    assert [d.id for d in store.search(value="3000.00")] == filled[2:][::-1]  # capped at 3000 from rent 30000
    assert store.search(policy="b1") == []
    assert len(store.search(date_from="2009-07-01", date_to="2009-07-01")) == 4
    assert store.search(date_from="2009-07-02") == []


def test_edit_of_an_amount_is_detected(store: Store, filled: list[str]) -> None:
    body = _body(store, 2)
    body["outputs"]["rent_subsidy"]["value"] = "9000.00"
    _set_body(store, 2, body)
    report = store.verify()
    assert not report.ok and report.bad_seq == 2 and report.bad_id == filled[1]
    assert "does not match its seal" in str(report.reason)


def test_edit_of_facts_and_outputs_together_is_detected(store: Store, filled: list[str], city_policy: Policy) -> None:
    # consistent enough that a replay finds nothing wrong: only the seal shows it
    body = _body(store, 3)
    body["facts"]["person"]["annual_rent"] = "10000.00"
    body["outputs"]["rent_subsidy"]["value"] = "1000.00"
    _set_body(store, 3, body)
    assert replay(store, filled[2], city_policy)[0] == []
    report = store.verify()
    assert not report.ok and report.bad_seq == 3
    # resealed too: then the next record's link breaks
    _set_body(store, 3, body, reseal=True)
    report = store.verify()
    assert not report.ok and report.bad_seq == 4 and "not chained to record 3" in str(report.reason)


def test_deletion_is_detected(store: Store, filled: list[str]) -> None:
    store.db.run("DELETE FROM decisions WHERE seq = 2")
    report = store.verify()
    assert not report.ok and report.bad_seq == 2 and "missing (deleted)" in str(report.reason)


def test_deletion_of_the_newest_is_detected(store: Store, filled: list[str]) -> None:
    store.db.run("DELETE FROM decisions WHERE seq = 4")
    report = store.verify()
    assert not report.ok and report.bad_seq == 4 and "deleted" in str(report.reason)


def test_swap_is_detected(store: Store, filled: list[str]) -> None:
    # records 2 and 3 trade places, each intact
    for a, b in [(2, -2), (3, 2), (-2, 3)]:
        store.db.run("UPDATE decisions SET seq = ? WHERE seq = ?", (b, a))
    report = store.verify()
    assert not report.ok and report.bad_seq == 2 and "swapped" in str(report.reason)


def test_changed_policy_text_is_detected(store: Store, filled: list[str]) -> None:
    store.db.run("UPDATE policy_texts SET text = text || ' '")
    report = store.verify()
    assert not report.ok and report.bad_seq == 1 and "policy text" in str(report.reason)


def test_replay_refuses_an_altered_policy_text(store: Store, filled: list[str]) -> None:
    """It never claims "the text it was made under" when the stored text no longer has its hash."""
    store.db.run("UPDATE policy_texts SET text = text || ' '")
    with pytest.raises(ReplayError, match="no longer has its hash"):
        replay(store, filled[0])


def test_replay_under_the_recorded_text(store: Store, city_policy: Policy, filled: list[str]) -> None:
    diffs, notes = replay(store, filled[0])
    assert diffs == [] and "made under" in notes[0]
    changed = loads(city_policy.checked.source.text.replace("10% of annual_rent", "11% of annual_rent"), "changed.policy")
    diffs, notes = replay(store, filled[0], changed)
    assert "policy text has changed" in notes[-1]
    assert [str(d) for d in diffs] == ["rent_subsidy: stored 2000.00, now 2200.00"]


def test_keys_are_kept_as_hashes(store: Store) -> None:
    assert store.active_keys() == 0
    key, secret = store.add_key("audit", "auditor A")
    assert secret.startswith("prk_") and len(secret) > 40
    stored = store.db.run("SELECT sha256 FROM api_keys")[0][0]
    assert secret not in str(store.db.run("SELECT * FROM api_keys"))
    assert len(stored) == 64
    found = store.authenticate(secret)
    assert found is not None and found.role == "audit" and found.id == key.id
    assert store.authenticate(secret + "x") is None
    store.revoke_key(key.id)
    assert store.authenticate(secret) is None and store.active_keys() == 0
    with pytest.raises(StoreError, match="unknown role"):
        store.add_key("admin")
    with pytest.raises(StoreError, match="no key"):
        store.revoke_key("nope")


def test_concurrent_appends_keep_one_chain(store: Store, city_policy: Policy, with_facts: Any,
                                           city_params: dict[str, str]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    decision = city_policy.evaluate(with_facts(person=RENT), on="2009-07-01", parameters=city_params, trace=False)
    text = city_policy.checked.source.text
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: store.append(text, payload(city_policy, {}, {}, decision)), range(40)))
    report = store.verify()
    assert report.ok and report.records == 40


def test_bad_urls_are_clear(tmp_path: Any) -> None:
    for url, words in [("mysql://x", "not a store URL"), ("sqlite://relative.db", "three slashes"),
                       (f"sqlite:///{tmp_path}/no/such/dir/x.db", "does not exist")]:
        with pytest.raises(StoreError, match=words):
            open_store(url)
