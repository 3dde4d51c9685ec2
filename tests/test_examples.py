"""The documentation's code runs: every gallery example and every user-guide snippet.

A full Sphinx build also runs them, but takes minutes and needs the docs extra;
these tests catch a broken example in the ordinary test run.
"""

import doctest
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = sorted((DOCS / "examples").glob("plot_*.py"))
SOURCE_PAGES = sorted(p for p in DOCS.rglob("*.rst")
                      if not {"_build", "generated", "auto_examples"} & set(p.parts))
PAGES = [p for p in SOURCE_PAGES if ">>>" in p.read_text()]

# Runs one example as a script and reports how many figures it left open.
RUNNER = """
import runpy, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
runpy.run_path(sys.argv[1], run_name="__main__")
print("FIGURES", len(plt.get_fignums()))
"""


def _pinned_env():
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    return env


def test_there_are_examples_and_pages():
    assert len(EXAMPLES) >= 1
    assert (DOCS / "examples" / "README.txt").is_file()
    assert DOCS / "index.rst" in PAGES


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_gallery_example_runs_and_draws(example, tmp_path):
    pytest.importorskip("matplotlib")
    result = subprocess.run(  # a deprecated call (FutureWarning) fails the example
        [sys.executable, "-W", "error::FutureWarning", "-c", RUNNER, str(example)],
        cwd=tmp_path, env=_pinned_env(), capture_output=True, text=True, timeout=300,
    )
    if result.returncode and (absent := re.search(r"No module named '(\w+)", result.stderr)):
        # an optional package the example needs: a skip if it is one (conftest)
        raise ModuleNotFoundError(result.stderr[-3000:], name=absent.group(1))
    assert result.returncode == 0, result.stderr[-3000:]
    n_figures = int(result.stdout.rsplit("FIGURES", 1)[1])
    assert n_figures >= 1, f"{example.name} draws no figure"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_gallery_example_has_a_title(example):
    # sphinx-gallery needs a docstring that opens with an rst title
    overline, title, underline = example.read_text().split('"""')[1].strip().splitlines()[:3]
    assert set(overline) == set(underline) == {"="}
    assert len(overline) == len(underline) >= len(title.strip()) > 0


class _ImportRaisingRunner(doctest.DocTestRunner):
    """A doctest runner that raises a snippet's import error instead of counting it.

    An absent optional package then makes the page a skip that names it (conftest),
    instead of failing every later snippet that uses what it would have imported.
    """

    def report_unexpected_exception(self, out, test, example, exc_info):
        if issubclass(exc_info[0], ImportError) or re.search(
                r"No module named|which is not installed", str(exc_info[1])):
            raise exc_info[1]
        super().report_unexpected_exception(out, test, example, exc_info)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_documentation_page_code_runs(page, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    test = doctest.DocTestParser().get_doctest(page.read_text(), {"__name__": "__main__"},
                                               page.name, str(page), 0)
    runner = _ImportRaisingRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    result = runner.run(test, out=io.StringIO().write)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} failing snippets in {page.name}; " \
        f"run python -m doctest -o ELLIPSIS -o NORMALIZE_WHITESPACE {page}"


def test_benchmark_page_renders_every_result(tmp_path):
    # docs/benchmarks.rst includes every benchmarks/results/*.json as rendered here
    docutils_core = pytest.importorskip("docutils.core")
    sys.path.insert(0, str(DOCS))
    try:
        import _benchmark_tables
    finally:
        sys.path.remove(str(DOCS))
    results = ROOT / "benchmarks" / "results"
    text = _benchmark_tables.render(results, tmp_path / "figures", str(tmp_path / "figures"))
    for path in results.glob("*.json"):
        assert f"benchmarks/results/{path.name}" in text
    stems = {path.stem for path in results.glob("*.json")}
    for figure in results.glob("*.png"):
        if any(figure.name.startswith(stem) for stem in stems):
            assert (tmp_path / "figures" / figure.name).is_file()
    stream = io.StringIO()
    docutils_core.publish_doctree(text, settings_overrides={
        "report_level": 2, "halt_level": 5, "warning_stream": stream})
    assert stream.getvalue() == ""


def test_benchmark_tables_render_records_and_fields(tmp_path):
    sys.path.insert(0, str(DOCS))
    try:
        import _benchmark_tables
    finally:
        sys.path.remove(str(DOCS))
    (tmp_path / "toy.json").write_text(
        '{"machine": {"date": "2026-01-01T10:00:00", "cpu_count": 2}, '
        '"accuracy": [{"model": "late_fusion", "score": 0.91234}], "notes": {"seed": 0}, '
        '"rules": {"mean": {"full": {"mean_std": [0.98, 0.01]}}}}')
    text = _benchmark_tables.render(tmp_path, tmp_path / "fig", "fig")
    assert "python benchmarks/bench_toy.py" in text
    assert "2026-01-01 10:00 UTC, 2 CPUs" in text
    assert "   * - late\\_fusion\n     - 0.9123" in text
    assert ":seed: 0" in text
    assert "   * - mean\n     - 0.980 ± 0.010" in text


def test_gallery_order_lists_every_example():
    sys.path.insert(0, str(DOCS))
    try:
        import _gallery_order
    finally:
        sys.path.remove(str(DOCS))
    assert sorted(_gallery_order.LEARNING_PATH) == sorted(p.name for p in EXAMPLES)


def test_every_capability_has_a_gallery_example():
    # each public subpackage (a capability) is used by at least one example
    import importlib
    import importlib.util

    import skfusion

    sources = "\n".join(example.read_text() for example in EXAMPLES)
    absent = {"neural"} if any(importlib.util.find_spec(name) is None
                               for name in ("torch", "skorch")) else set()
    unused = [sub for sub in sorted(skfusion._SUBMODULES - absent)
              if not any(re.search(rf"\b{name}\b", sources)
                         for name in importlib.import_module(f"skfusion.{sub}").__all__)]
    assert unused == []


def test_every_user_guide_page_is_in_the_toctree():
    index = (DOCS / "user_guide" / "index.rst").read_text()
    listed = set(re.findall(r"^   (\w+)$", index, flags=re.MULTILINE))
    pages = {page.stem for page in (DOCS / "user_guide").glob("*.rst")} - {"index"}
    assert pages == listed


@pytest.mark.parametrize("page", SOURCE_PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_page_titles_are_fully_underlined(page):
    # a short over- or underline fails the strict docs build
    lines = page.read_text().splitlines()
    for above, title, below in zip(lines, lines[1:], lines[2:]):
        if below and set(below) <= set("=-~^") and title.strip() and not set(title) <= set("=-~^"):
            assert len(below) >= len(title), f"{page.name}: {title!r}"
            if set(above) == set(below):
                assert len(above) == len(below), f"{page.name}: {title!r}"
