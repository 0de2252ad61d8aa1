"""Which format a file is, decided by its bytes; the extension only breaks ties.

A ``.doc`` that is really a docx, a ``.txt`` that is a saved web page, a
``.pdf`` that is an HTML error page: each goes to the reader for what it is.
Known non-document binaries (images, archives, programs) are refused here
with their name.
"""
from __future__ import annotations

import io
import zipfile

from .limits import ReadError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# magic bytes at offset 0 of files that are not documents
_BINARY = [
    (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF87a", "GIF image"), (b"GIF89a", "GIF image"),
    (b"II*\x00", "TIFF image"), (b"MM\x00*", "TIFF image"), (b"BM", None), (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"Rar!\x1a\x07", "RAR archive"), (b"\x1f\x8b", "gzip archive"), (b"BZh", None), (b"\xfd7zXZ\x00", "xz archive"),
    (b"\x7fELF", "executable"), (b"MZ", None), (b"OggS", "audio"), (b"ID3", "MP3 audio"), (b"fLaC", "audio"),
    (b"%!PS", "PostScript (not PDF)"), (b"\x00\x00\x01\x00", "icon"), (b"wOFF", "font"), (b"\x00\x01\x00\x00\x00", "font"),
    (b"SQLite format 3\x00", "SQLite database"),
]
# magics that are plain text too often to trust alone: refused only when the head holds NUL bytes
_WEAK = {b"BM": "BMP image", b"BZh": "bzip2 archive", b"MZ": "executable"}

HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml", ".asp", ".aspx", ".jsp", ".php"}
MHT_SUFFIXES = {".mht", ".mhtml"}
_HTML_STARTS = ("<!doctype html", "<html", "<head", "<body", "<meta", "<title", "<div", "<table", "<p>", "<p ",
                "<!--", "<?xml")
_HTML_TAGS = ("<html", "<body", "<head", "<div", "<p>", "<p ", "<table", "<br", "<span", "<meta")


def _ascii_head(data: bytes, n: int = 4096) -> str:
    """The first bytes as lower-case ASCII, NULs dropped (so UTF-16 markup reads too)."""
    return data[:n].replace(b"\x00", b"").decode("latin-1").lower()


def sniff(data: bytes, suffix: str = "") -> str:
    """One of: pdf, docx, ofd, ole, rtf, mht, html, text. Raises ReadError for other binaries."""
    suffix = suffix.lower()
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if data.startswith(OLE_MAGIC):
        return "ole"
    if data.startswith(b"{\\rtf"):
        return "rtf"
    if data[4:8] == b"ftyp":
        raise ReadError("binary file (video or image), not a document")
    if data.startswith(b"RIFF"):
        raise ReadError("binary file (audio, video or image), not a document")
    for magic, name in _BINARY:
        if data.startswith(magic):
            if name is None:
                if b"\x00" not in data[:512]:
                    continue
                name = _WEAK[magic]
            raise ReadError(f"binary file ({name}), not a document")
    head = _ascii_head(data).lstrip("\ufeff\xef\xbb\xbf\xff\xfe \t\r\n")
    if suffix in MHT_SUFFIXES or (head.startswith(("mime-version:", "from:", "subject:", "date:", "content-type:"))
                                  and "multipart/related" in head):
        if "content-type:" in head:
            return "mht"
    if head.startswith(_HTML_STARTS) and any(t in head for t in _HTML_TAGS):
        return "html"
    if suffix in HTML_SUFFIXES and any(t in head for t in _HTML_TAGS):
        return "html"
    return "text"


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as e:
        raise ReadError(f"damaged or truncated zip container (docx/ofd): {e}") from None
    lower = {n.lower() for n in names}
    if "word/document.xml" in lower or any(n.startswith("word/") and n.endswith(".xml") for n in lower):
        return "docx"
    if "ofd.xml" in lower:
        return "ofd"
    if "xl/workbook.xml" in lower:
        raise ReadError("unsupported format (Excel spreadsheet, xlsx)")
    if "ppt/presentation.xml" in lower:
        raise ReadError("unsupported format (PowerPoint presentation, pptx)")
    if "content.xml" in lower and "mimetype" in lower:
        raise ReadError("unsupported format (OpenDocument file)")
    raise ReadError("unsupported format (zip archive, not a docx or ofd document)")
