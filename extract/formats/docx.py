"""Word ``.docx`` through python-docx: paragraphs and tables, in document order.

python-docx (maintained, lxml with entity resolution off) opens the package
and parses the parts; the body is walked here so that nothing a reader sees
is lost: text inside content controls, inserted revisions, hyperlinks and
text boxes (the red-header issuer name often sits in one), and the list
labels Word draws from its numbering definitions (一、 （一） 1.), which
are not in the paragraph's own text. Deleted revisions and field codes are
left out.

A table with one column is read as paragraphs (layout tables wrap whole
documents). A table with more columns gives one line per row, its cells
joined by `` | `` (a cell's own paragraphs joined by a space; a ``|`` inside
a cell becomes ``｜``); a vertically merged cell repeats its text on every
row it spans, so each row of a ledger carries its 责任单位.
"""
from __future__ import annotations

import io
import zipfile

from .limits import ReadError, check_zip

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
CELL_SEP = " | "

# subtrees whose text is not the paragraph's reading text
_SKIP = {W + "pPr", W + "rPr", W + "del", W + "moveFrom", W + "instrText", W + "delInstrText",
         W + "txbxContent", MC + "Fallback", W + "footnoteReference", W + "endnoteReference", W + "commentReference"}


def read(data: bytes) -> tuple[str, dict]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_zip(zf, "docx")
            encrypted = any(n.lower() in ("encryptedpackage", "encryptioninfo") for n in zf.namelist())
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError, EOFError) as e:
        raise ReadError(f"damaged or truncated docx ({e})") from None
    if encrypted:
        raise ReadError("password-protected docx")
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except PackageNotFoundError as e:
        raise ReadError(f"damaged docx: not a Word package ({e})") from None
    except ValueError as e:  # wrong content type: a template, a macro file renamed, ...
        raise ReadError(f"damaged or unsupported docx: {e}") from None
    except KeyError as e:
        raise ReadError(f"damaged docx: missing part {e}") from None
    except (zipfile.BadZipFile, EOFError) as e:
        raise ReadError(f"damaged or truncated docx ({e})") from None
    walker = _Walker(document)
    lines: list[str] = []
    walker.blocks(document.element.body, lines)
    meta: dict = {"format": "docx"}
    try:
        title = document.core_properties.title
        if title and title.strip():
            meta["doc_title"] = title.strip()
    except Exception:  # core properties are optional and often damaged; the text is what matters
        pass
    if walker.tables:
        meta["tables"] = walker.tables
    return "\n".join(lines).strip("\n") + "\n", meta


class _Walker:
    def __init__(self, document):
        self.numbering = _Numbering(document)
        self.tables = 0

    # -- blocks ----------------------------------------------------------------
    def blocks(self, parent, out: list[str]) -> None:
        for el in parent.iterchildren():
            tag = el.tag
            if tag == W + "p":
                for box in self._textboxes(el):
                    self.blocks(box, out)
                out.append(self.paragraph(el))
            elif tag == W + "tbl":
                self.table(el, out)
            elif tag in (W + "sdt", W + "customXml", W + "ins", W + "smartTag"):
                content = el.find(W + "sdtContent") if tag == W + "sdt" else el
                if content is not None:
                    self.blocks(content, out)
            elif tag == MC + "AlternateContent":
                choice = el.find(MC + "Choice")
                if choice is not None:
                    self.blocks(choice, out)

    def _textboxes(self, p):
        """Text boxes anchored in a paragraph (their modern form; the VML fallback copy is skipped)."""
        boxes = []
        for box in p.iter(W + "txbxContent"):
            anc = box.getparent()
            fallback = False
            while anc is not None and anc is not p:
                if anc.tag == MC + "Fallback" or anc.tag == W + "txbxContent":
                    fallback = True
                    break
                anc = anc.getparent()
            if not fallback:
                boxes.append(box)
        return boxes

    def paragraph(self, p) -> str:
        return self.numbering.label(p) + _run_text(p)

    # -- tables ------------------------------------------------------------------
    def table(self, tbl, out: list[str]) -> None:
        self.tables += 1
        rows = tbl.findall(W + "tr")
        grid: list[list[str]] = []
        above: dict[int, str] = {}
        for tr in rows:
            cells: list[str] = []
            col = 0
            for tc in tr.iterchildren():
                if tc.tag == W + "sdt":
                    content = tc.find(W + "sdtContent")
                    tcs = content.findall(W + "tc") if content is not None else []
                elif tc.tag == W + "tc":
                    tcs = [tc]
                else:
                    continue
                for c in tcs:
                    span, merge = _cell_props(c)
                    if merge == "continue":
                        text = above.get(col, "")
                    else:
                        text = self._cell_text(c)
                        if merge == "restart":
                            above[col] = text
                        else:
                            above.pop(col, None)
                    cells.append(text)
                    col += span
            grid.append(cells)
        width = max((len(r) for r in grid), default=0)
        if width <= 1:
            # a layout table: its cells are ordinary paragraphs
            for tr in rows:
                for tc in tr.iter(W + "tc"):
                    if tc.getparent() is tr:
                        self.blocks(tc, out)
            return
        for cells in grid:
            if any(c.strip() for c in cells):
                out.append(CELL_SEP.join(cells))

    def _cell_text(self, tc) -> str:
        lines: list[str] = []
        self.blocks(tc, lines)
        text = " ".join(s.strip() for s in " ".join(lines).split())
        return text.replace("|", "｜")


def _cell_props(tc) -> tuple[int, str]:
    pr = tc.find(W + "tcPr")
    if pr is None:
        return 1, ""
    span = 1
    gs = pr.find(W + "gridSpan")
    if gs is not None:
        try:
            span = max(1, min(64, int(gs.get(W + "val", "1"))))
        except ValueError:
            span = 1
    vm = pr.find(W + "vMerge")
    merge = ""
    if vm is not None:
        merge = "restart" if vm.get(W + "val") == "restart" else "continue"
    return span, merge


def _run_text(p) -> str:
    """A paragraph's visible text: runs, tabs and breaks, skipping deletions, field codes and text boxes."""
    out: list[str] = []
    stack = list(reversed(list(p)))
    while stack:
        el = stack.pop()
        tag = el.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == W + "t":
            out.append(el.text or "")
        elif tag == W + "tab":
            out.append("\t")
        elif tag in (W + "br", W + "cr"):
            out.append("\n")
        elif tag == W + "noBreakHyphen":
            out.append("-")
        elif tag == W + "sym":
            pass  # a symbol-font glyph (a bullet, a checkbox): no text
        else:
            stack.extend(reversed(list(el)))
    return "".join(out)


# -- list numbering --------------------------------------------------------------
_CN = "零一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"


def _chinese(n: int) -> str:
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n % 10] if n % 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    return str(n)


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    vals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
            (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for v, s in vals:
        while n >= v:
            out, n = out + s, n - v
    return out


def _letter(n: int) -> str:
    if n <= 0:
        return str(n)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographLegalTraditional",
               "taiwaneseCounting", "taiwaneseCountingThousand"):
        return _chinese(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return _CIRCLED[n - 1] if 1 <= n <= 20 else str(n)
    if fmt in ("ideographTraditional",):
        return _TIANGAN[(n - 1) % 10] if n > 0 else str(n)
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letter(n)
    if fmt == "lowerLetter":
        return _letter(n).lower()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "decimalFullWidth":
        return str(n).translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class _Numbering:
    """The labels Word draws before list paragraphs (numbering.xml), counted in document order."""

    def __init__(self, document):
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # abstractNumId -> ilvl -> (fmt, text, start)
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstractNumId, start overrides)
        self.style_num: dict[str, tuple[str, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        try:
            self._load(document)
        except Exception:  # numbering is a nicety: a damaged numbering part loses labels, not the text
            self.levels, self.nums, self.style_num = {}, {}, {}

    def _load(self, document) -> None:
        part = document.part
        numbering = None
        for rel in part.rels.values():
            if rel.reltype.endswith("/numbering") and not rel.is_external:
                numbering = rel.target_part.element
        if numbering is None:
            return
        for an in numbering.findall(W + "abstractNum"):
            aid = an.get(W + "abstractNumId")
            lv = {}
            for lvl in an.findall(W + "lvl"):
                ilvl = int(lvl.get(W + "ilvl", "0"))
                fmt = lvl.find(W + "numFmt")
                text = lvl.find(W + "lvlText")
                start = lvl.find(W + "start")
                lv[ilvl] = (fmt.get(W + "val", "decimal") if fmt is not None else "decimal",
                            text.get(W + "val", "") if text is not None else "",
                            int(start.get(W + "val", "1")) if start is not None else 1)
            self.levels[aid] = lv
        for num in numbering.findall(W + "num"):
            nid = num.get(W + "numId")
            ref = num.find(W + "abstractNumId")
            if ref is None:
                continue
            overrides = {}
            for ov in num.findall(W + "lvlOverride"):
                so = ov.find(W + "startOverride")
                if so is not None:
                    overrides[int(ov.get(W + "ilvl", "0"))] = int(so.get(W + "val", "1"))
            self.nums[nid] = (ref.get(W + "val"), overrides)
        styles = document.styles.element
        based: dict[str, str] = {}
        direct: dict[str, tuple[str, int]] = {}
        for st in styles.findall(W + "style"):
            sid = st.get(W + "styleId")
            b = st.find(W + "basedOn")
            if b is not None:
                based[sid] = b.get(W + "val")
            pr = st.find(W + "pPr")
            np_ = pr.find(W + "numPr") if pr is not None else None
            if np_ is not None:
                nid = np_.find(W + "numId")
                il = np_.find(W + "ilvl")
                if nid is not None:
                    direct[sid] = (nid.get(W + "val"), int(il.get(W + "val", "0")) if il is not None else 0)
        for sid in list(based) + list(direct):
            cur, seen = sid, 0
            while cur and cur not in direct and seen < 20:
                cur, seen = based.get(cur), seen + 1
            if cur in direct:
                self.style_num[sid] = direct[cur]

    def label(self, p) -> str:
        if not self.nums:
            return ""
        pr = p.find(W + "pPr")
        nid, ilvl = None, 0
        if pr is not None:
            np_ = pr.find(W + "numPr")
            if np_ is not None:
                n = np_.find(W + "numId")
                il = np_.find(W + "ilvl")
                nid = n.get(W + "val") if n is not None else None
                ilvl = int(il.get(W + "val", "0")) if il is not None else 0
            if nid is None:
                ps = pr.find(W + "pStyle")
                if ps is not None and ps.get(W + "val") in self.style_num:
                    nid, ilvl = self.style_num[ps.get(W + "val")]
        if nid is None or nid == "0" or nid not in self.nums:
            return ""
        aid, overrides = self.nums[nid]
        levels = self.levels.get(aid, {})
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(aid, {})
        if nid not in self.started:
            self.started.add(nid)
            for lv, start in overrides.items():
                counters[lv] = start - 1
        fmt, text, start = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        label = text
        for k in range(9):
            token = f"%{k + 1}"
            if token in label:
                kfmt, _, kstart = levels.get(k, ("decimal", "", 1))
                value = counters.get(k, kstart)
                label = label.replace(token, format_number(value, fmt if k == ilvl else kfmt))
        if fmt == "bullet" or not label.strip():
            return ""
        return label
