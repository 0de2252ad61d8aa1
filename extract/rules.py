"""Loading the rule files: patterns and lexicons kept as data in ``rules/``.

Every rule file is read once per process, validated at load, and any error
names the file, the line and what is wrong. ``--rules DIR`` layers a user's
files over the shipped ones: a YAML list gains the user's items (first, so
they win ties), a YAML mapping is merged key by key, and a TSV table gains
the user's rows (a row with the same key replaces the shipped one).

Patterns may use macros such as ``{LP}`` (any opening parenthesis), defined
once in ``macros.yaml``, so one rule accepts full-width and half-width forms.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import regex
import yaml

# A source checkout keeps rules/ beside extract/; an installed package ships
# them inside itself as extract/rules/.
SHIPPED = Path(__file__).resolve().parent.parent / "rules"
if not (SHIPPED / "macros.yaml").is_file() or not (SHIPPED.parent / "pyproject.toml").is_file():
    SHIPPED = Path(__file__).resolve().parent / "rules"

MACRO_REF = regex.compile(r"\{([A-Z][A-Z0-9_]*)\}")


class RuleError(ValueError):
    """A rule file that cannot be used: names the file, the line and the problem."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path, self.line, self.message = str(path), line, message


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping and list item."""


def _construct_mapping(loader, node, deep=False):
    mapping = loader.construct_mapping(node, deep=deep)
    lines = {}
    for key_node, value_node in node.value:
        try:
            lines[loader.construct_object(key_node)] = value_node.start_mark.line + 1
        except TypeError:  # an unhashable key; construct_mapping has already said so
            pass
    return _Located(mapping, node.start_mark.line + 1, lines)


class _Located(dict):
    """A dict that knows the line it started on, and the line of each value."""

    def __init__(self, data, line, key_lines=None, path=None, key_paths=None):
        super().__init__(data)
        self.line = line
        self.key_lines = key_lines or {}
        self.path = path  # the file this mapping came from; a layered key may come from another
        self.key_paths = key_paths or {}

    def line_of(self, key):
        return self.key_lines.get(key, self.line)

    def path_of(self, key, default=None):
        return self.key_paths.get(key, self.path or default)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise RuleError(path, mark.line + 1 if mark else None, f"not valid YAML: {e.problem or e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise RuleError(path, None, f"cannot read: {e}") from None


def _line_of(data: Any, key: str | None = None) -> int | None:
    if key is not None and isinstance(data, _Located):
        return data.line_of(key)
    return getattr(data, "line", None)


@dataclass
class TsvRow:
    line: int
    cells: dict[str, str]

    def __getitem__(self, k):
        return self.cells.get(k, "")


def _read_tsv(path: Path, required: Iterable[str]) -> list[TsvRow]:
    """A TSV lexicon: ``#`` comment lines, one header line, then one entry a line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise RuleError(path, None, f"cannot read: {e}") from None
    header = None
    rows = []
    for no, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = [c.strip() for c in cells]
            missing = [c for c in required if c not in header]
            if missing:
                raise RuleError(path, no, f"header lacks column(s) {', '.join(missing)}; has {header}")
            continue
        if len(cells) > len(header):
            raise RuleError(path, no, f"{len(cells)} cells but the header has {len(header)} columns")
        row = TsvRow(no, {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)})
        first = header[0]
        if not row[first]:
            raise RuleError(path, no, f"empty {first!r}")
        rows.append(row)
    if header is None:
        raise RuleError(path, None, "no header line")
    return rows


class RuleSet:
    """All rule files of a run: the shipped ones with user layers on top."""

    def __init__(self, extra_dirs: Iterable[str | Path] = ()):
        self.dirs = [SHIPPED] + [Path(d) for d in extra_dirs]
        for d in self.dirs[1:]:
            if not d.is_dir():
                raise RuleError(d, None, "rules directory does not exist")
        self._cache: dict[str, Any] = {}
        self.macros = self._load_macros()

    # -- files ---------------------------------------------------------------
    def paths(self, name: str) -> list[Path]:
        return [d / name for d in self.dirs if (d / name).is_file()]

    def fingerprint(self) -> str:
        """A hash of every rule file in use (for caching and provenance)."""
        h = hashlib.sha256()
        for d in self.dirs:
            for p in sorted(d.glob("*")):
                if p.suffix in (".yaml", ".yml", ".tsv", ".txt"):
                    h.update(p.name.encode())
                    h.update(p.read_bytes())
        return h.hexdigest()[:16]

    def yaml(self, name: str) -> tuple[Any, Path]:
        """A YAML rule file merged across layers; returns (data, path of the last layer)."""
        key = "yaml:" + name
        if key not in self._cache:
            paths = self.paths(name)
            if not paths:
                raise RuleError(SHIPPED / name, None, "rule file is missing")
            merged = None
            for p in paths:
                data = _read_yaml(p)
                _stamp(data, p)
                merged = data if merged is None else _merge(merged, data, p)
            self._cache[key] = (merged, paths[-1])
        return self._cache[key]

    def tsv(self, name: str, required: Iterable[str], key: str | None = None) -> list[TsvRow]:
        """A TSV lexicon merged across layers; rows with the same ``key`` cell replace earlier ones."""
        ck = "tsv:" + name
        if ck not in self._cache:
            paths = self.paths(name)
            if not paths:
                raise RuleError(SHIPPED / name, None, "rule file is missing")
            rows: list[TsvRow] = []
            for p in paths:
                layer = _read_tsv(p, list(required))
                for r in layer:
                    r.cells["_file"] = str(p)
                if key:
                    new = {r[key] for r in layer}
                    rows = [r for r in rows if r[key] not in new]
                rows.extend(layer)
            self._cache[ck] = rows
        return self._cache[ck]

    # -- patterns ------------------------------------------------------------
    def _load_macros(self) -> dict[str, str]:
        data, path = self.yaml("macros.yaml")
        if not isinstance(data, dict):
            raise RuleError(path, None, "macros.yaml must be a mapping NAME: pattern")
        out = {}
        for k, v in data.items():
            if not isinstance(v, str):
                raise RuleError(path, _line_of(data), f"macro {k} must be a string pattern")
            out[k] = v
        for k, v in out.items():  # macros may use earlier macros
            out[k] = MACRO_REF.sub(lambda m: out.get(m.group(1), m.group(0)), v)
        return out

    def expand(self, pattern: str, path: Path | str = "", line: int | None = None) -> str:
        def sub(m):
            name = m.group(1)
            if name not in self.macros:
                raise RuleError(path, line, f"unknown macro {{{name}}} in pattern {pattern!r}")
            return self.macros[name]
        return MACRO_REF.sub(sub, pattern)

    def compile(self, pattern: str, path: Path | str = "", line: int | None = None, flags: int = 0):
        """Compile a rule pattern (macros expanded), or fail naming where it came from."""
        if not isinstance(pattern, str) or not pattern:
            raise RuleError(path, line, f"pattern must be a non-empty string, got {pattern!r}")
        try:
            return regex.compile(self.expand(pattern, path, line), flags | regex.V0)
        except regex.error as e:
            raise RuleError(path, line, f"bad pattern {pattern!r}: {e}") from None

    def pattern(self, data: Any, key: str, path: Path, flags: int = 0, prefix: str = ""):
        """Compile ``data[key]`` as a pattern, reporting the key's own line on error."""
        if not isinstance(data, dict) or key not in data:
            raise RuleError(path, _line_of(data), f"missing pattern {key!r}")
        where = data.path_of(key, path) if isinstance(data, _Located) else path
        return self.compile(prefix + data[key] if isinstance(data[key], str) else data[key],
                            where, _line_of(data, key), flags)

    @staticmethod
    def beside(data: Any, key: str, other: str, path: Path) -> bool:
        """Whether ``data`` holds ``key`` from the same file as ``other``: a hint written for a pattern
        (where it can start, what its lines hold) is trusted only beside it, not when a layer of
        ``--rules`` changed the pattern without giving its own."""
        if not isinstance(data, dict) or key not in data:
            return False
        if not isinstance(data, _Located):
            return True
        return data.path_of(key, path) == data.path_of(other, path)

    def words(self, data: Any, key: str, path: Path) -> list[str]:
        """A list of plain words under ``key``, validated."""
        items = data.get(key) if isinstance(data, dict) else None
        if not isinstance(items, list) or not all(isinstance(x, str) and x for x in items):
            raise RuleError(path, _line_of(data, key), f"{key!r} must be a list of non-empty strings")
        return items


def _stamp(data: Any, path: Path) -> None:
    """Record in every mapping of a file which file it came from."""
    if isinstance(data, _Located):
        data.path = path
        for v in data.values():
            _stamp(v, path)
    elif isinstance(data, list):
        for v in data:
            _stamp(v, path)


def _merge(base: Any, layer: Any, path: Path) -> Any:
    if isinstance(base, dict) and isinstance(layer, dict):
        out = _Located(dict(base), getattr(base, "line", None), dict(getattr(base, "key_lines", {})),
                       getattr(base, "path", None), dict(getattr(base, "key_paths", {})))
        for k, v in layer.items():
            out[k] = _merge(base[k], v, path) if k in base else v
            # an error in this key is the layer's to report, at the layer's line
            out.key_lines[k] = layer.line_of(k) if isinstance(layer, _Located) else out.line
            out.key_paths[k] = path
        return out
    if isinstance(base, list) and isinstance(layer, list):
        return layer + [x for x in base if x not in layer]
    if layer is None:
        return base
    if type(base) is not type(layer) and base is not None:
        raise RuleError(path, getattr(layer, "line", None),
                        f"cannot layer a {type(layer).__name__} over the shipped {type(base).__name__}")
    return layer


@functools.lru_cache(maxsize=8)
def load_rules(extra_dirs: tuple[str, ...] = ()) -> RuleSet:
    """The rule set for these layers, loaded once per process."""
    return RuleSet(extra_dirs)


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of literal words, longest first (so 阶段性完成 beats 完成)."""
    return "|".join(regex.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def anchored_finditer(pattern, anchor, text: str):
    """The matches of ``pattern.finditer(text)`` when a match can start only where a match of
    ``anchor`` starts: the pattern is tried there alone, leftmost first, never inside a match
    already taken (so the same matches, without a try at every other place)."""
    match = pattern.match
    last = 0
    for a in anchor.finditer(text):
        p = a.start()
        if p < last:
            continue
        m = match(text, p)
        if m is not None:
            yield m
            last = m.end() if m.end() > p else p + 1


def word_trie(words, tails: dict | None = None) -> str:
    """The alternation of literal ``words``, longest first, as a trie: 不(?:得(?:低于|少于)|低于)|至少.

    The same matches as the flat alternation with longer words before their prefixes (what
    :func:`alternation` writes): the words that match at a place are all
    prefixes of the text there, and the trie tries them longest first, continuing before it
    stops; words that part at a character exclude each other. The regex module tries a flat
    alternation word by word at every place, the trie one character at a time, so a place
    where no word starts fails at once. ``tails``: a pattern (a lookahead) a word must be
    followed by, applied where the word ends (个 but not 个别: ``{"个": "(?!别)"}``).
    """
    tails = tails or {}
    root: dict = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = w

    def build(node: dict) -> str:
        kids = [regex.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        end = node.get("")
        if not kids:
            return tails.get(end, "")
        body = kids[0] if len(kids) == 1 else "(?:" + "|".join(kids) + ")"
        if end is None:
            return body
        tail = tails.get(end, "")
        return f"(?:{body}|{tail})" if tail else f"(?:{body})?"

    return "(?:" + build(root) + ")"
