"""Reading input files: which files, which format, which encoding.

Every file handed to a run comes back as a result, never silently skipped:
text we can read, or an error with a reason a supervisor understands.

The format is decided by the bytes (:mod:`extract.formats.sniff`): plain
text in any common encoding, Word ``.docx``, PDF with a text layer, saved
web pages (``.html``, ``.htm``, ``.shtml``, ``.mht``), OFD, and legacy
``.doc``/``.wps`` through a converter when one is installed. Every limit
(file size, zip bombs, characters, pages) lives in
:mod:`extract.formats.limits`.
"""
from __future__ import annotations

import codecs
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import opencc
import regex
from charset_normalizer import from_bytes

from .formats.limits import MAX_FILE_BYTES, ReadError, check_chars, check_file_size
from .formats.sniff import sniff
from .rules import RuleSet, alternation, load_rules

TEXT_SUFFIXES = {".txt", ".text"}
MAX_BYTES = MAX_FILE_BYTES  # kept for callers of the old name

__all__ = ["ReadError", "Source", "ReadRules", "decode", "iter_inputs", "read_source", "read_bytes"]

_T2S = opencc.OpenCC("t2s")


@dataclass
class Source:
    path: str
    text: str
    encoding: str
    size: int
    # what the reader learnt besides the text: format, page title, published
    # (发布时间 as written) and published_iso, source (来源), pages ...
    meta: dict = field(default_factory=dict)


def iter_inputs(paths: list[str]) -> list[Path]:
    """Every file under the given paths (folders recursively), sorted, hidden files left out."""
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                out.extend(Path(root) / f for f in sorted(files) if not f.startswith("."))
        else:
            out.append(path)
    return out


_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def decode(data: bytes) -> tuple[str, str]:
    """Bytes to text: BOMs first, then strict UTF-8, then the detector's best guess.

    Undecodable bytes never raise: the last resort replaces them with U+FFFD.
    """
    if not data:
        raise ReadError("empty file")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        # UTF-16 without a BOM: try both byte orders, keep one that reads as text
        for enc in ("utf-16-le", "utf-16-be"):
            if len(data) % 2 == 0 and _plausible_utf16(data, enc):
                return data.decode(enc, errors="replace"), enc
        # ... and ASCII-range text shows as every other byte zero
        zeros_odd = data[1:4096:2].count(0)
        zeros_even = data[0:4096:2].count(0)
        if max(zeros_odd, zeros_even) > 0.3 * min(len(data), 4096) / 2:
            enc = "utf-16-le" if zeros_odd >= zeros_even else "utf-16-be"
            return data.decode(enc, errors="replace"), enc
        raise ReadError("binary file, not text")
    best = from_bytes(data[:200_000]).best()
    enc = best.encoding if best else "gb18030"
    if enc in ("gb2312", "gbk", "hz"):  # gb18030 is the superset every Chinese web page decodes with
        enc = "gb18030"
    text = data.decode(enc, errors="replace")
    bad = text.count("\ufffd")
    if bad > max(8, len(text) // 20):
        raise ReadError(f"undecodable text: {bad} bytes invalid as {enc}")
    return text, enc


def _plausible_utf16(data: bytes, enc: str) -> bool:
    """Does the head decode strictly to Chinese or Latin text (not the noise a binary file gives)?"""
    sample = data[:8192].decode(enc, errors="replace")
    if not sample:
        return False
    good = sum(1 for c in sample if c.isprintable() and (c < "\u0250" or "\u2000" <= c <= "\u9fff"
                                                         or "\uff00" <= c <= "\uffef") or c in "\n\r\t")
    return good >= 0.95 * len(sample)


class ReadRules:
    """What the readers take from ``rules/text.yaml`` (section ``reading``), compiled once."""

    def __init__(self, rules: RuleSet):
        data, path = rules.yaml("text.yaml")
        line = getattr(data, "line", None)
        self.page_lines = [rules.compile(p, path, line) for p in rules.words(data, "page_number_lines", path)]
        r = data.get("reading")
        if not isinstance(r, dict):
            from .rules import RuleError
            raise RuleError(path, line, "'reading' must be a mapping of reader settings")
        published = rules.words(r, "published_labels", path)
        source = rules.words(r, "source_labels", path)
        info = rules.words(r, "page_info_labels", path)
        self.window = int(r.get("info_window_lines", 30))
        self.info_max = int(r.get("info_max_chars", 160))
        self.title_separators = rules.words(r, "title_separators", path)
        self.meta_title = rules.words(r, "meta_title", path)
        self.meta_published = rules.words(r, "meta_published", path)
        self.meta_source = rules.words(r, "meta_source", path)
        self.boilerplate = rules.words(r, "boilerplate_words", path)
        self.min_article = int(r.get("min_article_chars", 10))
        # one pass finds every labelled field on a line: 发布时间：2020-11-25 15:02 来源：xx局
        all_labels = alternation(published + source + info)
        self.field = rules.compile(f"(?P<label>{all_labels}){{SP}}*{{COLON}}{{SP}}*", path, line)
        self.published = set(published)
        self.source = set(source)
        # 发布时间 / 发布日期 / 来源 alone make a line page furniture; 日期, 时间 need a second field
        self.strong = {w for w in published + source if len(w) >= 3 or w == "来源"}
        self.date = regex.compile(r"(?P<y>(?:19|20)\d{2})(?:[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
                                  r"|(?P<m2>[01]\d)(?P<d2>[0-3]\d)(?!\d))")

    def page_number(self, line: str) -> bool:
        return any(p.fullmatch(line) for p in self.page_lines)

    # -- labelled fields at the head of a page ---------------------------------
    def fields(self, line: str) -> list[tuple[str, str]]:
        """(label, value) pairs on a line of page furniture, labels in simplified script."""
        simple = _T2S.convert(line)
        found = list(self.field.finditer(simple))
        out = []
        for i, m in enumerate(found):
            end = found[i + 1].start() if i + 1 < len(found) else len(simple)
            out.append((m.group("label"), simple[m.end():end].strip(" \t\u3000|｜")))
        return out

    def info_line(self, line: str) -> bool:
        """Is this line page furniture (发布时间：… 来源：… 浏览量：…)?"""
        if len(line) > self.info_max:
            return False
        pairs = self.fields(line)
        if not pairs:
            return False
        if len(pairs) >= 2:
            return True
        label, value = pairs[0]
        stripped = _T2S.convert(line).strip()
        return label in self.strong and stripped.startswith(label) and len(value) <= 60

    def head_meta(self, text: str, meta: dict, whole: bool = False) -> None:
        """published / source from labelled fields near the top (or the foot) of a text (or anywhere)."""
        lines = text.split("\n")
        look = lines[: self.window] + lines[-self.window // 3:] if len(lines) > self.window and not whole else lines
        for line in look:
            if len(line) > self.info_max or not line.strip():
                continue
            pairs = self.fields(line)
            for label, value in pairs:
                if not value or (label not in self.strong and len(pairs) < 2):
                    continue
                if label in self.published and "published" not in meta:
                    m = self.date.search(value)
                    if m and m.start() <= 2:
                        meta["published"] = value[m.start():].split("  ")[0].strip()[:40]
                        iso = self.iso(m)
                        if iso:
                            meta["published_iso"] = iso
                elif label in self.source and "source" not in meta:
                    meta["source"] = value.split()[0][:60] if value.split() else ""

    def iso(self, m) -> str:
        y = m.group("y")
        mo, d = (m.group("m"), m.group("d")) if m.group("m") else (m.group("m2"), m.group("d2"))
        if not mo or not d:
            return ""
        mo, d = int(mo), int(d)
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y}-{mo:02d}-{d:02d}"
        return ""


@functools.lru_cache(maxsize=8)
def _default_read_rules(dirs: tuple[str, ...]) -> ReadRules:
    return ReadRules(load_rules(dirs))


def read_rules(rules: RuleSet | ReadRules | None = None) -> ReadRules:
    if isinstance(rules, ReadRules):
        return rules
    if rules is None:
        return _default_read_rules(())
    cached = getattr(rules, "_read_rules", None)
    if cached is None:
        cached = ReadRules(rules)
        rules._read_rules = cached  # built once per rule set
    return cached


def read_source(path: Path | str, rules: RuleSet | ReadRules | None = None) -> Source:
    """One input file as text plus what its format told us; a ReadError says why not."""
    path = Path(path)
    if not path.exists():
        raise ReadError("no such file")
    if not path.is_file():
        raise ReadError("not a regular file")
    size = path.stat().st_size
    check_file_size(size)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ReadError(f"cannot read: {e.strerror or e}") from None
    return read_bytes(data, path.suffix, str(path), rules)


def read_bytes(data: bytes, suffix: str = "", name: str = "", rules: RuleSet | ReadRules | None = None) -> Source:
    """The reading of :func:`read_source`, from bytes already in memory."""
    check_file_size(len(data))
    if not data:
        raise ReadError("empty file")
    rr = read_rules(rules)
    try:
        kind = sniff(data, suffix)
    except ReadError:
        raise
    except Exception as e:  # a container too damaged even to identify
        raise ReadError(f"damaged file: {type(e).__name__}: {str(e)[:200]}") from None
    encoding = ""
    if kind == "text":
        text, encoding = decode(data)
        if not text.strip():
            raise ReadError("empty file (whitespace only)")
        if _looks_binary(text):
            raise ReadError("binary file, not text")
        meta = {"format": "text"}
    else:
        text, meta, encoding = _read_format(kind, data, suffix, rr)
        if not text.strip():
            raise ReadError(f"empty document: the {meta.get('format', kind)} file holds no text")
    check_chars(len(text))
    rr.head_meta(text, meta)
    return Source(name, text, encoding, len(data), meta)


def _read_format(kind: str, data: bytes, suffix: str, rr: ReadRules) -> tuple[str, dict, str]:
    from .formats import docx, html, legacy, ofd, pdf

    try:
        if kind == "pdf":
            text, meta = pdf.read(data, rr.page_number)
            return text, meta, ""
        if kind == "docx":
            text, meta = docx.read(data)
            return text, meta, ""
        if kind == "ofd":
            text, meta = ofd.read(data, rr.page_number)
            return text, meta, ""
        if kind in ("html", "mht"):
            return html.read(data, rr, mht=(kind == "mht"))
        if kind in ("ole", "rtf"):
            text, meta = legacy.read(data, kind, suffix)
            return text, meta, ""
    except ReadError:
        raise
    except RecursionError:
        raise ReadError(f"damaged {kind} file: structure nested too deeply") from None
    except MemoryError:
        raise ReadError(f"{kind} file too large to read in memory") from None
    except Exception as e:  # a library's own error on a damaged file; the batch goes on
        raise ReadError(f"damaged {kind} file: {type(e).__name__}: {str(e)[:200]}") from None
    raise ReadError(f"unsupported format ({kind})")


_CONTROL = regex.compile("[\x00-\x08\x0e-\x1f\ufffd]")  # below 32 but \t \n \v \f \r; and U+FFFD


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    ctrl = len(_CONTROL.findall(sample))
    return ctrl > max(4, len(sample) // 10)
