"""The CJK font fallback: it leaves the interactive flag alone (Jupyter keeps showing
figures after the first Chinese plot) and finds a CJK font that matplotlib's font cache
does not know yet (installed after the cache was built), with one warning."""

import glob
import json
import os
import subprocess
import sys
import textwrap
import warnings

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
from matplotlib import font_manager

import servgap as sg
from servgap.plots import fonts

needs_cjk = pytest.mark.skipif(fonts.find_cjk_font() is None, reason="no CJK font installed (fonts-noto-cjk)")


@pytest.fixture
def interactive_off():
    was = mpl.is_interactive()
    mpl.interactive(False)
    yield
    mpl.interactive(was)


@needs_cjk
def test_context_keeps_the_interactive_flag(interactive_off):
    # the inline backend switches interactive mode on when the session's first figure is created,
    # which happens inside the context; restoring all rcParams on exit switched it off again
    with fonts.cjk_font() as fams:
        assert fams is not None
        mpl.interactive(True)
    assert mpl.is_interactive()


@needs_cjk
def test_first_zh_plot_keeps_interactive_mode(interactive_off, monkeypatch):
    """What Jupyter does, end to end: the backend turns interactive on while the first figure is made."""
    res = _result()
    real = plt.subplots

    def subplots_like_inline_backend(*a, **kw):
        mpl.interactive(True)
        return real(*a, **kw)

    monkeypatch.setattr(plt, "subplots", subplots_like_inline_backend)
    res.plot.gaps(lang="zh")
    assert mpl.is_interactive()
    monkeypatch.setattr(plt, "subplots", real)
    mpl.interactive(False)
    with fonts.cjk_font():
        mpl.rcParams["lines.linewidth"] = 3.25      # a user's own setting made meanwhile stays too
    try:
        assert mpl.rcParams["lines.linewidth"] == 3.25
    finally:
        mpl.rcParams["lines.linewidth"] = mpl.rcParamsDefault["lines.linewidth"]


def _result():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sg.analyze(sg.load_example()[0], gaps=[5])


def _cjk_system_fonts():
    return [p for p in font_manager.findSystemFonts() if "CJK" in os.path.basename(p)]


PROBE = textwrap.dedent("""
    import json, warnings
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import font_manager
    cached_cjk = sorted({f.name for f in font_manager.fontManager.ttflist if "CJK" in f.name or f.name in %r})
    import servgap as sg
    warnings.simplefilter("always")
    with warnings.catch_warnings(record=True) as rec:
        res = sg.analyze(sg.load_example()[0], gaps=[5])
        ax = res.plot.gaps(lang="zh")
        ax.figure.savefig(__import__("io").BytesIO(), format="png")
        ax = res.plot.snake(lang="zh")
        ax.figure.savefig(__import__("io").BytesIO(), format="png")
    print(json.dumps({"cached_cjk": cached_cjk,
                      "family": list(ax.title.get_fontfamily()),
                      "warnings": [[w.category.__name__, str(w.message)] for w in rec]}))
""")


@pytest.mark.skipif(not _cjk_system_fonts(), reason="no CJK font file on this system (fonts-noto-cjk)")
def test_font_cache_older_than_the_cjk_font(tmp_path):
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path), "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, check=True, timeout=300)
    (cache,) = glob.glob(str(tmp_path / "fontlist-*.json"))
    data = json.loads(open(cache, encoding="utf-8").read())
    # the cache as it was before `apt install fonts-noto-cjk`: no CJK font in it
    cjk_files = {f["fname"] for f in data["ttflist"] if "CJK" in f["name"] or f["name"] in fonts.CJK_FONTS}
    data["ttflist"] = [f for f in data["ttflist"] if f["fname"] not in cjk_files]
    with open(cache, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    out = subprocess.run([sys.executable, "-c", PROBE % (fonts.CJK_FONTS,)], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["cached_cjk"] == []                                   # the cache really predates the font
    font_warnings = [m for c, m in got["warnings"] if c == "FontWarning"]
    assert len(font_warnings) == 1, got["warnings"]
    assert "font cache predates" in font_warnings[0] and "fontlist-*.json" in font_warnings[0]
    assert not [m for _, m in got["warnings"] if "Glyph" in m or "missing from" in m]
    assert got["family"][0] in fonts.CJK_FONTS                        # the Chinese title renders with it
