"""The body of ``POST /evaluate`` and ``POST /explain`` checked member by member: every
problem is collected and reported at once, each with its JSON Pointer."""

from __future__ import annotations

import difflib
from typing import Any

import attrs

from policyrules.api import Policy
from policyrules.service.problems import Issue, Problem

MEMBERS = ("policy", "facts", "date", "parameters", "trace", "explain", "subject", "lang", "outputs")
MAX_SUBJECT = 200


@attrs.frozen(slots=True)
class DecisionRequest:
    policy: Policy
    facts: dict[str, Any]
    date: str
    parameters: dict[str, Any]
    trace: bool
    explain: str | None  # en | zh | None
    subject: str | None
    outputs: tuple[str, ...]


def refused(issues: list[Issue], detail: str = "the request was refused; nothing was evaluated") -> Problem:
    return Problem(400, "input-refused", "Input refused", detail, tuple(issues))


def parse_request(body: Any, policies: dict[str, Policy], explaining: bool) -> DecisionRequest:
    if not isinstance(body, dict):
        raise refused([Issue("", "expected a JSON object with members policy, facts, date, parameters")])
    issues: list[Issue] = []
    allowed = MEMBERS if explaining else tuple(m for m in MEMBERS if m not in ("lang", "outputs"))
    for key in body:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"; did you mean {close[0]}?" if close else f"; members are {', '.join(allowed)}"
            issues.append(Issue("/" + str(key).replace("~", "~0").replace("/", "~1"), "unknown member" + hint))
    name = body.get("policy")
    policy = None
    if name is None:
        if len(policies) == 1:
            policy = next(iter(policies.values()))
        else:
            issues.append(Issue("/policy", f"required: one of {', '.join(policies)}"))
    elif not isinstance(name, str) or name not in policies:
        close = difflib.get_close_matches(str(name), list(policies), n=1)
        hint = f"; did you mean {close[0]}?" if close else f"; loaded: {', '.join(policies)}"
        issues.append(Issue("/policy", f"no policy {str(name)[:80]!r} is loaded" + hint))
    else:
        policy = policies[name]
    facts = body.get("facts", {})
    if not isinstance(facts, dict):
        issues.append(Issue("/facts", "expected an object of kinds of facts, e.g. {\"person\": {...}}"))
    date = body.get("date")
    if not isinstance(date, str):
        issues.append(Issue("/date", "required: the evaluation date as text, e.g. \"2009-07-01\""))
    params = body.get("parameters", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        issues.append(Issue("/parameters", "expected an object of parameter values"))
    trace = body.get("trace", False)
    if not isinstance(trace, bool):
        issues.append(Issue("/trace", "expected true or false"))
    lang_key = "lang" if explaining else "explain"
    lang = body.get(lang_key, "en" if explaining else None)
    if lang not in ("en", "zh", None) or (explaining and lang is None):
        issues.append(Issue(f"/{lang_key}", "expected \"en\" or \"zh\"" + ("" if explaining else " or null")))
    subject = body.get("subject")
    if subject is not None and (not isinstance(subject, str) or len(subject) > MAX_SUBJECT):
        issues.append(Issue("/subject", f"expected text of at most {MAX_SUBJECT} characters "
                                        "(the caller's reference of the person or case)"))
    outputs = body.get("outputs", [])
    if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
        issues.append(Issue("/outputs", "expected a list of output names"))
        outputs = []
    elif policy is not None:
        known = [*policy.checked.outputs, *policy.checked.results]
        issues += [Issue(f"/outputs/{i}", f"no output {o!r}; outputs: {', '.join(known)}")
                   for i, o in enumerate(outputs) if o not in known]
    if issues:
        raise refused(issues)
    assert policy is not None
    return DecisionRequest(policy, facts, str(date), params, trace, lang, subject, tuple(outputs))
