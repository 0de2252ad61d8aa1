"""Fast paths of normalize, sections, citations and doc_numbers: each gives what the plain way gives.

The plain ways are written out here (as the stages did them before the fast paths) and compared with
the stages on hand-made texts that hold what each fast path skips on, and on random mixtures of them.
"""
import html
import os
import random
import subprocess
import unicodedata
from pathlib import Path

import opencc
import conftest
import pytest
import regex

from extract import normalize as N
from extract.pipeline import Pipeline
from extract.rules import load_rules

RULES = load_rules(())
PIPE = Pipeline()
NORM = PIPE.normalizer
STAGES = {s.name: s for s in PIPE.stages}
SEEDS = sorted(conftest.SEEDS.glob("*.txt")) + sorted((conftest.SHARED / "dev" / "docs").glob("*"))


# ---------------------------------------------------------------- normalize, the plain way

_PINYIN = RULES.compile(r"(?<=\S){LP}(?:[a-zü]{0,6}[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]{0,6}){RP}")
_BOOKMARK = RULES.compile(r"\[bookmark:[^\]\n]{0,80}\]")
_ZERO_WIDTH = regex.compile(r"\u200b|\u200c|\u200d|\ufeff")


def plain_simplify(n, text):
    simple = N._T2S.convert(text)
    if simple == text:
        return text, n.trad_min <= 0 and n.trad_ratio <= 0
    changed = sum(1 for a, b in zip(text, simple) if a != b)
    han = len(N._HAN.findall(text)) or 1
    if changed >= n.trad_min and changed / han >= n.trad_ratio:
        return simple, True
    return text, False


def plain_paragraphs(n, text):
    lines = [ln.rstrip() for ln in text.split("\n")]
    lines = [ln for ln in lines if not n._page_line(ln)]
    while lines and not lines[-1].strip():
        lines.pop()
    if lines and n.bare_page.fullmatch(lines[-1]):
        lines.pop()

    def broken(p):
        last = p.parts[-1]
        if not (p.length >= n.min_body and n.open_end.search(last[-4:] if last else "")):
            return False
        if not any(n.body_mark.search(x) for x in p.lines):
            return False
        if n.field_line.match(p.lines[0]):
            return False
        return not any(n.table_row.search(x) for x in p.lines)

    out = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        if not ln.strip() and out and broken(out[-1]):
            j = i
            while j < len(lines) and (not lines[j].strip() or n.bare_page.fullmatch(lines[j])):
                j += 1
            if j < len(lines) and n._continues(lines[j], indent=(" ", "\t")):
                n._extend(out[-1], lines[j].lstrip())
                i = j + 1
                continue
        if (ln.strip() and out and out[-1].length and i > 0 and lines[i - 1].strip() and broken(out[-1])
                and n._continues(ln)):
            n._extend(out[-1], ln)
            i += 1
            continue
        out.append(n._para(ln))
        i += 1
    return "\n".join("".join(p.parts) for p in out).strip("\n") + "\n"


def plain_normalize(n, raw):
    notes = {}
    text = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text = N._CONTROL.sub("", text)
    text = N._LINE_SEPARATORS.sub("\n", text)
    for _ in range(2):
        text = N._ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    for pat in (_BOOKMARK, _PINYIN, _ZERO_WIDTH):
        text = pat.sub("", text)
    fixed = 0

    def repair(m):
        nonlocal fixed
        new = N._redecode(m.group(0), n.mojibake_min_han, n.mojibake_min_share, n.mojibake_gbk_min)
        if new is None:
            return m.group(0)
        fixed += 1
        return new

    if not text.isascii():
        text = n.mojibake_run.sub(repair, text)
        for pat in n.mojibake_remove:
            text, k = pat.subn("", text)
            fixed += k
    notes["mojibake"] = fixed
    text = N._C1.sub("", text)
    text = text.translate(N._WIDE)
    text = N._OTHER_DIGIT.sub(lambda m: str(unicodedata.digit(m.group(0), 0)), text)
    text, notes["traditional"] = plain_simplify(n, text)
    return plain_paragraphs(n, text), notes


# pieces that trigger (or just miss) each skipped step
PIECES = [
    "压实生态", "环境保护责任，推进解决问题。", "现将有关情况汇报如下，请审阅，谢谢各位", "一、问题描述", "送：各县市区委",
    "\n", "\n\n", "\n\n- 3 -\n\n", "\n3\n", "　　", " ", "\t", "\u00a0", "\u3000", "\r\n", "\r",
    "\x01", "\x0b", "\x7f", "\x85", "\x9f", "\u2028", "&amp;rdquo;", "&nbsp;", "&#12345;", "&lt;",
    "[bookmark: _GoBack]", "關(guān)", "關（guān）", " （ā）", "(ō)", "字(ā)（ō）", "（ā）(ō)", "\u200b", "\ufeff", "\u200d",
    "å¸‚", "Ã©", "“", "”", "——", "……", "”“…", "é", "锟斤拷", "烫烫烫", "烫", "屯屯屯屯", "\ufffd", "\ufffd\ufffd",
    "ＡＢＣ１２", "１", "٣", "३", "𑷠", "國家", "昇", "贝贝昇", "批覆", "覆盖", "沈阳", "沈砂池", "瞭解", "破坏",
    "整改措施及完成情况", "（一）", "1.", "①", "|", "表|格", "报：", "𠀀", "\U00030000",
]


def random_texts(count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40)))


TRICKY = [
    "深学笃用习近平生态文明思想，严格落实责任，压实生态\n\n环境保护责任，推进解决问题。\n",
    "深学笃用习近平生态文明思想，严格落实责任，压实生态\n\n- 3 -\n\n环境保护责任，推进解决问题。\n",
    "國家環境保護總局關於加強環境監管工作的通知，請各單位認真執行。\n",  # traditional: converted
    "贝贝昇公司完成整改。\n",  # one variant character: kept
    "对照批覆要求，全面完成整改。\n",  # a phrase only t2s converts
    "全面覆盖，严防破坏，沈阳市沉砂池。\n",  # the phrase characters without their phrases
    "å¸‚ç”Ÿæ€çŽ¯å¢ƒå±€\n",  # UTF-8 read as cp1252
    "锟斤拷锟斤拷处理\ufffd\ufffd完成烫烫\u200b烫烫\n",  # removal joins a run of 烫
    "烫烫锟斤拷烫烫\n",
    "第３条规定，完成率１００％，٣项\n",
    "\x01控制\x85字符\u2028换行&amp;rdquo;\n",
    "關(guān)于（fǔ）印发\n",
    "",
    "\n\n\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_normalize_equals_the_plain_way_on_tricky_texts(text):
    assert NORM(text) == plain_normalize(NORM, text)


def test_normalize_equals_the_plain_way_on_random_mixtures():
    for text in random_texts(1500, 20251127):
        assert NORM(text) == plain_normalize(NORM, text), repr(text)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_normalize_equals_the_plain_way_on_seeds(path):
    from extract.reading import read_source
    raw = read_source(path).text
    assert NORM(raw) == plain_normalize(NORM, raw)


def test_the_pinyin_debris_is_skipped_only_without_a_toned_vowel():
    rng = random.Random(7)
    alphabet = ["字", " ", "(", ")", "（", "）", "ā", "a", "ō", "\n", "é"]
    pinyin = next(p for p in NORM.debris if "ā" in p.pattern)
    check = dict((id(p), c) for p, c in NORM._debris)[id(pinyin)]
    assert check is not None
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14)))
        if pinyin.search(text):
            assert N._may_match(check, *census(text)), repr(text)


def test_required_classes_of_a_pattern():
    req = N._required_classes
    assert req(r"(?<=\S)[（(](?:[a-zü]{0,6}[āá][a-zü]{0,6})[）)]") == ["[（(]", "[āá]", "[）)]"]
    assert req(r"(?:a|[bc])[de]") == ["[de]"]
    assert req(r"[ab]?[cd]{0,2}[ef]+") == ["[ef]"]
    assert req(r"x(?=[ab])[cd]{2,}") == ["[cd]"]
    assert req(r"(?:[ab]){0,3}[c]") == ["[c]"]
    assert req(r"\[bookmark:[^\]\n]{0,80}\]") == []
    for unread in [r"a|b", r"(?i)[a-z]x", r"\u00e9[ab]", r"[ab]\1", r"(?i:[a-z])"]:
        assert req(unread) is None, unread


# ---------------------------------------------------------------- the census and its filters

def census(text):
    return NORM._census.read(text)


def test_run_filters_read_the_rules_forms():
    c = N._Census()
    assert N._run_filter(c, regex.compile(r"[\u200b\u200c]")) is not None
    assert [n for _, n in N._run_filter(c, regex.compile(r"\ufffd{2,1000}"))] == [2]
    assert [n for _, n in N._run_filter(c, regex.compile(r"(?:烫){4,1000}|(?:屯){4,1000}"))] == [4, 4]
    # a pattern holding a class every match holds: that class, once
    assert [n for _, n in N._run_filter(c, regex.compile(r"[ab]{2,3}+"))] == [1]
    assert [n for _, n in N._run_filter(c, regex.compile(r"x[ab]y"))] == [1]
    # other forms are not filtered (unless they hold a required class: see below)
    for p in [r"(?:锟斤拷){1,500}", r"a|bc", r"[ab]{0,3}", r"[ab]*", r"\d", r"(?<=\S)（a）", r"ab"]:
        assert N._run_filter(c, regex.compile(p)) is None, p


@pytest.mark.parametrize("pattern", [r"[a-c]{3,9}", r"(?:x){2,5}|[yz]{3,4}", r"\u00e9{2}", r"[\u0080-\u00ff]{3,2000}"])
def test_a_run_filter_says_no_only_when_the_pattern_finds_nothing(pattern):
    pat = regex.compile(pattern)
    c = N._Census()
    check = N._run_filter(c, pat)
    assert check is not None
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice("abcxyzé国\u00e9\u0085q") for _ in range(rng.randint(0, 12)))
        flags, present = c.read(text)
        if not N._may_match(check, flags, present):
            assert pat.search(text) is None, (pattern, text)
        else:
            # for these one-class patterns the filter is exact both ways
            assert pat.search(text) is not None, (pattern, text)


def test_census_bits_and_characters_above_the_scanned_range():
    _, present = census("abc")
    assert present == 0
    _, present = census("，国")
    assert not present & (NORM._c1 | NORM._wide | NORM._digit | NORM._t2s)
    assert census("\x85")[1] & NORM._c1
    assert census("Ａ")[1] & NORM._wide
    assert census("٣")[1] & NORM._digit and census("１")[1] & NORM._digit
    assert census("國")[1] & NORM._t2s and not census("国")[1] & NORM._t2s
    assert census("覆")[1] & NORM._t2s_phrase
    # above the range read from the regexes every class may hold the character
    assert census("\U00030000")[1] & NORM._c1


def test_a_t2s_phrase_is_found_where_it_stands():
    assert NORM._has_t2s_phrase("对照批覆要求")
    assert NORM._has_t2s_phrase("黑沈沈的")
    assert NORM._has_t2s_phrase("覆信")
    assert not NORM._has_t2s_phrase("全面覆盖，严防破坏，沈阳")
    assert not NORM._has_t2s_phrase("覆")  # (a phrase's start before the text's start is not read from its end)


def test_open_end_table_agrees_with_the_rule():
    test = NORM._ends_open
    for s in ["", "a", "整改", "。", "，", "abc《", "x)", "x）", "1", "\U00030000", "𠀀", "é"]:
        assert test(s) == (NORM.open_end.search(s[-4:]) is not None), s


# ---------------------------------------------------------------- t2s lists against OpenCC itself

def test_the_triggers_are_the_characters_t2s_converts_alone():
    from extract.normalize import t2s_triggers

    conv = opencc.OpenCC("t2s")
    triggers = t2s_triggers()
    assert len(triggers) > 5000 and "這" in triggers and "这" not in triggers and "批" not in triggers
    for c in triggers[::97]:  # each converts on its own, in the middle of a text too
        assert conv.convert(c) != c and conv.convert("甲" + c + "乙") != "甲" + c + "乙", c
    sample = "".join(chr(c) for c in range(0x4E00, 0x9FFF, 7))
    assert [c for c in sample if conv.convert(c) != c] == [c for c in sample if c in triggers]


def test_every_phrase_t2s_converts_is_listed(tmp_path):
    """Read OpenCC's own dictionaries (with its dictionary tool): an entry that changes a text holds a
    trigger character or is one of the phrases listed (or holds one)."""
    base = Path(opencc.__file__).parent / "clib"
    tool = base / "bin" / "opencc_dict"
    if not tool.exists():
        pytest.skip("no opencc_dict tool")
    data, _ = RULES.yaml("text.yaml")
    if str(data["t2s_opencc_version"]) != opencc.__version__:
        pytest.skip("another OpenCC version: the lists are not used")
    from extract.normalize import t2s_triggers

    triggers = set(t2s_triggers())
    phrases = [w for words in data["t2s_phrases"].values() for w in words]
    env = dict(os.environ, LD_LIBRARY_PATH=str(base / "lib64"))
    entries = 0
    for name in ["TSPhrases", "TSCharactersExt", "TSCharacters", "CJK_Compatibility_Ideographs"]:
        out = tmp_path / f"{name}.txt"
        subprocess.run([str(tool), "-i", str(base / "share" / "opencc" / f"{name}.ocd2"), "-o", str(out),
                        "-f", "ocd2", "-t", "text"], check=True, env=env, capture_output=True)
        for line in out.read_text(encoding="utf-8").splitlines():
            key, values = line.split("\t")
            entries += 1
            if values.split(" ")[0] != key and not set(key) & triggers:
                assert any(p in key for p in phrases), key
    assert entries > 5000


def test_texts_said_unchanged_are_unchanged_by_t2s():
    conv = opencc.OpenCC("t2s")
    for text in list(random_texts(500, 11)) + TRICKY:
        _, present = census(text)
        if not present & NORM._t2s and not (present & NORM._t2s_phrase and NORM._has_t2s_phrase(text)):
            assert conv.convert(text) == text, repr(text)


def test_lines_convert_as_they_do_inside_the_text():
    """t2s of the lines holding what it converts, put back in place, is t2s of the whole text."""
    conv = opencc.OpenCC("t2s")
    s2t = opencc.OpenCC("s2t")
    from extract.reading import read_source
    texts = list(random_texts(500, 13)) + TRICKY
    for path in SEEDS[:6]:
        lines = read_source(path).text.split("\n")
        # a few lines made traditional, the rest left simplified (and a whole text made traditional)
        texts.append("\n".join(s2t.convert(ln) if i % 7 == 3 else ln for i, ln in enumerate(lines)))
        texts.append(s2t.convert("\n".join(lines[:40])))
    texts += ["批\n覆", "批覆\n覆信\n", "乾隆\n乾坤", "國\n", "\n國", "國"]
    done = 0
    for text in texts:
        flags, _ = census(text)
        got = NORM._convert_lines(text, flags)
        if got is not None:
            done += 1
            whole = conv.convert(text)
            assert "".join(got[0]) == whole, repr(text[:80])
            assert got[1] == sum(1 for a, b in zip(text, whole) if a != b)
    assert done > 500


def test_changed_count_stops_only_when_enough():
    a = "國" * 10 + "国" * 990
    b = "国" * 1000
    assert N._count_changed(a, b, 3, 0.02) >= 3
    assert N._count_changed(a, b, 3, 0.5) == 10  # never enough: counted to the end
    assert N._count_changed("国" * 600 + "國", "国" * 601, 3, 0.0) == 1


# ---------------------------------------------------------------- sections

def plain_headings(stage, text):
    pos = 0
    for line in text.split("\n"):
        am = stage.any_style.match(line)
        if am is None:
            pos += len(line) + 1
            continue
        style = stage.styles[stage.style_groups(am.groups()).index(am.group())][0]
        hs = am.end()
        while hs < len(line) and line[hs] in " \t\u3000":
            hs += 1
        stop = stage.heading_end.search(line, hs)
        he = stop.start() if stop else len(line)
        if he - hs > stage.max_chars:
            comma = regex.search(r"[，,：:]", line[hs:he])
            he = hs + comma.start() if comma else hs + stage.max_chars
        yield pos, style, am.group("num"), pos + hs, pos + he
        pos += len(line) + 1


HEADING_LINES = [
    "一、总体情况", "　　一、总体情况", "\t（二）整改措施", "  3. 完成情况。其余正文", "（4）下一步", "4）下一步",
    "①问题描述", "【导读】", "【导读】 ", "【导读】正文", "第一部分 基本情况", "第2章", "十二、其他",
    "一，", "1.5亿元", "1、", "　　为推动整改，", "  ", "", "\u3000", "　　（一）", "(1)", "12.", "123.",
    "一、" + "很长的标题" * 20 + "，后面", "二、" + "很长" * 40,
]


def test_headings_equal_the_plain_way():
    stage = STAGES["sections"]
    rng = random.Random(5)
    texts = ["\n".join(HEADING_LINES)]
    texts += ["\n".join(rng.choice(HEADING_LINES) for _ in range(30)) for _ in range(200)]
    from extract.reading import read_source
    for path in SEEDS:
        texts.append(NORM(read_source(path).text)[0])
    for text in texts:
        assert list(stage.headings(text)) == list(plain_headings(stage, text))


def test_sections_of_an_indented_text():
    doc = PIPE.process_text("　　一、总体情况\n　　正文。\n　　（一）整改措施\n正文\n二、下一步工作打算\n")
    assert [(s.level, s.number, s.heading, s.section_type) for s in doc.sections] == [
        (1, "一", "总体情况", "overview"), (2, "一", "整改措施", "measures"), (1, "二", "下一步工作打算", "next_steps")]


# ---------------------------------------------------------------- citations

def test_citation_kinds_and_newspapers():
    doc = PIPE.process_text("根据《中华人民共和国水污染防治法》《长江保护修复攻坚战行动计划（2023-2025年）》"
                            "《某某日报》《关于 印发 方案的通知》和《台账(附表)》《 整改 清单（第二批） 》执行。\n")
    got = [(s.name, s.attrs.get("kind")) for s in doc.of_kind("cited_doc")]
    assert got == [("中华人民共和国水污染防治法", "law"),
                   ("长江保护修复攻坚战行动计划（2023-2025年）", "plan"),
                   ("关于印发方案的通知", "notice"),
                   ("台账(附表)", "list"),
                   ("整改清单（第二批）", "list")]


def test_literal_ends_reads_only_plain_words():
    assert N is not None
    from extract.citations import _literal_ends
    assert _literal_ends(regex.compile("(?:日报|晚报)$")) == ("日报", "晚报")
    assert _literal_ends(regex.compile("(?:日报|晚.)$")) is None
    assert _literal_ends(regex.compile("(?:日报|晚报)")) is None
    assert _literal_ends(regex.compile("(?i)(?:ab|cd)$")) is None


# ---------------------------------------------------------------- doc numbers

def test_doc_numbers_equal_the_patterns_own_scan():
    stage = STAGES["doc_numbers"]
    pieces = ["益生环委办", "〔2025〕", "20号", "根据", "桂审报", "[2022]", "（2023）", "第", "3号", "文", " ", "\u3000",
              "关于", "(1999)", "号", "2024", "【2021】", "和", "印发", "某某某某某某某某某某某某某某某某", "\n"]
    rng = random.Random(9)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 25))) for _ in range(3000)]
    texts.append("根据桂审报〔2022〕3号文要求，益生环委办〔2025〕20号和岳办发[2022]4号、益简字【2022】42号")
    for text in texts:
        want = [(m.start(), m.end()) for m in stage.pattern.finditer(text)]
        got = [(s, e - 0) for s, e, _ in stage.find(text)]
        # find() trims prose from the prefix's left: compare the ends, and the starts up to that trim
        assert [e for _, e in got] == [e for _, e in want], text
        assert all(s >= ws for (s, _), (ws, _) in zip(got, want)), text
