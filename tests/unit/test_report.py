"""The HTML/PNG report and the analyze command (tiny models); the page is also opened in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from stancekit.analysis.report import heatmap_png, write_report
from stancekit.analysis.table import analyze
from stancekit.cli import main
from stancekit.core.text import Target
from stancekit.model.classifier import Classifier
from tests.conftest import REPO, make_tiny

SEED = REPO / "seeds" / "armenia-csto-news.txt"
ALIASES = REPO / "seeds" / "armenia-csto-targets.yaml"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def tiny_holder_dir(tmp_path: Path) -> Path:
    clf = make_tiny(tmp_path, "stance", max_length=64)
    clf.spec.uses_holder = True
    return clf.save_pretrained(tmp_path / "tiny-holder", compact=False)


class _Page(HTMLParser):
    """Counts sentence rows and collects every URL the page would load."""

    def __init__(self) -> None:
        super().__init__()
        self.sentence_rows = 0
        self.urls: list[str] = []
        self.marks = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and "sentence" in (a.get("class") or "").split():
            self.sentence_rows += 1
        if tag == "mark":
            self.marks += 1
        for key in ("src", "href"):
            if a.get(key):
                self.urls.append(str(a[key]))


def _report(tmp_path: Path, clf: Classifier, document: str | dict[str, str], **kw) -> tuple[pd.DataFrame, Path]:
    table = analyze(document, {"CSTO": ["the bloc"], "Russia": ["Moscow"]}, model=clf, sentiment=None, **kw)
    return table, write_report(table, tmp_path / "r.html", png=tmp_path / "r.png")


def test_report_is_self_contained_with_one_row_per_sentence(tmp_path: Path, tiny_stance: Classifier) -> None:
    doc = SEED.read_text()
    table, path = _report(tmp_path, tiny_stance, doc)
    html = path.read_text()
    page = _Page()
    page.feed(html)
    assert page.sentence_rows == table["sentence_index"].nunique() == 15
    # every mention is highlighted, not only the first of a sentence ("Russia ... Moscow")
    terms = [Target("CSTO", ("the bloc",)), Target("Russia", ("Moscow",))]
    sentences = table.drop_duplicates("sentence_index")["sentence"]
    assert page.marks == sum(len(t.spans(s)) for s in sentences for t in terms) > int(table["mentioned"].sum())
    assert all(u.startswith("data:image/png;base64,") for u in page.urls), page.urls  # nothing from the network
    assert "http://" not in html and "https://" not in html
    assert (tmp_path / "r.png").read_bytes().startswith(PNG_MAGIC)
    assert "Summary" in html and "CSTO" in html and "Russia" in html


def test_report_escapes_document_text(tmp_path: Path, tiny_stance: Classifier) -> None:
    _, path = _report(tmp_path, tiny_stance, 'Russia said <script>alert("x")</script> & left. The bloc <b>won</b>.')
    html = path.read_text()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html and "&lt;b&gt;won" in html


def test_report_several_documents_and_bad_tables(tmp_path: Path, tiny_stance: Classifier) -> None:
    table, path = _report(tmp_path, tiny_stance, {"one": "Russia won. Moscow lost.", "two": "The bloc met."})
    page = _Page()
    page.feed(path.read_text())
    assert page.sentence_rows == 3
    assert heatmap_png(table, document="two").startswith(PNG_MAGIC)
    with pytest.raises(ValueError, match="no document 'three'"):
        heatmap_png(table, document="three")
    with pytest.raises(ValueError, match="missing column"):
        write_report(pd.DataFrame({"x": [1]}), tmp_path / "bad.html")
    with pytest.raises(ValueError, match="empty"):
        write_report(table.iloc[:0], tmp_path / "bad.html")


def test_analyze_command_with_aliases_holder_and_report(
    tmp_path: Path, tiny_holder_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["analyze", str(SEED), "--aliases", str(ALIASES), "--holder", "Armenia", "--model", str(tiny_holder_dir)]
    args += ["--sentiment-model", "none", "--report", str(tmp_path / "r.html"), "--png", str(tmp_path / "h.png")]
    args += ["-o", str(tmp_path / "t.csv"), "--summary", str(tmp_path / "s.jsonl")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Summary: stance of Armenia toward each target" in out and "[0] In a further display" in out
    table = pd.read_csv(tmp_path / "t.csv")
    assert len(table) == 15 * 4 and set(table["target"]) == {"CSTO", "Russia", "Azerbaijan", "the West"}
    assert (table["holder"] == "Armenia").all()
    assert table.loc[table["target"] == "CSTO", "mentioned"].sum() >= 3
    summary = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert [s["target"] for s in summary] == ["CSTO", "Russia", "Azerbaijan", "the West"]
    assert all(isinstance(json.loads(s["decisive"]), list) for s in summary)
    assert (tmp_path / "h.png").read_bytes().startswith(PNG_MAGIC)
    page = _Page()
    page.feed((tmp_path / "r.html").read_text())
    assert page.sentence_rows == 15
    assert main(args) == 2  # outputs exist: refused without --force
    assert "exists; pass --force" in capsys.readouterr().err


def test_analyze_command_folders_jsonl_and_errors(
    tmp_path: Path, tiny_stance_dir: Path, tiny_holder_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Russia won. Moscow lost.")
    (folder / "b.txt").write_text("The CSTO met.")
    base = ["analyze", "--model", str(tiny_stance_dir), "--sentiment-model", "none", "--quiet"]
    assert (
        main([*base, str(folder), "--target", "Russia=Moscow", "--target", "CSTO", "-o", str(tmp_path / "f.csv")]) == 0
    )
    got = pd.read_csv(tmp_path / "f.csv")
    assert got["document"].tolist() == ["a.txt"] * 4 + ["b.txt"] * 2
    out = capsys.readouterr().out
    assert "a.txt  Russia" in out and "b.txt  Russia" in out and "not mentioned" in out
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"id": "x", "text": "Russia won."}\n{"text": "The CSTO met."}\n')
    assert main([*base, str(docs), "--target", "CSTO", "-o", str(tmp_path / "j.csv")]) == 0
    assert pd.read_csv(tmp_path / "j.csv")["document"].tolist() == ["x", "docs:2"]
    capsys.readouterr()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "Russia won."}\n{"id": "y", "text": "   "}\n')
    assert main([*base, str(bad), "--target", "CSTO"]) == 2
    assert "bad.jsonl, line 2: the document is empty" in capsys.readouterr().err
    bad.write_text('{"id": "x", "text": "Russia won."}\nnot json\n')
    assert main([*base, str(bad), "--target", "CSTO"]) == 2
    assert "bad.jsonl, line 2: not valid JSON" in capsys.readouterr().err
    assert main([*base, str(folder), "--target", "Russia=Moscow", "--target", "CSTO=Moscow"]) == 2
    assert "both 'Russia' and 'CSTO'" in capsys.readouterr().err
    assert main([*base, str(folder), "--target", "CSTO", "--target", "CSTO"]) == 2
    assert "more than once" in capsys.readouterr().err
    assert main([*base, str(folder)]) == 2
    assert "at least one --target" in capsys.readouterr().err
    assert main([*base, str(folder), "--target", "CSTO", "--holder", "Armenia"]) == 2
    assert "holder-aware model" in capsys.readouterr().err
    assert main([*base, str(tmp_path / "missing.txt"), "--target", "CSTO"]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([*base, str(empty), "--target", "CSTO"]) == 2
    assert "no .txt documents" in capsys.readouterr().err
    badalias = tmp_path / "aliases.yaml"
    badalias.write_text("- [nested]\n")
    assert main([*base, str(folder), "--aliases", str(badalias)]) == 2
    assert "aliases.yaml" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------- a real browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium: apt-get install chromium (Debian) to run the browser test")
def test_report_renders_in_headless_chromium(tmp_path: Path, tiny_holder_dir: Path) -> None:
    report = tmp_path / "report.html"
    args = ["analyze", str(SEED), "--aliases", str(ALIASES), "--holder", "Armenia", "--model", str(tiny_holder_dir)]
    assert main([*args, "--sentiment-model", "none", "--quiet", "--report", str(report)]) == 0
    profile = tmp_path / "profile"
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no network: any lookup fails
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        report.as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    # Rendered: the DOM after the page's script ran holds one row per sentence and the script's count.
    rows = re.findall(r'<tr class="sentence[^"]*"', dom)
    assert len(rows) == 15
    assert "15 of 15 sentences shown" in dom
    assert 'src="data:image/png;base64,' in dom
    # Nothing in the console: Chromium logs every console message and uncaught error as a CONSOLE line.
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert console == []
