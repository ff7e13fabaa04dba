"""decode: raw bytes -> UTF-8 text, with the encoding, our confidence in it, the BOM, the language.

chardet is one voice, not the verdict: alone it misreads short excerpts and Traditional text saved
as GBK. The order is BOM, NUL-byte patterns (BOM-less UTF-16/32), strict UTF-8 (whole file), then
the Chinese multi-byte codecs ranked by how plausible their text is as Chinese; a page mixing them
with UTF-8 lines is decoded line by line. Single-byte codecs are never candidates for a Chinese
page: only a page whose best Chinese reading is not Chinese (Korean, Japanese, Western text) is
handed to chardet, decoded right, and then refused by the stage unless raw/sources.csv allows it.
No codec ever runs with errors="replace" unless raw/sources.csv allows it for that file, and then
the replaced characters are counted.

    python -m scripts.decode                 # the stage: raw/ -> build/decode/
    python -m scripts.decode --json FILE...  # one JSON object per file, any path

An HTML page (.html/.htm) is decoded from the evidence it carries, in order: BOM, the HTTP charset
(raw/sources.csv content_type), <meta charset> in its first 1024 bytes (WHATWG labels: gb2312 and
gbk mean GB18030, big5 means Big5-HKSCS); a declaration is used only if it decodes the page
strictly and its text reads at least as plausibly as the best detected reading (the codecs are
ranked on the text outside the markup, which is ASCII in every candidate).
"""

from __future__ import annotations

import argparse
import codecs
import csv
import json
import math
import os
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import chardet

from scripts import extract, pipeline
from scripts.chinese import HANZI_RANGES, converter
from scripts.pipeline import ROOT, PageError

RAW = ROOT / "raw"
SOURCES_TABLE = RAW / "sources.csv"
SOURCES_COLUMNS = ["path", "site", "url", "retrieved", "license", "encoding", "allow_replacement",
                   "allow_non_chinese", "content_type", "notes"]
REQUIRED_COLUMNS = ["path", "site", "url", "retrieved", "license", "notes"]
BOOLEAN_COLUMNS = ["allow_replacement", "allow_non_chinese"]
# The values frictionless reads as booleans (schemas/raw-sources.schema.json): decode and
# `make validate` must agree on what "true" means.
TRUE_VALUES = {"true", "True", "TRUE", "1"}
FALSE_VALUES = {"false", "False", "FALSE", "0", ""}

# Only this much of a file is examined to rank the codecs; the whole file is then decoded with it.
SAMPLE_BYTES = 64 * 1024
# UTF-8 with this many multi-byte sequences gets confidence 1: GBK/Big5 bytes essentially never
# form that many valid sequences by chance. (Fewer still win; their confidence is measured.)
UTF8_PROOF_SEQUENCES = 16
# Valid UTF-8 gives way to a GB/Big5 reading only if that reading scores this much more per
# non-ASCII UTF-8 character. Measured with `python -m benchmarks.decode --utf8-margin` (seed text
# pieces): 3,292 UTF-8 pieces of 1-40 characters lose at most 0.95 to a GB/Big5 misreading; of 1,640
# GBK/Big5 pieces that happen to be valid UTF-8, 10 score under 1.0 (one character: 梅 as ÷, 路 as ·,
# two bytes that truly are either). At 1.0 no UTF-8 piece is lost; at 0.8, 2 are.
UTF8_YIELD_MARGIN = 1.0
# The language of a page is judged on its first this many characters (16 K hanzi are plenty).
LANGUAGE_WINDOW = 16 * 1024
# Language checks on the decoded text (see language_of). Below this many hanzi the share of
# frequent hanzi is noise, so short pages are judged by script alone.
FREQUENT_MIN_HANZI = 20
# Measured: the five seed pages hold 96-98% frequent hanzi; the benchmark's distractors read as
# GB18030 hold 7-32% (Korean 26-32%, Shift_JIS 7-11%; EUC-JP 31-50%, but its kana decide first).
FREQUENT_MIN_SHARE = 0.6
# Kana above this share of hanzi+kana is Japanese; Chinese pages have none (GB2312 row 4 aside).
KANA_MIN_SHARE = 0.2
# Fewer hanzi than one in this many Latin letters: a Western page with a Chinese word or two.
LETTERS_PER_HANZI_MAX = 10
# Western text: this share of its Latin letters at least is ASCII (French has ~4% accented letters,
# GBK read as cp1252 ~90%).
ASCII_LETTERS_MIN_SHARE = 0.7
# Korean text: at least one space per this many hangul (words are 2-4 syllables).
HANGUL_PER_SPACE_MAX = 8
FREQUENT_HANZI = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因"
    "只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿"
    "原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界"
    "达光放强即像难且权思王象完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存"
    "未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历"
    "首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围"
    "江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤素药适波夜省初喜卫源食险"
    "待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判担州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善妈刘读啊超免压银买皇养伊怀执副乱抗犯追"
    "帮宣佛岁航优怪香著田铁控税左右份穿艺背阵草脚概恶块顿敢守酒岛托央户烈洋哥索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮露永呼味野架域沙掉括舰鱼杂误湾吉减编楚肯测败屋跑"
    "梦散温困剑渐封救贵枪缺楼县尚毫移娘朋画班智亦耳恩短掌恐遗固席松秘谢鲁遇康虑幸均销钟诗藏赶剧票损忽巨炮旧端探湖录叶春乡附吸予礼港雨呀板庭妇归睛饭额含顺输摇招婚脱补谓督毒油疗旅泽材灭逐莫笔亡鲜词圣"
    "择寻厂睡博勒烟授诺伦岸奥唐卖俄炸载洛健堂旁宫喝借君禁阴园谋宋避抓荣姑孙逃牙束跳顶玉镇雪午练迫爷篇肉嘴馆遍凡础洞卷坦牛宁纸诸训私庄祖丝翻暴森塔默握戏隐熟骨访弱蒙歌店鬼软典欲萨伙遭盘爸扩盖弄雄稳忘"
    "亿刺拥徒姆杨齐赛趣曲刀床迎冰虚玩析窗醒妻透购替塞努休虎扬途侵刑绿兄迅套贸毕唯谷轮库迹尤竞街促延震弃甲伟麻川申缓潜闪售灯针哲络抵朱埃抱鼓植纯夏忍页杰筑折郑贝尊吴秀混臣雅振染盛怒舞圆搞狂措姓残秋培"
    "迷诚宽宇猛摆梅毁伸摩盟末乃悲拍丁赵滑仪贺绩喊侧辑疾患诊疫苗障估伍幼童孕覆扎署贯彻筹档筛"
)

MAGIC_NUMBERS = [
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office/EPUB file)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Office (OLE2) document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (b"RIFF", "a RIFF container (WebP/WAV/AVI)"),
    (b"\x7fELF", "an ELF executable"),
]

BOMS = [  # longest first: the UTF-32-LE BOM begins with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]

# Names (ours, chardet's, a contributor's) -> the codec that decodes that family best. GB2312-labelled
# pages often hold GBK-only characters, so the GB family is always read as GB18030, its superset;
# EUC-KR and Shift_JIS pages often hold their Microsoft extensions.
FAMILY_CODEC = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "hz-gb-2312": "hz",
    "big5": "big5hkscs",
    "big5hkscs": "big5hkscs",
    "cp950": "cp950",
    "ascii": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "euc-kr": "cp949",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "windows-1252": "cp1252",
}
# The codecs a Chinese page can be in (besides UTF-8, tried first, and UTF-16/32, found by NULs).
CHINESE_CANDIDATES = ["gb18030", "big5hkscs", "cp950"]
# Codecs in which "\n" is always a line end, never part of a character: lines can be told apart.
LINE_SAFE = {"gb18030", "big5hkscs", "cp950", "utf-8"}
# Codecs that read the same sample alike but may differ further in (big5hkscs reads Big5-ETEN's ①
# as ロ): when one wins on the sample, the family is re-ranked on the whole file.
FAMILIES = [("cp950", "big5hkscs")]

LANGUAGE_NAMES = {"japanese": "Japanese", "korean": "Korean", "western": "Western (Latin-script)",
                  "other": "non-Chinese", "garbled": "garbled (not plausible Chinese)"}

PINYIN_VOWELS = frozenset("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü")
_HANZI = re.compile(f"[{HANZI_RANGES}]")
_KANA = re.compile("[\u3041-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3131-\u318e]")
_LATIN = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")
_SURROGATE = re.compile("[\udc80-\udcff]")


class DecodeError(PageError):
    pass


@dataclass
class Detection:
    encoding: str
    confidence: float
    bom: bool
    text: str
    replaced: int = 0
    language: str = "chinese"
    # "gb18030:118 utf-8:2" when lines needed different codecs; "" when one codec read the file.
    encoding_lines: str = ""
    # HTML only: what the page said of itself, "http:gbk meta:gb2312" (the labels as written).
    encoding_declared: str = ""


@lru_cache(maxsize=1)
def common_hanzi() -> frozenset[str]:
    """GB2312 level-1 hanzi (the 3,755 most used) and Big5's 5,401 常用字, read from the codecs."""
    chars: set[str] = set()
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for high in range(0xA4, 0xC7):
        # 常用字 end at 0xC67E; past it Python's Big5 (ETEN) has kana, which must not count as hanzi.
        lows = list(range(0x40, 0x7F)) + (list(range(0xA1, 0xFF)) if high < 0xC6 else [])
        for low in lows:
            try:
                chars.add(bytes([high, low]).decode("big5"))
            except UnicodeDecodeError:
                pass
    return frozenset(char for char in chars if 0x3400 <= ord(char) <= 0x9FFF)


@lru_cache(maxsize=1)
def frequent_hanzi() -> frozenset[str]:
    """FREQUENT_HANZI and their Traditional forms: Korean read as GB2312 lands on level-1 hanzi
    too, but on these no more often than chance (a third), where Chinese text is mostly made of them."""
    traditional = converter("s2t").convert("\n".join(FREQUENT_HANZI)).split("\n")
    return frozenset(FREQUENT_HANZI) | frozenset(char for char in traditional if len(char) == 1)


@lru_cache(maxsize=1)
def _frequent_pattern() -> re.Pattern:
    return re.compile("[" + "".join(sorted(frequent_hanzi())) + "]")


def char_score(char: str, common: frozenset[str]) -> float:
    """How typical one character is of a Chinese web page; misreadings score low or negative."""
    code = ord(char)
    if char in common:
        return 1.0
    if char in "\n\r\t":
        return 0.5
    if code < 0x20 or 0x7F <= code < 0xA0:
        return -5.0  # control characters: the mark of a wrong codec
    if code < 0x7F:
        return 0.3
    if 0x4E00 <= code <= 0x9FFF:
        return 0.1  # real but rare hanzi: what a wrong multi-byte codec produces
    if 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E or 0x2010 <= code <= 0x2027:
        return 1.0  # CJK and full-width punctuation, dashes, quotes, ellipsis
    if code == 0xFFFD or 0xE000 <= code <= 0xF8FF or code >= 0xF0000:
        return -5.0
    if 0xD800 <= code <= 0xDFFF:
        return -5.0
    if code in (0xB7, 0xD7, 0xF7, 0xB0, 0x2030, 0x2103, 0x33A1, 0x25A1, 0x25CB):
        return 0.5  # · × ÷ ° ‰ ℃ ㎡ □ ○ occur in reports
    if 0x2460 <= code <= 0x249B or 0x3220 <= code <= 0x3229 or 0x2160 <= code <= 0x216B:
        return 0.5  # ①, ⑴, ⒈, ㈠, Ⅰ: list markers in reports (big5hkscs misreads ⑥ as ヲ)
    if char in PINYIN_VOWELS:
        return 0.3  # toned pinyin (lái) is text like ASCII, not Latin-1 soup
    category = unicodedata.category(char)
    if category.startswith("L") and code < 0x0250:
        return -1.0  # Latin-1/Latin Extended letters glued into Chinese: Windows-125x soup
    return -0.5  # Hangul, kana, other scripts: not what a Chinese page is made of


class _ScoreTable(dict):
    """char -> char_score, filled on first sight: the scoring loop stays in C (sum over map)."""

    def __missing__(self, char: str) -> float:
        score = self[char] = char_score(char, common_hanzi())
        return score


_SCORES = _ScoreTable()


def plausibility(text: str) -> float:
    """Sum of character scores; comparable across codecs because every candidate reads the same bytes."""
    return sum(map(_SCORES.__getitem__, text))


def language_of(text: str) -> str:
    """chinese, japanese, korean, western, garbled (hanzi, but not the ones Chinese uses) or other."""
    text = text[:LANGUAGE_WINDOW]
    hanzi = _HANZI.findall(text)
    kana = len(_KANA.findall(text))
    hangul = len(_HANGUL.findall(text))
    if kana and kana >= KANA_MIN_SHARE * (len(hanzi) + kana):
        return "japanese"
    if hangul and hangul >= len(hanzi):
        # Korean separates words by spaces; hangul without them is Chinese read as EUC-KR.
        return "korean" if text.count(" ") * HANGUL_PER_SPACE_MAX >= hangul else "garbled"
    latin = _LATIN.findall(text)
    if len(hanzi) * LETTERS_PER_HANZI_MAX < len(latin):
        # Western text is mostly ASCII letters; mostly accented ones are GBK read as cp1252.
        ascii_letters = sum(1 for char in latin if char < "\x80")
        return "western" if ascii_letters >= ASCII_LETTERS_MIN_SHARE * len(latin) else "garbled"
    if not hanzi:
        return "other"
    if len(hanzi) >= FREQUENT_MIN_HANZI:
        if len(_frequent_pattern().findall(text)) < FREQUENT_MIN_SHARE * len(hanzi):
            return "garbled"
    return "chinese"


def _binary_kind(data: bytes) -> str | None:
    for magic, kind in MAGIC_NUMBERS:
        if data.startswith(magic):
            return kind
    return None


def _strict_prefix(data: bytes, encoding: str, final: bool) -> str | None:
    """Decode strictly; a sample may end inside a character, so the tail is left pending."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(data, final=final)
    except UnicodeDecodeError:
        return None


def _nul_pattern(sample: bytes) -> list[str]:
    """Codecs suggested by where the NUL bytes fall: BOM-less UTF-16/32 put them in fixed lanes."""
    nuls = sample.count(0)
    if nuls < max(2, len(sample) // 20):
        return []
    lanes4 = [sample[i::4].count(0) for i in range(4)]
    lanes2 = [lanes4[0] + lanes4[2], lanes4[1] + lanes4[3]]
    quarter = len(sample) / 4
    guesses = []
    if lanes4[2] > 0.9 * quarter and lanes4[3] > 0.9 * quarter:
        guesses.append("utf-32-le")
    if lanes4[0] > 0.9 * quarter and lanes4[1] > 0.9 * quarter:
        guesses.append("utf-32-be")
    guesses.append("utf-16-le" if lanes2[1] >= lanes2[0] else "utf-16-be")
    return guesses


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def utf8_holds(utf8_text: str, other_text: str) -> bool:
    """Valid UTF-8 keeps its reading unless the other is overwhelmingly more plausible."""
    margin = plausibility(other_text) - plausibility(utf8_text)
    return margin < UTF8_YIELD_MARGIN * max(1, _non_ascii(utf8_text))


def _confidence(best: float, second: float | None, length: int) -> float:
    """Ours, not chardet's: how Chinese the winner reads, times how clearly it beat the runner-up."""
    per_char = best / max(length, 1)
    readable = min(1.0, max(0.0, per_char))
    if second is None:
        margin = 1.0
    else:
        margin = min(1.0, max(0.0, (best - second) / max(abs(best), 1.0)))
    # A margin of a few characters' worth is already decisive on short texts.
    return round(readable * math.sqrt(margin), 3)


def decode_lines(data: bytes, main: str) -> tuple[str, Counter]:
    """``data`` in ``main``, except lines that are strict UTF-8 and read better so (the scraping
    accident: a UTF-8 footer pasted into a GBK page). Returns the text and lines per codec;
    raises UnicodeDecodeError (offset into ``data``) when a line decodes in neither."""
    try:
        whole = data.decode(main)
    except UnicodeDecodeError:
        whole = None
    if main not in LINE_SAFE or main == "utf-8":
        if whole is None:
            data.decode(main)  # raises with the offset
        return whole, Counter()
    # A probe, never output: a line with no escaped byte is strict UTF-8.
    probe = data.decode("utf-8", "surrogateescape").split("\n")
    raw_lines = data.split(b"\n")
    utf8 = set()
    for number, line in enumerate(probe):
        if not line.isascii() and not _SURROGATE.search(line):
            try:
                other = raw_lines[number].decode(main)
            except UnicodeDecodeError:
                other = None
            if other is None or utf8_holds(line, other):
                utf8.add(number)
    if not utf8:
        if whole is None:
            data.decode(main)
        return whole, Counter()
    parts, offset = [], 0
    for number, raw in enumerate(raw_lines):
        if number in utf8:
            parts.append(probe[number])
        else:
            try:
                parts.append(raw.decode(main))
            except UnicodeDecodeError as error:
                raise UnicodeDecodeError(main, data, offset + error.start, offset + error.end,
                                         error.reason) from None
        offset += len(raw) + 1
    lines = len(raw_lines) - (raw_lines[-1] == b"")
    return "\n".join(parts), Counter({main: lines - len(utf8), "utf-8": len(utf8)})


def _sample_text(sample: bytes, codec: str, final: bool, mixed: bool = True) -> str | None:
    """The sample in ``codec``, strictly; for a line-safe codec, UTF-8 lines may be mixed in."""
    text = _strict_prefix(sample, codec, final)
    if text is not None or codec not in LINE_SAFE or not mixed:
        return text
    cut = sample if final else sample[:sample.rfind(b"\n") + 1]
    if not cut:
        return None
    try:
        return decode_lines(cut, codec)[0]
    except UnicodeDecodeError:
        return None


def rank_candidates(sample: bytes, final: bool, candidates: list[str] | None = None,
                    mixed: bool = True) -> list[tuple[float, str, str]]:
    """(score, codec, text) for every Chinese candidate that decodes the sample, best first.
    ``mixed=False`` when the readings are alternatives to compare with: then no UTF-8 lines in them."""
    if candidates is None:
        # UTF-16 of hanzi need hold no NUL byte (卫 is 0x536B), so it is always a candidate.
        candidates = list(_nul_pattern(sample)) + CHINESE_CANDIDATES + ["utf-16-le", "utf-16-be"]
        if sample.isascii() and b"~{" in sample:
            candidates.append("hz")
        if len(sample) % 4 == 0 and 0 in sample:
            candidates += ["utf-32-le", "utf-32-be"]
    seen_texts: set[str] = set()
    ranked = []
    for codec in dict.fromkeys(candidates):
        if codec.startswith(("utf-16", "utf-32")) and len(sample) % (2 if "16" in codec else 4) and final:
            continue
        text = _sample_text(sample, codec, final, mixed)
        if not text or text in seen_texts:
            continue
        seen_texts.add(text)
        ranked.append((plausibility(text), codec, text))
    ranked.sort(key=lambda item: -item[0])
    return ranked


def _lines_field(counts: Counter) -> str:
    return " ".join(f"{codec}:{n}" for codec, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n)


def _chardet_reading(data: bytes) -> tuple[str, str, float] | None:
    """chardet's codec for a page that is not Chinese, if it decodes the whole file strictly into
    plausible Japanese, Korean or Western text (its confidence is then the one reported). chardet
    sees the sample first, the whole file if the sample's answer fails further in."""
    for view in (data[:SAMPLE_BYTES], data) if len(data) > SAMPLE_BYTES else (data,):
        guess = chardet.detect(view)
        name = guess.get("encoding") or ""
        try:
            codec = FAMILY_CODEC.get(name.lower(), codecs.lookup(name).name) if name else ""
            text = data.decode(codec) if codec else ""
        except (LookupError, UnicodeDecodeError):
            continue
        if language_of(text) in ("japanese", "korean", "western"):
            return codec, text, round(guess.get("confidence") or 0.0, 3)
    return None


def detect(data: bytes, forced: str | None = None, allow_replacement: bool = False) -> Detection:
    """Choose the codec for ``data`` and decode all of it; raise DecodeError with the reason."""
    if not data:
        raise DecodeError("empty file (0 bytes)")
    kind = _binary_kind(data)
    if kind:
        raise DecodeError(f"binary file: {kind}, not a text page")
    if forced:
        detection = _forced(data, codec_name(forced), allow_replacement)
    else:
        detection = _detected(data, allow_replacement)
    if "\x00" in detection.text:
        raise DecodeError("binary file: decoded text contains NUL characters")
    detection.language = language_of(detection.text)
    return detection


def _forced(data: bytes, codec: str, allow_replacement: bool) -> Detection:
    """raw/sources.csv names the codec; its confidence is still measured against the others."""
    bom = False
    for mark, name in BOMS:
        if data.startswith(mark) and name == codec:
            data, bom = data[len(mark):], True
    text, replaced = _decode_all(data, codec, allow_replacement, 3 if bom else 0)
    sample = data[:SAMPLE_BYTES]
    final = len(data) <= SAMPLE_BYTES
    own = _strict_prefix(sample, codec, final) if not replaced else text[:len(sample)]
    others = [score for score, name, _ in rank_candidates(sample, final,
              list(_nul_pattern(sample)) + ["utf-8"] + CHINESE_CANDIDATES, mixed=False) if name != codec]
    own = own if own is not None else text
    confidence = _confidence(plausibility(own), max(others) if others else None, len(own))
    return Detection(codec, confidence, bom, text, replaced)


def _decode_all(data: bytes, codec: str, allow_replacement: bool, shift: int) -> tuple[str, int]:
    try:
        return data.decode(codec), 0
    except UnicodeDecodeError as error:
        if not allow_replacement:
            raise DecodeError(
                f"undecodable as {codec}: first bad byte at offset {error.start + shift} "
                f"(set allow_replacement in raw/sources.csv only if the bytes are really lost)"
            ) from None
    # Allowed for this file by a maintainer: count what was replaced, never hide it.
    text = data.decode(codec, errors="replace")
    replaced = text.count("\ufffd") - data.decode(codec, errors="ignore").count("\ufffd")
    return text, replaced


def _detected(data: bytes, allow_replacement: bool) -> Detection:
    for mark, name in BOMS:
        if data.startswith(mark):
            text, replaced = _decode_all(data[len(mark):], name, allow_replacement, len(mark))
            return Detection(name, 1.0, True, text, replaced)
    sample = data[:SAMPLE_BYTES]
    final = len(data) <= SAMPLE_BYTES
    nul_codecs = _nul_pattern(sample)
    if not nul_codecs:
        utf8 = _utf8_reading(data, sample, final)
        if utf8 is not None:
            return utf8
    ranked = rank_candidates(sample, final)
    failures = []
    for position, (score, codec, text) in enumerate(ranked):
        # A candidate that wins the sample but fails further in gives way to the next one.
        if not final:
            codec = _best_of_family(data, codec)
        try:
            whole, counts = decode_lines(data, codec)
        except UnicodeDecodeError as error:
            failures.append((codec, error.start))
            continue
        others = [other for other, name, _ in ranked if name != codec]
        confidence = _confidence(score, others[0] if others else None, len(text))
        if counts:
            codec = max(counts, key=lambda name: (counts[name], name == codec))
        detection = Detection(codec, confidence, False, whole, 0, encoding_lines=_lines_field(counts))
        if nul_codecs or language_of(text) == "chinese":
            return detection
        # The best Chinese reading is not Chinese: Korean, Japanese or Western text that happens to
        # decode as GB18030 or Big5. Read it as chardet does; the stage then refuses its language.
        return _not_chinese(data) or detection
    reading = _not_chinese(data)
    if reading is not None:
        return reading
    if 0 in data:
        raise DecodeError("binary file: contains NUL bytes and is not UTF-16/UTF-32 text")
    if failures or ranked:
        codec, offset = max(failures, key=lambda item: item[1])
        if allow_replacement:
            text, replaced = _decode_all(data, codec, True, 0)
            return Detection(codec, 0.0, False, text, replaced)
        raise DecodeError(f"undecodable as {codec}: first bad byte at offset {offset} "
                          f"(set allow_replacement in raw/sources.csv only if the bytes are really lost)")
    best = _best_failing_codec(data)
    if allow_replacement:
        text, replaced = _decode_all(data, best[0], True, 0)
        return Detection(best[0], 0.0, False, text, replaced)
    raise DecodeError(f"undecodable: no candidate encoding decodes it; best candidate {best[0]} "
                      f"fails at byte offset {best[1]}")


def _utf8_reading(data: bytes, sample: bytes, final: bool) -> Detection | None:
    """Strict UTF-8 of the whole file, unless a GB/Big5 (or HZ) reading is overwhelmingly better."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head = _strict_prefix(sample, "utf-8", final) or ""
    multibyte = _non_ascii(head)
    if sample.isascii():
        if b"~{" in sample:
            hz = _strict_prefix(sample, "hz", final)
            if hz and plausibility(hz) > plausibility(head):
                return None  # HZ is 7-bit: let the ranking decide it
        return Detection("utf-8", 0.0 if language_of(head) != "chinese" else 1.0, False, text)
    others = rank_candidates(sample, final, CHINESE_CANDIDATES, mixed=False)
    for score, codec, other in others:
        if not utf8_holds(head, other):
            return None
    if multibyte >= UTF8_PROOF_SEQUENCES:
        confidence = 1.0
    else:
        confidence = _confidence(plausibility(head), others[0][0] if others else None, len(head))
    return Detection("utf-8", confidence, False, text)


def _not_chinese(data: bytes) -> Detection | None:
    reading = _chardet_reading(data)
    if reading is None:
        return None
    codec, text, confidence = reading
    return Detection(codec, confidence, False, text)


def _best_of_family(data: bytes, codec: str) -> str:
    for family in FAMILIES:
        if codec in family and len(data) > SAMPLE_BYTES:
            scored = []
            for member in family:
                try:
                    scored.append((plausibility(decode_lines(data, member)[0]), member))
                except UnicodeDecodeError:
                    continue
            if scored:
                return max(scored, key=lambda item: item[0])[1]
    return codec


def _best_failing_codec(data: bytes) -> tuple[str, int]:
    """For the error message: the candidate that gets furthest before its first bad byte."""
    offsets = []
    for codec in ["utf-8"] + CHINESE_CANDIDATES:
        try:
            data.decode(codec)
            offsets.append((codec, len(data)))
        except UnicodeDecodeError as error:
            offsets.append((codec, error.start))
    return max(offsets, key=lambda item: item[1])


def codec_name(label: str) -> str:
    """The Python codec for a label in raw/sources.csv; DecodeError if it is not a text codec."""
    try:
        name = codecs.lookup(label).name
    except LookupError:
        raise DecodeError(f"unknown encoding {label!r} (use a Python codec name such as gb18030, "
                          f"big5, utf-8)") from None
    try:
        # rot13, base64, hex ... are codecs, but not bytes -> text ones; they fail on one byte.
        codecs.getincrementaldecoder(name)().decode(b"a", final=False)
    except (TypeError, ValueError, UnicodeError):
        raise DecodeError(f"encoding {label!r} cannot decode text (it is not a bytes-to-text codec)") from None
    return FAMILY_CODEC.get(label.lower(), name)


def normalize_newlines(text: str) -> str:
    """CRLF and CR are line ends, not content: one form, so line numbers mean the same everywhere."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- HTML: what the page says of its charset, checked against what its bytes read as -----------

# Browsers look for <meta charset> only this far into the page (WHATWG "prescan").
META_PRESCAN_BYTES = 1024
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""", re.IGNORECASE)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_:.+-]+)""", re.IGNORECASE)
CONTENT_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\s*;.*)?$")
# WHATWG Encoding Standard labels -> the codec that reads them as browsers do: gb2312 and gbk
# mean GBK, read as its superset GB18030; big5 means Big5-HKSCS; Latin-1 means windows-1252; a
# UTF-16 label in a page that could be read far enough to find it means UTF-8.
WHATWG_LABELS = {
    **dict.fromkeys(["gb2312", "gbk", "x-gbk", "gb_2312", "gb_2312-80", "chinese", "csgb2312", "csiso58gb231280",
                     "iso-ir-58", "gb18030"], "gb18030"),
    **dict.fromkeys(["big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"], "big5hkscs"),
    **dict.fromkeys(["utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8",
                     "utf-16", "utf-16le", "utf-16be", "unicode", "ucs-2"], "utf-8"),
    **dict.fromkeys(["iso-8859-1", "latin1", "l1", "ascii", "us-ascii", "windows-1252", "cp1252",
                     "iso_8859-1", "cp819", "ibm819"], "cp1252"),
    **dict.fromkeys(["hz-gb-2312"], "hz"),
}
_INVISIBLE_BYTES = re.compile(rb"<(script|style|template)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.IGNORECASE | re.DOTALL)
_INVISIBLE_TEXT = re.compile(r"<(script|style|template)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.IGNORECASE | re.DOTALL)


def declared_charsets(data: bytes, content_type: str = "") -> list[tuple[str, str]]:
    """[("http", label), ("meta", label)]: what the HTTP header and the page's <meta> declare."""
    declared = []
    match = _HTTP_CHARSET.search(content_type or "")
    if match:
        declared.append(("http", match.group(1).lower()))
    match = _META_CHARSET.search(data[:META_PRESCAN_BYTES])
    if match:
        declared.append(("meta", match.group(1).decode("ascii").lower()))
    return declared


def whatwg_codec(label: str) -> str | None:
    """The codec a browser uses for a declared label; None for a label no codec knows."""
    label = label.strip().lower()
    if label in WHATWG_LABELS:
        return WHATWG_LABELS[label]
    try:
        return codec_name(label)
    except DecodeError:
        return None


def _text_bytes(data: bytes) -> bytes:
    """The page without markup, scripts, styles and comments: what its charset must read well.
    Safe on the bytes for every ASCII-compatible codec: GBK and Big5 trail bytes are never < or >."""
    return _INVISIBLE_BYTES.sub(b" ", data)


def detect_html(data: bytes, content_type: str = "", forced: str | None = None,
                allow_replacement: bool = False) -> Detection:
    """An HTML page: BOM, then the HTTP charset, then <meta charset>, then detection. A declared
    charset is used only if it decodes the whole page strictly and its text reads at least as
    plausibly as the best detected reading; the codecs are ranked on the text, not the markup."""
    declared = declared_charsets(data, content_type)
    label = " ".join(f"{where}:{name}" for where, name in declared)
    has_bom = any(data.startswith(mark) for mark, _ in BOMS)
    view = _text_bytes(data)
    if forced or has_bom or 0 in data[:SAMPLE_BYTES] or not view.strip():
        detection = detect(data, forced, allow_replacement)
    else:
        detection = _html_detected(data, view, declared, allow_replacement)
    detection.encoding_declared = label
    detection.language = language_of(_INVISIBLE_TEXT.sub(" ", detection.text))
    return detection


def _html_detected(data: bytes, view: bytes, declared: list[tuple[str, str]], allow_replacement: bool) -> Detection:
    try:
        best = detect(view)
    except DecodeError:
        return detect(data, None, allow_replacement)  # its message names the offset in the file
    main = best.encoding
    if best.encoding_lines:
        main = next((name for name in (part.split(":")[0] for part in best.encoding_lines.split())
                     if name != "utf-8"), main)
    try:
        whole, counts = decode_lines(data, main)
    except UnicodeDecodeError:
        # The markup holds bytes the text does not (a script in another codec): decide on the file.
        return detect(data, None, allow_replacement)
    if counts:
        main = max(counts, key=lambda name: (counts[name], name == main))
    result = Detection(main, best.confidence, False, whole, 0, encoding_lines=_lines_field(counts))
    best_score = plausibility(best.text)
    for where, name in declared:
        codec = whatwg_codec(name)
        if codec is None:
            continue
        if codec == result.encoding and not counts:
            return result  # the declaration and the bytes agree
        try:
            text, view_text = data.decode(codec), view.decode(codec)
        except UnicodeDecodeError:
            continue  # a declaration the bytes contradict (a GBK page saying utf-8)
        if plausibility(view_text) >= best_score:
            return Detection(codec, best.confidence, False, text)
    return result


# --- raw/ and raw/sources.csv -------------------------------------------------------------------

SOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def read_sources_table(path: Path = SOURCES_TABLE) -> tuple[list[dict] | None, list[str]]:
    """Rows of raw/sources.csv and every problem found in it (not just the first).

    Rows are None when the table itself cannot be read (missing, not UTF-8, a column missing):
    then nothing can be matched against raw/, and check_raw adds no lines that are only
    consequences of that one problem.
    """
    name = _rel(path)
    if not path.is_file():
        return None, [f"{name}: missing; it must list every raw file"]
    data = path.read_bytes()
    try:
        # A BOM (Excel's "CSV UTF-8") is accepted: it says UTF-8 and nothing else.
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, [f"{name}: not UTF-8 (first bad byte at offset {error.start}); save it as "
                      f"UTF-8 (in Excel: CSV UTF-8; in an editor: encoding UTF-8)"]
    reader = csv.DictReader(content.splitlines(keepends=True))
    fields = reader.fieldnames or []
    missing = [column for column in REQUIRED_COLUMNS if column not in fields]
    if missing:
        return None, [f"{name}: missing column(s) {', '.join(missing)} in its header line"]
    problems: list[str] = []
    rows = []
    for number, row in enumerate(reader, start=2):
        row = {key: (value or "").strip() for key, value in row.items() if key is not None}
        row["_line"] = number
        row["_valid"] = True
        for column in BOOLEAN_COLUMNS:
            value = row.get(column, "")
            if value not in TRUE_VALUES | FALSE_VALUES:
                problems.append(f"{name} line {number}, column {column}: {value!r} is not a boolean "
                                f"(write true or false, or leave it empty)")
                row["_valid"] = False
        if row.get("encoding"):
            try:
                codec_name(row["encoding"])
            except DecodeError as error:
                problems.append(f"{name} line {number}, column encoding: {error}")
                row["_valid"] = False
        if row.get("content_type") and not CONTENT_TYPE.match(row["content_type"]):
            problems.append(f"{name} line {number}, column content_type: {row['content_type']!r} is not an "
                            f"HTTP Content-Type (write it as the server sent it: text/html; charset=gbk)")
            row["_valid"] = False
        rows.append(row)
    return rows, problems


def raw_files(raw: Path = RAW) -> tuple[list[str], list[str]]:
    """Regular files under raw/ (relative paths) and its symbolic links, never following one:
    a link could bring any file on the machine (/etc/passwd) into clean/."""
    files, links = [], []
    pending = [os.path.relpath(raw, ROOT).replace(os.sep, "/")]
    while pending:  # strings and scandir, not Path objects: 10,000 pages are listed in 0.05 s
        directory = pending.pop()
        with os.scandir(ROOT / directory) as entries:
            for entry in entries:
                rel = f"{directory}/{entry.name}"
                if entry.is_symlink():
                    links.append(rel)
                elif entry.is_dir():
                    pending.append(rel)
                else:
                    files.append(rel)
    return sorted(files), sorted(links)


def _through_link(rel: str) -> bool:
    """The path, or a directory on it, is a symbolic link."""
    path = ROOT
    for part in Path(rel).parts:
        path = path / part
        if path.is_symlink():
            return True
    return False


def check_raw(rows: list[dict] | None) -> tuple[list[dict], list[str]]:
    """Match raw/ against raw/sources.csv both ways; return the pages to decode and the problems."""
    problems = []
    files, links = raw_files()
    regular = set(files)  # reached without following a link: what a listed path must be
    problems += [f"{link}: is a symbolic link; raw/ holds regular files only (copy the file in)"
                 for link in links]
    if rows is None:
        return [], problems  # the table could not be read: its own problem says so
    listed: dict[str, dict] = {}
    stems: dict[str, str] = {}
    for row in rows:
        rel = row["path"]
        where = f"raw/sources.csv line {row['_line']}"
        if not rel:
            problems.append(f"{where}: empty path")
            continue
        if rel in listed:
            problems.append(f"{rel}: listed twice in raw/sources.csv (lines {listed[rel]['_line']} and {row['_line']})")
            continue
        listed[rel] = row
        if not rel.startswith("raw/") or ".." in rel.split("/"):
            problems.append(f"{rel}: path in raw/sources.csv must be inside raw/")
            row["_valid"] = False
        elif rel not in regular:
            if _through_link(rel):
                row["_valid"] = False  # the link's own line says why
            else:
                problems.append(f"{rel}: listed in raw/sources.csv but missing from raw/")
        stem = _stem(rel)
        if not SOURCE_ID.match(stem):
            problems.append(f"{rel}: file name must start with a letter or digit and use only A-Z a-z 0-9 _ . -")
        elif stem in stems:
            problems.append(f"{rel}: same source id {stem!r} as {stems[stem]}; file names must be unique in raw/")
        stems.setdefault(stem, rel)
    table = _rel(SOURCES_TABLE)
    for rel in files:
        if rel != table and rel.rpartition("/")[2] != "README.md" and rel not in listed:
            problems.append(f"{rel}: present in raw/ but not listed in raw/sources.csv")
    pages = [row for rel, row in sorted(listed.items()) if row.get("_valid", True) and rel in regular]
    return pages, problems


def _rel(path: Path) -> str:
    """Relative to the repository, without resolving links (a link's target may be anywhere)."""
    return Path(os.path.relpath(path, ROOT)).as_posix()


def _stem(rel: str) -> str:
    """Path(rel).stem for a raw/ path, with string operations (called once per page, twice)."""
    name = rel.rpartition("/")[2]
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _truthy(value: str) -> bool:
    return value.strip() in TRUE_VALUES


def decode_page(record: dict) -> dict:
    """The stage's pure step (it reads only the one file its record names)."""
    if _through_link(record["path"]):
        raise DecodeError("is a symbolic link; raw/ holds regular files only")
    data = (ROOT / record["path"]).read_bytes()
    detection, html = detect_page(record["path"], data, record["row"].get("content_type", ""),
                                  record["encoding_forced"] or None, record["allow_replacement"])
    if detection.language != "chinese" and not record.get("allow_non_chinese"):
        raise DecodeError(refusal(detection))
    return {
        "path": record["path"],
        "row": record["row"],
        "sha256": record["sha256"],
        "bytes": len(data),
        "encoding": detection.encoding,
        "encoding_lines": detection.encoding_lines,
        "encoding_declared": detection.encoding_declared,
        "format": "html" if html else "text",
        "encoding_confidence": detection.confidence,
        "bom": detection.bom,
        "language": detection.language,
        "replaced_chars": detection.replaced,
        "text": normalize_newlines(detection.text),
    }


def refusal(detection: Detection) -> str:
    """One line: what the page is instead of Chinese, and how to keep it anyway."""
    what = LANGUAGE_NAMES[detection.language]
    reason = ("no Chinese text" if detection.language in ("western", "other")
              else "not a Chinese page")
    return (f"{reason}: it reads as {what} text ({detection.encoding}); set allow_non_chinese=true "
            f"in its raw/sources.csv row to keep it")


def stage_records(pages: list[dict]):
    for row in pages:
        data_hash = pipeline.cached_file_digest(ROOT / row["path"])  # streamed, and not again while its stat holds
        public_row = {key: row.get(key, "") for key in SOURCES_COLUMNS}
        yield {
            "source_id": _stem(row["path"]),
            "path": row["path"],
            "row": public_row,
            "encoding_forced": row.get("encoding", ""),
            "allow_replacement": _truthy(row.get("allow_replacement", "")),
            "allow_non_chinese": _truthy(row.get("allow_non_chinese", "")),
            "sha256": data_hash,
            "key": pipeline.sha256_hex(data_hash, json.dumps(public_row, sort_keys=True)),
        }


def fingerprint() -> str:
    files = [Path(__file__), ROOT / "scripts" / "chinese.py"]  # frequent_hanzi's Traditional forms
    files.append(ROOT / "scripts" / "extract.py")  # is_html decides which pages are HTML
    return pipeline.stage_fingerprint(files, pipeline.library_versions("chardet", "opencc"))


def run(force: bool = False, jobs: int | None = None) -> pipeline.StageReport:
    rows, problems = read_sources_table()
    pages, more = check_raw(rows)
    problems += more
    records = sorted(stage_records(pages), key=lambda r: r["source_id"])
    pipeline.save_digest_cache()
    # What decode reads is the raw bytes and their rows: every page's key already hashes both.
    raw_digest = pipeline.sha256_hex(*(f"{r['source_id']} {r['key']}" for r in records))
    return pipeline.run_stage("decode", decode_page, records, fingerprint(), jobs, force, len(records),
                              known_errors=problems, input_digest=raw_digest)


def detect_page(path: str, data: bytes, content_type: str = "", forced: str | None = None,
                allow_replacement: bool = False) -> tuple[Detection, bool]:
    """(detection, is it HTML): a page saved as .html/.htm is read as HTML, any other as text, by
    the stage, `--json` and preview alike."""
    if extract.is_html(path):
        return detect_html(data, content_type, forced, allow_replacement), True
    return detect(data, forced, allow_replacement), False


def describe_file(path: Path) -> dict:
    try:
        data = path.read_bytes()
        detection, html = detect_page(str(path), data)
    except (DecodeError, OSError) as error:
        return {"path": str(path), "error": str(error)}
    described = {"path": str(path), "encoding": detection.encoding,
                 "confidence": detection.confidence, "bom": detection.bom,
                 "language": detection.language, "encoding_lines": detection.encoding_lines}
    if html:
        described["encoding_declared"] = detection.encoding_declared
    return described


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.decode", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", nargs="+", metavar="FILE", help="detect the encoding of FILEs, print JSON lines")
    parser.add_argument("--force", action="store_true", help="ignore cached results")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    args = parser.parse_args(argv)
    if args.json:
        failed = False
        for name in args.json:
            result = describe_file(Path(name))
            failed |= "error" in result
            print(json.dumps(result, ensure_ascii=False))
        sys.exit(1 if failed else 0)
    pipeline.main_for_stage(lambda: run(args.force, args.jobs))


if __name__ == "__main__":
    main()
