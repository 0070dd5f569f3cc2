"""The HTML report in a real headless browser: loads without console errors, renders,
and fits a phone (390 px) and a desktop (1400 px) without horizontal overflow of the page."""

import json
import os
import re
import shutil
import subprocess
import warnings

import pytest
from factories import small_result

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0"]


def find_chromium():
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    browser = find_chromium()
    if browser is None:
        pytest.skip("no headless Chromium installed: apt-get install chromium")
    tmp = tmp_path_factory.mktemp("browser")
    res = small_result()
    with warnings.catch_warnings(), pytest.MonkeyPatch.context() as mp:
        warnings.simplefilter("ignore")
        mp.setattr("servgap.plots.PlotAccessor.kinds", ("model", "heatmap"))   # two figures are enough here
        res.to_html(tmp / "report.html", lang="en", title="Branch <survey> report")
    return browser, tmp


def run(browser, tmp, *extra, page="report.html"):
    profile = tmp / f"profile{len(list(tmp.iterdir()))}"
    cmd = [browser, *FLAGS, f"--user-data-dir={profile}", *extra, (tmp / page).as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


#: Headless Chromium will not make a window narrower than 500 px, so a page is measured
#: inside an iframe of the width wanted: its innerWidth is that width and its media
#: queries respond to it, as on a phone.
FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="{src}" style="width:{w}px;height:{h}px;border:0"></iframe>
<script>document.getElementById("f").addEventListener("load", () => {{
  const w = document.getElementById("f").contentWindow, d = w.document.documentElement;
  document.body.setAttribute("data-measure", JSON.stringify({{scrollWidth: d.scrollWidth,
    innerWidth: w.innerWidth, tables: d.querySelectorAll("table").length}}));
}});</script></body></html>"""


def measure(browser, tmp, src, width, height=1600, shot=None):
    page = f"frame_{width}_{src}"
    (tmp / page).write_text(FRAME.format(src=src, w=width, h=height), encoding="utf-8")
    extra = ["--allow-file-access-from-files", "--virtual-time-budget=10000",
             f"--window-size={max(width + 20, 520)},{height}"]
    proc = run(browser, tmp, *extra, "--dump-dom", page=page)
    m = re.search(r'data-measure="([^"]*)"', proc.stdout)
    assert m, proc.stderr[-2000:]
    if shot is not None:
        run(browser, tmp, *extra, f"--screenshot={shot}", page=page)
    return json.loads(m.group(1).replace("&quot;", '"')), proc


def page_errors(stderr: str) -> list[str]:
    """Console messages of the page (Chromium logs them as CONSOLE lines) and uncaught errors."""
    return [line for line in stderr.splitlines()
            if "Uncaught" in line or ("CONSOLE" in line and ("error" in line.lower() or "report.html" in line))]


def test_screenshot_not_blank(report):
    import matplotlib.image as mpimg

    browser, tmp = report
    png = tmp / "shot.png"
    proc = run(browser, tmp, f"--screenshot={png}", "--window-size=1280,2000")
    assert png.exists(), proc.stderr[-2000:]
    img = mpimg.imread(png)
    assert img.shape[0] >= 1000 and img.shape[1] >= 1000
    assert img[..., :3].std() > 0.01
    assert not page_errors(proc.stderr)


def test_dom_has_title_and_tables(report):
    browser, tmp = report
    proc = run(browser, tmp, "--dump-dom")
    dom = proc.stdout
    assert "<title>Branch &lt;survey&gt; report</title>" in dom
    assert "<table" in dom and 'id="summary"' in dom and dom.count("data:image/svg+xml;base64,") == 2
    assert "<script>alert(1)</script>" not in dom      # the hostile segment name stayed text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert not page_errors(proc.stderr)


@pytest.fixture(scope="module")
def zh_report(report):
    """The Chinese report of the bundled bank example, with every table (two figures)."""
    import servgap as sg

    browser, tmp = report
    cust, staff = sg.load_example(tolerance=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sg.analyze([cust, staff, sg.load_example_constructs()], by="branch")
        res.to_html(tmp / "report_zh.html", lang="zh", plots=["model", "gaps"])
    return browser, tmp


@pytest.mark.parametrize("width", [390, 1400])
@pytest.mark.parametrize("src", ["report.html", "report_zh.html"])
def test_no_horizontal_overflow(zh_report, src, width):
    """Tables scroll inside their card; the page itself never gets wider than the screen."""
    import matplotlib.image as mpimg

    browser, tmp = zh_report
    shot = tmp / f"shot_{width}_{src}.png"
    m, proc = measure(browser, tmp, src, width, shot=shot)
    assert m["innerWidth"] == width and m["tables"] >= 3
    assert m["scrollWidth"] <= m["innerWidth"], m
    assert not page_errors(proc.stderr)
    img = mpimg.imread(shot)
    assert img[:, :width, :3].std() > 0.01                     # the page is drawn, not blank


def test_overflow_check_can_fail(report):
    """The check above is not vacuous: a page with a wide table and no scroll box overflows at 390 px."""
    browser, tmp = report
    (tmp / "wide.html").write_text('<html><body><table><tr>' + "<td>cell&nbsp;text</td>" * 60
                                   + "</tr></table></body></html>", encoding="utf-8")
    m, _ = measure(browser, tmp, "wide.html", 390)
    assert m["innerWidth"] == 390 and m["scrollWidth"] > 390


def test_error_detector_sees_page_errors(tmp_path):
    """The console check above is not vacuous: a page that logs an error is caught."""
    browser = find_chromium()
    if browser is None:
        pytest.skip("no headless Chromium installed: apt-get install chromium")
    (tmp_path / "report.html").write_text("<html><head><title>x</title></head><body><script>"
                                          "console.error('boom'); undefinedFn();</script></body></html>")
    errors = page_errors(run(browser, tmp_path, "--dump-dom").stderr)
    assert any("Uncaught" in e for e in errors) and any("boom" in e for e in errors)
