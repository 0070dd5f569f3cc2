"""The HTML report in a real headless browser: loads without console errors, renders."""

import os
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


def run(browser, tmp, *extra):
    profile = tmp / f"profile{len(list(tmp.iterdir()))}"
    cmd = [browser, *FLAGS, f"--user-data-dir={profile}", *extra, (tmp / "report.html").as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


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


def test_error_detector_sees_page_errors(tmp_path):
    """The console check above is not vacuous: a page that logs an error is caught."""
    browser = find_chromium()
    if browser is None:
        pytest.skip("no headless Chromium installed: apt-get install chromium")
    (tmp_path / "report.html").write_text("<html><head><title>x</title></head><body><script>"
                                          "console.error('boom'); undefinedFn();</script></body></html>")
    errors = page_errors(run(browser, tmp_path, "--dump-dom").stderr)
    assert any("Uncaught" in e for e in errors) and any("boom" in e for e in errors)
