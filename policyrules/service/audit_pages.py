"""The auditor's pages under ``/audit/`` (role ``audit``): search decisions, open one (its
calculation card in English or Chinese, the clause text, why not, its chain status), replay
it against the recorded and the current policy, verify the whole chain.  Plain HTML rendered
on the server (Jinja2, autoescaped); the only script is a key to focus the search."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from policyrules.audit.records import reevaluate
from policyrules.explain.data import decision_to_dict
from policyrules.service.body import read_body
from policyrules.service.problems import Problem

UI: dict[str, dict[str, str]] = {
    "en": {"title": "Decision audit", "search": "Search decisions", "policy": "Policy", "any": "any",
           "date_from": "Evaluated from", "date_to": "to", "subject": "Person or case id", "value": "Output value",
           "find": "Search", "results": "Decisions", "none": "No decision matches.", "seq": "No.",
           "recorded": "Recorded", "date": "Date", "outputs": "Outputs", "decision": "Decision",
           "chain": "Chain status", "card": "Calculation card", "clauses": "Clause text", "whynot": "Why not",
           "facts": "Facts", "parameters": "Parameters", "replay": "Replay", "run_replay": "Replay this decision",
           "recorded_text": "Under the policy text it was made under", "current_text": "Under the current policy",
           "identical": "Identical: every output and part as stored.", "differs": "Differs",
           "stored": "Stored", "now": "Now", "where": "Output", "text_changed": "The policy text has changed since.",
           "text_same": "The policy text is unchanged.", "not_loaded": "This policy is not loaded in the service.",
           "verify": "Verify the whole chain", "chain_ok": "The chain holds", "chain_bad": "The chain is broken",
           "records": "records", "first_bad": "First bad record", "head": "Head", "status": "Status",
           "value_h": "Value", "engine": "Engine", "key": "Key", "hash": "Seal", "prev": "Previous seal",
           "back": "Back to search", "login": "Sign in", "api_key": "API key (role audit)",
           "refused": "Refused by this policy", "eligible_all": "Every output was eligible.",
           "skip": "Skip to content", "lang": "中文", "newer": "Newer", "older": "Older", "label": "Label",
           "sealed_linked": "sealed and chained to record {n}", "sealed_first": "sealed; the first record of the chain"},
    "zh": {"title": "决定审计", "search": "查询决定", "policy": "政策", "any": "全部",
           "date_from": "计算日期自", "date_to": "至", "subject": "人员或案件编号", "value": "结果数值",
           "find": "查询", "results": "决定列表", "none": "没有符合条件的决定。", "seq": "序号",
           "recorded": "记录时间", "date": "计算日期", "outputs": "结果", "decision": "决定",
           "chain": "链状态", "card": "计算说明", "clauses": "条文原文", "whynot": "未享受原因",
           "facts": "事实", "parameters": "参数", "replay": "重新计算", "run_replay": "重新计算此决定",
           "recorded_text": "按作出决定时的政策文本", "current_text": "按现行政策",
           "identical": "一致:各项结果与记录相同。", "differs": "不一致",
           "stored": "记录值", "now": "现值", "where": "结果", "text_changed": "政策文本此后已修改。",
           "text_same": "政策文本未修改。", "not_loaded": "服务未加载此政策。",
           "verify": "校验整条链", "chain_ok": "链完整", "chain_bad": "链已损坏",
           "records": "条记录", "first_bad": "首个异常记录", "head": "链头", "status": "状态",
           "value_h": "数值", "engine": "引擎", "key": "密钥", "hash": "封印", "prev": "前一封印",
           "back": "返回查询", "login": "登录", "api_key": "API 密钥(审计角色)",
           "refused": "此政策拒绝了这些事实", "eligible_all": "各项结果均符合条件。",
           "skip": "跳到正文", "lang": "English", "newer": "较新", "older": "较早", "label": "名称",
           "sealed_linked": "已封印,并与第 {n} 条记录相连", "sealed_first": "已封印;链上第一条记录"},
}

STATUS_ZH = {"paid": "给予", "applies": "适用", "not eligible": "不符合条件", "excluded": "已按不重复享受排除",
             "not in force": "未生效", "zero": "为零"}

PAGE = 25

_env = jinja2.Environment(loader=jinja2.PackageLoader("policyrules.service", "templates"),
                          autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def _lang(request: Request) -> str:
    return "zh" if request.query_params.get("lang") == "zh" else "en"


def _page(template: str, request: Request, status: int = 200, **ctx: Any) -> HTMLResponse:
    lang = _lang(request)
    other = dict(request.query_params)
    other["lang"] = "en" if lang == "zh" else "zh"
    html = _env.get_template(template).render(t=UI[lang], lang=lang, switch=f"?{urlencode(other)}", **ctx)
    return HTMLResponse(html, status_code=status)


def _date(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise Problem(400, "bad-date", "Bad date", f"{text[:40]!r} is not a date (YYYY-MM-DD)") from None


def _summary(outputs: dict[str, Any]) -> list[tuple[str, Any]]:
    """The outputs worth a glance in a list: those paid or applying, with a value."""
    return [(name, "✓" if o.get("value") is True else o.get("value")) for name, o in outputs.items()
            if o.get("value") not in (None, False, "0.00", "0", 0) and o.get("status") != "not eligible"]


def routes(service: Any, guarded: Callable[..., Any]) -> list[Route]:
    s = service

    def page(fn: Callable[..., Any]) -> Callable[..., Any]:
        """An auditor's page: a missing or bad key sends the browser to the sign-in form."""

        @guarded
        @functools.wraps(fn)
        async def run(request: Request) -> Response:
            try:
                await s.authorize(request, ("audit",), cookie=True)
            except Problem as p:
                if p.status == 401 and await s.active_keys() > 0:
                    return RedirectResponse(f"/audit/login?lang={_lang(request)}", status_code=303)
                return _page("error.html", request, p.status, problem=p)
            try:
                return await fn(request)  # type: ignore[no-any-return]
            except Problem as p:
                return _page("error.html", request, p.status, problem=p)

        return run

    @page
    async def search(request: Request) -> Response:
        q = request.query_params
        try:
            offset = max(0, int(q.get("offset") or 0))
        except ValueError:
            offset = 0
        filters = {"policy": q.get("policy") or None, "date_from": _date(q.get("date_from")),
                   "date_to": _date(q.get("date_to")), "subject": (q.get("subject") or "").strip() or None,
                   "value": (q.get("value") or "").strip() or None}
        found = await s.work(functools.partial(s.store.search, **filters, limit=PAGE + 1, offset=offset))
        base = {k: v for k, v in q.items() if k != "offset"}
        return _page("search.html", request, policies=list(s.policies), q=q, rows=found[:PAGE],
                     summary=_summary, older=f"?{urlencode({**base, 'offset': offset + PAGE})}"
                     if len(found) > PAGE else None,
                     newer=f"?{urlencode({**base, 'offset': max(0, offset - PAGE)})}" if offset else None)

    @page
    async def decision(request: Request) -> Response:
        lang = _lang(request)
        rec = await s.work(functools.partial(s.store.get, request.path_params["id"]))
        if rec is None:
            raise Problem(404, "no-decision", "No such decision",
                          f"no decision {request.path_params['id'][:80]!r} in the store")
        replaying = request.query_params.get("replay") == "1"

        def build() -> dict[str, Any]:
            status = s.store.status(rec)
            policy = s.policy_for(rec)
            labels = {name: o.decl.label for name, o in policy.checked.outputs.items()}
            labels.update({name: decl.label for name, (decl, _) in policy.checked.results.items()})
            ctx: dict[str, Any] = {"rec": rec, "body": rec.body, "chain": status, "card": None, "labels": labels,
                                   "status_text": (lambda st: STATUS_ZH.get(st, st)) if lang == "zh" else str,
                                   "clauses": [], "whynot": [], "refused": None, "replay": None}
            try:
                decision = reevaluate(policy, rec.body, trace=True)
            except Exception as err:  # refused facts or an overflow: shown, not raised
                ctx["refused"] = str(err)
                decision = None
            if decision is not None:
                ctx["card"] = policy.explain(decision, lang=lang)
                data = decision_to_dict(decision, policy.checked)
                for name, r in decision.outputs.items():
                    if r.texts or r.cites:
                        ctx["clauses"].append({"name": name, "label": r.label, "cites": r.cites, "texts": r.texts})
                    failed = data["outputs"][name].get("failed_conditions") or []
                    if not r.eligible and failed:
                        ctx["whynot"].append({"name": name, "label": r.label, "status": r.status,
                                              "conditions": [f["condition"] for f in failed]})
            if replaying:
                ctx["replay"] = s.replay(rec)
            return ctx

        ctx = await s.work(build)
        return _page("decision.html", request, **ctx, replay_link=f"?{urlencode({'lang': lang, 'replay': '1'})}")

    @page
    async def verify(request: Request) -> Response:
        report = await s.work(s.store.verify)
        return _page("verify.html", request, report=report)

    @guarded
    async def login(request: Request) -> Response:
        if request.method == "GET":
            return _page("login.html", request, error=None)
        raw = await read_body(request, 4096, s.settings.body_timeout)
        secret = (parse_qs(raw.decode("utf-8", "replace")).get("key") or [""])[0].strip()
        key = await s.key(secret) if secret else None
        if key is None or key.role != "audit":
            return _page("login.html", request, 401, error="invalid")
        resp = RedirectResponse(f"/audit/?lang={_lang(request)}", status_code=303)
        resp.set_cookie("policyrules_key", secret, httponly=True, samesite="strict", path="/audit")
        return resp

    return [
        Route("/", search, methods=["GET"]),
        Route("/decisions/{id}", decision, methods=["GET"]),
        Route("/verify", verify, methods=["GET"]),
        Route("/login", login, methods=["GET", "POST"]),
    ]
