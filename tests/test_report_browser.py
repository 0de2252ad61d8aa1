"""The auditor's report in a real browser: Playwright driving the system's Chromium.

Needs the Python package ``playwright`` (``pip install 'zhenggai[browser]'``) and Debian's
``chromium`` at /usr/bin/chromium (``apt-get install chromium``); Playwright's own browser
downloads are never used. Skipped, with the reason, when either is missing.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs

import pandas as pd
import pytest

from extract.report import build_report

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus"
CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = ROOT / "docs" / "report.png"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

HOSTILE = ("关于<script>window.__pwned=1</script>问题整改情况的通报\n\n一、问题描述\n"
           "某单位<img src=x onerror=\"window.__pwned=1\">存在问题。</script><!-- 2024年大通湖总磷均值为0.08mg/L。\n"
           "二、整改情况\n已完成整改。\n")


def _why_skip() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install 'zhenggai[browser]')"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


pytestmark = [pytest.mark.slow, pytest.mark.skipif(_why_skip() is not None, reason=_why_skip() or "")]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A run over the seeds plus one hostile document, and its report."""
    from extract.cli import main

    src = tmp_path_factory.mktemp("hostile-src")
    (src / "zz_hostile.txt").write_text(HOSTILE, encoding="utf-8")
    out = tmp_path_factory.mktemp("report-browser")
    assert main(["run", str(SEEDS), str(src), "--out", str(out), "--quiet"]) == 0
    path = build_report(out, corpus_label="seeds + hostile")
    return out, path


def _csv(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, run):
    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, java_script_enabled=True)
    pg = ctx.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    pg.on("request", lambda r: problems.append(f"request: {r.url}") if not r.url.startswith("file://") else None)
    pg.goto(run[1].as_uri())
    yield pg
    ctx.close()
    assert problems == [], problems  # no script error, no CSP violation, nothing fetched


def _hash(pg, h: str) -> None:
    pg.evaluate("h => { location.hash = h; }", h)
    pg.wait_for_function("h => location.hash === h", arg=h)


def _marked(pg) -> str:
    return "".join(pg.locator("#doctext mark.focus").all_text_contents())


def test_overview_counts_match_documents_csv(page, run):
    out, _ = run
    docs = _csv(out, "documents.csv")
    counts = {k: int(page.get_attribute(f"[data-testid=count-{k}]", "data-count"))
              for k in ["documents", "ok", "error", "problems", "facts"]}
    assert counts == {"documents": len(docs), "ok": int((docs.status == "ok").sum()),
                      "error": int((docs.status != "ok").sum()), "problems": len(_csv(out, "problems.csv")),
                      "facts": len(_csv(out, "facts.csv"))}
    assert page.inner_text("[data-testid=count-documents]") == str(len(docs))
    assert "zz_hostile" in set(docs.doc_id)
    by_type = {g.get_attribute("data-key"): int(g.get_attribute("data-count"))
               for g in page.locator("[data-testid=by-type] g[data-key]").all()}
    ok = docs[docs.status == "ok"]
    assert by_type == {(k or "（未识别）"): int(v) for k, v in ok.doc_type.value_counts().items()}
    assert sum(by_type.values()) == len(ok)
    # problems per unit in the stacked chart add up to the register
    units = page.locator("[data-testid=status-by-unit] g[data-key]").all()
    assert sum(int(u.get_attribute("data-count")) for u in units) == len(_csv(out, "problems.csv"))
    assert "seeds + hostile" in page.inner_text("#provenance")
    assert re.search(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC", page.inner_text("#provenance"))


def test_register_filters_and_opens_the_problem(page, run):
    out, _ = run
    probs = _csv(out, "problems.csv")
    page.click("nav a[data-view=register]")
    count = page.locator("[data-testid=reg-count]")
    assert count.inner_text() == str(len(probs))
    page.select_option("[data-testid=reg-status]", "completed")
    completed = probs[probs.status == "completed"]
    assert count.inner_text() == str(len(completed)) and len(completed) >= 2
    assert set(page.locator("[data-testid=reg-row] .badge").all_text_contents()) == {"completed"}
    # the search narrows further: every row left shows the words, and the problem they came from is among them
    target = completed.iloc[-1]
    word = target.title[:6]
    page.fill("[data-testid=reg-search]", word)
    shown = page.locator("[data-testid=reg-row]")
    assert 1 <= int(count.inner_text()) == shown.count() < len(completed)
    assert all(word in t for t in shown.all_inner_texts())
    assert target.problem_id in [shown.nth(i).get_attribute("data-pid") for i in range(shown.count())]
    page.fill("[data-testid=reg-search]", "")
    # sorting by number keeps the same rows
    page.click("th[data-col=number]")
    assert count.inner_text() == str(len(completed))
    row = page.locator("[data-testid=reg-row]").first
    doc_id, pid = row.get_attribute("data-doc"), row.get_attribute("data-pid")
    row.click()
    page.wait_for_selector("#doctext mark.focus")
    p = probs[(probs.doc_id == doc_id) & (probs.problem_id == pid)].iloc[0]
    marked = _marked(page)
    assert p.title in marked
    if p.status_text:
        assert p.status_text in marked
    assert page.locator("#doctext mark.region").count() >= 1
    assert page.locator("#doctext mark.focus").first.is_visible()


def test_fact_opens_its_document_with_the_words_marked(page, run):
    out, _ = run
    facts = _csv(out, "facts.csv")
    page.click("nav a[data-view=indicators]")
    assert page.locator("[data-testid=ind-series]").count() >= 1, "the seeds should give indicator series"
    # from the table beside a chart
    a = page.locator("a.ind-link").first
    q = parse_qs(a.get_attribute("href").split("?", 1)[1])
    doc_id, s, e = q["id"][0], int(q["s"][0]), int(q["e"][0])
    fact = facts[(facts.doc_id == doc_id) & (facts.start == str(s)) & (facts.end == str(e))]
    assert len(fact) >= 1 and "indicator" in set(fact.kind)
    a.click()
    page.wait_for_selector("#doctext mark.focus")
    assert _marked(page) == fact.iloc[0].text
    box = page.locator("#doctext mark.focus").first.bounding_box()
    assert box and 0 <= box["y"] <= 900, "the marked words are scrolled into view"
    assert fact.iloc[0].text in page.inner_text("[data-testid=fact-box]")
    # from a point of the chart
    page.go_back()
    page.wait_for_selector("[data-testid=ind-point]")
    pt = page.locator("[data-testid=ind-point]").nth(1)
    doc_id, s, e = pt.get_attribute("data-doc"), pt.get_attribute("data-s"), pt.get_attribute("data-e")
    pt.dispatch_event("click")
    page.wait_for_selector("#doctext mark.focus")
    fact = facts[(facts.doc_id == doc_id) & (facts.start == s) & (facts.end == e)]
    assert _marked(page) == fact.iloc[0].text
    # clicking a highlighted date shows its fact; the date toggle hides every date highlight
    date = facts[(facts.doc_id == doc_id) & (facts.kind == "date")].iloc[0]
    mark = page.locator("#doctext mark[data-kind=date]").filter(has_text=re.compile("^" + re.escape(date.text) + "$")).first
    mark.click()
    assert date.norm in page.inner_text("[data-testid=fact-box]")
    assert mark.evaluate("m => getComputedStyle(m).backgroundColor") != "rgba(0, 0, 0, 0)"
    page.uncheck("[data-testid=kind-toggles] input[data-kind=date]")
    hidden = mark.evaluate("m => getComputedStyle(m).backgroundColor")
    assert hidden == "rgba(0, 0, 0, 0)"
    page.check("[data-testid=kind-toggles] input[data-kind=date]")


def test_hostile_document_runs_nothing(page, run):
    out, _ = run
    text = (out / "texts" / "zz_hostile.txt").read_text(encoding="utf-8")
    assert "<script>window.__pwned=1</script>" in text
    for h in ["#overview", "#documents", "#register", "#doc?id=zz_hostile", "#checks", "#indicators"]:
        _hash(page, h)
        assert page.evaluate("typeof window.__pwned") == "undefined", h
    _hash(page, "#doc?id=zz_hostile")
    shown = page.inner_text("#doctext")
    assert "<script>window.__pwned=1</script>" in shown
    assert '<img src=x onerror="window.__pwned=1">' in shown and "</script><!--" in shown
    assert page.evaluate("document.querySelectorAll('#app script, #app img, #app iframe').length") == 0
    assert page.inner_text("[data-testid=doc-title]") == "关于<script>window.__pwned=1</script>问题整改情况的通报"
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_screenshot_for_the_readme(page, run, tmp_path):
    """Into a temporary folder, so that a test run leaves the repository as it was; with
    ZHENGGAI_UPDATE_SCREENSHOT=1, into docs/ for the README."""
    out, _ = run
    shot = SCREENSHOT if os.environ.get("ZHENGGAI_UPDATE_SCREENSHOT") else tmp_path / SCREENSHOT.name
    facts = _csv(out, "facts.csv")
    ind = facts[facts.kind == "indicator"]
    f = ind.iloc[min(3, len(ind) - 1)]
    _hash(page, f"#doc?id={f.doc_id}&f={f.fact_id}")
    page.wait_for_selector("#doctext mark.focus")
    page.wait_for_timeout(300)
    shot.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 30_000
