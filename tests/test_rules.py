"""Rule files: validated at load with file and line, layered by --rules."""
import pytest

from extract.cli import main
from extract.pipeline import Pipeline
from extract.rules import RuleError


def test_bad_pattern_names_file_and_line(tmp_path):
    (tmp_path / "sections.yaml").write_text("styles:\n  - name: broken\n    pattern: '(?P<num>[一二'\n", encoding="utf-8")
    with pytest.raises(RuleError) as e:
        Pipeline([str(tmp_path)])
    msg = str(e.value)
    assert "sections.yaml:3" in msg and "bad pattern" in msg


def test_invalid_yaml_names_file_and_line(tmp_path):
    (tmp_path / "problems.yaml").write_text("status:\n  completed: [已完成\n  partial: x\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"problems\.yaml:\d+: not valid YAML"):
        Pipeline([str(tmp_path)])


def test_unknown_macro(tmp_path):
    (tmp_path / "docnumbers.yaml").write_text("pattern: '{NOPE}\\d+号'\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"unknown macro \{NOPE\}"):
        Pipeline([str(tmp_path)])


def test_cli_reports_a_bad_rule_file_with_exit_code_2(tmp_path, capsys):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "dates.yaml").write_text("patterns: 3\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("正文\n", encoding="utf-8")
    assert main(["run", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"), "--rules", str(tmp_path / "rules")]) == 2
    assert "dates.yaml" in capsys.readouterr().err


def test_a_users_layer_adds_words(tmp_path):
    from extract import extract_text

    text = "问题1：某问题。\n整改情况：已闭环。\n"
    assert extract_text(text).problems[0].status == "unknown"
    (tmp_path / "problems.yaml").write_text("status:\n  completed: [已闭环]\n", encoding="utf-8")
    assert extract_text(text, rules=(str(tmp_path),)).problems[0].status == "completed"


def test_an_error_in_a_shipped_pattern_is_not_blamed_on_a_users_layer(tmp_path):
    from extract.rules import RuleSet, SHIPPED

    (tmp_path / "docnumbers.yaml").write_text("prefix_stopwords: [根据]\n", encoding="utf-8")
    rs = RuleSet([str(tmp_path)])
    data, path = rs.yaml("docnumbers.yaml")
    assert data.path_of("pattern") == SHIPPED / "docnumbers.yaml"
    assert data.path_of("prefix_stopwords") == tmp_path / "docnumbers.yaml"
    (tmp_path / "docnumbers.yaml").write_text("# mine\npattern: '(bad'\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"docnumbers\.yaml:2: bad pattern"):
        RuleSet([str(tmp_path)]).pattern(RuleSet([str(tmp_path)]).yaml("docnumbers.yaml")[0], "pattern", path)
