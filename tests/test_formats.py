"""Real-world inputs: every format of a seed yields the facts of its .txt; bad files give error rows.

The tests build each format themselves: docx with python-docx, PDF with
reportlab and an embedded CJK TrueType font (skipped, saying why, when no
such font is installed: Debian fonts-wqy-zenhei), HTML pages with
navigation and footers around the article, OFD as a zip of XML, MHT as a
MIME archive, and GBK / UTF-16 text by encoding.
"""
from __future__ import annotations

import codecs
import csv
import html as htmlmod
import io
import os
import stat
import zipfile
from collections import Counter
from pathlib import Path

import opencc
import pytest

from extract.formats import legacy
from extract.formats.limits import MAX_ZIP_ENTRIES, ReadError
from extract.formats.sniff import sniff
from extract.reading import read_bytes, read_source

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "corpus").glob("*.txt"))
FONT_PATHS = [
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
OFD_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def cjk_font() -> str | None:
    return next((p for p in FONT_PATHS if Path(p).is_file()), None)


needs_font = pytest.mark.skipif(cjk_font() is None, reason="no CJK TrueType font to embed in test PDFs "
                                "(install Debian package fonts-wqy-zenhei)")


# -- builders -----------------------------------------------------------------------
def layout_lines(text, width_of, max_width, size):
    """(indent, line, blank lines before) per visual line: each paragraph wrapped, its first line indented."""
    out, gap = [], 0
    for para in text.split("\n"):
        para = para.strip()
        if not para:
            gap += 1
            continue
        indent, line, first = 2 * size, "", True
        for ch in para:
            if width_of(line + ch) > max_width - (indent if first else 0):
                out.append((indent if first else 0, line, gap if first else 0))
                first, line = False, ""
            line += ch
        out.append((indent if first else 0, line, gap if first else 0))
        gap = 0
    return out


def build_pdf(text: str, path: Path, size: float = 12, password: str | None = None, page_numbers: bool = True):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "ZH" not in pdfmetrics.getRegisteredFontNames():
        font = cjk_font()
        pdfmetrics.registerFont(TTFont("ZH", font, subfontIndex=0) if font.endswith(".ttc") else TTFont("ZH", font))
    kw = {}
    if password:
        from reportlab.lib import pdfencrypt
        kw["encrypt"] = pdfencrypt.StandardEncryption(password, canPrint=0)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, **kw)  # invariant: the same bytes every run
    w, h = A4
    margin, page = 72, 1
    width = lambda s: pdfmetrics.stringWidth(s, "ZH", size)  # noqa: E731

    def footer():
        if page_numbers:
            c.setFont("ZH", 10)
            c.drawCentredString(w / 2, 40, f"- {page} -")

    y = h - margin
    c.setFont("ZH", size)
    for x, line, gap in layout_lines(text, width, w - 2 * margin, size):
        y -= gap * size * 1.5
        if y < margin:
            footer()
            c.showPage()
            page += 1
            c.setFont("ZH", size)
            y = h - margin
        c.drawString(margin + x, y, line)
        y -= size * 1.5
    footer()
    c.save()


def build_ofd(text: str, path: Path | None = None, size: float = 4.2, pages_override=None) -> bytes:
    """OFD: OFD.xml -> Doc_0/Document.xml -> Pages/Page_N/Content.xml, units in millimetres."""
    W, H, margin = 210, 297, 25

    def cw(ch):
        return size if ord(ch) > 0x2E80 else size / 2

    def width(s):
        return sum(cw(ch) for ch in s)

    pages, cur, y, oid = [], [], margin, 10
    for x, line, gap in layout_lines(text, width, W - 2 * margin, size):
        y += gap * size * 1.5
        if y > H - margin:
            pages.append(cur)
            cur, y = [], margin
        deltas = " ".join(f"{cw(ch):g}" for ch in line[:-1])
        oid += 1
        cur.append(f'<ofd:TextObject ID="{oid}" Boundary="{margin + x:g} {y:g} {width(line) + size:g} {size * 1.4:g}" '
                   f'Font="1" Size="{size:g}"><ofd:TextCode X="0" Y="{size:g}" DeltaX="{deltas}">'
                   f'{htmlmod.escape(line, quote=False)}</ofd:TextCode></ofd:TextObject>')
        y += size * 1.5
    pages.append(cur)
    if pages_override is not None:
        pages = pages_override
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {OFD_NS} Version="1.0" DocType="OFD">'
                   '<ofd:DocBody><ofd:DocInfo><ofd:DocID>t</ofd:DocID></ofd:DocInfo>'
                   '<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        pl = "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
        z.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {OFD_NS}>'
                   f'<ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {W} {H}'
                   f'</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages>{pl}</ofd:Pages></ofd:Document>')
        for i, objs in enumerate(pages):
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {OFD_NS}>'
                       f'<ofd:Content><ofd:Layer ID="{900 + i}">{"".join(objs)}</ofd:Layer></ofd:Content></ofd:Page>')
    data = buf.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data


def build_docx(text: str, path: Path):
    import docx

    d = docx.Document()
    for line in text.split("\n"):
        d.add_paragraph(line)
    d.save(str(path))


NAV = ('<div class="header"><div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li>'
       '<li><a href="/hdjl">互动交流</a></li><li><a href="/bs">办事服务</a></li></ul></div></div>'
       '<div class="position">您当前所在位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 通知公告</div>')
FOOTER = ('<div class="footer"><p>主办单位：某某市人民政府办公室 承办单位：某某市大数据中心</p>'
          '<p>网站标识码：4307000001 湘ICP备05001234号 湘公网安备43070202000123号</p>'
          '<p><a href="#">网站地图</a> <a href="#">联系我们</a></p></div>')


def page_html(body: str, title: str, charset: str = "utf-8", info: str | None = None) -> str:
    info = info if info is not None else "发布时间：2025-12-01 09:30 来源：某某市生态环境局 浏览量：1024 字号：【大 中 小】"
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{htmlmod.escape(title)}_某某市人民政府门户网站'
            f'</title></head><body>{NAV}<div class="article"><h1>{htmlmod.escape(title)}</h1>'
            f'<div class="info">{info}</div><div class="content" id="zoom">\n{body}\n</div></div>{FOOTER}</body></html>')


def build_html(text: str, path: Path, charset: str = "utf-8"):
    lines = text.split("\n")
    title = next(ln for ln in lines if ln.strip()).strip()
    body = "\n".join(f"<p>{htmlmod.escape(ln)}</p>" if ln.strip() else "<p>&nbsp;</p>" for ln in lines)
    path.write_bytes(page_html(body, title, charset).encode("gb18030" if charset == "gbk" else charset))


def build_mht(text: str, path: Path):
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    lines = text.split("\n")
    title = next(ln for ln in lines if ln.strip()).strip()
    body = "\n".join(f"<p>{htmlmod.escape(ln)}</p>" for ln in lines if ln.strip())
    msg = MIMEMultipart("related")
    msg["Subject"] = "saved page"
    msg.attach(MIMEText(page_html(body, title), "html", "utf-8"))
    path.write_bytes(msg.as_bytes())


def facts(doc) -> Counter:
    return Counter((s.kind, s.norm, s.value, s.unit) for s in doc.spans)


# -- every format of every seed gives the facts of the .txt ----------------------------
@pytest.fixture(scope="module")
def txt_facts(pipeline):
    return {p.name: facts(pipeline.process_file(p, "txt")) for p in SEEDS}


def _build(fmt: str, text: str, tmp: Path) -> Path:
    if fmt == "pdf":
        build_pdf(text, tmp / "seed.pdf")
        return tmp / "seed.pdf"
    if fmt == "docx":
        build_docx(text, tmp / "seed.docx")
        return tmp / "seed.docx"
    if fmt == "html":
        build_html(text, tmp / "seed.html")
        return tmp / "seed.html"
    if fmt == "html-gbk":
        build_html(text, tmp / "seed.htm", charset="gbk")
        return tmp / "seed.htm"
    if fmt == "mht":
        build_mht(text, tmp / "seed.mht")
        return tmp / "seed.mht"
    if fmt == "ofd":
        build_ofd(text, tmp / "seed.ofd")
        return tmp / "seed.ofd"
    if fmt == "gbk":
        (tmp / "seed.txt").write_bytes(text.encode("gbk"))
    elif fmt == "utf-16":
        (tmp / "seed.txt").write_bytes(text.encode("utf-16"))
    elif fmt == "utf-16-le-nobom":
        (tmp / "seed.txt").write_bytes(text.encode("utf-16-le"))
    elif fmt == "crlf-bom":
        (tmp / "seed.txt").write_bytes(codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode("utf-8"))
    return tmp / "seed.txt"


FORMATS = ["docx", pytest.param("pdf", marks=needs_font), "html", "html-gbk", "mht", "ofd", "gbk", "utf-16",
           "utf-16-le-nobom", "crlf-bom"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("seed", [p.name for p in SEEDS])
def test_every_format_yields_the_facts_of_the_txt(seed, fmt, tmp_path, pipeline, txt_facts):
    text = (ROOT / "corpus" / seed).read_text(encoding="utf-8")
    path = _build(fmt, text, tmp_path)
    doc = pipeline.process_file(path, "x")
    assert doc.status == "ok", doc.error
    got, want = facts(doc), txt_facts[seed]
    assert got == want, f"missing {want - got}, extra {got - want}"


@pytest.mark.parametrize("fmt", ["txt", "html", "ofd"])
@pytest.mark.parametrize("seed", [p.name for p in SEEDS])
def test_traditional_copy_yields_the_same_facts_in_simplified_script(seed, fmt, tmp_path, pipeline, txt_facts):
    s2t, t2s = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")
    text = (ROOT / "corpus" / seed).read_text(encoding="utf-8")
    trad = s2t.convert(text)
    assert trad != text
    path = _build(fmt, trad, tmp_path) if fmt != "txt" else tmp_path / "trad.txt"
    if fmt == "txt":
        path.write_text(trad, encoding="utf-8")
    doc = pipeline.process_file(path, "x")
    assert doc.status == "ok", doc.error
    assert doc.meta["traditional"] is True
    # names come out in simplified script: a name written 贝贝昇 is 贝贝升 once simplified
    want = Counter({(k, t2s.convert(n), v, u): c for (k, n, v, u), c in txt_facts[seed].items()})
    assert facts(doc) == want


# -- what each reader keeps and drops ------------------------------------------------
def test_html_page_keeps_the_article_and_its_metadata_not_the_navigation(tmp_path):
    body = ("<p>一、问题描述</p><p>黑臭水体整治有反复，部分水体返黑返臭。</p>"
            "<p>二、整改情况</p><p>该问题已完成整改，经验收合格。</p><p>某某市住房和城乡建设局</p><p>2025年11月27日</p>")
    f = tmp_path / "page.shtml"
    f.write_text(page_html(body, "关于黑臭水体问题整改情况的公示"), encoding="utf-8")
    src = read_source(f)
    assert src.text == ("关于黑臭水体问题整改情况的公示\n一、问题描述\n黑臭水体整治有反复，部分水体返黑返臭。\n二、整改情况\n"
                        "该问题已完成整改，经验收合格。\n某某市住房和城乡建设局\n2025年11月27日\n")
    assert src.meta == {"format": "html", "page_title": "关于黑臭水体问题整改情况的公示", "published": "2025-12-01 09:30",
                        "published_iso": "2025-12-01", "source": "某某市生态环境局"}


def test_government_meta_tags_give_title_date_and_source(tmp_path):
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            '<meta name="ArticleTitle" content="关于第8号问题整改销号公示"><meta name="PubDate" content="2020-11-25 15:02">'
            '<meta name="ContentSource" content="大通湖区管委会"><title>首页</title></head><body>'
            '<div id="content"><p>一、反馈问题</p><p>洞庭湖水质断面比例下降，出口断面总磷浓度上升，形势不容乐观。</p>'
            '<p>二、整改措施及完成情况</p><p>开展了五大专项行动，并巩固整治成果，防止反弹。</p></div></body></html>')
    f = tmp_path / "a.htm"
    f.write_bytes(page.encode("gbk"))
    src = read_source(f)
    assert src.encoding == "gb18030"
    assert src.text.startswith("关于第8号问题整改销号公示\n一、反馈问题\n")
    assert src.meta["published_iso"] == "2020-11-25"
    assert src.meta["source"] == "大通湖区管委会"


def test_html_table_becomes_one_line_per_row(tmp_path):
    table = ("<table><tr><td>序号</td><td>问题</td><td>责任单位</td><td>完成情况</td></tr>"
             "<tr><td>1</td><td>管网破损</td><td>市住建局、市水利局</td><td>已完成</td></tr>"
             "<tr><td>2</td><td>扬尘|管控不到位</td><td>市城管局</td><td>正在推进</td></tr></table>")
    f = tmp_path / "t.html"
    f.write_text(page_html("<p>现将整改情况公示如下：</p>" + table, "整改清单"), encoding="utf-8")
    lines = read_source(f).text.splitlines()
    assert lines[-3:] == ["序号 | 问题 | 责任单位 | 完成情况", "1 | 管网破损 | 市住建局、市水利局 | 已完成",
                          "2 | 扬尘｜管控不到位 | 市城管局 | 正在推进"]


def test_mirror_page_in_traditional_script_with_scraping_debris(tmp_path, pipeline):
    body = ("<p>南寧市人民政府關(guān)于大氣污染防治專項審計調(diào)查發(fā)現(xiàn)問題整改情況的函</p>"
            "<p>自治區(qū)審計廳&amp;rdquo;：</p><p>該問題已完成整改。</p>")
    f = tmp_path / "mirror.html"
    f.write_text(page_html(body, "南寧市人民政府關(guān)于整改情況的函", info="發佈時間:20201125 來源:南寧市人民政府"),
                 encoding="utf-8")
    src = read_source(f)
    assert src.meta["published"] == "20201125" and src.meta["published_iso"] == "2020-11-25"
    assert src.meta["source"] == "南宁市人民政府"
    doc = pipeline.process_file(f, "m")
    assert "南宁市人民政府关于大气污染防治专项审计调查发现问题整改情况的函" in doc.text
    assert "自治区审计厅”：" in doc.text and "(guān)" not in doc.text and "&" not in doc.text


def test_fallback_extraction_when_the_article_finder_finds_nothing(tmp_path):
    # a bare page of table cells: no paragraphs for trafilatura to score
    page = ('<html><body><div class="nav"><a href="/">首页</a><a href="/x">新闻</a></div>'
            '<table><tr><td>关于整改情况的通报</td></tr></table><div class="footer">版权所有</div></body></html>')
    f = tmp_path / "bare.html"
    f.write_text(page, encoding="utf-8")
    src = read_source(f)
    assert "关于整改情况的通报" in src.text
    assert "版权所有" not in src.text and "首页" not in src.text


def _numbered_docx(path: Path):
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    numbering = d.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>'
        '</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num xmlns:w="{W_NS}" w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))

    def numbered(text, level):
        p = d.add_paragraph(text)
        p._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))

    d.add_paragraph("关于整改情况的报告")
    numbered("总体情况", 0)
    numbered("加强组织领导", 1)
    numbered("压实责任", 1)
    numbered("整改完成情况", 0)
    numbered("水环境治理", 1)
    d.add_paragraph("第一项", style="List Number")
    d.add_paragraph("第二项", style="List Number")
    # a text box (the red header's issuer often sits in one) and tracked changes
    d.add_paragraph("")._p.append(parse_xml(
        f'<w:r xmlns:w="{W_NS}" xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape><v:textbox><w:txbxContent>'
        '<w:p><w:r><w:t>某某市生态环境局文件</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>'))
    p = d.add_paragraph("完成")
    p._p.append(parse_xml(f'<w:ins xmlns:w="{W_NS}" w:id="1" w:author="a"><w:r><w:t>整改</w:t></w:r></w:ins>'))
    p._p.append(parse_xml(f'<w:del xmlns:w="{W_NS}" w:id="2" w:author="a"><w:r><w:delText>删去</w:delText></w:r></w:del>'))
    d.save(str(path))


def test_docx_list_labels_text_boxes_and_revisions(tmp_path):
    f = tmp_path / "n.docx"
    _numbered_docx(f)
    text = read_source(f).text
    assert text.splitlines() == ["关于整改情况的报告", "一、总体情况", "（一）加强组织领导", "（二）压实责任", "二、整改完成情况",
                                 "（一）水环境治理", "1.第一项", "2.第二项", "某某市生态环境局文件", "", "完成整改"]


def test_docx_tables_in_document_order_with_merged_cells(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("整改清单如下：")
    t = d.add_table(rows=3, cols=4)
    for i, row in enumerate([["序号", "问题", "责任单位", "完成情况"], ["1", "管网破损", "市住建局", "已完成"],
                             ["2", "扬尘污染", "", "正在推进"]]):
        for j, v in enumerate(row):
            t.cell(i, j).text = v
    t.cell(1, 2).merge(t.cell(2, 2))  # 责任单位 spans both rows
    t.cell(1, 2).text = "市住建局"
    layout = d.add_table(rows=1, cols=1)  # a one-column layout table is just paragraphs
    layout.cell(0, 0).text = "特此报告。"
    d.add_paragraph("2025年11月27日")
    f = tmp_path / "t.docx"
    d.save(str(f))
    assert read_source(f).text.splitlines() == [
        "整改清单如下：", "序号 | 问题 | 责任单位 | 完成情况", "1 | 管网破损 | 市住建局 | 已完成", "2 | 扬尘污染 | 市住建局 | 正在推进",
        "特此报告。", "2025年11月27日"]


@needs_font
def test_pdf_lines_are_rejoined_and_page_numbers_dropped(tmp_path):
    para = "根据省委巡视工作领导小组部署和厅党组工作安排，" * 6 + "2024年8月22日至9月29日，厅党组第九巡察组对单位进行了专项巡察。"
    text = "关于专项巡察整改进展情况的通报\n\n" + (para + "\n") * 12
    f = tmp_path / "p.pdf"
    build_pdf(text, f)
    src = read_source(f)
    assert src.meta["format"] == "pdf" and src.meta["pages"] >= 2
    paras = [ln for ln in src.text.splitlines() if ln]
    assert paras == ["关于专项巡察整改进展情况的通报"] + [para] * 12


@needs_font
def test_pdf_without_a_text_layer_and_with_a_password(tmp_path):
    from reportlab.pdfgen import canvas

    scan = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(scan))
    c.rect(50, 50, 400, 600, fill=1)  # a drawing, as a scanned page is an image: no text
    c.showPage()
    c.save()
    with pytest.raises(ReadError, match="^no text layer; OCR is not supported$"):
        read_source(scan)
    locked = tmp_path / "locked.pdf"
    build_pdf("关于整改情况的通报\n", locked, password="secret")
    with pytest.raises(ReadError, match="password-protected PDF"):
        read_source(locked)


def test_ofd_pages_are_read_in_order(tmp_path):
    text = "\n".join(f"第{i}段：整改工作有序推进，已完成第{i}项任务。" for i in range(1, 120))
    f = tmp_path / "d.ofd"
    build_ofd(text, f)
    src = read_source(f)
    assert src.meta["format"] == "ofd" and src.meta["pages"] >= 2
    assert src.text.splitlines() == text.splitlines()


def test_ofd_with_a_missing_page_keeps_the_others(tmp_path):
    data = build_ofd("第一页的文字。\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buf, "w") as zout:
        for item in zin.infolist():
            content = zin.read(item)
            if item.filename.endswith("Document.xml"):
                content = content.replace(b"</ofd:Pages>", b'<ofd:Page ID="9" BaseLoc="Pages/Page_9/Content.xml"/>'
                                                           b"</ofd:Pages>")
            zout.writestr(item, content)
    src = read_bytes(buf.getvalue(), ".ofd")
    assert src.text == "第一页的文字。\n" and src.meta["damaged_pages"] == 1


# -- format by content, not by extension -------------------------------------------------
def test_format_is_decided_by_content(tmp_path):
    build_docx("关于整改情况的通报\n", tmp_path / "real.docx")
    disguised = tmp_path / "notice.doc"
    disguised.write_bytes((tmp_path / "real.docx").read_bytes())
    assert read_source(disguised).meta["format"] == "docx"
    page = tmp_path / "page.txt"
    page.write_text(page_html("<p>该问题已完成整改。</p>", "整改公示"), encoding="utf-8")
    src = read_source(page)
    assert src.meta["format"] == "html" and "<p>" not in src.text
    assert sniff(b"%PDF-1.4\n...", ".docx") == "pdf"
    assert sniff("关于整改情况的通报".encode("gbk"), ".html") == "text"
    assert sniff(build_ofd("文字\n"), ".zip") == "ofd"


def test_legacy_doc_without_a_converter_says_what_to_install(tmp_path, monkeypatch):
    f = tmp_path / "old.doc"
    f.write_bytes(legacy_ole("WordDocument"))
    monkeypatch.setattr(legacy.shutil, "which", lambda name: None)
    with pytest.raises(ReadError, match="Word 97-2003 .doc file needs a converter: install antiword or catdoc"):
        read_source(f)
    g = tmp_path / "old.wps"
    g.write_bytes(legacy_ole("WordDocument"))
    with pytest.raises(ReadError, match="WPS file needs a converter"):
        read_source(g)


def test_legacy_doc_goes_through_the_converter_on_path(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "antiword"
    fake.write_text("#!/bin/sh\nprintf '关于整改情况的通报\\n该问题已完成整改。\\n'\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir))
    f = tmp_path / "old.doc"
    f.write_bytes(legacy_ole("WordDocument"))
    src = read_source(f)
    assert src.text == "关于整改情况的通报\n该问题已完成整改。\n"
    assert src.meta == {"format": "doc", "converter": "antiword"}


def legacy_ole(stream: str) -> bytes:
    """Enough of an OLE2 compound file for the sniffer: the magic and a directory entry's name."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + stream.encode("utf-16-le") + b"\x00" * 1024


# -- bad files: error rows, and the batch goes on ---------------------------------------
def zip_bomb(path: Path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\x00" * (8 * 1024 * 1024))  # 8 MB of zeros: about 8 KB deflated


def zip_many(path: Path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("OFD.xml", "<OFD/>")
        for i in range(MAX_ZIP_ENTRIES + 1):
            z.writestr(f"Doc_0/Res/r{i}.xml", "")


@pytest.mark.parametrize("name,make,reason", [
    ("truncated.docx", lambda p, ok: p.write_bytes(ok["docx"][: len(ok["docx"]) // 2]), "damaged or truncated zip"),
    ("truncated.pdf", lambda p, ok: p.write_bytes(ok["pdf"][:300]), "PDF"),
    ("truncated.ofd", lambda p, ok: p.write_bytes(ok["ofd"][:200]), "damaged or truncated zip"),
    ("empty.docx", lambda p, ok: p.write_bytes(b""), "empty file"),
    ("blank.txt", lambda p, ok: p.write_text(" \n\u3000\n", encoding="utf-8"), "empty"),
    ("empty-body.docx", lambda p, ok: build_docx("", p), "holds no text"),
    ("locked.docx", lambda p, ok: p.write_bytes(legacy_ole("EncryptedPackage")), "password-protected"),
    ("image.pdf", lambda p, ok: p.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000)), "PNG image"),
    ("random.bin", lambda p, ok: p.write_bytes(bytes(range(256)) * 64), "binary file"),
    ("bomb.docx", lambda p, ok: zip_bomb(p), "possible zip bomb"),
    ("many.ofd", lambda p, ok: zip_many(p), "too many entries"),
    ("sheet.xlsx", lambda p, ok: _xlsx(p), "unsupported format"),
])
def test_bad_file_gives_a_clear_error(name, make, reason, tmp_path, good_bytes):
    f = tmp_path / name
    make(f, good_bytes)
    with pytest.raises(ReadError, match=reason):
        read_source(f)


def _xlsx(path: Path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")


@pytest.fixture(scope="module")
def good_bytes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("good")
    text = SEEDS[0].read_text(encoding="utf-8")
    build_docx(text, tmp / "a.docx")
    out = {"docx": (tmp / "a.docx").read_bytes(), "ofd": build_ofd(text)}
    if cjk_font():
        build_pdf(text, tmp / "a.pdf")
        out["pdf"] = (tmp / "a.pdf").read_bytes()
    else:
        out["pdf"] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog"
    return out


def test_a_batch_of_every_format_and_every_kind_of_broken_file(tmp_path, good_bytes):
    from extract.run import run_files

    src = tmp_path / "folder"
    src.mkdir()
    text = SEEDS[1].read_text(encoding="utf-8")
    build_docx(text, src / "a.docx")
    build_html(text, src / "b.html")
    build_ofd(text, src / "c.ofd")
    (src / "d.txt").write_bytes(text.encode("gbk"))
    if cjk_font():
        build_pdf(text, src / "e.pdf")
    good = {p.name for p in src.iterdir()}
    (src / "truncated.docx").write_bytes(good_bytes["docx"][:1000])
    (src / "empty.pdf").write_bytes(b"")
    (src / "locked.docx").write_bytes(legacy_ole("EncryptedPackage"))
    (src / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(500))
    zip_bomb(src / "bomb.docx")
    zip_many(src / "many.ofd")
    bad = {p.name for p in src.iterdir()} - good
    out = tmp_path / "out"
    summary = run_files([str(src)], str(out))
    with open(out / "documents.csv", encoding="utf-8-sig") as fh:
        rows = {Path(r["path"]).name: r for r in csv.DictReader(fh)}
    assert set(rows) == good | bad
    assert {n for n, r in rows.items() if r["status"] == "ok"} == good
    for n in bad:
        assert rows[n]["status"] == "error" and rows[n]["error"], n
    assert summary.ok == len(good) and summary.error == len(bad)
