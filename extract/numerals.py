"""Numbers as Chinese documents write them: Arabic or Chinese, with 万/亿.

Small and dependency-free, for any stage that reads an amount:

>>> parse_number("251023.54万")
2510235400.0
>>> parse_number("1,087")
1087.0
>>> parse_number("２４万余")
240000.0
>>> cn_to_number("三千五百")
3500.0
>>> cn_to_number("十四五") is None   # a slogan, not a number
True
>>> parse_amount("约1.5万")
(15000.0, True)

Arithmetic is decimal, so 251023.54万 is exactly 2510235400 (not ...400.0000002).
"""
from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

# Chinese digits, including the financial (大写) forms.
CN_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9,
    "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9,
}
# Units below 万 and the section multipliers.
CN_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
# Shorthand tens: 廿 = 二十, 卅 = 三十.
CN_TENS = {"廿": 20, "卅": 30}
# Words of approximation around an amount: 约1.5万, 20余, 100多, 近千.
APPROX_PREFIXES = ("大约", "将近", "接近", "超过", "约", "近", "逾", "多达")
APPROX_MARKS = ("余", "多", "左右", "上下", "以上", "许")

_CN_CHARS = set(CN_DIGITS) | set(CN_SMALL_UNITS) | set(CN_BIG_UNITS) | set(CN_TENS)
_SEPARATORS = {",", "，", "'", " ", "\u00a0", "\u2009"}  # thousands separators


def _fold(s: str) -> str:
    """Full-width (and other Unicode) digits and points to ASCII."""
    out = []
    for ch in s:
        if ch.isdigit() and not ch.isascii():
            try:
                out.append(str(unicodedata.digit(ch)))
                continue
            except (TypeError, ValueError):
                pass
        out.append("." if ch == "．" else ch)
    return "".join(out)


def _num(d: Decimal) -> float:
    return float(d)


def _arabic(s: str) -> Decimal | None:
    """'1,087' / '251023.54' / '1 087' -> Decimal; None if not a plain Arabic number."""
    s = _fold(s).strip()
    if not s:
        return None
    if any(c in _SEPARATORS for c in s):
        head, *groups = [g for g in s.replace("，", ",").replace(" ", ",").replace("\u00a0", ",")
                         .replace("\u2009", ",").replace("'", ",").split(",")]
        # thousands groups: 1-3 digits, then groups of exactly three (the last may carry decimals)
        if not (head.isdigit() and 1 <= len(head) <= 3 and groups):
            return None
        for i, g in enumerate(groups):
            whole = g.split(".", 1)[0] if i == len(groups) - 1 else g
            if not (whole.isdigit() and len(whole) == 3) or (i < len(groups) - 1 and "." in g):
                return None
        s = head + "".join(groups)
    if s.count(".") > 1 or s.startswith(".") or s.endswith("."):
        return None
    if not s.replace(".", "").isdigit():
        return None
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def _cn_below_wan(s: str) -> int | None:
    """一..九千九百九十九 in Chinese characters; None if malformed."""
    if not s:
        return 0
    total, digit, last_unit, saw_zero = 0, None, None, False
    for ch in s:
        if ch in CN_DIGITS:
            d = CN_DIGITS[ch]
            if d == 0:
                if digit is not None:
                    return None
                saw_zero = True
                continue
            if digit is not None:
                return None  # two digits in a row: 十四五 is not a number
            digit = d
        elif ch in CN_SMALL_UNITS:
            u = CN_SMALL_UNITS[ch]
            if last_unit is not None and u >= last_unit:
                return None  # units must fall: 百十 is fine, 十百 is not
            if digit is None:
                # only 十 stands without a digit: at the start (十五) or after 零 (一百零十)
                if u != 10 or not (last_unit is None or saw_zero):
                    return None
                digit = 1
            total += digit * u
            digit, last_unit, saw_zero = None, u, False
        elif ch in CN_TENS:
            if digit is not None or total:
                return None
            total, last_unit = CN_TENS[ch], 10
        else:
            return None
    if digit is not None:
        if last_unit and last_unit >= 100 and not saw_zero:
            total += digit * last_unit // 10  # 三千五 = 3500, 两百五 = 250
        else:
            total += digit
    return total


def cn_to_number(s: str) -> float | None:
    """A number in Chinese characters -> float, or None if ``s`` is not one.

    Reads 三千 (3000), 二十四万 (240000), 一亿二千万 (120000000), 两万五 (25000),
    一百零五 (105) and digit strings such as 二〇二三 (2023). Rejects what only
    looks numeric: 十四五 (two digits in a row after a unit), 十百, a bare 百.
    """
    s = (s or "").strip()
    if not s or any(c not in _CN_CHARS for c in s):
        return None
    if len(s) > 1 and all(c in CN_DIGITS for c in s):
        return float(int("".join(str(CN_DIGITS[c]) for c in s)))  # 二〇二三
    v = _cn_int(s)
    return None if v is None else float(v)


def _cn_int(s: str) -> int | None:
    if "亿" in s:
        head, _, tail = s.partition("亿")
        hi = _cn_int(head) if head else None  # a bare 亿 is a word, not a number
        if not hi:
            return None
        lo = _cn_tail(tail, 10_000_000)
        return None if lo is None else hi * 100_000_000 + lo
    if "万" in s:
        head, _, tail = s.partition("万")
        hi = _cn_below_wan(head) if head else None  # a bare 万 is a word (万家灯火)
        if not hi:
            return None
        lo = _cn_tail(tail, 1000)
        return None if lo is None else hi * 10_000 + lo
    return _cn_below_wan(s)


def _cn_tail(tail: str, shorthand: int) -> int | None:
    """What follows 万/亿: a full number, or one bare digit as shorthand (两万五 = 25000)."""
    if not tail:
        return 0
    if len(tail) == 1 and tail in CN_DIGITS and CN_DIGITS[tail]:
        return CN_DIGITS[tail] * shorthand
    if tail[0] in "零〇":
        return _cn_int(tail[1:])
    return _cn_int(tail)


def _split_multiplier(s: str) -> tuple[str, int]:
    """'251023.54万' -> ('251023.54', 10000); '3千万' -> ('3', 10**7)."""
    mult = 1
    while s and s[-1] in CN_BIG_UNITS:
        mult *= CN_BIG_UNITS[s[-1]]
        s = s[:-1]
    if s and s[-1] in CN_SMALL_UNITS:
        mult *= CN_SMALL_UNITS[s[-1]]
        s = s[:-1]
    return s, mult


def strip_approximation(s: str) -> tuple[str, bool]:
    """Remove words of approximation (约, 近, 余, 多, 左右 …); say whether any was there."""
    s = (s or "").strip()
    approx = False
    changed = True
    while changed:
        changed = False
        for w in APPROX_PREFIXES:
            if s.startswith(w) and len(s) > len(w):
                s, approx, changed = s[len(w):].strip(), True, True
        for w in APPROX_MARKS:
            if s.endswith(w) and len(s) > len(w):
                s, approx, changed = s[: -len(w)].strip(), True, True
    # 24万余 / 20多万: the mark may sit between the number and its multiplier
    for w in ("余", "多"):
        i = s.find(w)
        if 0 < i < len(s) - 1 and all(c in CN_BIG_UNITS or c in CN_SMALL_UNITS for c in s[i + 1:]):
            s, approx = s[:i] + s[i + 1:], True
    return s, approx


def parse_amount(s: str) -> tuple[float | None, bool]:
    """An amount as written -> (value, approximate). (None, False) if unreadable."""
    core, approx = strip_approximation(_fold(s or ""))
    v = parse_number(core)
    return v, approx if v is not None else False


def parse_number(s: str) -> float | None:
    """Arabic, Chinese or mixed numerals -> float; None if ``s`` is not a number.

    Handles thousands separators (1,087), full-width digits (２４), decimals,
    万/亿 (and 千/百 after Arabic digits) multiplied out (66.57万 = 665700,
    3千万 = 30000000), Chinese numerals (三千, 两万五), and approximation
    words, which are dropped (use :func:`parse_amount` to learn of them).
    """
    s = _fold((s or "").strip())
    if not s:
        return None
    s, _ = strip_approximation(s)
    d = _arabic(s)
    if d is not None:
        return _num(d)
    if s and s[0].isdigit():
        head, mult = _split_multiplier(s)
        d = _arabic(head)
        if d is not None and mult > 1:
            return _num(d * mult)
        return None
    return cn_to_number(s)
