"""The command as a supervisor uses it: every file accounted for, exit codes, outputs."""
import csv
import subprocess
import sys

import pytest

from conftest import SEEDS
from extract.cli import main


def read(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_every_fact_points_at_its_words(seed_run):
    facts = read(seed_run / "facts.csv")
    assert facts
    texts = {}
    for f in facts:
        t = texts.setdefault(f["doc_id"], (seed_run / "texts" / f"{f['doc_id']}.txt").read_text(encoding="utf-8"))
        assert t[int(f["start"]):int(f["end"])] == f["text"], f
    for name in ("sections", "problems"):
        for r in read(seed_run / f"{name}.csv"):
            assert 0 <= int(r["start"]) < int(r["end"]) <= len(texts.get(r["doc_id"]) or
                                                                (seed_run / "texts" / f"{r['doc_id']}.txt").read_text(encoding="utf-8"))


def test_documents_table_lists_the_seeds(seed_run):
    docs = read(seed_run / "documents.csv")
    assert [d["doc_id"] for d in docs] == [p.stem for p in sorted(SEEDS.glob("*.txt"))]
    assert {d["status"] for d in docs} == {"ok"}
    assert docs[0]["issuers"] == "中共益阳市大通湖区委员会；益阳市大通湖区管理委员会"


def test_bad_files_get_error_rows_and_the_batch_goes_on(tmp_path, capsys):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "good.txt").write_text("关于整改情况的通报\n联系电话：0737-5666826。\n", encoding="utf-8")
    (src / "sub" / "gbk.txt").write_bytes("关于整改情况的公示\n2023年10月13日\n".encode("gbk"))
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (src / "report.docx").write_bytes(b"PK\x03\x04junk")
    (src / "bundle.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    out = tmp_path / "out"
    assert main(["run", str(src), "--out", str(out)]) == 1
    rows = {r["path"].split("/")[-1]: r for r in read(out / "documents.csv")}
    assert set(rows) == {"good.txt", "gbk.txt", "empty.txt", "binary.txt", "report.docx", "bundle.zip"}
    assert rows["good.txt"]["status"] == rows["gbk.txt"]["status"] == "ok"
    assert rows["gbk.txt"]["date"] == "2023-10-13"
    assert rows["empty.txt"]["error"] == "empty file"
    assert rows["binary.txt"]["error"].startswith("binary file")
    assert rows["report.docx"]["error"].startswith("damaged or truncated")
    assert rows["bundle.zip"]["error"].startswith("unsupported format")
    err = capsys.readouterr().err
    assert "6 documents: 2 ok, 4 error" in err


def test_exit_codes_and_help(tmp_path):
    assert main(["run", str(SEEDS / "000_48c643e0beb4f017.txt"), "--out", str(tmp_path), "-q"]) == 0
    with pytest.raises(SystemExit) as e:
        main(["run", "--out", str(tmp_path)])
    assert e.value.code == 2
    assert main([]) == 2
    helped = subprocess.run([sys.executable, "-m", "extract", "run", "--help"], capture_output=True, text=True)
    assert helped.returncode == 0
    for option in ("--out", "--rules", "--quiet", "examples:"):
        assert option in helped.stdout


def test_a_missing_input_is_an_error_row(tmp_path):
    assert main(["run", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "o"), "-q"]) == 1
    (row,) = read(tmp_path / "o" / "documents.csv")
    assert (row["status"], row["error"]) == ("error", "no such file")


def test_same_file_names_in_two_folders_get_distinct_ids(tmp_path):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "notice.txt").write_text("关于整改情况的通报\n", encoding="utf-8")
    assert main(["run", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "o"), "-q"]) == 0
    ids = [r["doc_id"] for r in read(tmp_path / "o" / "documents.csv")]
    assert len(set(ids)) == 2 and all(i.startswith("notice-") for i in ids)


def test_a_failed_run_leaves_the_previous_tables(tmp_path, monkeypatch):
    out = tmp_path / "o"
    assert main(["run", str(SEEDS), "--out", str(out), "-q"]) == 0
    before = (out / "facts.csv").read_bytes()
    from extract import output

    def boom(self, doc):
        raise KeyboardInterrupt
    monkeypatch.setattr(output.TableWriter, "add", boom)
    assert main(["run", str(SEEDS), "--out", str(out), "-q"]) == 130
    assert (out / "facts.csv").read_bytes() == before
    assert not list(out.glob(".*.tmp"))


def test_console_script_runs_from_any_folder(tmp_path):
    exe = subprocess.run(["zhenggai", "run", str(SEEDS), "--out", str(tmp_path / "o"), "-q"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert exe.returncode == 0, exe.stderr
    assert (tmp_path / "o" / "documents.csv").exists()
