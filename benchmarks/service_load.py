"""Load test of the decision service over loopback: `policyrules serve` (B1 and the city policy,
a SQLite store in a temp dir) is started, then `POST /evaluate` is sent for each policy at a
few concurrency levels; p50/p99 latency and throughput are printed as a Markdown table.

Bounded: at most REQUESTS requests a run and TIME_LIMIT seconds a run; the server is stopped
at the end.  Every request is a full decision: validated, evaluated and sealed in the store
(SQLite in WAL mode with synchronous=FULL) before the reply.

    .venv/bin/python benchmarks/service_load.py [--requests 1000] [--concurrency 1 16 64]
"""

from __future__ import annotations

import argparse
import copy
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
TIME_LIMIT = 60.0


CASES = yaml.safe_load((ROOT / "tests" / "acceptance" / "city-employment-promotion.yaml").read_text("utf-8"))


def city_body(i: int) -> dict[str, Any]:
    cases = CASES
    facts = copy.deepcopy(cases["base"])
    facts["person"].update({"registered_unemployed": True, "starts_business": True, "first_business": True,
                            "business_months": 14, "venue": "government_market",
                            "annual_rent": f"{30000 + i % 100 * 100}.00"})
    return {"policy": "city-employment-promotion", "facts": facts, "date": str(cases["date"]),
            "parameters": dict(cases["parameters"]), "subject": f"C{i}"}


def b1_body(i: int) -> dict[str, Any]:
    person = {"sex": "F", "age": 45, "hukou": "urban", "registered_unemployed": True,
              "holds_reemployment_cert": True, "hardship": True, "receiving_ui": False, "ui_entitlement_total": "0",
              "starts_business": True, "first_business": True, "business_months": 14, "venue": "government_market",
              "annual_rent": f"{20000 + i % 100 * 100}.00", "micro_profit_project": False, "industry": "retail",
              "years_rent_subsidy_received": 0, "tax_paid": "5000.00", "years_tax_relief_received": 0,
              "flexible_employed": False, "monthly_income": "0", "pays_si": False, "years_si_subsidy_received": 0,
              "months_to_retirement": 120, "rural_migrant": False, "cert_level": "senior"}
    return {"policy": "b1", "facts": {"person": person}, "date": "2024-06-30", "subject": f"P{i}"}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc): the server's own cost, which the
    other work on the machine does not inflate as it does wall-clock latency."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(base: str, make: Any, requests: int, concurrency: int) -> dict[str, float]:
    bodies = [make(i) for i in range(requests)]
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    next_index = iter(range(requests))
    deadline = time.monotonic() + TIME_LIMIT

    def worker() -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=30) as c:
            while time.monotonic() < deadline:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    return
                t0 = time.perf_counter()
                r = c.post("/evaluate", json=bodies[i])
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    errors += r.status_code != 200

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    return {"n": len(latencies), "errors": errors, "p50": q[49] * 1000, "p99": q[98] * 1000,
            "rps": len(latencies) / wall}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    ap.add_argument("--workers", type=int, default=None, help="the service's worker pool (serve --workers)")
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = tempfile.mkdtemp(prefix="policyrules-load-")
    proc = subprocess.Popen([sys.executable, "-m", "policyrules", "serve", str(ROOT / "policies" / "b1.policy"),
                             str(ROOT / "policies" / "city-employment-promotion.policy"),
                             "--store", f"sqlite:///{tmp}/decisions.db", "--port", str(port),
                             *(["--workers", str(args.workers)] if args.workers else [])],
                            stderr=subprocess.DEVNULL, env={**os.environ})
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        for make in (b1_body, city_body):  # warm up (parse caches, first store writes)
            run(base, make, 20, 2)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{os.cpu_count()} CPUs (load average {load} before the runs; the client runs on the same CPUs); "
              f"{args.requests} requests a run; each decision sealed in SQLite before the reply\n")
        print("| policy | concurrency | requests | errors | p50 ms | p99 ms | decisions/s | server CPU ms/decision |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, make in (("B1", b1_body), ("city", city_body)):
            for c in args.concurrency:
                cpu = cpu_seconds(proc.pid)
                r = run(base, make, args.requests, c)
                per = (cpu_seconds(proc.pid) - cpu) / max(r["n"], 1) * 1000
                print(f"| {name} | {c} | {r['n']:.0f} | {r['errors']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
                      f"{r['rps']:.0f} | {per:.1f} |", flush=True)
    finally:
        proc.terminate()
        proc.wait(20)


if __name__ == "__main__":
    main()
