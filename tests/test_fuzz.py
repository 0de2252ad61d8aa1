"""Fuzzing: random and hostile input through every stage; no exception escapes, no regex blows up.

Hypothesis drives (a) the whole pipeline, which runs every stage on each
example (normalisation, doc numbers, contacts, citations, metadata,
sections, dates, indicators, quantities, orgs, persons, places, problems,
responsible) and checks that every fact, section and problem is grounded in
the text; (b) the table reader and ledger problems; (c) reading bytes of
every format, whole, truncated and corrupted. The slow variants run 10,000
examples each (CI runs them); the quick variants run in seconds.

The timing test feeds each stage long adversarial inputs (a 100,000-character
line of one character, deep bracket nesting, thousands of headings or list
markers, a soup of every trigger word) and compares the time each stage
takes with its time on a normal notice of the same size: a regex that
backtracks or a loop that rescans makes the ratio explode; linear work
keeps it small.
"""
from __future__ import annotations

import io
import random
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.formats.limits import ReadError
from extract.reading import read_bytes
from extract.tables import find_tables, table_problems

ROOT = Path(__file__).resolve().parent.parent
SEED_TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
SEED_LINES = sorted({ln for t in SEED_TEXTS for ln in t.splitlines() if ln.strip()})
DEV = ROOT.parent / "shared" / "dev" / "docs"
if DEV.is_dir():
    SEED_LINES += sorted({ln for p in sorted(DEV.glob("*.txt")) for ln in p.read_text(encoding="utf-8").splitlines()
                          if ln.strip()})

# characters the rules react to, and others that break naive code
CHARS = list("整改问题完成情况年月日时第号项个件次吨元万亿市县区局委省厅政府办公室关于的通报请示函公示报告"
             "一二三四五六七八九十百千零〇两、，。；：！？（）()《》〈〉〔〕[]【】“”‘’「」—–-~～/\\%％.．:·…|｜&#;"
             "0123456789０１２３４５６７８９ABCDEFGHXYZabcxyzＡＢｍｇ/L㎡℃μ³²±×÷≤≥<>=+"
             "關問題與為廳環護區審計發現āáǎàēéěèǖü"
             " \t\n\n\n\u3000\u00a0\u200b\ufeff\ufffd\x00\x07\x0b\x0c\x1b\x7f\u2028\u2029\u0301\u202e"
             "ÃâåæçèéÂ€‚ƒ„…†‡ˆ‰Š‹ŒŽ锟斤拷烫屯𠀀😀")
TOKENS = ["问题1：", "一、", "（一）", "1.", "(1)", "①", "第一条", "附件", "2025年", "11月", "27日", "2025年11月27日",
          "2024年1-10月", "至", "〔2025〕", "大委〔2025〕43号", "0737-5666826", "13875344448", "a@b.cn", "GB18918-2002",
          "《", "》", "“", "”", "（", "）", "(", ")", "【", "】", "PM2.5", "0.069mg/L", "31微克/立方米", "下降13.8%",
          "同比", "百分点", "万元", "亿元", "吨", "个", "已完成整改", "正在推进", "未完成", "阶段性完成", "该问题",
          "市生态环境局", "中共益阳市委", "人民政府", "管理委员会", "县", "区", "镇", "村", "湖", "河", "同志", "局长",
          "联系人：", "电话：", "签发人：", "抄送：", "印发", "序号", "问题", "责任单位", "完成时限", "完成情况", "是否属实",
          " | ", "|", "\n", "\n\n", "：", ":", "、", "，", "。", "&amp;", "&rdquo;", "&#12288;", "(guān)", "關(guān)",
          "Ã¥", "锟斤拷", "\ufffd", "\x00", "\u3000", "　　", "- 3 -", "第3页", "3/12", "1", "12", "123456789012",
          "二〇二五年", "十一月", "上半年", "今年", "去年同期", "较", "为", "由", "降至", "提高", "%", "℃"]


def _cn(n: int) -> str:
    d = "零一二三四五六七八九"
    if n < 10:
        return d[n]
    if n < 100:
        return (d[n // 10] if n >= 20 else "") + "十" + (d[n % 10] if n % 10 else "")
    return str(n)


# sizes spread evenly on a log scale (1, 2, 4 … 2048): mostly small, now and then thousands
def sizes(top: int):
    return st.integers(0, top).map(lambda k: 2 ** k)


pieces = st.one_of(
    st.text(alphabet=st.sampled_from(CHARS), max_size=200),
    st.text(max_size=60),  # any code point
    st.sampled_from(SEED_LINES),
    st.sampled_from(TOKENS),
    # a token repeated: huge lines of one construct
    st.builds(lambda t, n: t * n, st.sampled_from(TOKENS), sizes(8)),
    # a real line repeated: a huge line of real text
    st.builds(lambda t, n: t * n, st.sampled_from(SEED_LINES), sizes(3)),
    # deep nesting
    st.builds(lambda o, c, n, x: o * n + x + c * n, st.sampled_from(["（", "(", "《", "“", "【", "〔", "["]),
              st.sampled_from(["）", ")", "》", "”", "】", "〕", "]"]), sizes(9), st.sampled_from(TOKENS)),
    # thousands of headings, markers and table rows
    st.builds(lambda n: "".join(f"{_cn(i % 100)}、题\n（{_cn(i % 100)}）小\n" for i in range(1, n)), sizes(10)),
    st.builds(lambda n: "".join(f"问题{i}：某\n已完成整改。\n" for i in range(1, n)), sizes(8)),
    st.builds(lambda n: "序号\n问题\n责任单位\n完成情况\n" + "".join(f"{i}\n问题\n市局\n已完成\n" for i in range(1, n)),
              sizes(8)),
    st.builds(lambda n: "序号 | 问题 | 责任单位 | 完成时限 | 完成情况\n" + "".join(
        f"{i} | 问题 | 市局、县局 | 2025年{i % 12 + 1}月 | 正在推进\n" for i in range(1, n)), sizes(8)),
)
documents = st.lists(st.tuples(pieces, st.sampled_from(["", "\n", "\n\n", " ", "，", "。", "\r\n", "|"])),
                     max_size=6).map(lambda xs: "".join(a + b for a, b in xs))

HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
          HealthCheck.large_base_example]


def fuzz_settings(n: int):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None, suppress_health_check=HEALTH,
                    print_blob=True)


_PIPE = None


def pipe():
    global _PIPE
    if _PIPE is None:
        from extract.pipeline import Pipeline

        _PIPE = Pipeline()
    return _PIPE


def check_document(text: str) -> None:
    """Every stage runs on the text; nothing escapes; every output points into the text."""
    p = pipe()
    doc = p.process_text(text, doc_id="fuzz")
    n = len(doc.text)
    for s in doc.spans:
        assert 0 <= s.start < s.end <= n and doc.text[s.start:s.end] == s.text, s
    for sec in doc.sections:
        assert 0 <= sec.start <= sec.heading_end <= sec.end <= n, sec
    for prob in doc.problems:
        assert 0 <= prob.start <= prob.end <= n, prob
    for prob in table_problems(doc, p.rules):
        assert 0 <= prob.start < prob.end <= n, prob
        assert prob.status in ("completed", "partial", "in_progress", "not_done", "unknown")


def check_tables(text: str) -> None:
    for t in find_tables(text):
        assert 0 <= t.start <= t.end <= len(text)
        for row in t.rows:
            for c in row.cells:
                assert text[c.start:c.end] == c.text or "\n" in c.text  # a merged cell spans lines


@fuzz_settings(150)
@given(documents)
def test_every_stage_quick(text):
    check_document(text)


@pytest.mark.slow
@fuzz_settings(10_000)
@given(documents)
def test_every_stage_10000(text):
    check_document(text)


@fuzz_settings(300)
@given(documents)
def test_tables_quick(text):
    check_tables(text)


@pytest.mark.slow
@fuzz_settings(10_000)
@given(documents)
def test_tables_10000(text):
    check_tables(text)


# -- reading: bytes of every format, whole, cut and corrupted --------------------------
def _fixed_times(data: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01, so the fuzzer sees the same bytes every run."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, zin.read(item))
    return buf.getvalue()


def _docx_bytes() -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("关于整改情况的通报")
    t = d.add_table(rows=2, cols=3)
    t.cell(0, 0).text, t.cell(0, 1).text, t.cell(0, 2).text = "序号", "问题", "完成情况"
    t.cell(1, 0).text, t.cell(1, 1).text, t.cell(1, 2).text = "1", "管网破损", "已完成"
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_times(buf.getvalue())


def _ofd_bytes() -> bytes:
    from test_formats import build_ofd

    return _fixed_times(build_ofd("关于整改情况的通报\n该问题已完成整改，经验收合格。\n"))


def _pdf_bytes() -> bytes:
    from test_formats import build_pdf, cjk_font

    if cjk_font() is None:
        return b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.pdf"
        build_pdf("关于整改情况的通报\n该问题已完成整改。\n", path)
        return path.read_bytes()


_SAMPLES: dict[str, bytes] = {}


def samples() -> dict[str, bytes]:
    if not _SAMPLES:
        page = ("<html><head><meta charset='utf-8'><title>整改公示_某网站</title></head><body><div class='nav'>首页</div>"
                "<div class='content'><p>关于整改情况的通报</p><p>发布时间：2025-01-02 来源：某局</p><p>该问题已完成整改。</p>"
                "<table><tr><td>序号</td><td>问题</td></tr><tr><td>1</td><td>管网破损</td></tr></table></div></body></html>")
        _SAMPLES.update({
            ".docx": _docx_bytes(), ".ofd": _ofd_bytes(), ".pdf": _pdf_bytes(), ".html": page.encode("utf-8"),
            ".mht": (b"MIME-Version: 1.0\nContent-Type: multipart/related; boundary=\"b\"\n\n--b\n"
                     b"Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + page.encode("utf-8")
                     + b"\n--b--\n"),
            ".txt": "关于整改情况的通报\n联系电话：0737-5666826。\n".encode("gb18030"),
            ".doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "WordDocument".encode("utf-16-le"),
        })
    return _SAMPLES


@st.composite
def damaged_files(draw):
    kind = draw(st.sampled_from(sorted(samples()) + ["random"]))
    if kind == "random":
        return draw(st.binary(max_size=3000)), draw(st.sampled_from(sorted(samples()) + [""]))
    data = bytearray(samples()[kind])
    how = draw(st.sampled_from(["whole", "cut", "flip", "splice"]))
    if how == "cut" and data:
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif how == "flip" and data:
        for _ in range(draw(st.integers(1, 20))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
    elif how == "splice" and data:
        i = draw(st.integers(0, len(data)))
        data[i:i] = draw(st.binary(max_size=200))
    return bytes(data), draw(st.sampled_from([kind, ".txt", ".doc", ""]))


def check_read(item) -> None:
    data, suffix = item
    try:
        src = read_bytes(data, suffix, "fuzz")
    except ReadError as e:
        assert str(e)  # a reason for documents.csv
        return
    assert isinstance(src.text, str) and src.text.strip()


@fuzz_settings(200)
@given(damaged_files())
def test_reading_quick(item):
    check_read(item)


@pytest.mark.slow
@fuzz_settings(10_000)
@given(damaged_files())
def test_reading_10000(item):
    check_read(item)


def test_damaged_zip_entries_give_read_errors():
    """A docx whose document part is corrupt inside a valid zip: the reader's error, not a crash."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(samples()[".docx"])) as zin, zipfile.ZipFile(buf, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]
            zout.writestr(item, data)
    with pytest.raises(ReadError, match="damaged docx"):
        read_bytes(buf.getvalue(), ".docx")


# -- linear-ish time -------------------------------------------------------------------
def _normal(n: int) -> str:
    text = "\n\n".join(SEED_TEXTS)
    return (text * (n // len(text) + 1))[:n]


def _soup(n: int) -> str:
    rnd = random.Random(4)
    out, size = [], 0
    while size < n:
        t = rnd.choice(TOKENS)
        out.append(t)
        size += len(t)
    return "".join(out)[:n]


def _repeat(s: str, n: int) -> str:
    return (s * (n // len(s) + 1))[:n]


ADVERSARIAL = {
    "one long line of Han": lambda n: _repeat("整改", n),
    "open brackets": lambda n: _repeat("（", n),
    "nested brackets": lambda n: "（" * (n // 2) + "）" * (n // 2),
    "open quotes and titles": lambda n: _repeat("“《", n),
    "digits": lambda n: _repeat("1", n),
    "digits and dots": lambda n: _repeat("1.", n),
    "years": lambda n: _repeat("2025年", n),
    "dates without separators": lambda n: _repeat("20251127日", n),
    "date ranges": lambda n: _repeat("2024年1-10月至", n),
    "doc number brackets": lambda n: _repeat("〔2025〕", n),
    "phones": lambda n: _repeat("0737-", n),
    "colons": lambda n: _repeat("：", n),
    "enumeration commas": lambda n: _repeat("市局、", n),
    "percent changes": lambda n: _repeat("下降1.", n),
    "headings": lambda n: _repeat("一、标题\n", n),
    "sub-headings": lambda n: _repeat("（一）小标题\n", n),
    "problem markers": lambda n: _repeat("问题1：\n", n),
    "headings with facts": lambda n: _repeat("一、标题2025年1月1日，电话0737-5666826\n", n),
    "markers with facts": lambda n: _repeat("问题1：标题2025年1月1日，电话0737-5666826\n", n),
    "sentences broken at every line": lambda n: _repeat("根据工作安排，2024年8月22日至9月29日，巡察组对单位进行了专项巡\n", n),
    "status words": lambda n: _repeat("已完成整改正在推进", n),
    "org suffixes": lambda n: _repeat("市县区局委", n),
    "blank lines": lambda n: _repeat("\n", n),
    "spaces": lambda n: _repeat("\u3000 ", n),
    "pipes": lambda n: _repeat("| ", n),
    "flattened table": lambda n: "序号\n问题\n责任单位\n" + _repeat("1\n", n),
    "entities": lambda n: _repeat("&amp;", n),
    "pinyin debris": lambda n: _repeat("關(guān", n),
    "mojibake": lambda n: _repeat("Ã¥æ", n),
    "trigger word soup": _soup,
}


def _stage_times(text: str, runs: int = 3) -> dict[str, float]:
    """Each stage's best time over a few runs (the best is the least disturbed by other work on the machine)."""
    best: dict[str, float] = {}
    for _ in range(runs):
        t0 = time.perf_counter()
        doc = pipe().process_text(text, doc_id="t")
        t1 = time.perf_counter()
        table_problems(doc, pipe().rules)
        doc.timings["tables"] = time.perf_counter() - t1
        doc.timings["whole pipeline"] = t1 - t0  # also what runs between stages (owners of spans ...)
        for k, v in doc.timings.items():
            best[k] = min(best.get(k, v), v)
    return best


def _check_linear(name: str, n: int, factor: float, floor: float) -> None:
    """A stage fails when, on the adversarial input, it is both far slower than on a normal notice of the
    same size and grows faster than linearly (over 2.8 times the time for twice the text). Dense input may
    cost a linear stage more per character (50,000 numbers take longer than 500); only growth is a defect."""
    normal = _stage_times(_normal(n))
    adv = _stage_times(ADVERSARIAL[name](n))
    total = normal["whole pipeline"]
    heavy = {k: v for k, v in adv.items() if v > factor * max(normal.get(k, 0.0), total / 20) + floor}
    if not heavy:
        return
    half = _stage_times(ADVERSARIAL[name](n // 2))
    slow = {k: (round(v, 3), round(half.get(k, 0.0), 3), round(normal.get(k, 0.0), 3)) for k, v in heavy.items()
            if v > 2.8 * half.get(k, 0.0) + floor / 2}
    assert not slow, (f"{name}: stages slower than linear on {n} characters "
                      f"(s on the input, on half of it, on a normal text): {slow}")


QUICK = ["open brackets", "digits", "headings with facts", "markers with facts", "flattened table", "trigger word soup",
         "sentences broken at every line"]


@pytest.mark.parametrize("name", QUICK)
def test_adversarial_input_costs_about_what_normal_input_costs_quick(name):
    _check_linear(name, 20_000, factor=10, floor=0.25)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_input_costs_about_what_normal_input_costs(name):
    _check_linear(name, 100_000, factor=10, floor=0.5)
