"""The fast paths of the per-document pipeline give what the plain readings give.

Each fast path (a windowed search, one scan shared between stages, an automaton
instead of a loop, a prefilter) is checked against the plain reading it
replaces, on hand-written cases that reach its edges.
"""
import csv
import io
import pickle

import pytest

from extract import extract_text
from extract.doc import Doc
from extract.metadata import lines_of
from extract.output import TABLES, TableWriter, _cell, document_row, fact_rows, problem_rows, section_rows
from extract.pipeline import Pipeline
from extract.places import Lexicon


@pytest.fixture(scope="module")
def pipe():
    return Pipeline()


def stage(pipe, name):
    return next(s for s in pipe.stages if s.name == name)


DOCNO_CASES = [
    "根据益生环委办〔2025〕20号文件要求",
    "益简字【2022】42号和岳办发[2022]4号",
    "益阳市生态环境保护委员会办公室关于〔2025〕3号",  # a prefix longer than 14 Han characters
    "益生环 　〔 2025 〕 第 7 号",                      # spaces everywhere the pattern allows them
    "（2025）3号",                                        # no prefix: no number
    "湘环〔2025〕1号湘环〔2025〕2号",                    # two numbers back to back
    "湘环〔2025〕123456号",                               # a serial too long
]


@pytest.mark.parametrize("text", DOCNO_CASES)
def test_document_numbers_are_those_of_the_plain_pattern(pipe, text):
    d = stage(pipe, "doc_numbers")
    plain = []
    for m in d.pattern.finditer(text):
        start = m.start("prefix") + d.trim(m.group("prefix"))
        plain.append((start, m.end()))
    assert [(s, e) for s, e, _ in d.find(text)] == plain


def test_document_number_windows():
    doc = extract_text("湘环〔2025〕1号湘环〔2025〕2号\n")
    assert [(s.start, s.end, s.norm) for s in doc.of_kind("doc_number")] == [
        (0, 10, "湘环〔2025〕1号"), (10, 20, "湘环〔2025〕2号")]


def test_lexicon_matches_with_and_without_the_compiled_automaton():
    words = ["益阳", "益阳市", "阳市", "市", "大通湖", "大通湖区", "通湖"]
    text = "益阳市大通湖区和益阳市"
    fast = Lexicon(words)
    slow = Lexicon(words)
    slow._all, slow._ll = None, None  # the pyahocorasick reading (no ahocorasick_rs, or a lone surrogate)
    slow._python_automaton()
    assert fast.all(text) == slow.all(text)
    assert [(fast.words[i], s, e) for i, s, e in fast.longest(text)] == [
        ("益阳市", 0, 3), ("大通湖区", 3, 7), ("益阳市", 8, 11)]
    assert fast.longest(text) == slow.longest(text)
    # every match, by end and, at one end, longest first; a lone surrogate is read too
    assert fast.all("益阳\ud800市") == slow.all("益阳\ud800市") == [(0, 0, 2), (3, 3, 4)]
    assert [(fast.words[i], s, e) for i, s, e in fast.all("益阳市")] == [
        ("益阳", 0, 2), ("益阳市", 0, 3), ("阳市", 1, 3), ("市", 2, 3)]


DATE_TEXT = ("关于整改的报告\n"
             "  中共益阳市委员会\n"
             "2025年11月27日  \n"      # spaces after the date: it is still the line's date
             "20251127\u2002\n"         # a space that is not {SP}: read alone
             "2024年3月至5月，2023年\n"
             "印发 2025年1月2日\n")


def test_each_lines_dates_from_one_scan_are_those_of_the_line_alone(pipe):
    md = stage(pipe, "metadata")
    lines = lines_of(DATE_TEXT)
    by_line = md.explicit_by_line(DATE_TEXT, lines)
    for i, ln in enumerate(lines):
        assert md._explicit(DATE_TEXT, lines, i, by_line) == md.dates.explicit(ln.text)
    assert md._explicit(DATE_TEXT, lines, 2, by_line) == [(0, 11, "2025-11-27")]


def test_signature_date_and_issuer():
    doc = extract_text("关于整改的报告\n\n中共益阳市委员会\n2025年11月27日\n")
    assert (doc.meta["date"], doc.meta["date_source"], doc.meta["issuers"]) == (
        "2025-11-27", "signature", ["中共益阳市委员会"])


@pytest.mark.parametrize("text", ["市委书记陈竞强调", "副市长王新宇、主任 李火生：", "联系人：吴铭，编辑张艺萌",
                                  "书记书记王新", "副主任主任张三"])
def test_person_cues_are_those_of_the_plain_pattern(pipe, text):
    p = stage(pipe, "persons")
    assert [m.span() for m in p._cues(text)] == [m.span() for m in p.cue.finditer(text)]


@pytest.mark.parametrize("heading", ["下一步工作打算", "反馈问题整改完成情况", "总体情况", "其他事项", "问题清单及整改情况"])
def test_section_type_is_the_first_type_with_a_word_in_the_heading(pipe, heading):
    s = stage(pipe, "sections")
    plain = next((typ for typ, words in s.types if any(w in heading for w in words)), "other")
    assert s.classify(heading) == plain


def test_a_doc_pickles_whole():
    doc = extract_text("关于整改的报告\n一、总体情况\n2025年11月27日前完成，市生态环境局牵头。\n")
    back = pickle.loads(pickle.dumps(doc))
    assert back.spans == doc.spans and back.sections == doc.sections and back.problems == doc.problems
    assert back.meta == doc.meta and back.text == doc.text and back.timings == doc.timings
    assert vars(back).keys() == vars(doc).keys()


def test_tables_are_those_of_the_dict_writer(tmp_path):
    doc = extract_text("关于整改的报告\n一、总体情况\n2025年11月27日前完成，总磷0.082mg/L，较去年下降13.8%。\n")
    doc.doc_id = "d1"
    w = TableWriter(tmp_path)
    w.add(doc)
    w.commit()
    rows = {"documents": [document_row(doc)], "sections": list(section_rows(doc)),
            "problems": list(problem_rows(doc)), "facts": list(fact_rows(doc))}
    for name, cols in TABLES.items():
        buf = io.StringIO(newline="")
        dw = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore")
        dw.writeheader()
        for r in rows[name]:
            dw.writerow({k: _cell(v) for k, v in r.items()})
        assert (tmp_path / f"{name}.csv").read_bytes().decode("utf-8-sig") == buf.getvalue()


@pytest.fixture
def crashing_pipeline(monkeypatch):
    import os

    real = Pipeline.new_doc

    def new_doc(self, raw, doc_id="doc", path="", **kw):
        if "崩" in raw:
            os._exit(3)  # a crash in C code, as the worker's parent sees it
        return real(self, raw, doc_id, path, **kw)
    monkeypatch.setattr(Pipeline, "new_doc", new_doc)


def test_the_documents_a_dead_worker_held_are_done_by_another(tmp_path, crashing_pipeline):
    from extract.run import run_files

    (tmp_path / "in").mkdir()
    names = ["a_crash", "b_fine", "c_fine", "d_fine", "e_fine"]
    for n in names:
        (tmp_path / "in" / f"{n}.txt").write_text("崩\n" if n == "a_crash" else "关于整改情况的通报\n", encoding="utf-8")
    summary = run_files([str(tmp_path / "in")], tmp_path / "out", jobs=2)
    with open(tmp_path / "out" / "documents.csv", encoding="utf-8-sig", newline="") as f:
        docs = list(csv.DictReader(f))
    assert [(d["doc_id"], d["status"]) for d in docs] == [("a_crash", "error")] + [(n, "ok") for n in names[1:]]
    assert docs[0]["error"] == "worker process died while reading this document"
    assert (summary.ok, summary.error) == (4, 1)
