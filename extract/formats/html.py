"""Saved web pages (``.html``, ``.htm``, ``.shtml``, ``.mht``): the article, not the page.

The main text comes from trafilatura (maintained, offline, built to drop
navigation, breadcrumbs, share bars and footers); its XML output keeps
paragraphs, line breaks and tables, which are written here as one line per
paragraph and one line per table row with cells joined by `` | ``. When
trafilatura finds nothing, a plain fallback keeps every block of the page
except elements whose class or id names page furniture (``boilerplate_words``
in rules/text.yaml). The page title (from the government-site meta tag
ArticleTitle, trafilatura's title or ``<title>`` less the site name) leads
the text when the article does not already start with it; the line of
labelled fields (发布时间：… 来源：… 浏览量：…) is page furniture: its
values go to the metadata (``published``, ``source``) and the line is left
out. ``.mht`` archives are unpacked with the standard :mod:`email` parser.
"""
from __future__ import annotations

import email
import email.policy
import functools

import regex

from .limits import ReadError

_CHARSET = regex.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]{2,20})""", regex.I)
_SPACES = regex.compile(r"[ \t\u3000\u00a0]+")
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs", "utf8": "utf-8",
            "unicode": "utf-16"}


def decode_page(data: bytes) -> tuple[str, str]:
    """A page's text: BOM, then the charset it declares (if it decodes cleanly), then detection."""
    from ..reading import decode

    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode(data)
    m = _CHARSET.search(data[:4096])
    if m:
        enc = m.group(1).decode("ascii").lower()
        enc = _ALIASES.get(enc, enc)
        try:
            return data.decode(enc), enc
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data)


def unpack_mht(data: bytes) -> tuple[bytes | str, str]:
    """The first HTML part of an MHT archive (or its first text part)."""
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    best = None
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype == "text/html" or (best is None and ctype.startswith("text/")):
            payload = part.get_payload(decode=True) or b""
            charset = (part.get_content_charset() or "").lower()
            best = (payload, _ALIASES.get(charset, charset), ctype)
            if ctype == "text/html":
                break
    if best is None:
        raise ReadError("damaged mht archive: no HTML part")
    payload, charset, ctype = best
    if charset:
        try:
            return payload.decode(charset), charset
        except (LookupError, UnicodeDecodeError):
            pass
    return payload, ""


def read(data: bytes, rr, mht: bool = False) -> tuple[str, dict, str]:
    """Return (text, meta, encoding)."""
    meta: dict = {"format": "mht" if mht else "html"}
    if mht:
        page, enc = unpack_mht(data)
        if isinstance(page, bytes):
            page, enc = decode_page(page)
    else:
        page, enc = decode_page(data)
    if "\x00" in page:
        page = page.replace("\x00", "")
    tree = _parse(page)
    head = _head_meta(tree, rr) if tree is not None else {}
    lines = _trafilatura_lines(page, rr.min_article)
    page_lines = _fallback_lines(tree, rr) if tree is not None else []
    if not lines or _whole_page(lines, page_lines):
        lines = page_lines
    # the page's field line: values to metadata, the line itself left out
    kept = []
    for i, line in enumerate(lines):
        if (i < rr.window or i >= len(lines) - rr.window // 3) and rr.info_line(line):
            rr.head_meta(line, meta)
            continue
        kept.append(line)
    lines = kept
    # the field line may sit outside what the extractor kept: look for it on the whole page
    rr.head_meta("\n".join(ln for ln in page_lines if len(ln) <= rr.info_max), meta, whole=True)
    title = head.get("page_title", "")
    if title:
        meta["page_title"] = title
        first = "".join(lines[:3])
        if _squash(title) not in _squash(first) and _squash(first[: len(title)]) != _squash(title):
            lines.insert(0, title)
    for k in ("published", "published_iso", "source"):
        if k in head and k not in meta:
            meta[k] = head[k]
    text = "\n".join(lines).strip("\n")
    return (text + "\n" if text else ""), meta, enc


def _whole_page(lines: list[str], page_lines: list[str]) -> bool:
    """trafilatura's last resort returns the page's text as one paragraph, navigation and all:
    one or two lines holding more than the fallback keeps once page furniture is dropped."""
    if len(lines) > 2 or not page_lines:
        return False
    return len(_squash("".join(lines))) > len(_squash("".join(page_lines)))


def _squash(s: str) -> str:
    return regex.sub(r"[\s\u3000|｜]+", "", s)


def _parse(page: str):
    import lxml.html

    try:
        return lxml.html.document_fromstring(page.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except Exception:  # an empty or hopeless page: trafilatura may still find text
        return None


def _head_meta(tree, rr) -> dict:
    out: dict = {}
    named: dict[str, str] = {}
    for m in tree.iter("meta"):
        key = (m.get("name") or m.get("property") or "").strip()
        val = (m.get("content") or "").strip()
        if key and val and key.lower() not in named:
            named[key.lower()] = val
    for key in rr.meta_title:
        if key.lower() in named:
            out["page_title"] = _clean_title(named[key.lower()], rr)
            break
    if "page_title" not in out:
        h1 = [" ".join(h.text_content().split()) for h in tree.iter("h1")]
        h1 = [h for h in h1 if 4 <= len(h) <= 200]
        t = tree.find(".//title")
        title = " ".join(t.text_content().split()) if t is not None else ""
        if h1 and (not title or _squash(h1[0]) in _squash(title)):
            out["page_title"] = h1[0]
        elif title:
            out["page_title"] = _clean_title(title, rr)
    for key in rr.meta_published:
        if key.lower() in named:
            value = named[key.lower()]
            out["published"] = value[:40]
            m = rr.date.search(value)
            if m:
                iso = rr.iso(m)
                if iso:
                    out["published_iso"] = iso
            break
    for key in rr.meta_source:
        if key.lower() in named:
            out["source"] = named[key.lower()][:60]
            break
    return out


def _clean_title(title: str, rr) -> str:
    """'标题_网站名' -> '标题': the longest part when a site name is appended."""
    title = " ".join(title.split())
    for sep in rr.title_separators:
        if sep in title:
            parts = [p.strip() for p in title.split(sep) if p.strip()]
            if len(parts) >= 2:
                title = max(parts, key=len)
    return title


@functools.lru_cache(maxsize=4)
def _config(min_chars: int):
    """trafilatura's settings: its default minimum article (250 characters) is a long Chinese notice."""
    from trafilatura.settings import use_config

    cfg = use_config()
    cfg.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(min_chars))
    cfg.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
    return cfg


def _trafilatura_lines(page: str, min_chars: int) -> list[str]:
    import trafilatura
    from lxml import etree

    try:
        xml = trafilatura.extract(page, output_format="xml", include_tables=True, include_comments=False,
                                  include_formatting=False, include_links=False, include_images=False,
                                  favor_recall=True, deduplicate=False, with_metadata=False,
                                  config=_config(min_chars))
    except Exception:  # trafilatura's own failure on a broken page: the fallback reads it
        return []
    if not xml:
        return []
    try:
        root = etree.fromstring(xml.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False, huge_tree=False))
    except etree.XMLSyntaxError:
        return []
    main = root.find("main")
    lines: list[str] = []
    _xml_blocks(main if main is not None else root, lines)
    return [ln for ln in lines if ln]


def _inline(el) -> str:
    """An element's text with <lb/> as a line break."""
    parts = [el.text or ""]
    for child in el:
        if child.tag == "lb":
            parts.append("\n")
        else:
            parts.append(_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _xml_blocks(el, lines: list[str]) -> None:
    for child in el:
        tag = child.tag
        if tag == "table":
            _xml_table(child, lines)
        elif tag in ("list",):
            for item in child:
                _xml_blocks_or_text(item, lines)
        elif tag in ("p", "head", "item", "quote", "code", "cell"):
            _xml_blocks_or_text(child, lines)
        elif tag == "lb":
            continue
        else:
            _xml_blocks_or_text(child, lines)


def _xml_blocks_or_text(el, lines: list[str]) -> None:
    if any(c.tag in ("table", "list", "p") for c in el):
        if el.text and el.text.strip():
            lines.append(_clean(el.text))
        _xml_blocks(el, lines)
        return
    for ln in _inline(el).split("\n"):
        ln = _clean(ln)
        if ln:
            lines.append(ln)


def _xml_table(tbl, lines: list[str]) -> None:
    rows = [r for r in tbl.iter("row")]
    grid = []
    for r in rows:
        cells = [_clean(" ".join(_inline(c).split())).replace("|", "｜") for c in r if c.tag == "cell"]
        grid.append(cells)
    width = max((len(c) for c in grid), default=0)
    for cells in grid:
        if not any(cells):
            continue
        if width <= 1:
            lines.extend(c for c in cells if c)
        else:
            lines.append(" | ".join(cells))


def _clean(s: str) -> str:
    return _SPACES.sub(" ", s).strip()


# -- fallback: every block outside page furniture --------------------------------
_BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section", "article", "td", "th",
           "br", "dd", "dt", "pre", "blockquote", "center", "font"}
_DROP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "select", "button", "iframe",
         "template", "svg", "object", "head"}


def _fallback_lines(tree, rr) -> list[str]:
    words = regex.compile("|".join(regex.escape(w) for w in rr.boilerplate), regex.I) if rr.boilerplate else None
    word_re = regex.compile(r"[a-z]+")
    body = tree.find("body")
    root = body if body is not None else tree
    lines: list[str] = []
    cur: list[str] = []

    def flush():
        text = _clean("".join(cur))
        if text:
            lines.append(text)
        cur.clear()

    stack = [(root, False)]
    while stack:
        el, closing = stack.pop()
        if closing:
            if el.tag in ("td", "th"):
                cur.append(" | ")
            elif el.tag in _BLOCKS:
                flush()
            if el.tail:
                cur.append(el.tail)
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _DROP or not tag:
            if el.tail:
                cur.append(el.tail)
            continue
        marks = " ".join((el.get("class") or "", el.get("id") or "")).lower()
        if words and marks and any(words.fullmatch(t) for t in word_re.findall(marks)):
            if el.tail:
                cur.append(el.tail)
            continue
        if tag in _BLOCKS and tag not in ("td", "th"):
            flush()
        if tag == "br":
            flush()
        if el.text:
            cur.append(el.text)
        stack.append((el, True))
        for child in reversed(list(el)):
            stack.append((child, False))
    flush()
    out = []
    for ln in lines:
        ln = regex.sub(r"(?:\s*\|\s*)+$", "", ln)
        ln = regex.sub(r"^(?:\s*\|\s*)+", "", ln)
        if ln:
            out.append(ln)
    return out
