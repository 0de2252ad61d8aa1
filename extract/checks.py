"""The ``checks`` table: claims of the documents checked against each other.

(a) arithmetic   a stated change against the two values it compares; the
                 older value from the same document, or else from another
                 document about the same indicator, subject and period
(b) target       a value against its stated target
(c) consistency  one indicator, subject and period reported by several documents
(d) text_reuse   near-identical passages in documents of different issuers
(e) unsupported_completion  a problem marked completed with no evidence in its text

Every row cites its spans (doc, offsets, words) on both sides. Thresholds and
word lists are in ``rules/checks.yaml``.
"""
from __future__ import annotations

import functools
import json
import multiprocessing as mp
import os
import sqlite3
import tempfile
import traceback
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain, groupby
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from rapidfuzz import fuzz, process

from .derive import (CheckRules, _attrs, _f, _fmt, _i, _s, change_interval, decimals, half_unit,
                     shift_period, split_multi, Squeezed, subject_key)

def _round_half_up(x: float, places: int) -> Decimal:
    """四舍五入 as statistics are rounded, on the figure cleaned of float noise."""
    return Decimal(repr(round(x, 9))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


KIND_ORDER = ["arithmetic", "target", "consistency", "text_reuse", "unsupported_completion"]


@dataclass(slots=True)
class Obs:
    """An indicator or change fact, read once (slots: a group can hold one per document)."""
    doc_id: str
    fact_id: str
    kind: str
    text: str
    start: int
    end: int
    name: str
    value: float | None
    unit: str
    period: str
    role: str
    subject: str
    skey: str
    problem_id: str
    attrs: dict = field(default_factory=dict)

    @property
    def half(self) -> float:
        return half_unit(self.text, self.value)


def _cached(load, size: int):
    """``load`` behind a least-recently-used cache of ``size`` entries, so memory stays bounded."""
    return functools.lru_cache(maxsize=size)(load)


_IND = 'doc_id, fact_id, text, start, "end", indicator, value, unit, period, role, subject, subject_key, problem_id'


def _ind_obs(r) -> Obs:
    d, fid, text, s, e, name, value, unit, period, role, subject, skey, pid = r
    return Obs(_s(d), _s(fid), "indicator", _s(text), s or 0, e or 0, _s(name), _f(value), _s(unit), _s(period),
               _s(role), _s(subject), _s(skey), _s(pid))


def _n(v: str):
    """A key as stored: empty text is NULL."""
    return v if v != "" else None


# A document's facts of some kinds. `+kind` keeps SQLite off the (kind, name) index: with it the
# lookup reads every fact of those kinds in the corpus for each document (quadratic in the corpus);
# through the key's doc_id it reads the document's ~100 facts.
CHANGES_SQL = ('SELECT doc_id, fact_id, text, start, "end", name, value, unit, period, role, attrs, problem_id '
               "FROM facts WHERE doc_id = ? AND +kind = 'change' ORDER BY rowid")


def evidence_sql(n_kinds: int) -> str:
    return f"SELECT start FROM facts WHERE doc_id = ? AND +kind IN ({', '.join('?' for _ in range(n_kinds))}) ORDER BY rowid"


class Checker:
    """The checks, read from the store one document (or one group, or one band) at a time.

    Rows go to a temporary table with their sort key and come out sorted, so
    the checks never sit in memory together.
    """

    def __init__(self, st, cr: CheckRules):
        self.st, self.c, self.cr = st, st.conn, cr
        self._issuers = _cached(self._load_issuers, 4096)
        self._texts = _cached(self._load_text, 128)
        self._most_common = _cached(self._load_most_common, 4096)
        self._seq = 0
        self.pending: list[dict] = []
        self.c.execute("CREATE TEMP TABLE IF NOT EXISTS _chk (k INTEGER, doc TEXT, s INTEGER, rd TEXT, rs INTEGER, "
                       "seq INTEGER PRIMARY KEY, row TEXT)")
        self.c.execute("DELETE FROM _chk")

    # -- helpers --------------------------------------------------------------
    def _load_issuers(self, doc_id: str) -> str:
        r = self.c.execute("SELECT issuers FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return _s(r[0]) if r else ""

    def _load_text(self, doc_id: str):
        r = self.c.execute("SELECT text FROM texts WHERE doc_id = ?", (doc_id,)).fetchone()
        text = (r[0] if r else "") or ""
        return text, Squeezed(text)

    def issuer(self, doc_id: str) -> str:
        return self._issuers(doc_id)

    def text(self, doc_id: str) -> str:
        return self._texts(doc_id)[0]

    def row(self, kind: str, verdict: str, doc_id: str, **kw) -> dict:
        r = {"kind": kind, "verdict": verdict, "doc_id": doc_id, "issuer": self.issuer(doc_id)}
        if kw.get("ref_doc_id"):
            r["ref_issuer"] = self.issuer(kw["ref_doc_id"])
        r.update(kw)
        self.pending.append(r)
        return r

    def flush(self) -> None:
        """Stage the rows made so far (a row may be amended until then)."""
        rows = []
        for r in self.pending:
            self._seq += 1
            rows.append((KIND_ORDER.index(r["kind"]), r["doc_id"], r.get("start") or 0, r.get("ref_doc_id") or "",
                         r.get("ref_start") or 0, self._seq, json.dumps(r, ensure_ascii=False)))
        self.c.executemany("INSERT INTO _chk VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        self.pending = []

    def sorted_rows(self, kinds: range | None = None):
        """The staged rows in the table's order: kind, document, position, referenced document and position
        (of the kinds numbered ``kinds`` in KIND_ORDER, or all)."""
        ks = kinds if kinds is not None else range(len(KIND_ORDER))
        for (row,) in self.c.execute("SELECT row FROM _chk WHERE k >= ? AND k < ? ORDER BY k, doc, s, rd, rs, seq",
                                     (ks.start, ks.stop)):
            yield json.loads(row)

    @staticmethod
    def claim(o: Obs) -> dict:
        subject = o.subject or ("" if o.skey.startswith("@") else o.skey)
        return {"indicator": o.name, "subject": subject, "fact_id": o.fact_id, "problem_id": o.problem_id,
                "text": o.text, "start": o.start, "end": o.end}

    @staticmethod
    def ref(o: Obs) -> dict:
        return {"ref_doc_id": o.doc_id, "ref_fact_id": o.fact_id, "ref_role": o.role, "ref_period": o.period,
                "ref_text": o.text, "ref_start": o.start, "ref_end": o.end, "reference": o.value}

    # -- per document ---------------------------------------------------------
    def documents(self) -> None:
        """Checks (a), (b) and (e), which look at one document at a time (and at the store for baselines)."""
        c = self.c
        last = ""
        while True:  # in pages by doc_id: rows are written while the documents are read
            page = [r[0] for r in c.execute("SELECT doc_id FROM documents WHERE doc_id > ? AND status = 'ok' "
                                             "ORDER BY doc_id LIMIT 500", (last,))]
            if not page:
                break
            for d in page:
                ind = [_ind_obs(r) for r in c.execute(f"SELECT {_IND} FROM indicators WHERE doc_id = ? ORDER BY rowid",
                                                      (d,))]
                by_start = sorted(ind, key=lambda o: o.start)
                changes = [self._change_obs(r) for r in c.execute(CHANGES_SQL, (d,))]
                self.arithmetic(changes, ind, by_start)
                self.targets(ind, by_start)
                self.unsupported(d)
                self.flush()
            last = page[-1]

    def _change_obs(self, r) -> Obs:
        d, fid, text, s, e, name, value, unit, period, role, attrs, pid = r
        subject = _s(_attrs(attrs).get("subject", ""))
        return Obs(_s(d), _s(fid), "change", _s(text), s or 0, e or 0, _s(name), _f(value), _s(unit), _s(period),
                   _s(role), subject, subject_key(subject, self.issuer(_s(d)), self.cr), _s(pid))

    # -- (a) arithmetic ------------------------------------------------------
    def _current_value(self, c: Obs, by_start: list[Obs]) -> Obs | None:
        best = None
        for o in by_start:
            if o.start >= c.start:
                break
            if (o.name == c.name and o.role == "actual" and o.value is not None
                    and c.start - o.end <= self.cr.value_window):
                best = o
        return best

    def _load_most_common(self, key: tuple) -> Obs | None:
        """Of the baseline values stated for this key (indicator, subject, unit, period), the one stated
        most often, as its first statement by document and position (ties: the first so)."""
        roles = self.cr.baseline_roles
        name, skey, unit, period = key
        where = ("indicator IS ? AND subject_key IS ? AND unit IS ? AND period IS ? AND value IS NOT NULL "
                 f"AND role IN ({', '.join('?' for _ in roles)})")
        params = (_n(name), _n(skey), _n(unit), _n(period), *roles)
        r = self.c.execute(
            f"WITH c AS (SELECT value, COUNT(*) AS n FROM indicators WHERE {where} GROUP BY value) "
            f"SELECT {_IND} FROM indicators WHERE {where} AND value IN "
            "(SELECT value FROM c WHERE n = (SELECT MAX(n) FROM c)) ORDER BY doc_id, start, rowid LIMIT 1",
            params + params).fetchone()
        return _ind_obs(r) if r else None

    def _baseline(self, c: Obs, new: Obs, ind: list[Obs], by_start: list[Obs]) -> Obs | None:
        cr = self.cr
        # stated between the value and the change: "0.069，较去年同期0.080下降13.8%"
        between = [o for o in by_start if o.name == c.name and o.role in cr.baseline_roles
                   and new.end <= o.start < c.end and o.value is not None and o is not new]
        if between:
            return between[-1]
        # a change's period is the period it compares with (较去年同期 -> a year before the value's)
        want = c.period or shift_period(new.period, -1)
        if not want:
            return None
        # the document's own statement of that value comes first
        same = next((o for o in ind if o.name == new.name and o.skey == new.skey and o.unit == new.unit
                     and o.period == want and o.role in cr.baseline_roles and o.value is not None), None)
        if same is not None:
            return same
        if not cr.cross_document:
            return None
        # else what other documents state most often (this document states none of it)
        return self._most_common((new.name, new.skey, new.unit, want))

    def arithmetic(self, changes: list[Obs], ind: list[Obs], by_start: list[Obs]) -> None:
        cr = self.cr
        seen = set()
        for c in changes:
            if c.value is None or not c.name or c.unit not in cr.relative_units + cr.point_units:
                continue
            new = self._current_value(c, by_start)
            if new is None:
                continue
            base = self._baseline(c, new, ind, by_start)
            if base is None or base.value is None or base.unit != new.unit:
                continue
            relative = c.unit in cr.relative_units
            if relative and base.value == 0:
                continue
            computed = (new.value - base.value) / base.value * 100.0 if relative else new.value - base.value
            span = change_interval(new.value, new.half, base.value, base.half, relative)
            if span is None:
                continue
            hs = half_unit(c.text, c.value) + cr.arith_extra
            lo, hi = span
            ok = c.value + hs >= lo and c.value - hs <= hi
            tol = hs + max(hi - computed, computed - lo)
            key = (c.doc_id, c.name, new.skey, new.period, new.value, base.doc_id, base.fact_id, c.value)
            if key in seen:  # the same claim stated again in the same document
                continue
            seen.add(key)
            dn, db = decimals(new.text, new.value), decimals(base.text, base.value)
            form = (f"({new.value:.{dn}f}-{base.value:.{db}f})/{base.value:.{db}f}×100 = {_fmt(round(computed, 4))}%"
                    if relative else f"{new.value:.{dn}f}-{base.value:.{db}f} = {_fmt(round(computed, 4))} {c.unit}")
            where = "" if base.doc_id == c.doc_id else f"; baseline from {base.doc_id}"
            if _round_half_up(computed, decimals(c.text, c.value)) == _round_half_up(c.value, decimals(c.text, c.value)):
                where = f"; rounds to the stated figure{where}"
            r = self.row("arithmetic", "ok" if ok else "mismatch", c.doc_id, **self.claim(c), **self.ref(base),
                         period=new.period or c.period, unit=c.unit, stated=c.value, value_fact_id=new.fact_id,
                         value=new.value, computed=round(computed, 6), difference=round(c.value - computed, 6),
                         tolerance=round(tol, 6),
                         detail=f"{form} vs stated {_fmt(c.value)}{'%' if relative else ' ' + c.unit} "
                                f"(± {_fmt(round(tol, 4))}){where}")
            r["subject"] = new.subject or c.subject

    # -- (b) targets ---------------------------------------------------------
    def targets(self, ind: list[Obs], by_start: list[Obs]) -> None:
        cr = self.cr
        for t in ind:
            if t.role != "target" or t.value is None:
                continue
            direction = cr.direction(t.name)
            if not direction:
                continue
            same = [o for o in by_start if o.role == "actual" and o.name == t.name
                    and o.value is not None and o.unit == t.unit and o.skey == t.skey]
            if t.period:
                same = [o for o in same if o.period == t.period]
            else:
                same = [o for o in same if o.end <= t.start and t.start - o.end <= cr.value_window]
            if not same:
                continue
            a = min(same, key=lambda o: abs(o.start - t.start))
            met = a.value <= t.value if direction == "lower" else a.value >= t.value
            sign = "≤" if direction == "lower" else "≥"
            self.row("target", "met" if met else "missed", a.doc_id, **self.claim(a), **self.ref(t),
                     period=a.period, unit=a.unit, stated=a.value, difference=round(a.value - t.value, 6),
                     detail=f"{_fmt(a.value)} {a.unit} {'' if met else 'not '}{sign} target {_fmt(t.value)} {t.unit} "
                            f"({'lower' if direction == 'lower' else 'higher'} is better)".replace("  ", " "))

    # -- (c) consistency -----------------------------------------------------
    def consistency(self) -> None:
        """One group of observations (indicator, subject, unit, period) at a time, in key order."""
        cr = self.cr
        roles = list(cr.consistency_roles)
        cur = self.c.execute(
            f"SELECT {_IND} FROM indicators WHERE value IS NOT NULL AND period IS NOT NULL AND role IN "
            f"({', '.join('?' for _ in roles)}) ORDER BY indicator, subject_key, unit, period, doc_id, rowid", roles)
        obs = (o for o in map(_ind_obs, cur) if o.period)
        for _, group in groupby(obs, key=lambda o: (o.name, o.skey, o.unit, o.period)):
            by_doc: dict[str, list[Obs]] = defaultdict(list)
            for o in group:
                by_doc[o.doc_id].append(o)
            if len(by_doc) < 2:
                continue
            # each document's value: the one it states most often (ties: the first)
            rep = {}
            for d, obs_d in by_doc.items():
                cnt = Counter(o.value for o in obs_d)
                top = max(cnt.values())
                rep[d] = next(o for o in obs_d if cnt[o.value] == top)
            # cluster documents whose values agree within rounding
            order = sorted(rep.values(), key=lambda o: (o.value, o.doc_id))
            clusters: list[list[Obs]] = []
            for o in order:
                if clusters and abs(o.value - clusters[-1][0].value) <= o.half + clusters[-1][0].half + cr.consistency_extra:
                    clusters[-1].append(o)
                else:
                    clusters.append([o])
            clusters.sort(key=lambda cl: (-len(cl), min(o.doc_id for o in cl)))
            main = sorted(clusters[0], key=lambda o: o.doc_id)
            head = main[0]
            for o in main[1:]:
                self._pair("ok", o, head)
            for cl in clusters[1:]:
                cl = sorted(cl, key=lambda o: o.doc_id)
                self._pair("conflict", cl[0], head)
                for o in cl[1:]:
                    self._pair("ok", o, cl[0])
            if len(self.pending) > 1000:
                self.flush()
        self.flush()

    def _pair(self, verdict: str, a: Obs, b: Obs) -> None:
        tol = a.half + b.half + self.cr.consistency_extra
        self.row("consistency", verdict, a.doc_id, **self.claim(a), **self.ref(b), period=a.period, unit=a.unit,
                 stated=a.value, difference=round(a.value - b.value, 6), tolerance=round(tol, 6),
                 detail=f"{a.name} {a.subject or b.subject} {a.period}: {_fmt(a.value)} in {a.doc_id} vs {_fmt(b.value)} in "
                        f"{b.doc_id} ({'agree' if verdict == 'ok' else 'differ'} within ± {_fmt(round(tol, 6))})")

    # -- (d) text reuse ------------------------------------------------------
    def text_reuse(self) -> None:
        """Near-identical sentences of documents of different issuers, joined into passages.

        The store's reuse_sentences (squeezed sentences with their MinHash) are
        grouped into distinct sentences (``_dq``, numbered in order of first
        appearance); MinHash bands give the candidate pairs; matched sentence
        pairs go to ``_pairs`` and are joined into passages per pair of documents.
        """
        c, cr = self.c, self.cr
        c.execute("DROP TABLE IF EXISTS _dq")
        c.execute("DROP TABLE IF EXISTS _occ")
        c.execute("DROP TABLE IF EXISTS _pairs")
        c.execute("DROP TABLE IF EXISTS _dn")
        c.execute("CREATE TEMP TABLE _dq (id INTEGER PRIMARY KEY, q TEXT UNIQUE, sig BLOB)")
        # numbered from 0 in order of first appearance: the rows go in in (doc_id, n) order, a new sentence
        # takes the next rowid (after the placeholder -1) and a repeated one only its smallest signature.
        # (A GROUP BY q sorts every sentence's text: slower by about a second at 10,000 documents.)
        c.execute("INSERT INTO _dq (id) VALUES (-1)")
        c.execute("INSERT INTO _dq (q, sig) SELECT q, sig FROM reuse_sentences WHERE true ORDER BY doc_id, n "
                  "ON CONFLICT (q) DO UPDATE SET sig = excluded.sig WHERE excluded.sig < sig")
        c.execute("DELETE FROM _dq WHERE id = -1")
        c.execute("CREATE TEMP TABLE _occ AS SELECT d.id AS id, s.doc_id AS doc_id, s.n AS n, s.start AS s, "
                  "s.\"end\" AS e FROM reuse_sentences s JOIN _dq d ON d.q = s.q")
        c.execute("CREATE INDEX _occ_id ON _occ (id, doc_id, n)")
        # the number of documents of each: a table of its own (an UPDATE of _dq's rows made every later
        # write to the temporary database several times slower)
        c.execute("CREATE TEMP TABLE _dn (id INTEGER PRIMARY KEY, ndocs INTEGER)")
        c.execute("INSERT INTO _dn SELECT id, COUNT(DISTINCT doc_id) FROM _occ GROUP BY id")
        c.execute("CREATE TEMP TABLE _pairs (da TEXT, na INTEGER, db TEXT, nb INTEGER, sa INTEGER, ea INTEGER, "
                  "sb INTEGER, eb INTEGER, score REAL, PRIMARY KEY (da, na, db, nb))")

        @functools.lru_cache(maxsize=4096)  # pairs come sorted by their first sentence: it repeats
        def occurrences(i: int) -> list[tuple]:
            return c.execute("SELECT doc_id, n, s, e FROM _occ WHERE id = ? ORDER BY doc_id, n", (i,)).fetchall()

        def doc_set(i: int) -> set:
            return {r[0] for r in c.execute("SELECT DISTINCT doc_id FROM _occ WHERE id = ?", (i,))}

        issuers = _cached(lambda d: frozenset(split_multi(self.issuer(d))), 4096)
        pending: list[tuple] = []

        def add(a: tuple, b: tuple, score: float) -> None:
            if a[0] > b[0]:
                a, b = b, a
            if a[0] != b[0] and not (issuers(a[0]) & issuers(b[0])):
                pending.append((a[0], a[1], b[0], b[1], a[2], a[3], b[2], b[3], score))
            if len(pending) >= 5000:
                flush_pairs()

        def flush_pairs() -> None:
            c.executemany("INSERT INTO _pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (da, na, db, nb) "
                          "DO UPDATE SET score = MAX(score, excluded.score)", pending)
            pending.clear()

        for i, j, score in near_duplicates(c, doc_set, cr):
            if i == j:
                ids = occurrences(i)
                for x in range(len(ids)):
                    for y in range(x + 1, len(ids)):
                        add(ids[x], ids[y], score)
            else:
                oj = occurrences(j)
                for a in occurrences(i):
                    for b in oj:
                        add(a, b, score)
        flush_pairs()
        gap = cr.reuse_merge_gap + 1
        cur = c.execute("SELECT da, na, db, nb, sa, ea, sb, eb, score FROM _pairs ORDER BY da, db, na, nb")
        for (da, db), ms in groupby(cur, key=lambda r: (r[0], r[2])):
            ta, sqa = self._texts(da)
            tb, sqb = self._texts(db)

            def passage_score(ch):
                return fuzz.ratio(sqa(ch[0][4], ch[-1][5]), sqb(ch[0][6], ch[-1][7]))

            chains: list[list[tuple]] = []
            for m in ms:
                ia, ib = m[1], m[3]
                for ch in chains:
                    la, lb = ch[-1][1], ch[-1][3]
                    # join when the sentences follow each other in both texts and the
                    # joined passage (with what lies between) is still near-identical
                    if 0 < ia - la <= gap and 0 < ib - lb <= gap and (
                            (ia - la == 1 and ib - lb == 1) or passage_score(ch + [m]) >= cr.reuse_min_score):
                        ch.append(m)
                        break
                else:
                    chains.append([m])
            for ch in chains:
                sa, ea = ch[0][4], ch[-1][5]
                sb, eb = ch[0][6], ch[-1][7]
                score = ch[0][8] if len(ch) == 1 else passage_score(ch)
                self.row("text_reuse", "reused", da, text=ta[sa:ea], start=sa, end=ea, ref_doc_id=db,
                         ref_text=tb[sb:eb], ref_start=sb, ref_end=eb, score=round(score, 2),
                         detail=f"{len(ch)} matched sentence{'s' if len(ch) > 1 else ''}, passages of "
                                f"{ea - sa} and {eb - sb} characters")
            if len(self.pending) > 1000:
                self.flush()
        self.flush()
        for t in ("_pairs", "_occ", "_dq", "_dn"):
            c.execute(f"DROP TABLE IF EXISTS {t}")

    # -- (e) unsupported completion ------------------------------------------
    def unsupported(self, d: str) -> None:
        cr = self.cr
        problems = self.c.execute('SELECT problem_id, number, title, status, status_text, start, "end" FROM problems '
                                  "WHERE doc_id = ? ORDER BY rowid", (d,)).fetchall()
        if not any(_s(p[3]) in cr.completion_statuses for p in problems):
            return
        kinds = list(cr.evidence_kinds)
        evidence_starts = [_i(r[0]) for r in self.c.execute(evidence_sql(len(kinds)), [d] + kinds)]
        text = self.text(d)
        for pid, number, title, status, status_text, start, end in problems:
            if _s(status) not in cr.completion_statuses:
                continue
            start, end = _i(start), _i(end)
            if start is None or end is None:
                continue
            title = _s(title)
            body = start
            k = text.find(title, start, end) if title else -1
            if k >= 0:
                body = k + len(title)
            if any(body <= (s if s is not None else -1) < end for s in evidence_starts):
                continue
            # the claim: the first status word in the problem's text
            cs, ce = start, end
            for w in split_multi(status_text):
                k = text.find(w, body, end)
                if k >= 0:
                    cs, ce = k, k + len(w)
                    break
            self.row("unsupported_completion", "unsupported", d, problem_id=_s(pid),
                     text=text[cs:ce], start=cs, end=ce,
                     detail=f"problem {_s(number) or _s(pid)} ({title[:40]}) is marked "
                            f"{_s(status)} but its text holds no {', '.join(cr.evidence_kinds)}")


BIG_BUCKET = 64  # a MinHash bucket with more sentences than this is checked against one of them first
CDIST_MIN = 8  # from this many sentences, a bucket's pairs are scored in one rapidfuzz call (faster than a loop)


def components(n: int, u: np.ndarray, v: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
    """A label for each of n nodes, the same within each connected component of the edges (u, v)
    (hooking onto the smaller label and pointer jumping, vectorised): the smallest node of the component.

    ``labels``: those of edges already joined (what this returns), so that edges can come a chunk at a
    time: the components of all the edges, whatever the chunks."""
    labels = np.arange(n, dtype=np.int32) if labels is None else labels
    while True:
        lu, lv = labels[u], labels[v]
        low = np.minimum(lu, lv)
        new = labels.copy()
        # only the roots (every label is one) are hooked, so that a node never leaves its tree: edges of
        # earlier chunks, which are not seen again, stay joined
        for side in (lu, lv):
            np.minimum.at(new, side, low)
        new = new[new]
        if np.array_equal(new, labels):
            return labels
        labels = new


def near_duplicates(c, doc_set, cr: CheckRules):
    """Near-identical pairs among the distinct sentences of ``_dq``, formulas of the genre left out.

    Yields (i, j, score) for i < j, and (i, i, 100) for a sentence found in
    several documents. A family of near-identical sentences found in more than
    ``max_documents`` documents is a formula, not reuse between two units, and
    is left out whole; a large MinHash bucket is first checked against one of
    its members, so that no bucket costs more than a linear number of scores.
    ``doc_set(i)`` reads a distinct sentence's documents. Matched pairs wait on
    disk (``_nd``), so memory holds a bounded cache of scores, not every pair.
    """
    limit = cr.reuse_max_documents
    n_dq = c.execute("SELECT COALESCE(MAX(id), -1) + 1 FROM _dq").fetchone()[0]
    # 1 for a sentence of a family found so far in more than `limit` documents (a formula): one byte a
    # sentence, where a set of ids took about 70
    formula = bytearray(n_dq)
    # 1 for a sentence found in more than `limit` documents
    over = bytearray(n > limit for (n,) in c.execute("SELECT ndocs FROM _dn ORDER BY id"))
    for t in ("_nd", "_fam", "_famdocs", "_formula"):
        c.execute(f"DROP TABLE IF EXISTS {t}")
    c.execute("CREATE TEMP TABLE _nd (i INTEGER, j INTEGER, score REAL, PRIMARY KEY (i, j)) WITHOUT ROWID")
    # matched pairs waiting to be written, 24 bytes each (tuples would take six times that)
    pend_i, pend_j, pend_s = array("q"), array("q"), array("d")
    memo: dict[tuple[int, int], float] = {}  # scores already computed (cleared when large: only time is lost)
    memo_max = 4096  # pairs seldom recur (different bands' buckets hold different pairs): a small one does

    def flush() -> None:
        i, j, v = (np.frombuffer(a, dtype=a.typecode) for a in (pend_i, pend_j, pend_s))
        # once each (a pair recurs in several bands, always with the same score), in key order: the
        # B-tree takes them in far fewer page visits
        _, order = np.unique((i << 32) | j, return_index=True)
        for k in range(0, len(order), 5000):
            o = order[k:k + 5000]
            c.executemany("INSERT OR IGNORE INTO _nd VALUES (?, ?, ?)", zip(i[o].tolist(), j[o].tolist(), v[o].tolist()))
        del i, j, v
        for a in (pend_i, pend_j, pend_s):
            del a[:]

    def score(i: int, j: int, text: dict) -> float:
        key = (i, j) if i < j else (j, i)
        v = memo.get(key)
        if v is None:
            if len(memo) > memo_max:
                memo.clear()
            v = memo[key] = fuzz.ratio(text[i], text[j], score_cutoff=cr.reuse_min_score)
            if v:
                pend_i.append(key[0])
                pend_j.append(key[1])
                pend_s.append(v)
                if len(pend_i) >= 50_000:
                    flush()
        return v

    def score_all(g: list[int], text: dict) -> None:
        """score() of every pair of ``g`` (ascending), in one call to rapidfuzz: the same scores,
        without a Python step per pair. (The memo is left aside: pairs seldom recur across bands.)"""
        t = [text[i] for i in g]
        m = process.cdist(t, t, scorer=fuzz.ratio, score_cutoff=cr.reuse_min_score, dtype=np.float64)
        xs, ys = np.nonzero(np.triu(m, 1))  # x < y, in the order of the loop over pairs
        ga = np.asarray(g, dtype=np.int64)
        pend_i.frombytes(ga[xs].tobytes())
        pend_j.frombytes(ga[ys].tobytes())
        pend_s.frombytes(m[xs, ys].tobytes())
        if len(pend_i) >= 50_000:
            flush()

    # each band's buckets of two or more sentences, in order of their first sentence; the two
    # lists hold the members in the same order (one pass over the bucket's rows makes them). A
    # squeezed sentence holds no \x1f (squeeze drops it as a space), so it can part them.
    band_sql = ("SELECT group_concat(id, char(31)), group_concat(q, char(31)) "
                "FROM _dq GROUP BY substr(sig, ?, ?) HAVING COUNT(*) > 1 ORDER BY MIN(id)")
    width = 4 * cr.reuse_rows
    for band in range(cr.reuse_bands):
        for ids, texts in c.execute(band_sql, (band * width + 1, width)):
            ids = list(map(int, ids.split("\x1f")))
            g = sorted(i for i in ids if not over[i] and not formula[i])
            if len(g) < 2:
                continue
            text = dict(zip(ids, texts.split("\x1f")))
            if len(g) > BIG_BUCKET:
                family = [g[0]] + [i for i in g[1:] if score(g[0], i, text)]
                docs: set = set()
                for i in family:
                    docs |= doc_set(i)
                if len(docs) > limit:
                    for i in family:
                        formula[i] = 1
                    continue
                g = family if len(family) > 1 else []
                if len(g) > BIG_BUCKET:  # a family within the limit of documents but of many variants
                    continue
            if len(g) < CDIST_MIN:
                for x in range(len(g)):
                    for y in range(x + 1, len(g)):
                        score(g[x], g[y], text)
            else:
                score_all(g, text)
    flush()
    memo.clear()
    # families (connected near-identical sentences) over more than `limit` documents are formulas
    c.execute("CREATE TEMP TABLE _formula (id INTEGER PRIMARY KEY)")
    c.executemany("INSERT INTO _formula VALUES (?)",
                  ((i,) for i in np.flatnonzero(np.frombuffer(formula, dtype=np.uint8)).tolist()))
    del formula
    matched = ("FROM _nd n JOIN _dn a ON a.id = n.i JOIN _dn b ON b.id = n.j WHERE a.ndocs <= ? AND b.ndocs <= ? "
               "AND n.i NOT IN _formula AND n.j NOT IN _formula")
    # the families: components of the matched pairs, read a chunk at a time (labels per sentence id,
    # four bytes each; the pairs are never all in memory)
    labels = np.arange(n_dq, dtype=np.int32)
    paired = np.zeros(n_dq, dtype=bool)
    cur = c.execute(f"SELECT n.i, n.j {matched}", (limit, limit))
    while chunk := cur.fetchmany(20_000):
        ij = np.array(chunk, dtype=np.int32)
        paired[ij.ravel()] = True
        labels = components(n_dq, ij[:, 0], ij[:, 1], labels)
    members = np.flatnonzero(paired)
    c.execute("CREATE TEMP TABLE _fam (id INTEGER PRIMARY KEY, fam INTEGER)")
    c.executemany("INSERT INTO _fam VALUES (?, ?)", zip(members.tolist(), labels[members].tolist()))
    del members, labels, paired
    c.execute("CREATE TEMP TABLE _famdocs AS SELECT f.fam AS fam, COUNT(DISTINCT o.doc_id) AS ndocs FROM _fam f "
              "JOIN _occ o ON o.id = f.id GROUP BY f.fam")
    c.execute("CREATE INDEX _famdocs_fam ON _famdocs (fam)")
    yield from c.execute(f"SELECT n.i, n.j, n.score {matched} AND (SELECT d.ndocs FROM _fam f JOIN _famdocs d "
                         "ON d.fam = f.fam WHERE f.id = n.i) <= ? ORDER BY n.i, n.j", (limit, limit, limit))
    yield from c.execute("SELECT q.id, q.id, 100.0 FROM _dn q LEFT JOIN _fam f ON f.id = q.id LEFT JOIN _famdocs d "
                         "ON d.fam = f.fam WHERE q.ndocs > 1 AND q.ndocs <= ? AND q.id NOT IN _formula "
                         "AND COALESCE(d.ndocs, q.ndocs) <= ? ORDER BY q.id", (limit, limit))
    for t in ("_nd", "_fam", "_famdocs", "_formula"):
        c.execute(f"DROP TABLE IF EXISTS {t}")


class ReuseElsewhere:
    """The text-reuse check in a second process while this one does the other checks (a run with more
    than one job). It reads the store file on its own connection: what it reads (sentences, texts,
    issuers) was committed before it started, and the tables this process rewrites meanwhile are not
    among them. Its rows come back sorted, through a file beside the store, as its block of the table."""

    def __init__(self, store_path: str, cr: CheckRules):
        fd, self.out = tempfile.mkstemp(prefix=".reuse-", suffix=".jsonl", dir=Path(store_path).parent)
        os.close(fd)
        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")
        self.proc = ctx.Process(target=_reuse_process, args=(store_path, cr, self.out), daemon=True)
        self.proc.start()

    def rows(self):
        """The check's rows in the table's order, once the process is done."""
        self.proc.join()
        try:
            if self.proc.exitcode != 0:
                err = Path(self.out + ".err")
                why = err.read_text(encoding="utf-8") if err.exists() else f"exit code {self.proc.exitcode}"
                raise RuntimeError(f"the text-reuse check failed in its process:\n{why}")
            with open(self.out, encoding="utf-8") as f:
                for line in f:
                    yield json.loads(line)
        finally:
            self.close()

    def close(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        for p in (self.out, self.out + ".err"):
            Path(p).unlink(missing_ok=True)


def _reuse_process(store_path: str, cr: CheckRules, out: str) -> None:
    try:
        conn = sqlite3.connect(store_path, isolation_level=None)  # it writes temp tables only
        ch = Checker(SimpleNamespace(conn=conn), cr)
        ch.text_reuse()
        with open(out, "w", encoding="utf-8") as f:
            for r in ch.sorted_rows():
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        conn.close()
    except BaseException:
        Path(out + ".err").write_text(traceback.format_exc(), encoding="utf-8")
        os._exit(1)


def write_checks(st, cr: CheckRules, reuse: ReuseElsewhere | None = None, meanwhile=None) -> None:
    """The ``checks`` table, sorted (kind, document, position, referenced document) and numbered k1, k2 …

    ``reuse``: the text-reuse check under way in another process (else it runs here); ``meanwhile``:
    work to do while it finishes (called once the other checks are done)."""
    ch = Checker(st, cr)
    ch.documents()
    ch.consistency()
    if reuse is None:
        ch.text_reuse()
        rows = ch.sorted_rows()
    else:
        if meanwhile is not None:
            meanwhile()
        k = KIND_ORDER.index("text_reuse")
        rows = chain(ch.sorted_rows(range(k)), reuse.rows(), ch.sorted_rows(range(k + 1, len(KIND_ORDER))))
    batch = []
    for n, r in enumerate(rows, 1):
        r["check_id"] = f"k{n}"
        batch.append(r)
        if len(batch) >= 2000:
            st.insert_derived("checks", batch)
            batch = []
    st.insert_derived("checks", batch)
    st.conn.execute("DELETE FROM _chk")
