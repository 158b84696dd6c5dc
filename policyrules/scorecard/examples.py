"""Scorecards of the seeds, written as model constructors (until .policy files replace them).

- ``recruitment()``: the 100-point recruitment scorecard of 004 篇1, as the header of
  ``acceptance/recruitment-scorecard.yaml`` reads it.
- ``recruitment_from_records()``: the same, counting the recruits from worker records
  (篇1 二、2: a labour contract and 3 or more consecutive months in one enterprise).
- ``jiangsu_2012()``: 22 main targets of 002 (二、主要目标) as a checklist.
- ``city_targets()``: the numeric targets of 003, one relative to last year.
- ``jilin_2004()``: the 36 indicators in 7 areas of 001, targets per unit, advanced units
  per area (000).
"""

from __future__ import annotations

from decimal import Decimal

from policyrules.scorecard.expr import (
    Arith,
    Compare,
    Const,
    Count,
    Expr,
    IndicatorRef,
    LastYear,
    MetCount,
    Part,
    and_,
    f,
)
from policyrules.scorecard.model import (
    ID,
    Area,
    Award,
    Condition,
    Deduction,
    Direct,
    Direction,
    FieldDecl,
    Indicator,
    OrderKey,
    Proportional,
    Qualification,
    Ranking,
    RecordKind,
    Scorecard,
    YesNo,
)
from policyrules.types import BOOL, INTEGER, MONEY, NUMBER, PERCENT, Type

_P1 = "004 篇1 "


def _recruitment_fields(counted: bool) -> list[FieldDecl]:
    fields = [
        FieldDecl("annual_target", INTEGER, "年度招工任务", _P1 + "三(一)1"),
        FieldDecl("annual_actual", INTEGER, "年度招工完成数", _P1 + "三(一)1"),
        FieldDecl("special_target", INTEGER, "专项招工任务", _P1 + "三(一)2"),
        FieldDecl("special_actual", INTEGER, "专项招工完成数", _P1 + "三(一)2"),
        FieldDecl("plan_submitted", BOOL, "全年招工工作方案已制定并及时上报", _P1 + "三(一)3(1)"),
        FieldDecl("survey_done", BOOL, "已开展外出务工人员调查并建立台帐", _P1 + "三(一)3(2)"),
        FieldDecl("ledger_built", BOOL, "已建立乡镇劳动力资源台帐", _P1 + "三(一)3(3)"),
        FieldDecl("items_missing", INTEGER, "缺少的计划和总结项数", _P1 + "三(一)3(4)"),
        FieldDecl("other_points", NUMBER, "其它工作得分", _P1 + "三(一)3"),
    ]
    if counted:
        fields = [d for d in fields if d.name not in ("annual_actual", "special_actual")]
    return fields


def recruitment(counted: bool = False) -> Scorecard:
    """004 篇1: the 100-point recruitment scorecard (招工服务考核)."""
    annual_actual: Expr
    special_actual: Expr
    if counted:
        hired = and_(f("labour_contract"), Compare(">=", f("consecutive_months"), Const(3, INTEGER)))
        annual_actual = Count("worker", hired)
        special_actual = Count("worker", and_(hired, f("key_enterprise")))
    else:
        annual_actual, special_actual = f("annual_actual"), f("special_actual")
    indicators = [
        Indicator("annual", f("annual_target"), actual=annual_actual, label="年度招工任务", cite=_P1 + "三(一)1",
                  text="完成了全年招工目标任务得满分"),
        Indicator("special", f("special_target"), actual=special_actual, label="专项招工任务",
                  cite=_P1 + "三(一)2", text="按招工领导小组下达的重点企业专项招工任务,完成了专项任务数得满分"),
    ]
    items = [
        Proportional("annual", 50, "annual", label="完成年度招工任务", cite=_P1 + "三(一)1",
                     text="完成年度招工任务50分。完成了全年招工目标任务得满分,超额完成任务或未完成任务按比例加减分。"),
        Proportional("special", 30, "special", label="完成专项招工任务", cite=_P1 + "三(一)2",
                     text="完成专项招工任务30分。……完成了专项任务数得满分,超额完成任务或未完成任务按比例加减分。"),
        YesNo("plan", 2, f("plan_submitted"), label="全年招工工作方案", cite=_P1 + "三(一)3(1)",
              text="在规定时间内制定了全年招工工作方案并及时上报得2分,反之不得分"),
        YesNo("survey", 3, f("survey_done"), label="外出务工人员调查和台帐", cite=_P1 + "三(一)3(2)",
              text="乡镇开展了外出务工人员调查并建立外出务工人员及工头队伍台帐得3分,未开展调查和建立台帐不得分"),
        YesNo("ledger", 3, f("ledger_built"), label="劳动力资源台帐", cite=_P1 + "三(一)3(3)",
              text="按要求在乡镇劳动保障事务所建立了乡镇劳动力资源台帐得3分,未建立不得分"),
        Deduction("summaries", 2, Decimal("0.5"), missing=f("items_missing"), out_of=5,
                  label="每月招工计划和工作总结", cite=_P1 + "三(一)3(4)",
                  text="按要求制定了每月招工工作计划,及时进行了每月、每季、半年和年终工作总结得2分,少一项扣0.5分"),
        Direct("other", "other_points", 0, 10, label="其它工作", cite=_P1 + "三(一)3",
               text="完成其它工作任务20分。(其余10分为输入)"),
    ]
    qualification = Qualification(
        threshold=90,
        conditions=[
            Condition(IndicatorRef("annual", Part.MET), "完成年度招工任务", _P1 + "三(二)(2)",
                      "必须完成年度招工任务和专项招工任务"),
            Condition(IndicatorRef("special", Part.MET), "完成专项招工任务", _P1 + "三(二)(2)",
                      "必须完成年度招工任务和专项招工任务"),
        ],
        cite=_P1 + "三(二)(1)",
        text="年终考评必须达标(90分以上)",
    )
    ranking = Ranking(
        [OrderKey(Arith("/", f("special_actual"), f("special_target")) if not counted
                  else IndicatorRef("special", Part.RATIO),
                  label="专项招工完成比例", cite=_P1 + "三(二)(3)",
                  text="在综合考评得分相同的情况下,以专项招工完成比例进行认定")],
        cite=_P1 + "三(二)(3)",
    )
    awards = [Award("advanced", 5, 2000, label="招工工作先进单位", cite=_P1 + "四(一)2(1)",
                    text="招工工作先进单位(5名,奖金各2000元)")]
    records = []
    if counted:
        records = [RecordKind("worker", [
            FieldDecl("unit", ID, "招工责任单位"),
            FieldDecl("labour_contract", BOOL, "签订了劳动合同"),
            FieldDecl("consecutive_months", INTEGER, "在一个企业连续务工月数"),
            FieldDecl("key_enterprise", BOOL, "重点企业专项招工"),
        ], label="新招工人")]
    return Scorecard(
        "recruitment-scorecard" + ("-from-records" if counted else ""),
        _recruitment_fields(counted),
        indicators,
        items,
        qualification=qualification,
        ranking=ranking,
        awards=awards,
        records=records,
        label="招工服务考核",
        cite="004 篇1",
    )


def recruitment_from_records() -> Scorecard:
    """``recruitment()`` with the recruits counted from ``worker`` records (篇1 二、2)."""
    return recruitment(counted=True)


_JS = "002 二、主要目标"

# name, type, direction, target, area, label, original text
_JIANGSU: list[tuple[str, Type, Direction, str, str, str, str]] = [
    ("new_urban_jobs", INTEGER, Direction.AT_LEAST, "1000000", "employment", "城镇新增就业人数", "實現城鎮新增就業100萬人以上"),
    ("registered_unemployment_rate", PERCENT, Direction.AT_MOST, "0.04", "employment", "城镇登记失业率",
     "城鎮登記失業率控制在4%以內"),
    ("urban_reemployed", INTEGER, Direction.AT_LEAST, "360000", "employment", "城镇失业人员再就业人数",
     "城鎮失業人員再就業36萬人"),
    ("hardship_reemployed", INTEGER, Direction.AT_LEAST, "50000", "employment", "就业困难人员再就业人数",
     "其中就業困難人員再就業5萬人"),
    ("graduate_employment_rate", PERCENT, Direction.AT_LEAST, "0.90", "employment", "高校毕业生年末总体就业率",
     "高校畢業生年末總體就業率穩定在90%以上"),
    ("rural_labor_transferred", INTEGER, Direction.AT_LEAST, "250000", "employment", "新增转移农村劳动力",
     "新增轉移農村勞動力25萬人以上"),
    ("land_lost_farmer_employment_rate", PERCENT, Direction.AT_LEAST, "0.75", "employment", "被征地农民就业率",
     "城市規劃區內被征地農民就業率達75%以上"),
    ("full_employment_communities", INTEGER, Direction.AT_LEAST, "100", "employment", "充分就业示范社区",
     "創建充分就業示范社區100個以上"),
    ("skill_training", INTEGER, Direction.AT_LEAST, "300000", "training", "城乡劳动者就业技能培训",
     "完成城鄉勞動者就業技能培訓30萬人"),
    ("new_labor_skill_training", INTEGER, Direction.AT_LEAST, "130000", "training", "新成长劳动力技能培训",
     "其中城鄉新成長勞動力技能培訓13萬人"),
    ("post_skill_upgrade_training", INTEGER, Direction.AT_LEAST, "1000000", "training", "岗位技能提升培训",
     "完成崗位技能提升培訓100萬人"),
    ("startup_training", INTEGER, Direction.AT_LEAST, "60000", "training", "创业培训", "創業培訓6萬人"),
    ("pension_insured", INTEGER, Direction.AT_LEAST, "17180000", "coverage", "企业职工基本养老保险参保人数",
     "全省企業職工基本養老……參保人數分別達到1718萬人"),
    ("medical_insured", INTEGER, Direction.AT_LEAST, "20550000", "coverage", "城镇职工基本医疗保险参保人数",
     "城鎮職工基本醫療……2055萬人"),
    ("unemployment_insured", INTEGER, Direction.AT_LEAST, "12500000", "coverage", "失业保险参保人数",
     "失業……1250萬人"),
    ("injury_insured", INTEGER, Direction.AT_LEAST, "13550000", "coverage", "工伤保险参保人数", "工傷……1355萬人"),
    ("maternity_insured", INTEGER, Direction.AT_LEAST, "12150000", "coverage", "生育保险参保人数",
     "生育保險……1215萬人"),
    ("resident_medical_insured", INTEGER, Direction.AT_LEAST, "15300000", "coverage", "城镇居民医保参保人数",
     "城鎮居民醫保參保人數達1530萬人"),
    ("basic_pension_minimum_monthly", MONEY, Direction.AT_LEAST, "70", "benefits", "基础养老金最低标准(每人每月)",
     "基礎養老金最低標準提高到每人每月70元"),
    ("resident_medical_subsidy_yearly", MONEY, Direction.AT_LEAST, "240", "benefits", "居民医保政府补助标准(每人每年)",
     "政府補助標準不低于每人每年240元"),
    ("employee_inpatient_reimbursement", PERCENT, Direction.AT_LEAST, "0.80", "benefits", "城镇职工医保住院费用报销比例",
     "城鎮職工醫保……政策范圍內住院費用報銷比例分別穩定在80%"),
    ("resident_inpatient_reimbursement", PERCENT, Direction.AT_LEAST, "0.70", "benefits", "城镇居民医保住院费用报销比例",
     "城鎮居民醫保……和70%以上"),
]
_JS_AREAS = [
    ("employment", "千方百计稳定和扩大就业", "(一)"),
    ("training", "大力促进劳动者素质就业", "(二)"),
    ("coverage", "持续扩大社会保险覆盖面", "(三)"),
    ("benefits", "稳步提高社会保险待遇水平", "(四)"),
]


def jiangsu_2012() -> Scorecard:
    """002: twenty-two main targets of Jiangsu for 2012, met or not (no points)."""
    areas = {name: cite for name, _, cite in _JS_AREAS}
    return Scorecard(
        "jiangsu-2012-targets",
        [FieldDecl(name, type_, label, f"{_JS}{areas[area]}") for name, type_, _, _, area, label, _ in _JIANGSU],
        [
            Indicator(name, Const(Decimal(target), type_), direction, type=type_, area=area, label=label,
                      cite=f"{_JS}{areas[area]}", text=text)
            for name, type_, direction, target, area, label, text in _JIANGSU
        ],
        areas=[Area(name, label, cite=f"{_JS}{cite}") for name, label, cite in _JS_AREAS],
        ranking=None,
        label="2012年完善就业服务体系和社会保障体系工作计划 主要目标",
        cite="苏政办发〔2012〕91号 二",
    )


_JL = "001 二"
# area, label, [(indicator, type, label)]; the registered unemployment rate is at most.
_JILIN: list[tuple[str, str, list[tuple[str, Type, str]]]] = [
    ("employment", "就业和再就业", [
        ("jobs_developed", INTEGER, "开发城镇就业岗位数量"),
        ("urban_new_employment", INTEGER, "城镇新就业人数"),
        ("laid_off_reemployed", INTEGER, "下岗失业人员再就业人数"),
        ("registered_unemployment_rate", PERCENT, "城镇登记失业率"),
        ("dismissed_reemployment_rate", PERCENT, "解除劳动关系人员再就业率"),
        ("labour_market_rate", PERCENT, "劳动力市场建设年度达标率"),
        ("platform_rate", PERCENT, "基层劳动保障平台规范化建设年度达标率"),
        ("policy_rate", PERCENT, "落实再就业扶持政策年度到位率"),
        ("startup_projects", INTEGER, "创业成功项目数量"),
        ("living_allowance_fund", MONEY, "国有企业下岗职工基本生活保障最低预算到位资金"),
        ("labour_export", INTEGER, "劳务输出人数"),
    ]),
    ("training", "培训鉴定", [
        ("skill_training", INTEGER, "下岗失业人员技能培训人数"),
        ("post_training_employment_rate", PERCENT, "下岗失业人员培训后就业率"),
        ("startup_training", INTEGER, "下岗失业人员创业培训人数"),
        ("skill_appraisal", INTEGER, "参加职业技能鉴定人数"),
    ]),
    ("pension", "养老保险", [
        ("pension_insured", INTEGER, "基本养老保险参保人数"),
        ("provincial_pension_collection", MONEY, "省级统筹养老保险费当期征缴额"),
        ("collective_pension_collection", MONEY, "集体统筹养老保险费当期征缴额"),
        ("pension_payment_rate", PERCENT, "养老金按时足额发放率"),
        ("retiree_management_rate", PERCENT, "退休人员社会化管理率"),
        ("transfer_fund_rate", PERCENT, "上级财政转移支付资金按季到位率"),
        ("insured_database_rate", PERCENT, "养老保险、失业保险参保人员建库率"),
        ("personal_account_rate", PERCENT, "做实个人账户资金到位率"),
    ]),
    ("unemployment", "失业保险", [
        ("unemployment_insured", INTEGER, "失业保险参保人数"),
        ("unemployment_collection", MONEY, "失业保险费征缴额"),
        ("unemployment_benefit_rate", PERCENT, "失业保险金发放率"),
    ]),
    ("medical", "医疗保险", [
        ("medical_insured", INTEGER, "基本医疗保险参保人数"),
        ("medical_contribution_rate", PERCENT, "基本医疗保险缴费率"),
    ]),
    ("injury", "工伤保险", [
        ("injury_insured", INTEGER, "工伤保险参保人数"),
        ("injury_contribution_rate", PERCENT, "工伤保险缴费率"),
    ]),
    ("dibao", "城市居民最低生活保障", [
        ("dibao_coverage_rate", PERCENT, "应保尽保率"),
        ("dibao_payment_rate", PERCENT, "城市居民最低生活保障金发放率"),
        ("enterprise_dibao_rate", PERCENT, "中省直企业符合低保条件人员纳入低保范围比率"),
        ("dibao_budget_fund", MONEY, "市县财政低保最低预算到位资金"),
        ("dibao_it_rate", PERCENT, "城市居民最低生活保障信息化建设达标率"),
        ("sunshine_supermarket_rate", PERCENT, "“阳光超市”覆盖率"),
    ]),
]


def jilin_2004(advanced: int | None = None) -> Scorecard:
    """001: 36 indicators in 7 areas, each unit with its own targets (``<name>_target``,
    set in the annex); a unit meeting every indicator of an area is a candidate for that
    area's advanced units (000), ordered by the number of indicators met over the card.
    ``advanced`` caps how many each area names (000 names 3 to 5); ``None`` names all."""
    fields: list[FieldDecl] = []
    indicators: list[Indicator] = []
    for area, _, members in _JILIN:
        for name, type_, label in members:
            fields += [FieldDecl(name, type_, label), FieldDecl(name + "_target", type_, label + "目标")]
            direction = Direction.AT_MOST if name == "registered_unemployment_rate" else Direction.AT_LEAST
            indicators.append(Indicator(name, f(name + "_target"), direction, type=type_, area=area, label=label,
                                        cite=_JL))
    return Scorecard(
        "jilin-2004-targets",
        fields,
        indicators,
        areas=[Area(name, label, advanced=advanced, order=[OrderKey(MetCount(), label="全部指标完成项数")],
                    cite=f"{_JL}({i})")
               for i, (name, label, _) in enumerate(_JILIN, start=1)],
        ranking=None,
        label="吉林省2004年就业和社会保障工作目标责任制",
        cite="吉政发〔2004〕4号",
    )



_CITY = "003 "
# name, type, direction, target (None: twice last year), section, label, original text
_CITY_TARGETS: list[tuple[str, Type, Direction, str | None, str, str, str]] = [
    ("new_urban_jobs", INTEGER, Direction.AT_LEAST, "115000", "一", "城镇新增就业人员", "全年城鎮新增就業人員11.5萬人"),
    ("reemployed", INTEGER, Direction.AT_LEAST, "50000", "一", "失业人员再就业", "幫助5萬名失業人員實現再就業"),
    ("hardship_reemployed", INTEGER, Direction.AT_LEAST, "12000", "一", "困难失业人员再就业",
     "其中困難失業人員1.2萬人"),
    ("public_welfare_posts", INTEGER, Direction.AT_LEAST, "5200", "一", "公益性岗位", "保持公益性崗位5200個"),
    ("registered_unemployment_rate", PERCENT, Direction.AT_MOST, "0.04", "一", "城镇登记失业率",
     "城鎮登記失業率控制在4%以內"),
    ("rural_dibao_employment_rate", PERCENT, Direction.AT_LEAST, "0.50", "一", "农村低保家庭劳动力就业比例",
     "幫助農村低保家庭中有勞動能力和就業愿望的勞動力實現就業達到50%以上"),
    ("training", INTEGER, Direction.AT_LEAST, "150000", "一", "各类培训人次", "……失業人員再就業培訓15萬人次"),
    ("resident_medical_rate", PERCENT, Direction.AT_LEAST, "0.70", "二", "城镇居民医保参保率",
     "確保市轄各區城鎮居民(不包括在校學生)參保率達到70%以上"),
    ("migrant_insurance_rate", PERCENT, Direction.AT_LEAST, None, "二", "外来务工人员社会保险参保率",
     "在企業工作的外來務工人員社會保險的參保率要比去年提高1倍以上"),
    ("fund_collection_rate", PERCENT, Direction.AT_LEAST, "0.95", "二", "社会保险基金征缴率", "基金征繳率達到95%以上"),
]


def city_targets() -> Scorecard:
    """003: a city's numeric targets; the migrant workers' insurance rate must at least
    double last year's (比去年提高1倍以上: 2 x last year), given as ``<name>_last_year``."""
    fields: list[FieldDecl] = []
    indicators: list[Indicator] = []
    for name, type_, direction, target, section, label, text in _CITY_TARGETS:
        fields.append(FieldDecl(name, type_, label, _CITY + section))
        if target is None:
            fields.append(FieldDecl(name + "_last_year", type_, label + "(去年)", _CITY + section))
            indicators.append(Indicator(name, Arith("*", Const(2, INTEGER), LastYear()), direction,
                                        last_year=f(name + "_last_year"), type=type_, label=label,
                                        cite=_CITY + section, text=text))
        else:
            indicators.append(Indicator(name, Const(Decimal(target), type_), direction, type=type_, label=label,
                                        cite=_CITY + section, text=text))
    return Scorecard("city-labour-targets", fields, indicators, ranking=None, label="全市劳动保障工作目标",
                     cite="003")
