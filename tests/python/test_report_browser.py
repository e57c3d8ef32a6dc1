"""Each kind of report (a run, a run with a baseline, an inference-only run, a sweep, a plan)
as a new user sees it: rendered by headless Chromium (Debian's `chromium`), the screenshot is
not blank, every figure loads, and every table stays within the page width (it fits, or it
scrolls inside its own box). Skipped when chromium is not installed."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from conftest import SOURCE_DIR, run_fleetsim

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium, "
                                                         "or scripts/bootstrap.sh deps): the reports are not rendered")
WIDTH = 1280  # a laptop's browser window, CSS pixels

# Appended to a copy of index.html: after every image has loaded, writes the page's and each
# table's and image's geometry into the DOM as JSON, for --dump-dom to print.
MEASURE = """<script>
window.addEventListener('load', () => {
  const doc = document.documentElement;
  const out = {viewport: doc.clientWidth, page: doc.scrollWidth, tables: [], images: []};
  for (const t of document.querySelectorAll('table')) {
    const box = t.closest('.table-box') || t;
    const r = box.getBoundingClientRect();
    out.tables.push({left: r.left, right: r.right, overflow: getComputedStyle(box).overflowX,
                     table: t.scrollWidth, box: box.clientWidth,
                     head: (t.querySelector('thead') || t).innerText.slice(0, 60)});
  }
  for (const img of document.images) {
    const r = img.getBoundingClientRect();
    out.images.push({src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0, right: r.right});
  }
  const pre = document.createElement('pre');
  pre.id = 'fleetsim-measure';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""

PLAIN = """name: plain
start: 2024-03-01T00:00:00Z
hours: 200
regions:
  - {name: only, contracts: [{type: wind, capacity_mw: 2}]}
sites:
  - {name: s, region: only, grid_limit_mw: 5, clusters: [{gpu_type: A100, gpus: 256}]}
workload:
  synthetic:
    - {name: r, arrivals_per_day: 30, gpus: [8, 64], duration_median_h: 6}
"""


def chromium(url: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                           f"--user-data-dir={profile}", *args, url], capture_output=True, text=True, timeout=120)


def render(index: Path) -> tuple[dict, np.ndarray]:
    """The page's geometry (MEASURE) and its screenshot (RGB, 0..1) in a WIDTH-wide window: one
    chromium run, which waits for the page to settle, prints the DOM and takes the screenshot."""
    page = index.with_name("measure.html")
    page.write_text(index.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    shot = index.with_name("screenshot.png")
    result = chromium(page.as_uri(), index.parent / "profile", f"--window-size={WIDTH},1800",
                      "--virtual-time-budget=10000", f"--screenshot={shot}", "--dump-dom")
    found = re.search(r'<pre id="fleetsim-measure">(.*?)</pre>', result.stdout, re.S)
    assert found, f"{index}: no measurements in the DOM; chromium said: {result.stderr[-2000:]}"
    assert shot.exists(), f"{index}: no screenshot; chromium said: {result.stderr[-2000:]}"
    pixels = matplotlib.image.imread(str(shot))[..., :3]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")), pixels


@pytest.fixture(scope="module")
def reports(fleetsim_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The index.html of each kind of report, from short runs."""
    work = tmp_path_factory.mktemp("browser")
    scenarios = SOURCE_DIR / "scenarios"
    (work / "plain.yaml").write_text(PLAIN)
    (work / "grid.yaml").write_text("parameters:\n  regions.0.contracts.0.capacity_mw: [0, 2, 6]\n"
                                    "  scheduler.policy: [fifo, greenest_site]\n")
    commands = {
        "run": ["run", str(scenarios / "quickstart.yaml"), "--set", "hours=800", "-o", str(work / "run.h5")],
        "baseline": ["run", str(scenarios / "carbon_aware_shift.yaml"), "--baseline", "fifo", "--set", "hours=336",
                     "-o", str(work / "baseline.h5")],
        "inference": ["run", str(scenarios / "chat_inference.yaml"), "--set", "hours=168", "-o",
                      str(work / "inference.h5")],
        "sweep": ["sweep", str(work / "plain.yaml"), "--grid", str(work / "grid.yaml"), "-o", str(work / "sweep")],
        "plan": ["plan", str(scenarios / "quickstart.yaml"), "--set", "hours=800", "--target-cfe", "0.9",
                 "--frontier", "0.8", "1", "--study", "-o", str(work / "plan.h5")],
    }
    with ThreadPoolExecutor(2) as pool:
        results = dict(zip(commands, pool.map(lambda args: run_fleetsim(fleetsim_bin, *args, "--quiet"),
                                              commands.values())))
    for kind, result in results.items():
        assert result.returncode == 0, f"{kind}: {result.stderr}"
    # the reports as a user makes them, two at a time
    reports = {kind: ["report", str(work / f"{kind}.h5")] for kind in ("run", "baseline", "inference")}
    reports |= {"sweep": ["sweep", str(work / "sweep")], "plan": ["plan", str(work / "plan.h5")]}

    def report(kind: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "fleetsim_analysis", *reports[kind], "-o",
                               str(work / f"report_{kind}")], capture_output=True, text=True, timeout=300)

    with ThreadPoolExecutor(2) as pool:
        for kind, result in zip(reports, pool.map(report, reports)):
            assert result.returncode == 0, f"{kind}: {result.stderr}"
    return {kind: work / f"report_{kind}" / "index.html" for kind in reports}


@pytest.fixture(scope="module")
def rendered(reports: dict[str, Path]) -> dict[str, tuple[dict, np.ndarray]]:
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(reports, pool.map(render, reports.values())))


@pytest.mark.parametrize("kind", ["run", "baseline", "inference", "sweep", "plan"])
def test_report_renders_in_a_browser_within_the_page_width(rendered: dict, reports: dict[str, Path], kind: str):
    geometry, pixels = rendered[kind]
    # the screenshot is a page, not a blank window: text and figures in it
    grey = pixels.mean(axis=2)
    assert grey.std() > 0.05, f"{kind}: the screenshot is blank (pixel std {grey.std():.3f})"
    assert (grey < 0.9).mean() > 0.02, f"{kind}: almost nothing drawn"
    viewport = geometry["viewport"]
    assert geometry["page"] <= viewport, f"{kind}: the page scrolls sideways ({geometry['page']} > {viewport} px)"
    assert geometry["images"] and all(i["loaded"] for i in geometry["images"]), f"{kind}: {geometry['images']}"
    assert all(i["right"] <= viewport + 0.5 for i in geometry["images"])
    assert geometry["tables"], f"{kind}: no tables"
    for t in geometry["tables"]:
        assert t["left"] >= 0 and t["right"] <= viewport + 0.5, f"{kind}: a table runs off the page: {t}"
        assert t["table"] <= t["box"] or t["overflow"] in ("auto", "scroll"), f"{kind}: a table overflows: {t}"
    if kind in ("run", "baseline", "inference"):  # a run's tables fit outright: nothing to scroll
        assert all(t["table"] <= t["box"] for t in geometry["tables"]), f"{kind}: {geometry['tables']}"
    if kind == "baseline":
        assert "baseline.png" in [i["src"] for i in geometry["images"]]
    if kind == "inference":
        assert "jobs.png" not in [i["src"] for i in geometry["images"]]
