"""A reproducible synthetic corpus made by mutating the real seed notices.

Every synthetic document is one of the seed documents in ``corpus/`` with:

- the order of its problems varied: within each top-level part (一、… or 【…】)
  the sibling blocks of its first list style ((一), (1), 1., 问题N：, ▲) are
  shuffled and renumbered, and now and then one block is dropped or repeated,
  so sizes spread around the seeds' own sizes;
- its dates moved: one random offset in days per document, applied to every
  full date, year-month, month-day and bare year, so ranges stay ranges;
- its other numbers redrawn with the same number of digits (list markers, codes
  such as GB 3838-2002 and numbers joined by - / : are kept);
- its people renamed: names found after a title (书记, 市长, 联系人： …) are
  replaced, everywhere in the document, by recombined surnames and given names
  of the people named in the seeds;
- its places (and so the bodies named after them) renamed: city and county
  names from ``rules/gazetteer.tsv`` are swapped for others of the same level
  and suffix, one mapping per document.

Nothing is invented: every sentence is a seed's sentence. The corpus depends
only on (n, seed) and the input files (seeds, gazetteer, this file), so
``make_corpus(n, dir, seed=s)`` writes the same bytes every time.

    python benchmarks/synth.py 1000 /tmp/corpus --seed 1
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import tempfile
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "corpus"
GAZETTEER = ROOT / "rules" / "gazetteer.tsv"
VERSION = 1  # bump when the generator changes what it writes
DEFAULT_SEED = 20251127

_CN = "零一二三四五六七八九"


def cn_numeral(n: int) -> str:
    """1..99 as a Chinese numeral (十一, 二十三)."""
    if n < 10:
        return _CN[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")


# -- problem order -------------------------------------------------------------
# Top-level parts: "一、…" headings and "【…】" bulletin headings.
_TOP = regex.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}、|【[^】\n]{1,20}】\s*$)")
# Sibling list styles, tried in this order at each line start; the marker is group 1.
_STYLES = {
    "cn_paren": regex.compile(r"^\s*([（(][一二三四五六七八九十]{1,3}[)）])"),
    "num_paren": regex.compile(r"^\s*([（(]\d{1,2}[)）])"),
    "num_dot": regex.compile(r"^\s*(\d{1,2}[.．、])(?!\d)"),
    "problem_no": regex.compile(r"^\s*(问题\s*\d{1,3})\s*[：:]"),
    "bullet": regex.compile(r"^\s*(▲|-\s*★|★|●|■)"),
}


def _style_of(line: str) -> str | None:
    for name, pat in _STYLES.items():
        if pat.match(line):
            return name
    return None


def _renumber(line: str, style: str, index: int) -> str:
    """The block's first line with its marker's number replaced by ``index`` (1-based)."""
    m = _STYLES[style].match(line)
    if style == "bullet" or not m:
        return line
    marker = m.group(1)
    if style == "cn_paren":
        new = regex.sub(r"[一二三四五六七八九十]{1,3}", cn_numeral(index), marker, count=1)
    else:
        new = regex.sub(r"\d{1,3}", str(index), marker, count=1)
    return line[:m.start(1)] + new + line[m.end(1):]


def _reorder_part(lines: list[str], rng: random.Random) -> list[str]:
    """Shuffle the sibling blocks of one top-level part (its heading line first)."""
    style, first = None, None
    for i in range(1, len(lines)):
        style = _style_of(lines[i])
        if style:
            first = i
            break
    if style is None:
        return lines
    starts = [i for i in range(first, len(lines)) if _STYLES[style].match(lines[i])]
    if len(starts) < 2:
        return lines
    blocks = [lines[a:b] for a, b in zip(starts, starts[1:] + [len(lines)])]
    # The last block runs to the end of the part, which may hold a closing paragraph or
    # a signature: keep only as many lines as the longest sibling, the rest stays put.
    cap = max(len(b) for b in blocks[:-1])
    suffix = blocks[-1][cap:]
    blocks[-1] = blocks[-1][:cap]
    rng.shuffle(blocks)
    r = rng.random()
    if r < 0.2 and len(blocks) >= 3:
        del blocks[rng.randrange(len(blocks))]
    elif r < 0.4:
        blocks.insert(rng.randrange(len(blocks) + 1), list(rng.choice(blocks)))
    out = lines[:first]
    for k, block in enumerate(blocks, 1):
        out.append(_renumber(block[0], style, k))
        out.extend(block[1:])
    return out + suffix


def reorder(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    tops = [0] + [i for i, ln in enumerate(lines) if i and _TOP.match(ln)] + [len(lines)]
    out: list[str] = []
    for a, b in zip(tops, tops[1:]):
        out.extend(_reorder_part(lines[a:b], rng))
    return "\n".join(out)


# -- dates and numbers -----------------------------------------------------------
_NUMBERS = regex.compile(r"""
  (?P<ymd>(?<!\d)(?P<y1>\d{4})(?P<a1>\s{0,2}年\s{0,2})(?P<m1>\d{1,2})(?P<a2>\s{0,2}月\s{0,2})(?P<d1>\d{1,2})(?=\s{0,2}[日号]))
| (?P<ym>(?<!\d)(?P<y2>\d{4})(?P<a3>\s{0,2}年\s{0,2})(?P<m2>\d{1,2})(?=\s{0,2}月))
| (?P<md>(?<!\d)(?P<m3>\d{1,2})(?P<a4>\s{0,2}月\s{0,2})(?P<d3>\d{1,2})(?=\s{0,2}[日号]))
| (?P<year>(?<!\d)(?:19|20)\d{2}(?=\s{0,2}年|[〕\]］】]))
| (?P<keep>^[ \t]{0,8}\d{1,2}[.．、]
          | [（(]\d{1,2}[)）]
          | 问题\s{0,2}\d{1,3}
          | \d{1,2}(?=\s{0,2}[月日时])
          | [A-Za-z][A-Za-z0-9.\-]{0,20}
          | \d{1,12}(?=[A-Za-z\-/:：])
          | (?<=[\-/:：])\d{1,12})
| (?P<num>(?<![\d.])\d{1,15}(?:\.\d{1,8})?)
""", regex.X | regex.M)


def _digits(rng: random.Random, like: str) -> str:
    """Random digits, as many as in ``like``; the leading digit stays non-zero (or zero), and long
    numbers (phones, ids) keep their first two digits so a mobile number still looks like one."""
    if len(like) >= 7:
        head = like[:2]
    elif not like or like[0] == "0":
        head = like[:1]
    else:
        head = str(rng.randint(1, 9))
    return head + "".join(str(rng.randint(0, 9)) for _ in like[len(head):])


def _shift_ym(y: int, m: int, months: int) -> tuple[int, int]:
    k = y * 12 + (m - 1) + months
    return k // 12, k % 12 + 1


def mutate_numbers(text: str, rng: random.Random) -> str:
    days = rng.randint(-730, 365)
    months = round(days / 30.4)
    years = round(days / 365.25)

    def shift(y: int, m: int, d: int) -> dt.date:
        try:
            base = dt.date(y, m, d)
        except ValueError:
            base = dt.date(y, min(max(m, 1), 12), 28)
        return base + dt.timedelta(days=days)

    def sub(m: regex.Match) -> str:
        kind = "num"
        for k in ("ymd", "ym", "md", "year", "keep", "num"):
            if m.group(k) is not None:
                kind = k
                break
        if kind == "ymd":
            d = shift(int(m["y1"]), int(m["m1"]), int(m["d1"]))
            return f"{d.year}{m['a1']}{d.month}{m['a2']}{d.day}"
        if kind == "ym":
            y, mo = _shift_ym(int(m["y2"]), int(m["m2"]), months)
            return f"{y}{m['a3']}{mo}"
        if kind == "md":
            d = shift(2023, int(m["m3"]), int(m["d3"]))
            return f"{d.month}{m['a4']}{d.day}"
        if kind == "year":
            return str(int(m.group()) + years)
        if kind == "keep":
            return m.group()
        whole, _, frac = m.group().partition(".")
        return _digits(rng, whole) + ("." + "".join(str(rng.randint(0, 9)) for _ in frac) if frac else "")

    return _NUMBERS.sub(sub, text)


# -- people and places -----------------------------------------------------------
_TITLED_NAME = regex.compile(
    r"(?:书记|市长|区长|县长|主任|主席|秘书长|局长|部长|签发人[：:]|联系人[：:])\s{0,2}"
    r"(?P<name>\p{Han}{2,3}?)"
    r"(?=[，、。；：:\s（(）)]|率|带队|主持|出席|强调|要求|参加|迅速|指出|表示|讲话|召开)")


def find_people(text: str) -> list[str]:
    """Names that follow a title or a 签发人/联系人 label, in order of first mention."""
    seen: dict[str, None] = {}
    for m in _TITLED_NAME.finditer(text):
        seen.setdefault(m["name"], None)
    return list(seen)


def _alternation(words) -> regex.Pattern | None:
    words = sorted(set(words), key=lambda w: (-len(w), w))
    return regex.compile("|".join(regex.escape(w) for w in words)) if words else None


def load_places(path: Path = GAZETTEER) -> dict[tuple[str, str], list[str]]:
    """City and county names of three or more characters, by (level, suffix)."""
    groups: dict[tuple[str, str], set[str]] = {}
    if not path.exists():
        return {}
    header = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        if header is None:
            header = cols
            continue
        row = dict(zip(header, cols))
        name, level = row.get("name", ""), row.get("level", "")
        if level in ("city", "county") and len(name) >= 3 and name[-1] in "市区县州盟旗":
            groups.setdefault((level, name[-1]), set()).add(name)
    return {k: sorted(v) for k, v in groups.items()}


class Seed:
    """One seed document with what may be swapped in it."""

    def __init__(self, path: Path, places: dict[tuple[str, str], list[str]]):
        self.name = path.name
        self.text = path.read_text(encoding="utf-8")
        self.people = find_people(self.text)
        self.places = {n: key for key, names in places.items() for n in names if n in self.text}


class Generator:
    def __init__(self, seed_dir: Path = SEED_DIR, gazetteer: Path = GAZETTEER):
        paths = sorted(p for p in Path(seed_dir).glob("*.txt"))
        if not paths:
            raise FileNotFoundError(f"no seed documents (*.txt) in {seed_dir}")
        self.places = load_places(gazetteer)
        self.seeds = [Seed(p, self.places) for p in paths]
        people = sorted({n for s in self.seeds for n in s.people})
        self.surnames = sorted({n[0] for n in people})
        self.given = sorted({n[1:] for n in people})
        h = hashlib.sha256(f"v{VERSION}".encode())
        for p in paths + [Path(__file__)] + ([gazetteer] if Path(gazetteer).exists() else []):
            h.update(p.name.encode() + b"\0" + p.read_bytes())
        self.fingerprint = h.hexdigest()[:12]

    def document(self, i: int, seed: int) -> tuple[str, str]:
        """The i-th document for ``seed``: (seed file name, text)."""
        rng = random.Random(f"zhenggai-synth:{seed}:{i}")
        src = self.seeds[i % len(self.seeds)]
        text = reorder(src.text, rng)
        swaps: dict[str, str] = {}
        for name, key in src.places.items():
            pool = self.places[key]
            swaps[name] = rng.choice(pool)
        used = set(src.people)
        for name in src.people:
            for _ in range(20):  # distinct people stay distinct
                new = rng.choice(self.surnames) + rng.choice(self.given)
                if new not in used:
                    break
            used.add(new)
            swaps[name] = new
        pat = _alternation(swaps)
        if pat is not None:
            text = pat.sub(lambda m: swaps[m.group()], text)
        return src.name, mutate_numbers(text, rng)


def make_corpus(n: int, out_dir: str | os.PathLike, seed: int = DEFAULT_SEED,
                seed_dir: str | os.PathLike = SEED_DIR) -> dict:
    """Write ``n`` synthetic documents into ``out_dir`` and return its manifest.

    A folder that already holds the manifest of the same (n, seed, inputs) is reused as it is;
    otherwise the documents are written into a fresh folder which then replaces ``out_dir``.
    """
    out = Path(out_dir)
    gen = Generator(Path(seed_dir))
    want = {"n": n, "seed": seed, "fingerprint": gen.fingerprint}
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        try:
            have = json.loads(manifest_path.read_text(encoding="utf-8"))
            if all(have.get(k) == v for k, v in want.items()):
                return have
        except (ValueError, OSError):
            pass
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".", dir=out.parent))
    docs = tmp / "docs"
    docs.mkdir()
    total, sources = 0, {}
    for i in range(n):
        src, text = gen.document(i, seed)
        data = text.encode("utf-8")
        (docs / f"synth_{i:06d}.txt").write_bytes(data)
        total += len(data)
        sources[src] = sources.get(src, 0) + 1
    manifest = dict(want, bytes=total, sources=sources, docs="docs")
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)
    return manifest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Write a reproducible synthetic corpus mutated from the seeds.")
    ap.add_argument("n", type=int, help="number of documents")
    ap.add_argument("out", help="output folder (documents go into OUT/docs)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    args = ap.parse_args(argv)
    m = make_corpus(args.n, args.out, seed=args.seed)
    print(f"{m['n']} documents, {m['bytes'] / 1e6:.2f} MB -> {Path(args.out) / m['docs']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
