"""PDF with a text layer, through pdfminer.six.

pdfminer.six is pure Python, maintained, maps CJK fonts through their
ToUnicode maps and the Adobe CJK CMaps it ships (Identity-H subsets from
Word, WPS and print drivers), decrypts files that only carry an owner
password, and gives every character its position, which the paragraph
re-flow in :mod:`.layout` needs. A PDF whose pages hold no text is a scan:
it gets the error "no text layer; OCR is not supported".
"""
from __future__ import annotations

import io
from typing import Callable

from .layout import Frag, reflow
from .limits import ReadError, check_pages

NO_TEXT = "no text layer; OCR is not supported"


def _is_cjk(c: str) -> bool:
    o = ord(c)
    return 0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF or 0x3000 <= o <= 0x303F


def _line_text(line) -> str:
    """A text line's characters, with the spaces pdfminer guesses kept only where a word gap is.

    pdfminer inserts a space wherever two characters stand a tenth of a
    character apart; justified CJK text and font-subset switches leave such
    gaps inside words. A guessed space stays only between Latin letters or
    digits at least a fifth of the font size apart.
    """
    from pdfminer.layout import LTAnno, LTChar

    items = [o for o in line if isinstance(o, (LTChar, LTAnno))]
    out = []
    for i, o in enumerate(items):
        t = o.get_text()
        if isinstance(o, LTAnno):
            before = items[i - 1] if i else None
            after = items[i + 1] if i + 1 < len(items) else None
            if t != " " or not isinstance(before, LTChar) or not isinstance(after, LTChar):
                continue
            b, a = before.get_text()[-1:], after.get_text()[:1]
            if _is_cjk(b) or _is_cjk(a) or not b.strip() or not a.strip():
                continue
            if after.x0 - before.x1 < 0.2 * max(before.size, after.size, 1e-6):
                continue
        out.append(t)
    return "".join(out)


def _frags(layout_page) -> list[Frag]:
    from pdfminer.layout import LTContainer, LTTextLine

    height = layout_page.height
    frags: list[Frag] = []
    stack = [layout_page]
    while stack:
        obj = stack.pop()
        if isinstance(obj, LTTextLine):
            text = _line_text(obj)
            if text.strip():
                size = obj.height if obj.height > 0 else 10.0
                frags.append(Frag(obj.x0, obj.x1, height - obj.y1, height - obj.y0, size, text))
        elif isinstance(obj, LTContainer):
            stack.extend(obj)
    return frags


def read(data: bytes, page_number: Callable[[str], bool] | None = None) -> tuple[str, dict]:
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser, PDFSyntaxError
    from pdfminer.psexceptions import PSException

    meta: dict = {"format": "pdf"}
    try:
        parser = PDFParser(io.BytesIO(data))
        document = PDFDocument(parser, password="")
    except PDFPasswordIncorrect:
        raise ReadError("password-protected PDF") from None
    except PDFEncryptionError as e:
        raise ReadError(f"encrypted PDF that cannot be opened ({e})") from None
    except (PDFSyntaxError, PSException) as e:
        raise ReadError(f"damaged or truncated PDF ({e or type(e).__name__})") from None
    if not document.is_extractable:
        # a permission flag, not a lock: the text is readable and the reader only reads
        meta["extraction_restricted"] = True
    try:
        pages = list(PDFPage.create_pages(document))
    except Exception as e:  # broken page tree
        raise ReadError(f"damaged PDF: cannot list pages ({type(e).__name__}: {e})") from None
    if not pages:
        raise ReadError("damaged PDF: no pages")
    check_pages(len(pages), "PDF")
    params = LAParams(all_texts=True, boxes_flow=None, detect_vertical=False)
    manager = PDFResourceManager(caching=True)
    device = PDFPageAggregator(manager, laparams=params)
    interpreter = PDFPageInterpreter(manager, device)
    frags: list[list[Frag]] = []
    widths: list[float] = []
    failed = 0
    for page in pages:
        try:
            interpreter.process_page(page)
            result = device.get_result()
            widths.append(result.width)
            frags.append(_frags(result))
        except Exception:  # one damaged page does not lose the others
            failed += 1
            frags.append([])
    meta["pages"] = len(pages)
    if failed:
        meta["damaged_pages"] = failed
    if failed == len(pages):
        raise ReadError("damaged PDF: no page could be read")
    widths.sort()
    text = reflow(frags, page_number, widths[len(widths) // 2] if widths else None)
    if not text.strip():
        raise ReadError(NO_TEXT)
    return text, meta
