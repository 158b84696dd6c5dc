"""The OpenAPI 3.1 document served at ``/openapi.json``: the endpoints, their problem replies,
and request and response models generated from each loaded policy's schemas."""

from __future__ import annotations

from typing import Any

from policyrules import __version__
from policyrules.api import Policy
from policyrules.service import schemas
from policyrules.service.problems import MEDIA_TYPE
from policyrules.service.requests import MAX_SUBJECT

REF = "#/components/schemas/"


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _problem(text: str) -> dict[str, Any]:
    return {"description": text, "content": {MEDIA_TYPE: {"schema": {"$ref": REF + "Problem"}}}}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": REF + name}


COMMON = {
    "401": _problem("no valid API key (send `Authorization: Bearer KEY`), or not from loopback when the store "
                    "has no keys"),
    "403": _problem("the key's role does not allow this"),
    "408": _problem("the body did not arrive in time"),
    "413": _problem("the body is larger than the limit"),
    "503": _problem("the service is at capacity; retry after the Retry-After seconds"),
}


def _responses(ok: dict[str, Any], *extra: tuple[str, str]) -> dict[str, Any]:
    out = {"200": ok, **COMMON}
    for status, text in extra:
        out[status] = _problem(text)
    return out


def _request(cp: Any, explaining: bool) -> dict[str, Any]:
    params = schemas.parameters_schema(cp)
    props: dict[str, Any] = {
        "policy": {"const": cp.name},
        "facts": _ref(f"Facts.{cp.name}"),
        "date": {"type": "string", "format": "date", "description": "the evaluation date"},
        "parameters": _ref(f"Parameters.{cp.name}"),
        "trace": {"type": "boolean", "default": False},
        "subject": {"type": ["string", "null"], "maxLength": MAX_SUBJECT,
                    "description": "the caller's reference of the person or case (searchable in the audit)"},
    }
    if explaining:
        props["lang"] = {"enum": ["en", "zh"], "default": "en"}
        props["outputs"] = {"type": "array", "items": {"enum": [*cp.outputs, *cp.results]}}
    else:
        props["explain"] = {"enum": ["en", "zh", None], "description": "add the calculation card in this language"}
    required = ["policy", "facts", "date"] + (["parameters"] if params.get("required") else [])
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def document(policies: dict[str, Policy]) -> dict[str, Any]:
    comps: dict[str, Any] = {
        "Problem": {
            "type": "object", "required": ["type", "title", "status", "detail"],
            "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                           "detail": {"type": "string"}, "instance": {"type": "string"},
                           "problems": {"type": "array", "items": {
                               "type": "object", "required": ["pointer", "detail"],
                               "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}}}}}},
        "PolicySummary": {"type": "object", "required": ["name", "outputs", "parameters_to_supply"],
                          "properties": {"name": {"type": "string"}, "label": {"type": ["string", "null"]},
                                         "outputs": {"type": "array", "items": {"type": "string"}},
                                         "parameters_to_supply": {"type": "array", "items": {"type": "string"}}}},
        "PolicyDescription": {"type": "object", "required": ["name", "facts", "parameters", "outputs", "schemas"],
                              "properties": {"name": {"type": "string"}, "facts": {"type": "object"},
                                             "parameters": {"type": "array"}, "outputs": {"type": "array"},
                                             "schemas": {"type": "object"}}},
        "Seal": {"type": "object", "required": ["seq", "hash", "prev"],
                 "properties": {"seq": {"type": "integer"}, "hash": {"type": "string"}, "prev": {"type": "string"}}},
        "StoredDecision": {"type": "object", "required": ["id", "seal", "record", "chain"],
                           "properties": {"id": {"type": "string"}, "seal": _ref("Seal"),
                                          "record": {"type": "object"},
                                          "chain": {"type": "object", "required": ["sealed", "linked", "detail"]}}},
        "Replay": {"type": "object", "required": ["id", "policy", "recorded"],
                   "properties": {"id": {"type": "string"}, "policy": {"type": "string"},
                                  "policy_text_changed": {"type": ["boolean", "null"]},
                                  "recorded": _ref("ReplayResult"),
                                  "current": {"anyOf": [_ref("ReplayResult"), {"type": "null"}]}}},
        "ReplayResult": {"type": "object", "required": ["identical", "differences"],
                         "properties": {"identical": {"type": "boolean"},
                                        "differences": {"type": "array", "items": {
                                            "type": "object", "properties": {"where": {"type": "string"}}}}}},
    }
    requests, explains, decisions = [], [], []
    for cp in (p.checked for p in policies.values()):
        comps[f"Facts.{cp.name}"] = schemas.facts_schema(cp)
        comps[f"Parameters.{cp.name}"] = schemas.parameters_schema(cp)
        comps[f"Outputs.{cp.name}"] = schemas.outputs_schema(cp)
        comps[f"EvaluateRequest.{cp.name}"] = _request(cp, explaining=False)
        comps[f"ExplainRequest.{cp.name}"] = _request(cp, explaining=True)
        comps[f"Decision.{cp.name}"] = {
            "type": "object", "required": ["id", "seal", "policy", "date", "outputs"],
            "properties": {"id": {"type": "string"}, "seal": _ref("Seal"), "policy": {"const": cp.name},
                           "date": {"type": "string"}, "parameters": {"type": "object"},
                           "outputs": _ref(f"Outputs.{cp.name}"), "invariants": {"type": "array"},
                           "explanation": {"type": "string"}}}
        requests.append(_ref(f"EvaluateRequest.{cp.name}"))
        explains.append(_ref(f"ExplainRequest.{cp.name}"))
        decisions.append(_ref(f"Decision.{cp.name}"))
    comps["EvaluateRequest"] = {"oneOf": requests}
    comps["ExplainRequest"] = {"oneOf": explains}
    comps["Decision"] = {"anyOf": decisions}
    comps["Explanation"] = {"type": "object", "required": ["id", "seal", "lang", "card"],
                            "properties": {"id": {"type": "string"}, "seal": _ref("Seal"),
                                           "lang": {"enum": ["en", "zh"]}, "card": {"type": "string"}}}
    name_param = [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}]
    id_param = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "policyrules decision service", "version": __version__,
                 "description": "Evaluate and explain policies; every decision is sealed in the audit store."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/health": {"get": {"operationId": "health", "security": [], "responses": {"200": _json(
                {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}})}}},
            "/policies": {"get": {"operationId": "listPolicies", "responses": _responses(
                _json({"type": "array", "items": _ref("PolicySummary")}))}},
            "/policies/{name}": {"get": {"operationId": "describePolicy", "parameters": name_param,
                                         "responses": _responses(_json(_ref("PolicyDescription")),
                                                                 ("404", "no such policy is loaded"))}},
            "/evaluate": {"post": {"operationId": "evaluate", "requestBody": {"required": True, **_json(
                _ref("EvaluateRequest"))}, "responses": _responses(
                    _json(_ref("Decision")), ("400", "the request or its facts were refused: every problem listed"))}},
            "/explain": {"post": {"operationId": "explain", "requestBody": {"required": True, **_json(
                _ref("ExplainRequest"))}, "responses": _responses(
                    _json(_ref("Explanation")), ("400", "the request or its facts were refused"))}},
            "/decisions/{id}": {"get": {"operationId": "getDecision", "parameters": id_param,
                                        "responses": _responses(_json(_ref("StoredDecision")),
                                                                ("404", "no such decision"))}},
            "/decisions/{id}/replay": {"post": {"operationId": "replayDecision", "parameters": id_param,
                                                "responses": _responses(_json(_ref("Replay")),
                                                                        ("404", "no such decision"),
                                                                        ("400", "the body was refused"),
                                                                        ("409", "the recorded policy text is missing "
                                                                                "or no longer checks"))}},
        },
        "components": {"schemas": comps,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "an API key from `policyrules keys add`"}}},
    }
