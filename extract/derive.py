"""Cross-document tables: ``indicators``, ``problem_register`` and ``checks``.

What each document offers them (its indicators rows, the sentences it offers
to the text-reuse check with their MinHash signatures) is made where the
document is processed (:func:`doc_parts`, called by ``store.doc_rows``) and
stored with it. :func:`build_store` then builds the tables inside the store,
reading one document, one indicator key or one MinHash band at a time:

    derive.build_store(store, rules)      # what a run does after its documents

    tables = derive.build({"documents": df, "sections": df, "problems": df, "facts": df},
                          texts={doc_id: text}, rules=RuleSet())   # the same from DataFrames
    tables["indicators"], tables["problem_register"], tables["checks"]

The base tables given to :func:`build` may come from the CSV files (every cell
a string) or from the store (typed); both are read the same way. What is
compared with what, and how close is close enough, is data:
``rules/checks.yaml``.
"""
from __future__ import annotations

import calendar
import json
import math
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import regex
from rapidfuzz import fuzz

from .rules import RuleError, RuleSet, load_rules

MULTI = "；"
DERIVED = ("indicators", "problem_register", "checks")


# -- rules --------------------------------------------------------------------
@dataclass
class CheckRules:
    relative_units: list
    point_units: list
    baseline_roles: list
    value_window: int
    cross_document: bool
    arith_extra: float
    higher_is_better: set
    lower_is_better: set
    higher_suffixes: list
    lower_words: list
    consistency_roles: list
    consistency_extra: float
    subject_strip: Any  # compiled pattern or None
    carry_subject: bool
    split: Any
    reuse_min_chars: int
    reuse_min_score: float
    reuse_shingle: int
    reuse_bands: int
    reuse_rows: int
    reuse_max_documents: int
    reuse_merge_gap: int
    completion_statuses: list
    evidence_kinds: list
    group_strip: Any
    group_synonyms: dict
    group_fold: Any
    group_min_score: float
    group_shingle: int
    group_bands: int
    group_rows: int

    def direction(self, indicator: str) -> str:
        """'higher', 'lower' or '' (unknown) for which way an indicator is better."""
        if indicator in self.higher_is_better:
            return "higher"
        if indicator in self.lower_is_better:
            return "lower"
        if any(indicator.endswith(s) for s in self.higher_suffixes):
            return "higher"
        if any(w in indicator for w in self.lower_words):
            return "lower"
        return ""


def _section(data, key, path):
    v = data.get(key) if isinstance(data, dict) else None
    if not isinstance(v, dict):
        raise RuleError(path, getattr(data, "line", None), f"{key!r} must be a mapping")
    return v


def _num(sec, key, path, lo, hi, integer=False):
    v = sec.get(key)
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and lo <= v <= hi
    if integer:
        ok = ok and isinstance(v, int)
    if not ok:
        what = "an integer" if integer else "a number"
        raise RuleError(path, sec.line_of(key) if hasattr(sec, "line_of") else None,
                        f"{key!r} must be {what} from {lo} to {hi}, got {v!r}")
    return v


def _words(rules, sec, key, path, allow_empty=False):
    if allow_empty and sec.get(key) == []:
        return []
    return rules.words(sec, key, path)


def _bool(sec, key, path):
    v = sec.get(key)
    if not isinstance(v, bool):
        raise RuleError(path, sec.line_of(key) if hasattr(sec, "line_of") else None, f"{key!r} must be true or false")
    return v


def load_check_rules(rules: RuleSet | None = None) -> CheckRules:
    """``rules/checks.yaml``, validated; errors name the file and line."""
    rules = rules or load_rules()
    key = "checks:parsed"
    if key in rules._cache:
        return rules._cache[key]
    data, path = rules.yaml("checks.yaml")
    a = _section(data, "arithmetic", path)
    t = _section(data, "targets", path)
    c = _section(data, "consistency", path)
    s = _section(data, "subjects", path)
    r = _section(data, "text_reuse", path)
    u = _section(data, "unsupported_completion", path)
    g = _section(data, "category_groups", path)
    strip = _words(rules, s, "strip_words", path, allow_empty=True)
    syn = g.get("synonyms")
    if not isinstance(syn, list) or not all(isinstance(x, list) and len(x) >= 2 and
                                            all(isinstance(w, str) and w for w in x) for x in syn):
        raise RuleError(path, g.line_of("synonyms") if hasattr(g, "line_of") else None,
                        "'synonyms' must be a list of lists of two or more words")
    fold = {}
    for group in syn:
        for w in group[1:]:
            fold[w] = group[0]
    from .rules import alternation
    cr = CheckRules(
        relative_units=_words(rules, a, "relative_units", path),
        point_units=_words(rules, a, "point_units", path),
        baseline_roles=_words(rules, a, "baseline_roles", path),
        value_window=_num(a, "value_window", path, 1, 10000, integer=True),
        cross_document=_bool(a, "cross_document", path),
        arith_extra=float(_num(a, "extra_tolerance", path, 0, 1e9)),
        higher_is_better=set(_words(rules, t, "higher_is_better", path, allow_empty=True)),
        lower_is_better=set(_words(rules, t, "lower_is_better", path, allow_empty=True)),
        higher_suffixes=_words(rules, t, "higher_suffixes", path, allow_empty=True),
        lower_words=_words(rules, t, "lower_words", path, allow_empty=True),
        consistency_roles=_words(rules, c, "roles", path),
        consistency_extra=float(_num(c, "extra_tolerance", path, 0, 1e9)),
        subject_strip=regex.compile(alternation(strip)) if strip else None,
        carry_subject=_bool(s, "carry_forward", path),
        split=rules.pattern(r, "split", path),
        reuse_min_chars=_num(r, "min_chars", path, 2, 10000, integer=True),
        reuse_min_score=float(_num(r, "min_score", path, 1, 100)),
        reuse_shingle=_num(r, "shingle", path, 1, 10, integer=True),
        reuse_bands=_num(r, "bands", path, 1, 256, integer=True),
        reuse_rows=_num(r, "rows", path, 1, 32, integer=True),
        reuse_max_documents=_num(r, "max_documents", path, 2, 10 ** 9, integer=True),
        reuse_merge_gap=_num(r, "merge_gap", path, 0, 100, integer=True),
        completion_statuses=_words(rules, u, "statuses", path),
        evidence_kinds=_words(rules, u, "evidence_kinds", path),
        group_strip=rules.pattern(g, "strip", path),
        group_synonyms=fold,
        group_fold=regex.compile(alternation(fold)) if fold else None,
        group_min_score=float(_num(g, "min_score", path, 1, 100)),
        group_shingle=_num(g, "shingle", path, 1, 10, integer=True),
        group_bands=_num(g, "bands", path, 1, 256, integer=True),
        group_rows=_num(g, "rows", path, 1, 32, integer=True),
    )
    bad = set(cr.baseline_roles + cr.consistency_roles) - {"actual", "baseline", "target"}
    if bad:
        raise RuleError(path, None, f"unknown role(s) {', '.join(sorted(bad))}: roles are actual, baseline, target")
    rules._cache[key] = cr
    return cr


# -- reading the base tables --------------------------------------------------
def _s(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (list, tuple)):
        return MULTI.join(str(x) for x in v)
    return str(v)


def _f(v) -> float | None:
    if v is None or v == "":
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _i(v) -> int | None:
    x = _f(v)
    return None if x is None else int(x)


def _attrs(v) -> dict:
    if isinstance(v, dict):
        return v
    s = _s(v)
    if not s:
        return {}
    try:
        d = json.loads(s)
    except ValueError:
        return {}
    return d if isinstance(d, dict) else {}


def split_multi(v) -> list[str]:
    if isinstance(v, (list, tuple)):
        return [str(x) for x in v if str(x)]
    return [x for x in _s(v).split(MULTI) if x]


# -- periods ------------------------------------------------------------------
_PERIOD = regex.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def _bound(part: str, end: bool) -> str:
    m = _PERIOD.match(part.strip())
    if not m:
        return ""
    y, mo, d = int(m.group(1)), m.group(2), m.group(3)
    if d:
        return f"{y:04d}-{int(mo):02d}-{int(d):02d}"
    if mo:
        mo = int(mo)
        if not 1 <= mo <= 12:
            return ""
        day = calendar.monthrange(y, mo)[1] if end else 1
        return f"{y:04d}-{mo:02d}-{day:02d}"
    return f"{y:04d}-12-31" if end else f"{y:04d}-01-01"


def period_bounds(period: str) -> tuple[str, str]:
    """('2025-01-01', '2025-10-31') for '2025-01/2025-10'; ('', '') when not a date norm."""
    period = _s(period).strip()
    if not period:
        return "", ""
    a, _, b = period.partition("/")
    start, end = _bound(a, False), _bound(b or a, True)
    return (start, end) if start and end else ("", "")


def _shift_part(part: str, years: int) -> str:
    m = _PERIOD.match(part.strip())
    if not m:
        return ""
    y = int(m.group(1)) + years
    out = f"{y:04d}"
    if m.group(2):
        out += f"-{m.group(2)}"
    if m.group(3):
        d = int(m.group(3))
        d = min(d, calendar.monthrange(y, int(m.group(2)))[1])
        out += f"-{d:02d}"
    return out


def shift_period(period: str, years: int = -1) -> str:
    """The same period ``years`` later (earlier when negative): '2025-01/2025-10' -> '2024-01/2024-10'."""
    period = _s(period).strip()
    if not period:
        return ""
    parts = [_shift_part(p, years) for p in period.split("/")]
    return "/".join(parts) if all(parts) else ""


# -- numbers as written -------------------------------------------------------
_NUM = regex.compile(r"\d+(?:\.\d+)?")


def decimals(text: str, value: float | None) -> int:
    """Decimal places of ``value`` as written in ``text`` ('0.080' -> 3); from the value when not found."""
    if value is None:
        return 0
    best = None
    for m in _NUM.finditer(_s(text).replace(",", "").replace("，", "")):
        tok = m.group()
        try:
            x = float(tok)
        except ValueError:
            continue
        if math.isclose(x, abs(value), rel_tol=1e-9, abs_tol=1e-12):
            best = len(tok.partition(".")[2])
            break
    if best is None:
        r = repr(float(abs(value)))
        best = 0 if "e" in r or r.endswith(".0") else len(r.partition(".")[2])
    return best


def half_unit(text: str, value: float | None) -> float:
    """Half a unit of the last decimal place written: rounding error of the figure."""
    return 0.5 * 10 ** (-decimals(text, value))


def change_interval(new: float, hn: float, old: float, ho: float, relative: bool) -> tuple[float, float] | None:
    """Range of the change computable from figures rounded by hn and ho."""
    vals = []
    for n in (new - hn, new + hn):
        for o in (old - ho, old + ho):
            if relative:
                if o == 0 or (o > 0) != (old > 0):
                    return None
                vals.append((n - o) / o * 100.0)
            else:
                vals.append(n - o)
    return min(vals), max(vals)


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    s = f"{x:.6f}".rstrip("0").rstrip(".")
    return s if s not in ("-0", "") else "0"


# -- sentences ----------------------------------------------------------------
_PUNCT = regex.compile(r"[\p{P}\p{S}\p{Z}\s]+")


def sentence_spans(text: str, split) -> list[tuple[int, int]]:
    """(start, end) of each sentence, without surrounding spaces; the cut character stays in."""
    out = []
    pos = 0
    for m in split.finditer(text):
        out.append((pos, m.end()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    res = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            res.append((s, e))
    return res


# Every space, punctuation mark and symbol of the Basic Multilingual Plane, deleted by str.translate
# (much faster than a regex substitution); the rare ones beyond it by _PUNCT.
_DROP = np.zeros(0x10000, dtype=bool)
for _cp in range(0x10000):
    if unicodedata.category(chr(_cp))[0] in "PSZ" or chr(_cp).isspace():
        _DROP[_cp] = True
_SQUEEZE = {int(cp): None for cp in np.flatnonzero(_DROP)}


def squeeze(s: str) -> str:
    """Text compared for reuse: no spaces, punctuation or symbols."""
    s = s.translate(_SQUEEZE)
    return _PUNCT.sub("", s) if s and max(s) > "\uffff" else s


class Squeezed:
    """A text without spaces, punctuation and symbols, sliced by the original offsets."""

    def __init__(self, text: str):
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        keep = np.ones(len(codes), dtype=bool)
        bmp = codes < 0x10000
        keep[bmp] = ~_DROP[codes[bmp]]
        for i in np.flatnonzero(~bmp):  # beyond the BMP: ask the regex
            keep[i] = not _PUNCT.match(text[i])
        self.cum = np.concatenate(([0], np.cumsum(keep, dtype=np.int32)))
        self.text = codes[keep].tobytes().decode("utf-32-le") if not keep.all() else text

    def __call__(self, start: int, end: int) -> str:
        return self.text[self.cum[start]:self.cum[end]]


# -- MinHash candidates -------------------------------------------------------
_P = (1 << 31) - 1


def minhash_params(n_perm: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, _P, size=n_perm, dtype=np.uint64)
    b = rng.integers(0, _P, size=n_perm, dtype=np.uint64)
    return a, b


def _crc_table() -> np.ndarray:
    t = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        t = np.where(t & 1, (t >> 1) ^ np.uint32(0xEDB88320), t >> 1).astype(np.uint32)
    return t


_CRC = _crc_table()


def _utf8(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of each code point (up to 4, as columns) and how many there are."""
    one, two, three = codes < 0x80, codes < 0x800, codes < 0x10000
    nb = np.where(one, 1, np.where(two, 2, np.where(three, 3, 4)))
    cont = lambda shift: 0x80 | ((codes >> shift) & 0x3F)  # noqa: E731 (a continuation byte)
    b = np.empty((len(codes), 4), dtype=np.uint32)
    b[:, 0] = np.where(one, codes, np.where(two, 0xC0 | (codes >> 6), np.where(three, 0xE0 | (codes >> 12),
                                                                               0xF0 | (codes >> 18))))
    b[:, 1] = np.where(two, cont(0), np.where(three, cont(6), cont(12)))
    b[:, 2] = np.where(three, cont(0), cont(6))
    b[:, 3] = cont(0)
    return b, nb


def gram_hashes(items: list[str], shingle: int) -> tuple[np.ndarray, np.ndarray]:
    """zlib.crc32 of the UTF-8 of every character ``shingle``-gram of every item, modulo 2**31-1, computed
    for all grams at once; and the item each gram belongs to. An item shorter than ``shingle`` is one
    gram of itself."""
    codes = np.frombuffer("".join(items).encode("utf-32-le"), dtype=np.uint32)
    lens = np.fromiter((len(x) for x in items), dtype=np.int64, count=len(items))
    ngrams = np.maximum(1, lens - shingle + 1)
    owner = np.repeat(np.arange(len(items)), ngrams)
    pos = (np.cumsum(lens) - lens)[owner] + np.arange(int(ngrams.sum()), dtype=np.int64) - \
        (np.cumsum(ngrams) - ngrams)[owner]
    width = np.minimum(lens, shingle)[owner]
    crc = np.full(len(pos), 0xFFFFFFFF, dtype=np.uint32)
    if len(codes):
        units, nbytes = _utf8(codes)
        last = len(codes) - 1
        for t in range(shingle):
            at = np.minimum(pos + t, last)
            for k in range(4):
                live = (t < width) & (k < nbytes[at])
                step = _CRC[(crc ^ units[at, k]) & 0xFF] ^ (crc >> 8)
                crc = np.where(live, step, crc)
    return (crc ^ np.uint32(0xFFFFFFFF)).astype(np.uint64) % _P, owner


def minhash_signatures(items: list[str], shingle: int, n_perm: int, seed: int = 7) -> np.ndarray:
    """One row of ``n_perm`` MinHash values (each below 2**31) per item, over its character ``shingle``-grams
    (each hashed with CRC-32, then by ``n_perm`` random linear maps modulo 2**31-1)."""
    a, b = minhash_params(n_perm, seed)
    sigs = np.full((len(items), n_perm), _P, dtype=np.uint64)
    if not items:
        return sigs
    h, owner = gram_hashes(items, shingle)
    block = 100_000  # grams at a time, so memory stays bounded for a long list
    for k in range(0, len(h), block):
        vals = (h[k:k + block, None] * a[None, :] + b[None, :]) % _P
        own = owner[k:k + block]
        cut = np.flatnonzero(np.r_[True, own[1:] != own[:-1]])
        who = own[cut]
        sigs[who] = np.minimum(sigs[who], np.minimum.reduceat(vals, cut, axis=0))
    return sigs


def minhash_buckets(items: list[str], shingle: int, bands: int, rows: int, seed: int = 7) -> list[list[int]]:
    """Groups of item indexes that share a MinHash band: candidate pairs come only from within a group.

    Items are compared on sets of character ``shingle``-grams; two items of
    Jaccard similarity J share some band with probability 1-(1-J^rows)^bands.
    """
    sigs = minhash_signatures(items, shingle, bands * rows, seed)
    groups = []
    for band in range(bands):
        cols = sigs[:, band * rows:(band + 1) * rows]
        buckets: dict[bytes, list[int]] = defaultdict(list)
        for i in range(len(items)):
            buckets[cols[i].tobytes()].append(i)
        groups.extend(v for v in buckets.values() if len(v) > 1)
    return groups


def candidate_pairs(items: list[str], shingle: int, bands: int, rows: int) -> set[tuple[int, int]]:
    pairs = set()
    for g in minhash_buckets(items, shingle, bands, rows):
        for x in range(len(g)):
            for y in range(x + 1, len(g)):
                pairs.add((g[x], g[y]))
    return pairs


# -- indicators ---------------------------------------------------------------
def subject_key(subject: str, issuers: str, cr: CheckRules) -> str:
    s = squeeze(_s(subject))
    if s and cr.subject_strip is not None:
        s = cr.subject_strip.sub("", s) or s
    return s if s else "@" + _s(issuers)


def subject_keys(facts: list[dict], docs: dict, cr: CheckRules) -> dict[tuple[str, str], str]:
    """The subject each indicator fact is matched on, by (doc_id, fact_id).

    A value whose sentence names no subject is about the subject last named
    for the same indicator earlier in the same document (with
    ``subjects.carry_forward``); failing that, about the issuer's own area
    (``@`` and the issuers), so that it matches only within one issuer.
    """
    out = {}
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for f in facts:
        if _s(f.get("kind")) == "indicator":
            by_doc[_s(f["doc_id"])].append(f)
    for d, fs in by_doc.items():
        issuers = docs.get(d, {}).get("issuers")
        last: dict[str, str] = {}
        for f in sorted(fs, key=lambda f: _i(f.get("start")) or 0):
            name = _s(f.get("name"))
            key = subject_key(_s(_attrs(f.get("attrs")).get("subject", "")), "", cr)
            if key != "@":
                last[name] = key
            elif cr.carry_subject and name in last:
                key = last[name]
            else:  # the issuer's own area; a document without issuers matches only itself
                key = "@" + (_s(issuers) or f"doc:{d}")
            out[(d, _s(f["fact_id"]))] = key
    return out


def _sentence_at(text: str, start: int, end: int, split, limit: int = 300) -> str:
    """The sentence holding text[start:end] (at most ``limit`` characters each side)."""
    if not text:
        return ""
    lo = start
    while lo > 0 and start - lo < limit and not split.match(text[lo - 1]):
        lo -= 1
    hi = end
    while hi < len(text) and hi - end < limit:
        hi += 1
        if split.match(text[hi - 1]):
            break
    return text[lo:hi].strip()[:limit]


def indicator_rows(drow: dict, facts: list[dict], text: str, cr: CheckRules) -> list[dict]:
    """The ``indicators`` rows of one document: its indicator facts with subject key, period bounds and evidence.

    ``drow`` is the document's row (issuers, date), ``facts`` its fact rows in order, ``text`` its text.
    """
    doc_id = _s(drow.get("doc_id"))
    skeys = subject_keys(facts, {doc_id: drow}, cr)
    rows = []
    for f in facts:
        if _s(f.get("kind")) != "indicator":
            continue
        attrs = _attrs(f.get("attrs"))
        subject = _s(attrs.get("subject", ""))
        period = _s(f.get("period"))
        ps, pe = period_bounds(period)
        start, end = _i(f.get("start")), _i(f.get("end"))
        rows.append({
            "doc_id": doc_id, "fact_id": _s(f["fact_id"]), "issuer": _s(drow.get("issuers")),
            "doc_date": _s(drow.get("date")), "subject": subject,
            "subject_key": skeys.get((doc_id, _s(f["fact_id"])), subject_key(subject, drow.get("issuers"), cr)),
            "indicator": _s(f.get("name")), "period": period, "period_start": ps, "period_end": pe,
            "value": _f(f.get("value")), "unit": _s(f.get("unit")), "role": _s(f.get("role")),
            "text": _s(f.get("text")), "start": start, "end": end,
            "evidence": _sentence_at(text, start, end, cr.split) if text and start is not None else "",
            "section_id": _s(f.get("section_id")), "problem_id": _s(f.get("problem_id")),
        })
    return rows


def reuse_sentences(doc_id: str, text: str, cr: CheckRules) -> list[tuple]:
    """The sentences of one document compared for text reuse: (doc_id, n, start, end, squeezed, signature).

    ``n`` is the sentence's number among all the document's sentences; only those
    of at least ``min_chars`` squeezed characters are kept. The signature is the
    MinHash of the squeezed sentence (bands × rows values below 2**31, as 4-byte
    little-endian integers), so band ``b`` is bytes [4·rows·b, 4·rows·(b+1)).
    """
    if not text:
        return []
    sq = Squeezed(text)
    kept = []
    for n, (s, e) in enumerate(sentence_spans(text, cr.split)):
        q = sq(s, e)
        if len(q) >= cr.reuse_min_chars:
            kept.append((n, s, e, q))
    if not kept:
        return []
    sigs = minhash_signatures([k[3] for k in kept], cr.reuse_shingle, cr.reuse_bands * cr.reuse_rows)
    sigs = sigs.astype("<u4")
    return [(doc_id, n, s, e, q, sigs[i].tobytes()) for i, (n, s, e, q) in enumerate(kept)]


# -- problem register ---------------------------------------------------------
def _group_key(s: str, cr: CheckRules) -> str:
    s = cr.group_strip.sub("", _s(s).strip())
    s = squeeze(s)
    if cr.group_fold is not None:
        s = cr.group_fold.sub(lambda m: cr.group_synonyms[m.group()], s)
    return s


class UnionFind:
    """Groups of items 0..n-1 joined pair by pair (path halving)."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def group_names(label_stats: dict[str, tuple[int, int]], cr: CheckRules) -> dict[str, str]:
    """A group name for each distinct label, from {label: (times written, first row)}.

    Near-identical labels (after folding) share one group, named by its most
    frequent written label (ties: the shortest, then the first written).
    """
    keys = {lab: _group_key(lab, cr) for lab in label_stats}
    distinct = sorted({k for k in keys.values() if k})
    index = {k: i for i, k in enumerate(distinct)}
    groups = UnionFind(len(distinct))
    find = groups.find
    if len(distinct) > 1:
        for i, j in candidate_pairs(distinct, cr.group_shingle, cr.group_bands, cr.group_rows):
            if fuzz.ratio(distinct[i], distinct[j]) >= cr.group_min_score:
                groups.union(i, j)
    counts: dict[int, Counter] = defaultdict(Counter)
    first: dict[str, int] = {}
    for lab, (times, n) in label_stats.items():
        k = keys[lab]
        if k:
            clean = cr.group_strip.sub("", _s(lab).strip()).strip()
            counts[find(index[k])][clean] += times
            first[clean] = min(first.get(clean, n), n)
    names = {root: sorted(c.items(), key=lambda kv: (-kv[1], len(kv[0]), first[kv[0]]))[0][0]
             for root, c in counts.items()}
    return {lab: names[find(index[k])] if k else "" for lab, k in keys.items()}


def category_groups(labels: list[str], cr: CheckRules) -> list[str]:
    """A group name for each label: near-identical labels (after folding) share the most frequent one."""
    stats: dict[str, tuple[int, int]] = {}
    for n, lab in enumerate(labels):
        times, first = stats.get(lab, (0, n))
        stats[lab] = (times + 1, first)
    names = group_names(stats, cr)
    return [names[lab] for lab in labels]


_REGISTER_SQL = """SELECT p.doc_id, p.problem_id, p.number, p.category, p.title, p.status, p.status_text,
  p.responsible, p.section_id, p.start, p."end", d.issuers, d.date, d.doc_type, d.doc_number, d.title
  FROM problems p LEFT JOIN documents d ON d.doc_id = p.doc_id ORDER BY p.doc_id, p.rowid"""


def _register_rows(conn):
    for (doc_id, pid, number, category, title, status, status_text, responsible, section_id, start, end,
         issuers, date, doc_type, doc_number, doc_title) in conn.execute(_REGISTER_SQL):
        yield {"doc_id": _s(doc_id), "problem_id": _s(pid), "issuer": _s(issuers), "doc_date": _s(date),
               "doc_type": _s(doc_type), "doc_number": _s(doc_number), "doc_title": _s(doc_title),
               "number": _s(number), "category": _s(category), "title": _s(title), "status": _s(status),
               "status_text": _s(status_text), "responsible": _s(responsible), "category_group": "",
               "group_units": 0, "group_size": 0, "section_id": _s(section_id), "start": _i(start), "end": _i(end)}


def write_problem_register(st, cr: CheckRules) -> None:
    """The ``problem_register`` table, streamed from the store's problems: a pass for the labels (only
    the distinct ones are held), a pass writing the rows, and the group sizes counted by SQL."""
    stats: dict[str, tuple[int, int]] = {}
    for n, r in enumerate(_register_rows(st.conn)):
        lab = r["category"] or r["title"]
        times, first = stats.get(lab, (0, n))
        stats[lab] = (times + 1, first)
    names = group_names(stats, cr)
    del stats
    batch = []
    for r in _register_rows(st.conn):
        r["category_group"] = names[r["category"] or r["title"]]
        batch.append(r)
        if len(batch) >= 2000:
            st.insert_derived("problem_register", batch)
            batch = []
    st.insert_derived("problem_register", batch)
    # a group's units are its distinct issuers (a document without issuers is a unit of its own)
    st.conn.execute(
        'UPDATE problem_register SET group_units = g.units, group_size = g.size FROM (SELECT category_group, '
        "COUNT(DISTINCT COALESCE(issuer, '@' || doc_id)) AS units, COUNT(*) AS size FROM problem_register "
        "WHERE category_group IS NOT NULL GROUP BY category_group) AS g "
        "WHERE problem_register.category_group = g.category_group")


# -- building -----------------------------------------------------------------
def doc_parts(drow: dict, facts: list[dict], text: str, cr: CheckRules) -> dict[str, list]:
    """What the cross-document tables need of one document, made where the document is processed:
    its ``indicators`` rows (dicts) and its ``reuse_sentences`` (tuples)."""
    return {"indicators": indicator_rows(drow, facts, text, cr),
            "reuse_sentences": reuse_sentences(_s(drow.get("doc_id")), text, cr)}


def build_store(st, rules: RuleSet | None = None, derive_hash: str = "", jobs: int = 1, meanwhile=None) -> None:
    """Build the cross-document tables inside the store ``st``, streaming from its tables.

    Documents whose per-document parts were made with other derive rules (or
    not at all) get them made again first; then problem_register and checks are
    replaced in one transaction. Memory holds one document, one group of
    observations or one MinHash band at a time, never a whole table. With ``jobs`` > 1 (and a store
    file) the text-reuse check runs in a second process meanwhile, and this one calls ``meanwhile()``
    (if given) while it waits for it, with problem_register written and indicators as they are.
    """
    from .checks import ReuseElsewhere, write_checks

    from .store import derive_fingerprint

    rules = rules or load_rules()
    cr = load_check_rules(rules)
    derive_hash = derive_hash or derive_fingerprint(rules)
    st.refresh_parts(cr, derive_hash)
    reuse = None
    if jobs > 1 and st.path != ":memory:":
        with st.detached():  # forked without this process's connection, it opens its own
            reuse = ReuseElsewhere(st.path, cr)
    st.ensure_indexes()  # after a bulk load; here, once the text-reuse process (which needs none) is under way
    c = st.conn
    c.execute("BEGIN IMMEDIATE")
    try:
        c.execute('DELETE FROM "problem_register"')
        c.execute('DELETE FROM "checks"')
        write_problem_register(st, cr)
        write_checks(st, cr, reuse, meanwhile)
        st.mark_derived(derive_hash)
        c.execute("COMMIT")
    except BaseException:
        c.execute("ROLLBACK")
        if reuse is not None:
            reuse.close()
        raise


def build(tables: dict[str, pd.DataFrame], texts: dict[str, str], rules: RuleSet | None = None) -> dict[str, pd.DataFrame]:
    """The cross-document tables (indicators, problem_register, checks) from base tables and texts.

    The tables go into an in-memory store first (CSV strings or typed values alike), so this is the
    same code as a run's."""
    from .store import Store

    with Store(":memory:") as st:
        st.load_tables(tables, texts)
        build_store(st, rules)
        return st.tables(DERIVED)


__all__ = ["build", "build_store", "doc_parts", "load_check_rules", "period_bounds", "shift_period", "decimals",
           "half_unit", "change_interval", "category_groups", "sentence_spans", "minhash_buckets", "DERIVED"]
