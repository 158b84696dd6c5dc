"""Shared fixtures: the city policy (loaded and checked once), its acceptance case
file (the copy kept with the tests, so the project runs without /work/shared), the
base facts every case starts from, and the parameters the caller supplies."""

from __future__ import annotations

import atexit
import copy
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from policyrules.api import Policy, load

TESTS = Path(__file__).parent
ROOT = TESTS.parent
CITY_POLICY_PATH = ROOT / "policies" / "city-employment-promotion.policy"
CITY_CASES_PATH = TESTS / "acceptance" / "city-employment-promotion.yaml"
GOLDEN = TESTS / "golden"


# The tests use a cache directory of their own, never the user's, and start from an empty one,
# as on a fresh machine (set before any test module is imported: some parse at import).
_CACHE = tempfile.mkdtemp(prefix="policyrules-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE
os.environ["XDG_STATE_HOME"] = os.path.join(_CACHE, "state")  # the cache's key, never the user's
atexit.register(shutil.rmtree, _CACHE, True)


@pytest.fixture(scope="session")
def city_policy_path() -> Path:
    return CITY_POLICY_PATH


@pytest.fixture(scope="session")
def city_cases_path() -> Path:
    return CITY_CASES_PATH


@pytest.fixture(scope="session")
def city_policy() -> Policy:
    """The bundled city employment-promotion policy, parsed and checked."""
    return load(CITY_POLICY_PATH)


@pytest.fixture(scope="session")
def city_cases() -> dict[str, Any]:
    """The acceptance case file as data (read-only: copy before changing)."""
    return yaml.safe_load(CITY_CASES_PATH.read_text(encoding="utf-8"))


@pytest.fixture()
def base_facts(city_cases: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A fresh copy of the acceptance base facts (person and enterprise)."""
    return copy.deepcopy(city_cases["base"])


@pytest.fixture()
def city_params(city_cases: dict[str, Any]) -> dict[str, str]:
    """The parameters the acceptance cases supply (minimum wage 960.00, ...)."""
    return dict(city_cases["parameters"])


@pytest.fixture(scope="session")
def city_date(city_cases: dict[str, Any]) -> dt.date:
    d = city_cases["date"]
    return d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))


@pytest.fixture()
def with_facts(base_facts: dict[str, dict[str, Any]]) -> Any:
    """``with_facts(person={...}, enterprise={...})``: base facts with some fields changed."""

    def make(**changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
        facts = copy.deepcopy(base_facts)
        for kind, fields in changes.items():
            facts.setdefault(kind, {}).update(fields)
        return facts

    return make


# ---------------------------------------------------------------- a bilingual twin
# One small policy written twice, in English and in Chinese keywords (and Chinese
# numerals where the language has them).  Both spellings must give the same AST and
# the same values; together they cover parts, alternatives, exceptions, caps and
# floors, terms with extensions, dated parameters, tables, sets and groups.
TWIN_EN = '''\
policy twin "双语政策"
  cite "art 1"
  valid from 2020-01-01
  rounding half_up to 0.01 元

parameter wage "工资": money per month
parameter quota "定额": money
  from 2020-01-01: 5000 元
  from 2021-01-01: 8000 元

enum sector "行业" = shop | farm | bar | mine
set restricted "限制行业" = {bar, mine}
table bonus "奖励": sector -> money
  shop: 300 元
  farm: 500 元
  otherwise: 0 元

facts person "个人":
  income "收入": money
  rent "租金": money
  age "年龄": integer
  hard "困难": bool
  sector "行业": sector
  used "已享受": years
  done "已享受月数": months
  paid_a "甲": money
  paid_b "乙": money
  rate "利率": percent

value senior "老年" = age >= 50 and not hard
value base "基数" = 10% of rent

benefit rent_aid "租金补贴" yearly
  cite "art 2"
  when sector not in restricted and income >= 1000 元
  amount
    if hard: 15% of rent, at_most 3000 元
    if senior: base at_most 2500 元
    else: base, at_most 2000 元
  for at_most 3 years counting used
    extended by 1 year when hard and age >= 55

benefit split "分项" yearly
  when income > 0 元
  amount parts
    a "甲项": 6% of income at_most 500 元
    b "乙项": 5% of income, at_least 100 元

benefit relief "减免" yearly
  when sector in {shop, farm}
  amount allocate quota over
    first "甲": paid_a
    second "乙": paid_b

benefit post "岗位" yearly
  when hard
  amount 20% of wage
  for at_most 24 months counting done

benefit special "特别" once
  amount bonus[sector]
    except hard and age >= 60: 2 × bonus[sector]
    except sector = bar: 0 元

benefit interest "贴息" once
  amount rate of min(rent, 50000 元), at_least 1 元

benefit other_aid "其他" once
  when not hard
  amount 800 元

exclusive one_only "就高" highest: special, other_aid

invariant "租金补贴上限": rent_aid <= 3000 元
'''

TWIN_ZH = '''\
政策 twin "双语政策"
  依据 "art 1"
  有效期 自 2020年1月1日
  舍入 四舍五入 到 0.01元

参数 wage "工资": 金额 每月
参数 quota "定额": 金额
  自 2020-01-01: 五千元
  自 2021年1月1日: 8000元

枚举 sector "行业" = shop | farm | bar | mine
集合 restricted "限制行业" = {bar, mine}
表 bonus "奖励": sector -> 金额
  shop: 三百元
  farm: 500元
  其他: 零元

事实 person "个人":
  income "收入": 金额
  rent "租金": 金额
  age "年龄": 整数
  hard "困难": 是否
  sector "行业": sector
  used "已享受": years
  done "已享受月数": months
  paid_a "甲": 金额
  paid_b "乙": 金额
  rate "利率": 百分比

定义 senior "老年" = age ≥ 50 且 非 hard
定义 base "基数" = rent 的 百分之十

待遇 rent_aid "租金补贴" 按年
  依据 "art 2"
  条件 sector 非 属于 restricted 且 income ≥ 一千元
  金额为
    如果 hard: rent 的 15%, 最高 三千元
    如果 senior: base 不超过 2500元
    否则: base, 最高 两千元
  期限 最高 三年 已享受 used
    延长 再 一年 条件 hard 且 age >= 55

待遇 split "分项" 按年
  条件 income > 零元
  金额为 其中
    a "甲项": income 的 6% 最高 五百元
    b "乙项": income 的 百分之五, 最低 一百元

待遇 relief "减免" 按年
  条件 sector 属于 {shop, farm}
  金额为 依次减免 quota 用于
    first "甲": paid_a
    second "乙": paid_b

待遇 post "岗位" 按年
  条件 hard
  金额为 wage 的 20%
  期限 最高 二十四个月 已享受 done

待遇 special "特别" 一次性
  金额为 bonus[sector]
    例外 hard 且 age ≥ 60: 2 × bonus[sector]
    例外 sector = bar: 0元

待遇 interest "贴息" 一次性
  金额为 较小值(rent, 5万元) 的 rate, 不低于 1元

待遇 other_aid "其他" 一次性
  条件 非 hard
  金额为 800元

不得重复享受 one_only "就高" 就高: special, other_aid

不变式 "租金补贴上限": rent_aid ≤ 三千元
'''


@pytest.fixture(scope="session")
def twin_en_text() -> str:
    return TWIN_EN


@pytest.fixture(scope="session")
def twin_zh_text() -> str:
    return TWIN_ZH
