"""Nothing acknowledged is lost: `policyrules serve` is killed with SIGKILL in the middle of a
load run; afterwards every decision it acknowledged (200 with an id) is in the store and the
chain holds."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from service_support import B1, b1_request

from policyrules.audit import open_store

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sigkill_during_load_loses_no_acknowledged_decision(tmp_path: Path) -> None:
    url_store = f"sqlite:///{tmp_path / 'decisions.db'}"
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "policyrules", "serve", str(B1), "--store", url_store,
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "the service did not start"
            time.sleep(0.1)
        acked: list[str] = []
        stop = threading.Event()

        def load(worker: int) -> None:
            with httpx.Client(base_url=base, timeout=10) as c:
                for i in range(500):  # bounded: at most 500 requests a worker
                    if stop.is_set():
                        return
                    try:
                        r = c.post("/evaluate", json=b1_request(worker * 1000 + i))
                    except httpx.TransportError:
                        return
                    if r.status_code == 200:
                        acked.append(r.json()["id"])

        threads = [threading.Thread(target=load, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        while len(acked) < 60 and time.monotonic() < deadline + 30:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(20)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert len(acked) >= 60
    said = proc.stderr.read().decode("utf-8") if proc.stderr else ""
    assert "serving b1 on http://127.0.0.1" in said and "WITHOUT authentication" in said, said
    store = open_store(url_store)
    try:
        missing = [i for i in acked if store.get(i) is None]
        assert missing == [], f"{len(missing)} acknowledged decisions lost"
        report = store.verify()
        assert report.ok, report.reason
        assert report.records >= len(acked)
    finally:
        store.close()
