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

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from rapidfuzz import fuzz

from .derive import (CheckRules, UnionFind, _attrs, _f, _fmt, _frame, _i, _s, change_interval, decimals, minhash_buckets,
                     half_unit, sentence_spans, shift_period, split_multi, Squeezed, subject_key, subject_keys)

def _round_half_up(x: float, places: int) -> Decimal:
    """四舍五入 as statistics are rounded, on the figure cleaned of float noise."""
    return Decimal(repr(round(x, 9))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


KIND_ORDER = ["arithmetic", "target", "consistency", "text_reuse", "unsupported_completion"]


@dataclass
class Obs:
    """An indicator or change fact, read once."""
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


def _obs(f: dict, docs: dict, cr: CheckRules, skeys: dict) -> Obs:
    attrs = _attrs(f.get("attrs"))
    doc = docs.get(_s(f["doc_id"]), {})
    subject = _s(attrs.get("subject", ""))
    skey = skeys.get((_s(f["doc_id"]), _s(f["fact_id"]))) or subject_key(subject, doc.get("issuers"), cr)
    return Obs(_s(f["doc_id"]), _s(f["fact_id"]), _s(f.get("kind")), _s(f.get("text")), _i(f.get("start")) or 0,
               _i(f.get("end")) or 0, _s(f.get("name")), _f(f.get("value")), _s(f.get("unit")), _s(f.get("period")),
               _s(f.get("role")), subject, skey, _s(f.get("problem_id")),
               attrs)


class Checker:
    def __init__(self, docs: dict, facts: list[dict], problems: list[dict], texts: dict, cr: CheckRules):
        self.docs, self.problems, self.texts, self.cr = docs, problems, texts, cr
        self.facts_by_doc: dict[str, list[dict]] = defaultdict(list)
        self.ind: list[Obs] = []
        self.changes: list[Obs] = []
        skeys = subject_keys(facts, docs, cr)
        for f in facts:
            self.facts_by_doc[_s(f["doc_id"])].append(f)
            kind = _s(f.get("kind"))
            if kind == "indicator":
                self.ind.append(_obs(f, docs, cr, skeys))
            elif kind == "change":
                self.changes.append(_obs(f, docs, cr, skeys))
        self.ind_by_doc: dict[str, list[Obs]] = defaultdict(list)
        for o in self.ind:
            self.ind_by_doc[o.doc_id].append(o)
        for v in self.ind_by_doc.values():
            v.sort(key=lambda o: o.start)
        # observations by (indicator, subject, unit, period) for baselines across documents
        self.by_key: dict[tuple, list[Obs]] = defaultdict(list)
        for o in self.ind:
            if o.value is not None and o.period:
                self.by_key[(o.name, o.skey, o.unit, o.period)].append(o)
        self.rows: list[dict] = []

    # -- helpers --------------------------------------------------------------
    def issuer(self, doc_id: str) -> str:
        return _s(self.docs.get(doc_id, {}).get("issuers"))

    def row(self, kind: str, verdict: str, doc_id: str, **kw) -> dict:
        r = {"kind": kind, "verdict": verdict, "doc_id": doc_id, "issuer": self.issuer(doc_id)}
        if kw.get("ref_doc_id"):
            r["ref_issuer"] = self.issuer(kw["ref_doc_id"])
        r.update(kw)
        self.rows.append(r)
        return r

    @staticmethod
    def claim(o: Obs) -> dict:
        subject = o.subject or ("" if o.skey.startswith("@") else o.skey)
        return {"indicator": o.name, "subject": subject, "fact_id": o.fact_id, "problem_id": o.problem_id,
                "text": o.text, "start": o.start, "end": o.end}

    @staticmethod
    def ref(o: Obs) -> dict:
        return {"ref_doc_id": o.doc_id, "ref_fact_id": o.fact_id, "ref_role": o.role, "ref_period": o.period,
                "ref_text": o.text, "ref_start": o.start, "ref_end": o.end, "reference": o.value}

    # -- (a) arithmetic ------------------------------------------------------
    def _current_value(self, c: Obs) -> Obs | None:
        best = None
        for o in self.ind_by_doc.get(c.doc_id, []):
            if o.start >= c.start:
                break
            if (o.name == c.name and o.role == "actual" and o.value is not None
                    and c.start - o.end <= self.cr.value_window):
                best = o
        return best

    def _baseline(self, c: Obs, new: Obs) -> Obs | None:
        cr = self.cr
        # stated between the value and the change: "0.069，较去年同期0.080下降13.8%"
        between = [o for o in self.ind_by_doc.get(c.doc_id, []) if o.name == c.name and o.role in cr.baseline_roles
                   and new.end <= o.start < c.end and o.value is not None and o is not new]
        if between:
            return between[-1]
        # a change's period is the period it compares with (较去年同期 -> a year before the value's)
        want = c.period or shift_period(new.period, -1)
        if not want:
            return None
        cands = [o for o in self.by_key.get((new.name, new.skey, new.unit, want), []) if o.role in cr.baseline_roles]
        same = [o for o in cands if o.doc_id == c.doc_id]
        if same:
            return same[0]
        if not cr.cross_document:
            return None
        other = [o for o in cands if o.doc_id != c.doc_id]
        if not other:
            return None
        counts = Counter(o.value for o in other)
        top = max(counts.values())
        return next(o for o in sorted(other, key=lambda o: (o.doc_id, o.start)) if counts[o.value] == top)

    def arithmetic(self) -> None:
        cr = self.cr
        seen = set()
        for c in self.changes:
            if c.value is None or not c.name or c.unit not in cr.relative_units + cr.point_units:
                continue
            new = self._current_value(c)
            if new is None:
                continue
            base = self._baseline(c, new)
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
    def targets(self) -> None:
        cr = self.cr
        for t in self.ind:
            if t.role != "target" or t.value is None:
                continue
            direction = cr.direction(t.name)
            if not direction:
                continue
            same = [o for o in self.ind_by_doc.get(t.doc_id, []) if o.role == "actual" and o.name == t.name
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
        cr = self.cr
        groups: dict[tuple, dict[str, list[Obs]]] = defaultdict(lambda: defaultdict(list))
        for o in self.ind:
            if o.role in cr.consistency_roles and o.value is not None and o.period:
                groups[(o.name, o.skey, o.unit, o.period)][o.doc_id].append(o)
        for key, by_doc in sorted(groups.items()):
            if len(by_doc) < 2:
                continue
            # each document's value: the one it states most often (ties: the first)
            rep = {}
            for d, obs in by_doc.items():
                cnt = Counter(o.value for o in obs)
                top = max(cnt.values())
                rep[d] = next(o for o in obs if cnt[o.value] == top)
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

    def _pair(self, verdict: str, a: Obs, b: Obs) -> None:
        tol = a.half + b.half + self.cr.consistency_extra
        self.row("consistency", verdict, a.doc_id, **self.claim(a), **self.ref(b), period=a.period, unit=a.unit,
                 stated=a.value, difference=round(a.value - b.value, 6), tolerance=round(tol, 6),
                 detail=f"{a.name} {a.subject or b.subject} {a.period}: {_fmt(a.value)} in {a.doc_id} vs {_fmt(b.value)} in "
                        f"{b.doc_id} ({'agree' if verdict == 'ok' else 'differ'} within ± {_fmt(round(tol, 6))})")

    # -- (d) text reuse ------------------------------------------------------
    def text_reuse(self) -> None:
        cr = self.cr
        issuers = {d: set(split_multi(self.docs.get(d, {}).get("issuers"))) for d in self.texts}
        sents: list[tuple[str, int, int, int]] = []  # doc, index in doc, start, end
        norm_of: list[str] = []
        squeezed = {}
        for d in sorted(self.texts):
            text = self.texts[d] or ""
            sq = squeezed[d] = Squeezed(text)
            for n, (s, e) in enumerate(sentence_spans(text, cr.split)):
                q = sq(s, e)
                if len(q) >= cr.reuse_min_chars:
                    sents.append((d, n, s, e))
                    norm_of.append(q)
        occ: dict[str, list[int]] = defaultdict(list)
        for i, q in enumerate(norm_of):
            occ[q].append(i)
        distinct = list(occ)
        docs_of = [{sents[i][0] for i in occ[q]} for q in distinct]
        pairs: dict[tuple[int, int], float] = {}

        def different(a: int, b: int) -> bool:
            da, db = sents[a][0], sents[b][0]
            return da != db and not (issuers.get(da, set()) & issuers.get(db, set()))

        def add(a: int, b: int, score: float) -> None:
            if sents[a][0] > sents[b][0]:
                a, b = b, a
            if different(a, b) and pairs.get((a, b), -1) < score:
                pairs[(a, b)] = score

        for (i, j), score in near_duplicates(distinct, docs_of, cr).items():
            if i == j:
                ids = occ[distinct[i]]
                for x in range(len(ids)):
                    for y in range(x + 1, len(ids)):
                        add(ids[x], ids[y], score)
            else:
                for a in occ[distinct[i]]:
                    for b in occ[distinct[j]]:
                        add(a, b, score)
        # join matched sentences that follow each other in both documents into passages
        by_docs: dict[tuple[str, str], list[tuple[int, int, float]]] = defaultdict(list)
        for (a, b), score in pairs.items():
            by_docs[(sents[a][0], sents[b][0])].append((a, b, score))
        gap = cr.reuse_merge_gap + 1
        for (da, db), ms in sorted(by_docs.items()):
            ta, tb = self.texts[da], self.texts[db]

            sa_, sb_ = squeezed[da], squeezed[db]

            def passage_score(ch):
                qa = sa_(sents[ch[0][0]][2], sents[ch[-1][0]][3])
                qb = sb_(sents[ch[0][1]][2], sents[ch[-1][1]][3])
                return fuzz.ratio(qa, qb)

            ms.sort(key=lambda m: (sents[m[0]][1], sents[m[1]][1]))
            chains: list[list[tuple[int, int, float]]] = []
            for m in ms:
                ia, ib = sents[m[0]][1], sents[m[1]][1]
                for ch in chains:
                    la, lb = sents[ch[-1][0]][1], sents[ch[-1][1]][1]
                    # join when the sentences follow each other in both texts and the
                    # joined passage (with what lies between) is still near-identical
                    if 0 < ia - la <= gap and 0 < ib - lb <= gap and (
                            (ia - la == 1 and ib - lb == 1) or passage_score(ch + [m]) >= cr.reuse_min_score):
                        ch.append(m)
                        break
                else:
                    chains.append([m])
            for ch in chains:
                sa, ea = sents[ch[0][0]][2], sents[ch[-1][0]][3]
                sb, eb = sents[ch[0][1]][2], sents[ch[-1][1]][3]
                score = ch[0][2] if len(ch) == 1 else passage_score(ch)
                self.row("text_reuse", "reused", da, text=ta[sa:ea], start=sa, end=ea, ref_doc_id=db,
                         ref_text=tb[sb:eb], ref_start=sb, ref_end=eb, score=round(score, 2),
                         detail=f"{len(ch)} matched sentence{'s' if len(ch) > 1 else ''}, passages of "
                                f"{ea - sa} and {eb - sb} characters")

    # -- (e) unsupported completion ------------------------------------------
    def unsupported(self) -> None:
        cr = self.cr
        kinds = set(cr.evidence_kinds)
        for p in self.problems:
            if _s(p.get("status")) not in cr.completion_statuses:
                continue
            d = _s(p["doc_id"])
            text = self.texts.get(d, "")
            start, end = _i(p.get("start")), _i(p.get("end"))
            if start is None or end is None:
                continue
            title = _s(p.get("title"))
            body = start
            k = text.find(title, start, end) if title else -1
            if k >= 0:
                body = k + len(title)
            evidence = [f for f in self.facts_by_doc.get(d, []) if _s(f.get("kind")) in kinds
                        and body <= (_i(f.get("start")) or -1) < end]
            if evidence:
                continue
            # the claim: the first status word in the problem's text
            cs, ce = start, end
            for w in split_multi(p.get("status_text")):
                k = text.find(w, body, end)
                if k >= 0:
                    cs, ce = k, k + len(w)
                    break
            self.row("unsupported_completion", "unsupported", d, problem_id=_s(p.get("problem_id")),
                     text=text[cs:ce], start=cs, end=ce,
                     detail=f"problem {_s(p.get('number')) or _s(p.get('problem_id'))} ({title[:40]}) is marked "
                            f"{_s(p.get('status'))} but its text holds no {', '.join(cr.evidence_kinds)}")


BIG_BUCKET = 64  # a MinHash bucket with more sentences than this is checked against one of them first


def near_duplicates(distinct: list[str], docs_of: list[set], cr: CheckRules) -> dict[tuple[int, int], float]:
    """Scores of near-identical pairs among distinct sentences, formulas of the genre left out.

    Returns {(i, j): score} for i < j (and {(i, i): 100} for a sentence found in
    several documents). A family of near-identical sentences found in more than
    ``max_documents`` documents is a formula, not reuse between two units, and
    is left out whole; a large MinHash bucket is first checked against one of
    its members, so that no bucket costs more than a linear number of scores.
    """
    limit = cr.reuse_max_documents
    formula = {i for i, d in enumerate(docs_of) if len(d) > limit}
    scores: dict[tuple[int, int], float] = {}

    def score(i, j):
        key = (i, j) if i < j else (j, i)
        if key not in scores:
            scores[key] = fuzz.ratio(distinct[i], distinct[j], score_cutoff=cr.reuse_min_score)
        return scores[key]

    if len(distinct) > 1:
        for g in minhash_buckets(distinct, cr.reuse_shingle, cr.reuse_bands, cr.reuse_rows):
            g = [i for i in g if i not in formula]
            if len(g) > BIG_BUCKET:
                family = [g[0]] + [i for i in g[1:] if score(g[0], i)]
                if len(set().union(*(docs_of[i] for i in family))) > limit:
                    formula.update(family)
                    continue
                g = family if len(family) > 1 else []
                if len(g) > BIG_BUCKET:  # a family within the limit of documents but of many variants
                    continue
            for x in range(len(g)):
                for y in range(x + 1, len(g)):
                    score(g[x], g[y])
    # families (connected near-identical sentences) over more than `limit` documents are formulas
    families = UnionFind(len(distinct))
    find = families.find
    matched = {k: v for k, v in scores.items() if v and k[0] not in formula and k[1] not in formula}
    for i, j in matched:
        families.union(i, j)
    fam_docs: dict[int, set] = defaultdict(set)
    for i in range(len(distinct)):
        if i not in formula:
            fam_docs[find(i)] |= docs_of[i]
    out = {k: v for k, v in matched.items() if len(fam_docs[find(k[0])]) <= limit}
    for i, d in enumerate(docs_of):
        if len(d) > 1 and i not in formula and len(fam_docs[find(i)]) <= limit:
            out[(i, i)] = 100.0
    return out


def run_checks(docs: dict, facts: list[dict], problems: list[dict], indicators: pd.DataFrame, texts: dict,
               cr: CheckRules) -> pd.DataFrame:
    ch = Checker(docs, facts, problems, texts, cr)
    ch.arithmetic()
    ch.targets()
    ch.consistency()
    ch.text_reuse()
    ch.unsupported()
    rows = sorted(ch.rows, key=lambda r: (KIND_ORDER.index(r["kind"]), r["doc_id"], r.get("start") or 0,
                                          r.get("ref_doc_id") or "", r.get("ref_start") or 0))
    for n, r in enumerate(rows, 1):
        r["check_id"] = f"k{n}"
    return _frame("checks", rows)
