"""A small HTTP service over the API (standard library only).

``GET /policies`` lists the loaded policies; ``POST /evaluate`` takes
``{"policy", "facts", "date", "parameters", "explain": "en"|"zh"|null, "trace": bool}``
and returns the decision; refused input gives 400 with every problem listed."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from policyrules.api import EvaluationError, InputError, Policy
from policyrules.explain.data import decision_to_dict

MAX_BODY = 1 << 20


def make_handler(policies: dict[str, Policy]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "policyrules"

        def log_message(self, format: str, *args: Any) -> None:  # quiet by default
            pass

        def _send(self, status: int, body: dict[str, Any] | list[Any]) -> None:
            data = json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/health":
                self._send(200, {"status": "ok"})
            elif self.path == "/policies":
                self._send(200, [{"name": name, "label": p.checked.label,
                                  "outputs": list(p.checked.outputs),
                                  "parameters_to_supply": [k for k, v in p.checked.params.items() if v.supplied]}
                                 for name, p in policies.items()])
            else:
                self._send(404, {"error": f"no such resource {self.path}; try /policies or POST /evaluate"})

        def do_POST(self) -> None:
            if self.path != "/evaluate":
                self._send(404, {"error": f"no such resource {self.path}; POST /evaluate"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(413, {"error": "request body too large"})
                return
            try:
                req = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError as err:
                self._send(400, {"error": f"not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"})
                return
            if not isinstance(req, dict):
                self._send(400, {"error": "expected a JSON object"})
                return
            name = req.get("policy") or (next(iter(policies)) if len(policies) == 1 else None)
            policy = policies.get(str(name))
            if policy is None:
                self._send(400, {"error": f"unknown policy {name!r}; loaded: {', '.join(policies)}"})
                return
            try:
                decision = policy.evaluate(req.get("facts") or {}, on=req.get("date", ""),
                                           parameters=req.get("parameters") or {},
                                           trace=bool(req.get("trace", True)))
            except InputError as err:
                self._send(400, {"error": "input refused", "problems": [str(p) for p in err.problems]})
                return
            except EvaluationError as err:
                self._send(400, {"error": str(err)})
                return
            body = decision_to_dict(decision, policy.checked, trace=bool(req.get("trace", False)))
            if req.get("explain") in ("en", "zh"):
                body["explanation"] = policy.explain(decision, lang=req["explain"])
            self._send(200, body)

    return Handler


def serve(policies: dict[str, Policy], host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), make_handler(policies))
