"""layout: running heads, outlines and tables of contents, found from text a page repeats."""

from __future__ import annotations

from scripts import layout


def lines_of(text: str) -> tuple[list[int], list[str]]:
    stripped = [line.strip() for line in text.split("\n")]
    return [index for index, line in enumerate(stripped) if line], stripped


def test_a_running_head_counts_its_lines_and_a_single_or_dated_one_is_none():
    head, signature = "某县人民医院          内部资料", "某县人民医院          2024年1月5日"
    live, stripped = lines_of(f"{head}\n正文第一段。\n{signature}\n{head}\n正文第二段。\n{signature}\n某县卫生院          内部资料")
    assert layout.running_heads(live, stripped) == {0: 2, 3: 2}


def test_an_outline_is_the_run_of_headings_whose_first_recurs_below():
    text = "一、工作回顾\n二、存在问题\n三、下一步打算\n同志们：\n一、工作回顾\n过去一年，我们完成了各项任务。"
    assert layout.outline(*lines_of(text)) == [0, 1, 2]
    assert layout.outline(*lines_of(text.replace("一、工作回顾\n过去", "过去"))) == []  # nothing recurs
    assert layout.outline(*lines_of("一、工作回顾\n二、存在问题\n同志们：\n一、工作回顾\n过去一年，我们完成了各项任务。")) == []


def test_an_outline_below_the_first_sentence_is_the_texts_own_headings():
    text = "今年以来，我们完成了各项任务。\n一、工作回顾\n二、存在问题\n三、下一步打算\n一、工作回顾\n过去一年成绩显著。"
    assert layout.outline(*lines_of(text)) == []


def test_contents_that_name_documents_label_their_repeats_and_need_two():
    text = ("县人民医院院长述职报告……1\n县中医医院院长述职报告……3\n县人民医院院长述职报告\n2023年，我主持全院工作。\n"
            "县中医医院院长述职报告\n2023年，我履行院长职责。")
    live, stripped = lines_of(text)
    headings, entries = layout.contents(live, stripped, set(live))
    assert sorted(headings) == [2, 4] and entries == {0, 1}
    assert headings[2].base == "县人民医院院长述职报告" and headings[2].rule == layout.CONTENTS_RULE_ID
    one = "\n".join(text.split("\n")[1:])  # one pair: a repeated title, not a table of contents
    assert layout.contents(*lines_of(one), set(lines_of(one)[0])) == ({}, set())


def test_a_numbered_contents_of_the_texts_headings_is_an_echo_and_the_headings_stay():
    text = ("一、指导思想\n坚持预防为主。\n二、工作目标\n管理率达到六成。\n三、主要措施\n加强随访。\n"
            "文章目录\n1. 一、指导思想\n2. 二、工作目标\n3. 三、主要措施")
    live, stripped = lines_of(text)
    assert layout.heading_echoes(live, stripped) == [7, 8, 9]
    two = "\n".join(text.split("\n")[:-1])  # two entries: a list, not a table of contents
    assert layout.heading_echoes(*lines_of(two)) == []
    assert layout.heading_echoes(*lines_of("1. 一、指导思想\n2. 二、工作目标\n3. 三、主要措施")) == []  # nothing echoed


def test_a_sites_own_name_comes_from_its_rights_line_and_an_institution_is_never_one():
    chrome = ["千文阁 qianwen-ge.example 版权所有　如有侵权请联系删除", "© 2019-2024 易档文库　京ICP备20300001号",
              "Copyright © 2024 某县卫生健康局 版权所有", "联系我们 admin@mail-host.example", "千文阁 - 免费范文参考网"]
    assert layout.own_names(chrome) == ["qianwen-ge.example", "易档文库", "千文阁"]
    assert layout.own_names(["千文阁 - 免费范文参考网"]) == []  # no rights claimed: no name learned


def test_a_sites_own_name_is_a_span_in_a_word_in_brackets_and_as_an_address():
    names = ["qianwen-ge.example", "千文阁"]
    text = "基本公千文阁共卫生服务（千文阁 qianwen-ge.example）已覆盖，详见 https://www.qianwen-ge.example/a/1.html 。"
    spans = layout.own_name_spans(text, names)
    kept = "".join(text[end:next_start] for (_, end), (next_start, _) in zip([(0, 0)] + spans, spans + [(len(text), 0)]))
    assert kept == "基本公共卫生服务已覆盖，详见  。"


def test_a_writing_guide_goes_up_to_the_template_that_text_follows():
    text = ("院感防控工作总结怎么写\n院感防控工作总结是对一定时期院感工作的回顾，要做到数据准确、条理清晰。\n"
            "1. 基本情况：简要介绍组织架构。\n院感防控工作总结范文\n今年以来，我院认真落实院感防控各项制度，成效明显。")
    assert layout.writing_guide(*lines_of(text)) == [0, 1, 2, 3]
    # A Q&A page titled …怎么写 answers with the text; a related link naming 范文 below it opens nothing.
    answer = ("社区卫生服务站年度工作计划怎么写\n为做好今年工作，结合本站实际，制定本计划。\n一、工作目标\n"
              "社区卫生服务站年终总结范文\n社区医生个人工作计划怎么写？")
    assert layout.writing_guide(*lines_of(answer)) == []


def test_a_writing_guide_may_end_at_the_editors_line_or_under_the_title_where_a_salutation_opens_the_text():
    handed_over = ("乡镇卫生院工作计划\n乡镇卫生院工作计划怎么写\n工作计划是对一定时期内工作的预先安排和打算，要做到目标明确。\n"
                   "以下是一篇乡镇卫生院工作计划范文，供参考：\n2024年是全面贯彻落实党的二十大精神的关键之年，我院将扎实推进各项工作。")
    assert layout.writing_guide(*lines_of(handed_over)) == [1, 2, 3]
    under_title = ("卫生院院长个人述职报告\n卫生院院长个人述职报告怎么写\n述职报告是任职者陈述履职情况的报告，要用事实说话。\n"
                   "各位领导、同志们：\n按照县卫生健康局的统一安排，现将本人履职情况报告如下。")
    assert layout.writing_guide(*lines_of(under_title)) == [1, 2]
    # Without the title above it, …怎么写 heads a Q&A page whose answer is the text: the salutation opens nothing.
    question = under_title.split("\n", 1)[1]
    assert layout.writing_guide(*lines_of(question)) == []


def test_a_contents_entry_may_be_numbered_with_one_ellipsis_before_its_page():
    text = ("1.县委副书记在全县医共体建设推进会上的讲话……2\n2.县卫生健康局局长在全县医共体建设推进会上的工作部署…4\n"
            "县委副书记在全县医共体建设推进会上的讲话\n同志们：今天召开推进会。\n"
            "县卫生健康局局长在全县医共体建设推进会上的工作部署\n各位领导、同志们：下面我作具体部署。")
    live, stripped = lines_of(text)
    headings, entries = layout.contents(live, stripped, set(live))
    assert sorted(headings) == [2, 4] and entries == {0, 1}


def test_a_name_beside_its_domain_in_the_chrome_is_the_sites_own():
    assert layout.own_names(["筠竹公文素材　网址：www.yunzhu-ziliao.example　定制"]) == ["yunzhu-ziliao.example", "筠竹公文素材"]
    assert layout.own_names(["主办：某县卫生健康局　www.mx-wjw.example"]) == []  # an institution's site


def test_an_excerpt_of_the_text_cut_with_an_ellipsis_goes_and_a_cut_text_stays():
    opening = "2023年，市中心血站在市卫生健康委的正确领导下，坚持以保障临床用血为中心"
    text = f"血站工作总结\n导读 👀 {opening}...\n{opening}，全年采血量再创新高。"
    assert layout.excerpts(*lines_of(text)) == [1]
    cut = f"血站工作总结\n{opening}，全年采血量……"  # the text itself, cut by the site: no later line repeats it
    assert layout.excerpts(*lines_of(cut)) == []


def test_chunk_numbers_may_start_at_two_after_an_unnumbered_first_chunk():
    sentence = "全院职工围绕年度目标，扎实推进基本公共卫生服务项目，老年人健康管理率稳步提高，"
    text = f"{sentence * 6}群众满意\n2、度明显提升。{sentence * 5}各项工作取得新\n3、成效。{sentence * 5}"
    live, stripped = lines_of(text)
    assert layout.chunk_numbers(live, stripped) == {1: 2, 2: 2}
    assert layout.chunk_numbers(*lines_of(f"卫生院工作总结\n2、{sentence * 6}")) == {}  # no first chunk above it


def test_a_viewers_line_numbers_counting_up_are_a_gutter_and_a_tables_row_numbers_are_not():
    gutter = ["文本预览", "1│卫生院工作计划", "2│", "3│一、总体目标", "4│门诊人次增长10%。", "", "5│二、重点任务"]
    assert layout.line_numbers(gutter) == {1: 2, 2: 2, 3: 2, 4: 2, 6: 2}
    assert layout.line_numbers(gutter[:5]) == {}  # four numbered lines: too few to be a viewer's
    skipped = gutter[:3] + ["4│一、总体目标"] + gutter[4:]  # 1 2 4 4 5: no run of five
    assert layout.line_numbers(skipped) == {}
    table = ["1|张三|内科|主治医师", "2|李四|外科|副主任医师", "3|王五|儿科|医师", "4|赵六|妇科|医师", "5|钱七|药剂科|药师"]
    assert layout.line_numbers(table) == {}  # a row's number is followed by more of its separators
