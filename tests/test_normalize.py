"""normalize: one Simplified form without losing or corrupting a character."""

from __future__ import annotations

import re

import pytest

from scripts import chinese
from scripts.normalize import detect_script, mojibake_spans, normalize_paragraph, normalize_record, \
    punctuation_and_width, remove_pinyin, to_simplified
from tests.conftest import read_table, table_rows


def simplify(text: str) -> str:
    script, variants = detect_script(text)
    return to_simplified(text, script, variants)


# --- the traps, one test each --------------------------------------------------------------------

def test_simplified_xianzhu_is_left_alone():
    # tw2s would turn the correct Simplified 显著 into 显着.
    assert simplify("医疗服务能力显著提升,群众满意度明显提高。") == "医疗服务能力显著提升,群众满意度明显提高。"


def test_taiwan_yuanzhu_keeps_its_zhu():
    # tw2t reads 原著 as 原着; the protect list keeps it.
    assert simplify("為了學習原著,他們著手編著教材。") == "为了学习原著,他们着手编著教材。"


def test_taiwan_zhu_used_for_zhe_becomes_zhe():
    assert simplify("我們堅持著為人民服務的宗旨,緊緊圍繞著目標。") == "我们坚持着为人民服务的宗旨,紧紧围绕着目标。"


def test_hong_kong_wei_becomes_wei_in_weisheng():
    # t2s alone leaves 衞 (measured: 591 of them in an s2hk round trip of the seeds).
    assert simplify("衞生局召開全區衞生工作會議,説明衞生事業的發展。") == "卫生局召开全区卫生工作会议,说明卫生事业的发展。"


@pytest.mark.parametrize("traditional, simplified", [("為", "为"), ("爲", "为"), ("羣", "群")])
def test_each_traditional_form_of_a_character_converts(traditional, simplified):
    assert simplify(f"{traditional}衆多醫院和廣大羣衆服務,這是衛生部門的責任。") .startswith(simplified)


def test_standard_traditional_page_is_not_run_through_the_taiwan_step():
    # 000 writes OpenCC's standard forms (爲, 羣): tw2t would turn its 顯著-style 著 into 着.
    assert detect_script("爲了羣衆,成績顯著,本着爲人民服務的精神。") == ("traditional", [])
    assert "tw" in detect_script("為了群眾,成績顯著。")[1]


def test_mixed_document_follows_its_majority_and_stray_traditional_characters_convert():
    assert simplify("今年全区卫生工作取得显著成绩,医療服务水平明显提高。") == "今年全区卫生工作取得显著成绩,医疗服务水平明显提高。"


# --- ruby pinyin ---------------------------------------------------------------------------------

def test_ruby_pinyin_after_characters_is_removed_and_counted():
    lines = [[1, "衛(wèi)生局發(fā)展提升工作報告"]]
    removals: list[dict] = []
    assert remove_pinyin(lines, removals) == 2
    assert lines[0][1] == "衛生局發展提升工作報告"
    # Columns are in the line as found, so a maintainer can locate each annotation in raw/.
    assert [(r["column"], r["text"]) for r in removals] == [(2, "(wèi)"), (10, "(fā)")]


@pytest.mark.parametrize("text", ["(一)强化组织领导", "实施按病种分值付费(DIP)改革", "截至(2024)年底",
                                  "《办法(试行)》", "the women(men) and", "内容(a)和(b)两项"])
def test_content_in_parentheses_is_not_pinyin(text):
    lines = [[1, text]]
    assert remove_pinyin(lines, []) == 0 and lines[0][1] == text


def test_toneless_syllables_count_only_on_an_annotated_page():
    assert chinese.ruby_annotations("我们(men)的") == []
    annotated = "衛(wèi)生(shēng)局(jú)的(de)工作"
    assert [m.group(1) for m in chinese.ruby_annotations(annotated)] == ["wèi", "shēng", "jú", "de"]


# --- mojibake ------------------------------------------------------------------------------------

def test_mojibake_span_of_the_pinyin_mirror_is_flagged_whole():
    text = "一是將準新生兒納入?yún)⒑戏秶\ue2f0_@項創新為全國首創。"
    (span,) = mojibake_spans(text)
    assert text[span[0]:span[1]] == "?yún)⒑戏秶\ue2f0_@"


def test_question_marks_that_ask_are_not_mojibake():
    assert mojibake_spans("難道真的是大醫院的牀位少嗎?大家心裏都很清楚") == []
    assert mojibake_spans("萬市困不困難?湖源困不困難?都比我們困難") == []


def test_question_mark_for_a_lost_character_is_mojibake():
    text = "春節、五?一、十?一期間"
    assert [text[a:b] for a, b in mojibake_spans(text)] == ["?", "?"]


def test_mojibake_is_kept_as_found_while_the_rest_is_normalised():
    text, found = normalize_paragraph("納入?yún)⒑戏秶\ue2f0_@項,創新")
    assert text == "納入?yún)⒑戏秶\ue2f0_@項，創新" and found == ["納入?yún)⒑戏秶\ue2f0_@項,"]


# --- punctuation and width -----------------------------------------------------------------------

@pytest.mark.parametrize("raw, canonical", [
    ("同志们:", "同志们："),
    ("今天,我们召开会议;研究工作!", "今天，我们召开会议；研究工作！"),
    ("(一)医药卫生改革", "（一）医药卫生改革"),
    ("按病种分值付费(DIP)改革", "按病种分值付费（DIP）改革"),
    ("时间:2022-11-28 09:41:18", "时间：2022-11-28 09:41:18"),
    ("共计１２３人，占％", "共计123人，占%"),
    ("增长1,000人", "增长1,000人"),
    ("see (www.example.com) now", "see (www.example.com) now"),
    ("达到*%和□□", "达到*%和□□"),
])
def test_punctuation_is_full_width_in_chinese_context_digits_half_width(raw, canonical):
    assert punctuation_and_width(raw) == canonical


def test_paragraph_loses_ideographic_indent_and_trailing_spaces():
    assert normalize_paragraph("\u3000\u3000全年重点工作完成情况 ")[0] == "全年重点工作完成情况"


# --- the built paragraphs ------------------------------------------------------------------------

def test_built_paragraphs_are_simplified_pinyin_free_and_keep_numbered_headings(repo):
    rows = table_rows(repo, "paragraphs")
    flagged = {r["doc_id"] for r in read_table(repo / "clean" / "documents.csv") if r["mojibake_spans"] != "0"}
    t2s = chinese.converter("t2s")
    for row in rows:
        assert t2s.convert(row["text"]) == row["text"], row
        if row["doc_id"] not in flagged:
            assert not chinese.RUBY_PINYIN.search(row["text"]), row
    texts = [row["text"] for row in rows]
    assert sum(1 for t in texts if re.match(r"（[一二三四五六七八九十]+）", t)) > 10
    assert "卫生局发展提升工作报告" in {r["title"] for r in read_table(repo / "clean" / "documents.csv")}


def test_built_documents_record_script_and_pinyin(repo):
    documents = {r["doc_id"]: r for r in read_table(repo / "clean" / "documents.csv")}
    mirror = documents["f002_mirror-001"]
    assert (mirror["script_original"], mirror["script_variants"]) == ("traditional", "tw")
    assert int(mirror["pinyin_removed"]) > 100
    assert mirror["mojibake_spans"] == "1"
    assert documents["f000_ruiwen-001"]["script_variants"] == ""
    assert documents["f003_nav-001"]["script_original"] == "simplified"


# --- mojibake is kept exactly as found -----------------------------------------------------------

def record(*lines: str) -> dict:
    return {"removals": [], "meta": {}, "source": {}, "site": "", "site_key": "", "suspects": [],
            "segments": [{"label": "", "first_line": 1, "truncated": False, "missing_chars": None,
                          "lines": [[number, text] for number, text in enumerate(lines, start=1)]}]}


def test_mojibake_spans_keep_their_punctuation_and_annotations_and_both_are_flagged():
    result = normalize_record(record("（一）強化醫(yī)?;鹗褂贸B(tài)化監(jiān)管。聯(lián)合區(qū)醫(yī)保局開展檢查。",
                                     "加強重點??平ㄔO(shè)，區(qū)人民醫(yī)院新增專科3個。"))
    (segment,) = result["segments"]
    texts = [text for _, text in segment["paragraphs"]]
    assert "?;鹗褂贸B(tài)" in texts[0] and "??平ㄔO(shè)" in texts[1]
    assert texts[0].startswith("（一）强化医?;") and texts[1].endswith("，区人民医院新增专科3个。")
    assert len(segment["mojibake"]) == 2
    # the annotations outside the spans went, each recorded where it stood in the line as found
    line_one = "（一）強化醫(yī)?;鹗褂贸B(tài)化監(jiān)管。聯(lián)合區(qū)醫(yī)保局開展檢查。"
    for removal in (r for r in result["removals"] if r["line"] == 1):
        assert line_one[removal["column"] - 1:].startswith(removal["text"])


def test_an_annotation_right_after_a_mojibake_span_goes_and_the_span_stays():
    """A misread outline marker (。ㄒ唬┽t for （一）医) keeps its bytes; the annotation that
    belonged to the lost hanzi is still an annotation."""
    result = normalize_record(record("。ㄒ唬┽t(yī)療業務穩步增長，門診人次同比增長(zhǎng)百分之八。"))
    (segment,) = result["segments"]
    (text,) = [text for _, text in segment["paragraphs"]]
    assert "(yī)" not in text and "(zhǎng)" not in text
    assert text.startswith("。ㄒ唬┽t")
    assert sorted(r["text"] for r in result["removals"]) == ["(yī)", "(zhǎng)"]
