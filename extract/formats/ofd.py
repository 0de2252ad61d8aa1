"""OFD (GB/T 33190), China's fixed-layout format: a zip of XML, read with the standard library.

OFD.xml names each document's root (DocBody/DocRoot -> Document.xml), which
lists its pages in order (Pages/Page@BaseLoc -> Content.xml). A page's text
sits in TextObject elements (a Boundary box, a Size) holding TextCode runs
(an X, Y origin inside the box, DeltaX advances, and the characters as
Unicode). Every run becomes a positioned fragment and :mod:`.layout` puts
lines back into paragraphs, as for PDF. The XML is parsed with defusedxml
(no entity expansion, no external references); the zip is checked against
the zip-bomb limits before anything is decompressed. Page templates
(running headers) and annotations are not read.
"""
from __future__ import annotations

import io
import posixpath
import zipfile
from typing import Callable

import regex

from .layout import Frag, reflow
from .limits import ReadError, check_pages, check_zip, read_entry

_NUM = regex.compile(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?")


def _parse(data: bytes, name: str):
    from defusedxml import ElementTree as ET
    from defusedxml.common import DefusedXmlException

    try:
        return ET.fromstring(data)
    except DefusedXmlException as e:
        raise ReadError(f"ofd: refused XML in {name!r} ({type(e).__name__})") from None
    except ET.ParseError as e:
        raise ReadError(f"ofd: damaged XML in {name!r} ({e})") from None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _find_all(el, name: str):
    return [e for e in el.iter() if _local(e.tag) == name]


def _find(el, name: str):
    for e in el.iter():
        if _local(e.tag) == name:
            return e
    return None


def _resolve(base_dir: str, loc: str) -> str:
    loc = (loc or "").strip().replace("\\", "/")
    if loc.startswith("/"):
        return posixpath.normpath(loc.lstrip("/"))
    return posixpath.normpath(posixpath.join(base_dir, loc))


def _floats(s: str | None) -> list[float]:
    return [float(x) for x in _NUM.findall(s or "")]


def _deltas(s: str | None, n: int) -> list[float]:
    """DeltaX: numbers, with 'g COUNT VALUE' meaning VALUE repeated COUNT times."""
    out: list[float] = []
    toks = (s or "").split()
    i = 0
    while i < len(toks) and len(out) < n:
        t = toks[i]
        if t == "g" and i + 2 < len(toks):
            try:
                count, val = int(float(toks[i + 1])), float(toks[i + 2])
            except ValueError:
                break
            out.extend([val] * max(0, min(count, n - len(out))))
            i += 3
            continue
        try:
            out.append(float(t))
        except ValueError:
            break
        i += 1
    return out


def _char_width(c: str, size: float) -> float:
    return size if ord(c) > 0x2E7F else size / 2


def _page_frags(root) -> list[Frag]:
    frags: list[Frag] = []
    for obj in _find_all(root, "TextObject"):
        box = _floats(obj.get("Boundary"))
        bx, by = (box[0], box[1]) if len(box) >= 2 else (0.0, 0.0)
        size_vals = _floats(obj.get("Size"))
        size = size_vals[0] if size_vals and size_vals[0] > 0 else 3.5
        ctm = _floats(obj.get("CTM"))
        scale = abs(ctm[3]) if len(ctm) == 6 and ctm[3] else 1.0
        hscale = abs(ctm[0]) if len(ctm) == 6 and ctm[0] else 1.0
        eff = size * scale
        x_prev = y_prev = 0.0
        for code in obj:
            if _local(code.tag) != "TextCode":
                continue
            text = code.text or ""
            if not text:
                continue
            xy = _floats(code.get("X")), _floats(code.get("Y"))
            x = xy[0][0] if xy[0] else x_prev
            y = xy[1][0] if xy[1] else y_prev
            d = _deltas(code.get("DeltaX"), len(text) - 1)
            advance = sum(d) + sum(_char_width(c, size) for c in text[len(d):-1]) if len(text) > 1 else 0.0
            x0 = bx + x * hscale + (ctm[4] if len(ctm) == 6 else 0.0)
            base = by + y * scale + (ctm[5] if len(ctm) == 6 else 0.0)
            x1 = x0 + (advance + _char_width(text[-1], size)) * hscale
            frags.append(Frag(x0, x1, base - eff, base, eff, text))
            x_prev, y_prev = x + advance + _char_width(text[-1], size), y
    return frags


def read(data: bytes, page_number: Callable[[str], bool] | None = None) -> tuple[str, dict]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError, EOFError) as e:
        raise ReadError(f"damaged or truncated ofd ({e})") from None
    with zf:
        check_zip(zf, "ofd")
        names = {n.lower(): n for n in zf.namelist()}
        if "ofd.xml" not in names:
            raise ReadError("damaged ofd: OFD.xml is missing")
        root = _parse(read_entry(zf, names["ofd.xml"], "ofd"), "OFD.xml")
        doc_roots = [(e.text or "").strip() for e in _find_all(root, "DocRoot") if (e.text or "").strip()]
        if not doc_roots:
            raise ReadError("damaged ofd: OFD.xml names no document (DocRoot)")
        pages: list[list[Frag]] = []
        widths: list[float] = []
        failed = 0
        total = 0
        for doc_loc in doc_roots:
            doc_path = _resolve("", doc_loc)
            real = names.get(doc_path.lower())
            if real is None:
                raise ReadError(f"damaged ofd: document {doc_loc!r} is missing")
            doc = _parse(read_entry(zf, real, "ofd"), real)
            box = _find(doc, "PhysicalBox")
            dims = _floats(box.text if box is not None else "")
            if len(dims) == 4 and dims[2] > 0:
                widths.append(dims[2])
            doc_dir = posixpath.dirname(doc_path)
            page_list = _find(doc, "Pages")
            locs = [p.get("BaseLoc") for p in (_find_all(page_list, "Page") if page_list is not None else [])]
            total += len(locs)
            check_pages(total, "OFD")
            for loc in locs:
                path = _resolve(doc_dir, loc or "")
                real_page = names.get(path.lower())
                if real_page is None:
                    failed += 1
                    pages.append([])
                    continue
                try:
                    pages.append(_page_frags(_parse(read_entry(zf, real_page, "ofd"), real_page)))
                except ReadError:
                    failed += 1
                    pages.append([])
    if not pages:
        raise ReadError("damaged ofd: no pages")
    if failed == len(pages):
        raise ReadError("damaged ofd: no page could be read")
    meta: dict = {"format": "ofd", "pages": len(pages)}
    if failed:
        meta["damaged_pages"] = failed
    text = reflow(pages, page_number, widths[0] if widths else None)
    if not text.strip():
        raise ReadError("ofd: no text on any page (a scanned image; OCR is not supported)")
    return text, meta
