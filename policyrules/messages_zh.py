"""Diagnostics in Chinese: ``localize(diagnostic, "zh")`` gives the same code and span with the
message and hint in Chinese (``check --lang zh``; by default the language of the file's
keywords). Names, numbers and quoted code stay as written.

Input: a Diagnostic as the checker or parser made it (English); output: a Diagnostic. Each
English message form is matched by a pattern below; a message without one keeps its English
detail after the code's Chinese meaning, so nothing is lost.
"""

from __future__ import annotations

import re

import attrs

from policyrules.diagnostics import Diagnostic

CODES_ZH: dict[str, str] = {
    "F001": "无法读取政策文件",
    "P001": "无法识别的字符",
    "P002": "此处不应出现该词",
    "P003": "声明未写完",
    "P004": "日期不存在",
    "P005": "表达式嵌套过深",
    "P006": "数字过大(整数部分最多15位)",
    "P007": "引号未闭合",
    "P008": "行末缺少冒号",
    "N001": "名称未定义",
    "N002": "名称重复定义",
    "N003": "多类事实共用的字段名未写明所属",
    "N004": "类型未声明",
    "N005": "不是该类别的取值",
    "N006": "集合或表未声明",
    "N007": "函数不存在",
    "N008": "组成员不是输出",
    "T001": "单位不能混合运算",
    "T002": "不能比较",
    "T003": "条件不是是否值",
    "T004": "类型不符",
    "T005": "上限或下限与金额单位不同",
    "T006": "函数参数个数或类型不对",
    "T007": "各分支单位不同",
    "T008": "期限不是时长",
    "T009": "日期运算有误",
    "T010": "取值写法不完整",
    "R001": "汇总的对象不是记录列表",
    "C001": "定义循环依赖",
    "C002": "下限高于上限",
    "C003": "比例超出范围",
    "C004": "表缺少取值",
    "C005": "输出条款缺失、重复或不适用",
    "C006": "文件须恰有一个政策声明",
    "C007": "互斥组成员不适用",
    "C008": "日期顺序有误",
    "C009": "各分支的组成部分不同",
    "C010": "区间表的行重叠、有空缺或上下限颠倒",
    "C011": "待遇金额可能为负",
}

_TYPES: dict[str, str] = {
    "money": "金额", "a percentage": "百分比", "a whole number": "整数", "a number": "数值",
    "a yes/no condition": "是否值", "a date": "日期", "text": "文本", "a calendar month": "年月",
    "money per month": "每月金额", "money per year": "每年金额", "days": "天数", "months": "月数",
    "years": "年数", "integer": "整数", "number": "数值", "percent": "百分比", "bool": "是否值",
    "date": "日期", "month": "年月", "rate": "比率",
}

_T = r"(?P<{}>.+?)"
_OP = r"(?P<op>[-+×÷*/])"


def _type(text: str) -> str:
    """A type as the English messages describe it, in Chinese (a category's name stays)."""
    text = text.strip()
    if text in _TYPES:
        return _TYPES[text]
    m = re.fullmatch(r"a list of (.+)", text)
    if m:
        return f"{_type(m.group(1))} 的列表"
    m = re.fullmatch(r"a (\w+) record", text)
    if m:
        return f"{m.group(1)} 记录"
    return text


def _p(pattern: str) -> re.Pattern[str]:
    """``{a}`` in a pattern captures a type, ``{x}`` anything else (both shortest)."""
    out = re.escape(pattern)
    for name in re.findall(r"\\\{(\w+)\\\}", out):
        out = out.replace(rf"\{{{name}\}}", _OP if name == "op" else _T.format(name), 1)
    return re.compile(out + r"$")


# (English message form, Chinese template); groups named a, b, c are types and are translated
_MESSAGES: list[tuple[re.Pattern[str], str]] = [(_p(e), z) for e, z in [
    ("unexpected character {x}", "无法识别的字符 {x}"),
    ("unexpected {x}", "此处不应出现 {x}"),
    ("the declaration ends before it is complete", "声明未写完就结束了"),
    ("this quoted text is not closed{x}", "引号内的文字没有闭合{x}"),
    ("this quoted text is not closed", "引号内的文字没有闭合"),
    ("missing `:` at the end of this line", "本行末尾缺少 `:`"),
    ("not a valid date: {x}", "日期不存在:{x}"),
    ("an expression is nested too deeply to read", "表达式嵌套过深,无法读取"),
    ("the number {x} is too large (at most 15 digits before the decimal point)", "数字 {x} 过大(整数部分最多15位)"),
    ("`{x}` is not defined", "`{x}` 未定义"),
    ("`{x}` is not a known name", "`{x}` 不是已知的名称"),
    ("facts `{x}` have no field `{y}`", "事实 `{x}` 没有字段 `{y}`"),
    ("`{x}` has no part `{y}`", "`{x}` 没有组成部分 `{y}`"),
    ("record `{x}` has no field `{y}` to use as its key", "记录类型 `{x}` 没有可作为键的字段 `{y}`"),
    ("record `{x}` has no field `{y}`", "记录类型 `{x}` 没有字段 `{y}`"),
    ("`{x}` is already defined (line {y})", "`{x}` 已经定义过(第 {y} 行)"),
    ("facts `{x}` are already declared", "事实 `{x}` 已经声明过"),
    ("the field `{x}` is declared twice", "字段 `{x}` 声明了两次"),
    ("table `{x}` lists `{y}` twice", "表 `{x}` 两次列出 `{y}`"),
    ("part `{x}` is listed twice", "组成部分 `{x}` 列出了两次"),
    ("the {x} `{y}` is listed twice", "`{y}` 列出了两次"),
    ("`{x}` is a fact of several kinds", "`{x}` 是多类事实共有的字段"),
    ("no type named `{x}`", "没有名为 `{x}` 的类型"),
    ("no record named `{x}`", "没有名为 `{x}` 的记录类型"),
    ("`{x}` (in set `{s}`) is not a value of {y}", "`{x}`(集合 `{s}` 中)不是 {y} 的取值"),
    ("`{x}` is not a value of {y}", "`{x}` 不是 {y} 的取值"),
    ("no set named `{x}`", "没有名为 `{x}` 的集合"),
    ("no table named `{x}`", "没有名为 `{x}` 的表"),
    ("no function named `{x}`", "没有名为 `{x}` 的函数"),
    ("`{x}` in group `{y}` is not an output", "互斥组 `{y}` 中的 `{x}` 不是输出"),
    ("cannot compute {a} {op} {b}", "不能计算{a} {op} {b}"),
    ("cannot take a percentage of {a}", "不能对{a}取百分比"),
    ("`of` needs a percentage on its rate side, got {a}", "`of` 的比率一侧须为百分比,这里是{a}"),
    ("only money can be per {x}, got {a}", "只有金额可以按{x}计,这里是{a}"),
    ("cannot compare {a} with {b}", "不能比较{a}与{b}"),
    ("{a} can only be compared with = or !=", "{a}只能用 = 或 != 比较"),
    ("only a category can be tested with `in`, got {a}", "只有类别可以用 `属于` 判断,这里是{a}"),
    ("`{x}` is looked up by {a}, got {b}", "`{x}` 按{a}查表,这里给的是{b}"),
    ("table `{x}` is looked up by {a}, got {b}", "表 `{x}` 按{a}查表,这里给的是{b}"),
    ("`not` needs a yes/no condition, got {a}", "`非` 需要是否条件,这里是{a}"),
    ("{w} must be yes/no, but this is {a}", "{w}须为是否值,这里是{a}"),
    ("{w} must be money, but it is {a}", "{w}须为金额,这里是{a}"),
    ("{w} must be {a}, got {b}", "{w}须为{a},这里是{b}"),
    ("the default must be {a}, got {b}", "默认值须为{a},这里是{b}"),
    ("output `{x}` is declared {a} but computes {b}", "输出 `{x}` 声明为{a},计算结果却是{b}"),
    ("output `{x}` is {a}: only a number, an amount or a duration is rounded", "输出 `{x}` 是{a}:只有数值、金额或时长可以舍入"),
    ("the {x} is {a} but the amount is {b}", "上下限是{a},金额却是{b}"),
    ("`then` gives {a} but `else` gives {b}", "`则` 给出{a},`否则` 给出{b}"),
    ("branches give {a} and {b}", "各分支分别给出{a}和{b}"),
    ("all parts must be in the same unit", "各组成部分须为同一单位"),
    ("a term is a duration such as `3 years`, got {a}", "期限须为时长(如 `3年`),这里是{a}"),
    ("a term counts a duration already received, got {a}", "已享受的须为时长,这里是{a}"),
    ("an extension is a duration, got {a}", "延长须为时长,这里是{a}"),
    ("a calendar month moves by months or years, not by {a}", "年月只能按月或年推移,不能按{a}"),
    ("`{x}` is {a}, not a list of records", "`{x}` 是{a},不是记录列表"),
    ("cannot add up {a}", "不能合计{a}"),
    ("{a} has no smallest or largest", "{a}没有最小或最大"),
    ("these definitions depend on each other: {x}", "以下定义相互依赖:{x}"),
    ("the floor {x} 元 is above the cap {y} 元", "下限 {x} 元高于上限 {y} 元"),
    ("{x}% is outside 0-{y}% for {z}", "{x}% 超出了 0-{y}% 的范围"),
    ("table `{x}` has no entry for {y}", "表 `{x}` 缺少 {y} 的取值"),
    ("benefit `{x}` has no `amount`", "待遇 `{x}` 没有 `金额为`"),
    ("`{x}` has more than one `amount`", "`{x}` 有不止一个 `金额为`"),
    ("`{x}` has more than one term", "`{x}` 有不止一个期限"),
    ("`{x}` states its rounding twice", "`{x}` 两次规定舍入"),
    ("the policy states its rounding twice", "政策两次规定舍入"),
    ("the policy states its validity twice", "政策两次规定有效期"),
    ("the file has no `policy NAME` declaration", "文件没有 `政策 名称` 声明"),
    ("a file declares one policy; this is a second `policy`", "一个文件只声明一个政策;这是第二个 `政策`"),
    ("`{x}` is already in group `{y}`", "`{x}` 已在互斥组 `{y}` 中"),
    ("`{x}` is not a benefit; only benefits can exclude each other", "`{x}` 不是待遇;只有待遇之间可以互斥"),
    ("dated values of `{x}` must be in date order", "`{x}` 的分段取值须按日期先后排列"),
    ("`{x}` ends ({y}) before it starts ({z})", "`{x}` 的结束日期({y})早于开始日期({z})"),
    ("the policy ends ({y}) before it starts ({z})", "政策的结束日期({y})早于开始日期({z})"),
    ("the row's lower bound is not below its upper bound", "该行的下限不低于上限"),
    ("table `{x}` has a gap: no row holds {y}", "表 `{x}` 有空缺:没有一行包含 {y}"),
    ("table `{x}`: rows overlap at {y}", "表 `{x}` 的行在 {y} 处重叠"),
    ("the amount of `{x}` can be negative: `{e}` is negative when {y}", "`{x}` 的金额可能为负:当 {y} 时 `{e}` 为负"),
    ("the amount `{x}` can be negative: `{e}` is negative when {y}", "金额 `{x}` 可能为负:当 {y} 时 `{e}` 为负"),
    ("the amount of `{x}` can be negative: {y}", "`{x}` 的金额可能为负:{y}"),
    ("the amount `{x}` can be negative: {y}", "金额 `{x}` 可能为负:{y}"),
    ("item {i} of {w} has no {y}: a {r} record needs it", "{w} 的第 {i} 项缺少 {y}:{r} 记录必须有"),
    ("item {i} of {w} has no {y}: a {r} record needs them", "{w} 的第 {i} 项缺少 {y}:{r} 记录必须有"),
    ("{w} has no {y}: a {r} record needs it", "{w} 缺少 {y}:{r} 记录必须有"),
    ("{w} has no {y}: a {r} record needs them", "{w} 缺少 {y}:{r} 记录必须有"),
    ("a {r} record has no field `{y}`", "{r} 记录没有字段 `{y}`"),
    ("field `{x}` is written twice in {w}", "{w} 中字段 `{x}` 写了两次"),
    ("key `{x}` is written twice in {w}", "{w} 中键 `{x}` 写了两次"),
    ("{w} must be {a}, got a list `[…]`", "{w}须为{a},这里是列表 `[…]`"),
    ("{w} must be {a}, got a record or table `{{…}}`", "{w}须为{a},这里是记录或表 `{{…}}`"),
    ("{w} must be {a}, written out as `{f}`", "{w}须为{a},写作 `{f}`"),
    ("{w} cannot be negative: it is {a}, not `signed {y}`", "{w}不能为负:它是{a},不是 `可为负 {y}`"),
    ("`{x}` takes {y} arguments, got {z}", "`{x}` 需要 {y} 个参数,这里给了 {z} 个"),
    ("`{x}` takes {y} argument, got {z}", "`{x}` 需要 {y} 个参数,这里给了 {z} 个"),
    ("every branch must have the same parts: this one has {x}, the others {y}",
     "各分支的组成部分须相同:这一分支有 {x},其他分支有 {y}"),
]]

_HINTS: list[tuple[re.Pattern[str], str]] = [(_p(e), z) for e, z in [
    ("remove the `rounding` clause", "删去 `舍入` 子句"),
    ("did you mean `{x}`?", "是否应为 `{x}`?"),
    ("values: {x}", "可选的值:{x}"),
    ("functions: {x}", "可用的函数:{x}"),
    ("expected {x}", "此处应为 {x}"),
    ("the lines below belong to this one: end it with `:`", "下面几行属于本行:在本行末尾加上 `:`"),
    ('end it with `"` on the same line; text over several lines goes between `"""` and `"""`',
     '在同一行用 `"` 结束;跨行的文字写在 `"""` 与 `"""` 之间'),
    ("numbers, names, quoted text and keywords are allowed here; separate Chinese keywords from names "
     "with a space", "此处可写数字、名称、引号内的文字和关键词;中文关键词与名称之间用空格隔开"),
    ("split it into named values with `value NAME = ...`", "拆成几个命名的值:`定义 名称 = ...`"),
    ("a percentage of an amount is written `{x}`", "金额的百分比写作 `{x}`"),
    ("write amounts with their unit, e.g. `500 元`", "金额要写单位,例如 `500 元`"),
    ("rename this {x} or remove one of the two definitions", "改名,或删去两个定义之一"),
    ("add the missing entries or an `otherwise:` entry", "补上缺少的取值,或加一行 `其他:`"),
    ("a definition may not use itself, directly or through others", "定义不能直接或间接地引用自身"),
    ("a floor must not exceed the cap it sits under", "下限不能高于上限"),
    ("start the file with e.g. `policy {x}`", "文件以政策声明开头,例如 `政策 {x}`"),
    ("a percentage of an amount is written `{x}` the amount it applies to", "金额的百分比写作 `{x}` 所适用的金额"),
    ("a rate above 100 % is written as the rate of an amount (`{x}` the amount); a multiple may be written as "
     "a number, e.g. `{y}` the amount", "超过 100% 的比率写作金额的比率(`{x}` 金额);倍数也可写成数字,例如 `{y}` 金额"),
    ("make one bound exclusive: `below` (不满) the upper or `above` (超过) the lower",
     "让一端不含边界:上限用 `不满`,或下限用 `超过`"),
    ("extend a row to cover it, or add an `otherwise:` row", "扩展某一行以覆盖它,或加一行 `其他:`"),
    ("add a floor (`at_least 0 元`), or declare `signed` the fact that may be negative",
     "加下限(`最低 0元`),或把可能为负的事实声明为 `可为负`"),
    ("add a floor (`at_least 0 元`), or declare it `output {x}: signed money = …` {y}",
     "加下限(`最低 0元`),或声明为 `输出 {x}: 可为负 金额 = …`"),
    ("write `{x}` or `{y}`", "写作 `{x}` 或 `{y}`"),
    ("types: {x}", "可用的类型:金额、每月金额、整数、数值、百分比、是否、日期、文本、天数、月数、年数,或用 `枚举` 声明的类别"),
    ("aggregates run over a fact or parameter declared `list of RECORD`", "汇总的对象须是声明为 `列表 记录类型` 的事实或参数"),
    ("write the duration with its unit, e.g. `{x}` or `{y}`", "时长要写单位,例如 `{x}` 或 `{y}`"),
    ("write the amount with its unit, e.g. `{x}`", "金额要写单位,例如 `{x}`"),
    ("a limit on how long a benefit runs is a term: `{x}`", "待遇享受多久是期限:`期限 最高 3年 已享受 …`"),
    ("the days from one date to another are `days_between(start, end)`; whole months "
     "`months_between(start, end)`, whole years `years_between(start, end)`",
     "两个日期之间的天数用 `days_between(开始, 结束)`;整月数用 `months_between(开始, 结束)`,整年数用 "
     "`years_between(开始, 结束)`"),
    ("the calendar months from one to another are `months_between(start, end)`", "两个年月之间的月数用 `months_between(开始, 结束)`"),
    ("to count days, use dates: `{x}`", "按天计算请用日期:`{x}`"),
    ("state the period after the name (`yearly` or `monthly`), or multiply by a duration",
     "在名称后写明期间(`按年` 或 `按月`),或乘以时长"),
    ("write every field that is not optional and has no default", "写出每个非可选且无默认值的字段"),
    ("its fields: {x}", "它的字段:{x}"),
    ("declare it `signed {x}` (可为负) if the text means a negative value", "若原文指负值,声明为 `可为负 {x}`"),
    ("write {x}", "写作 {x}"),
    ("qualified names are `kind.fact` or `output.part`", "带点的名称写作 `事实类.字段` 或 `输出.组成部分`"),
    ("write the duration with its unit, e.g. `30 days`, `3 months` or `1 year`", "时长要写单位,例如 `30天`、`3个月`、`1年`"),
    ("a date moves by a duration: `{x}`, `{y}`", "日期按时长推移:`{x}`、`{y}`"),
    ("combine them with `if ... else` or `except`", "用 `如果 … 否则` 或 `例外` 合并"),
    ("declare it as `benefit` if it pays money", "若支付金额,声明为 `待遇`"),
]]


def localize(d: Diagnostic, lang: str) -> Diagnostic:
    """``d`` with its message and hint in ``lang`` (``en``: unchanged)."""
    if lang != "zh":
        return d
    return attrs.evolve(d, message=_message(d), hint=_translate(d.hint, _HINTS) if d.hint else None)


def _message(d: Diagnostic) -> str:
    found = _translate(d.message, _MESSAGES, keep=False)
    if found is not None:
        return found
    meaning = CODES_ZH.get(d.code)
    return f"{meaning}:{d.message}" if meaning else d.message


def _translate(text: str, table: list[tuple[re.Pattern[str], str]], keep: bool = True) -> str | None:
    for pattern, template in table:
        m = pattern.match(text)
        if m:
            groups = {k: (_type(v) if k in ("a", "b", "c") else _what(v) if k == "w"
                          else _expected(v) if template.startswith("此处应为") else v)
                      for k, v in m.groupdict().items()}
            return template.format(**groups)
    return text if keep else None


def _what(text: str) -> str:
    """What must have a type (``the amount of `x```, ``parameter `x```), in Chinese."""
    for en, zh in ((r"the amount of (`\w+`)", r"\1 的金额"), (r"parameter (`\w+`)", r"参数 \1"),
                   (r"output (`\w+`)", r"输出 \1"), (r"table (`\w+`)", r"表 \1"), (r"field (`[\w.]+`)", r"字段 \1"),
                   (r"a condition", "条件"), (r"the condition of (`\w+`)", r"\1 的条件")):
        text = re.sub(en, zh, text)
    return text


def _expected(text: str) -> str:
    """The token names of an `expected …` hint in Chinese."""
    for en, zh in (("a \"quoted text\"", "引号内的文字"), ("a name", "名称"), ("a number", "数字"),
                   ("a date", "日期"), ("the end of the file", "文件末尾"), ("an amount in 元", "以元计的金额"),
                   ("a percentage such as 百分之十五", "百分比(如 百分之十五)"), ("a percentage", "百分比"),
                   ("an amount such as 三千元", "金额(如 三千元)"), ("a duration such as 两年", "时长(如 两年)"),
                   ("a duration such as 3年", "时长(如 3年)")):
        text = text.replace(en, zh)
    return re.sub(r" or (\d+) more$", r" 等(另有 \1 项)", text.replace("', '", "'、'"))
