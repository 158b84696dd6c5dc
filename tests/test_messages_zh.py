"""Diagnostics in Chinese: every golden diagnostic has a Chinese message and hint, `check`
follows the file's keyword language unless `--lang` says otherwise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policyrules.api import PolicyError, loads
from policyrules.codes import CODES
from policyrules.diagnostics import Diagnostic
from policyrules.interfaces import cli
from policyrules.messages_zh import CODES_ZH, localize

GOLDEN = Path(__file__).resolve().parent / "golden" / "diagnostics"
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_SENTENCE = re.compile(r"\b[a-z]{2,} [a-z]{2,} [a-z]{2,}\b")  # three English words in a row


def golden_diagnostics() -> list[tuple[str, Diagnostic]]:
    found = []
    for path in sorted(GOLDEN.glob("*.policy")):
        try:
            loads(path.read_text(encoding="utf-8"), path.name)
        except PolicyError as err:
            found += [(path.stem, d) for d in err.diagnostics]
    return found


def test_every_code_has_a_chinese_meaning() -> None:
    assert set(CODES) - set(CODES_ZH) == set()


@pytest.mark.parametrize(("code", "d"), golden_diagnostics(), ids=lambda x: x if isinstance(x, str) else "")
def test_golden_diagnostics_read_in_chinese(code: str, d: Diagnostic) -> None:
    zh = localize(d, "zh")
    assert (zh.code, zh.span, zh.path) == (d.code, d.span, d.path)
    assert CJK.search(zh.message), zh.message
    # names and code stay as written; no English sentence is left in the message or the hint
    assert not ENGLISH_SENTENCE.search(re.sub(r"`[^`]*`", "", zh.message)), zh.message
    if d.hint:
        assert not ENGLISH_SENTENCE.search(re.sub(r"`[^`]*`", "", zh.hint or "")), zh.hint


def test_english_is_unchanged() -> None:
    d = Diagnostic("N001", "`x` is not defined", None, "p", hint="did you mean `y`?")
    assert localize(d, "en") is d


def test_an_unknown_message_keeps_its_english_after_the_codes_meaning() -> None:
    d = Diagnostic("N001", "something new happened", None, "p")
    assert localize(d, "zh").message == "名称未定义:something new happened"


BROKEN_ZH = """\
政策 demo "示例"

事实 person "个人":
  annual_rent "年租金": 金额

待遇 rent_subsidy "经营场地租费补贴" 按年
  金额为 10% 的 anual_rent
"""


def test_check_follows_the_files_keywords_and_lang_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "zh.policy"
    path.write_text(BROKEN_ZH, encoding="utf-8")
    assert cli.main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "错误[N001]: `anual_rent` 未定义" in err
    assert "= 提示: 是否应为 `annual_rent`?" in err and err.endswith("共 1 个错误\n")
    assert cli.main(["check", "--lang", "en", str(path)]) == 1
    err = capsys.readouterr().err
    assert "error[N001]: `anual_rent` is not defined" in err and err.endswith("1 error\n")
    en = tmp_path / "en.policy"
    en.write_text(BROKEN_ZH.replace("政策", "policy", 1), encoding="utf-8")
    assert cli.main(["check", str(en)]) == 1
    assert "error[N001]" in capsys.readouterr().err
    assert cli.main(["check", "--lang", "zh", str(en)]) == 1
    assert "错误[N001]" in capsys.readouterr().err
