"""Errors as RFC 9457 problem details (``application/problem+json``): a type, a title, the
status, a detail sentence and, for refused input, every problem with a JSON Pointer into the
request body.  Messages speak of the API (request members), never of command-line flags."""

from __future__ import annotations

import json
import re
from typing import Any

import attrs
from starlette.responses import Response

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:policyrules:problem:"


@attrs.frozen(slots=True)
class Issue:
    """One problem with the request: where (a JSON Pointer, RFC 6901) and what."""

    pointer: str
    detail: str


class Problem(Exception):
    """Raised anywhere in a request; the app turns it into a problem+json reply."""

    def __init__(self, status: int, code: str, title: str, detail: str, issues: tuple[Issue, ...] = (),
                 headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.code, self.title, self.detail = status, code, title, detail
        self.issues = issues
        self.headers = headers or {}

    def body(self, instance: str) -> dict[str, Any]:
        d: dict[str, Any] = {"type": TYPE_BASE + self.code, "title": self.title, "status": self.status,
                             "detail": self.detail, "instance": instance}
        if self.issues:
            d["problems"] = [{"pointer": i.pointer, "detail": i.detail} for i in self.issues]
        return d

    def response(self, instance: str) -> Response:
        return problem_response(self.body(instance), self.status, self.headers)


def problem_response(body: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> Response:
    data = json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")
    return Response(data, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


_INDEX = re.compile(r"\[([^\]]*)\]")


def pointer(where: str) -> str:
    """The JSON Pointer of an evaluation problem's place: ``person.children[2].age`` ->
    ``/facts/person/children/2/age``; ``parameter min_wage`` -> ``/parameters/min_wage``."""
    if where == "date":
        return "/date"
    if where == "facts":
        return "/facts"
    root, rest = ("/parameters", where[len("parameter "):]) if where.startswith("parameter ") else ("/facts", where)
    segments: list[str] = []
    for part in rest.split("."):
        head = _INDEX.split(part)
        segments.append(head[0])
        segments += [s for s in head[1:] if s != ""]
    return root + "".join("/" + _escape(s) for s in segments if s != "")


_PARAM_HINT = re.compile(r"\(e\.g\. --param ([^=\s]+)=VALUE\)")


def api_terms(message: str) -> str:
    """A message from the evaluator in API terms (the evaluator is shared with the CLI)."""
    return _PARAM_HINT.sub(lambda m: f'(e.g. "parameters": {{"{m.group(1)}": VALUE}})', message)
