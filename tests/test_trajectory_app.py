"""The Trajectory tab in a real browser (headless Debian chromium): every control is driven and what
the plot draws is read back from plotly's own figure, the downloads from their links.

The test saves the Shanghai per-object view as trajectory-shanghai.png into $STANCETRACE_SCREENSHOTS
(else a temporary folder), the README's screenshot when run on the default model.
"""

import io
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.test_app import BROWSER_FLAGS, STATEMENT, served_app
from tests.test_trajectory import scored_by

# What plotly drew: each trace's name, whether it is in the legend, its hover texts; the subplots.
DRAWN = """() => {
  const plots = document.querySelectorAll('#plot .js-plotly-plot');
  const gd = plots[plots.length - 1];
  if (!gd || !gd.data || !gd._fullLayout) return null;  // being drawn
  return {
    traces: gd.data.map(t => ({name: t.name, legend: t.showlegend !== false, hover: t.hovertext || null})),
    panels: Object.keys(gd._fullLayout._subplots.cartesian).length,
    titles: (gd.layout.annotations || []).map(a => a.text),
  };
}"""


@pytest.fixture(scope="module")
def scored_collection(tiny_stance_model, tmp_path_factory):
    """A researcher's collection scored by `stance score` (CSV): two Shanghai notices and one from
    Guangdong (CN-GD, a jurisdiction the corpus does not have)."""
    folder = tmp_path_factory.mktemp("collection")
    rows = [
        {"text": STATEMENT, "date": "2025-07-10", "jurisdiction": "CN-SH", "issuer": "上海市国资委"},
        {
            "text": "本市严禁任何机构开展虚拟货币交易。",
            "date": "2021-10-08",
            "jurisdiction": "CN-SH",
            "issuer": "上海市金融局",
        },
        {
            "text": "广东省推动数字人民币试点扩大应用场景。",
            "date": "2022-03-01",
            "jurisdiction": "CN-GD",
            "issuer": "广东省",
        },
    ]
    return scored_by(tiny_stance_model[0], rows, folder, (".csv",))[".csv"]


@pytest.fixture(scope="module")
def trajectory_app(tiny_stance_model, tmp_path_factory):
    with served_app(tiny_stance_model[0], tmp_path_factory.mktemp("db") / "timeline.sqlite") as (url, _):
        yield url


def legend(drawn: dict) -> set[str]:
    return {t["name"] for t in drawn["traces"] if t["legend"]}


def test_every_trajectory_control_in_a_real_browser(trajectory_app, scored_collection, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    assert shutil.which("chromium"), "Debian chromium is missing: scripts/test.sh installs it"
    shots = Path(os.environ.get("STANCETRACE_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=BROWSER_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.goto(trajectory_app)
        summary = page.locator("#trajectory-summary")

        def redrawn(action, caption: str | None = None) -> dict:
            """Do `action`, wait for the summary to change (to hold `caption`, if given: an action of
            several clicks draws several times) and then the plot, and read what plotly drew."""
            before, drawn_before = summary.inner_text(), page.evaluate(DRAWN)
            action()
            if caption:
                expect(summary).to_contain_text(caption, timeout=60_000)
            else:
                expect(summary).not_to_have_text(before, timeout=60_000)
            for _ in range(100):
                drawn = page.evaluate(DRAWN)
                if drawn is not None and drawn != drawn_before:
                    return drawn
                page.wait_for_timeout(100)
            return drawn

        def download(elem_id: str) -> bytes:
            link = page.locator(f"#{elem_id} a[download]").first
            expect(link).to_be_attached(timeout=30_000)
            return page.request.get(link.get_attribute("href")).body()

        def points_csv() -> pd.DataFrame:
            return pd.read_csv(io.BytesIO(download("points-csv")))

        # Opening the tab: Shanghai on crypto, stablecoin and cbdc, with its events.
        page.get_by_role("tab", name="Trajectory").click()
        expect(summary).to_contain_text("change point(s)", timeout=60_000)
        page.wait_for_function(DRAWN)
        drawn = page.evaluate(DRAWN)
        assert {"Shanghai · crypto", "Shanghai · cbdc", "events"} <= legend(drawn)
        events = next(t for t in drawn["traces"] if t["name"] == "events" and t["hover"])
        assert any("2025-07-10" in h and "SASAC" in h for h in events["hover"])
        page.wait_for_timeout(500)
        page.screenshot(path=str(shots / "trajectory-shanghai.png"), full_page=False)
        assert set(points_csv()["target"]) <= {"crypto", "stablecoin", "cbdc"}

        # Events off.
        drawn = redrawn(lambda: page.locator("#show-events input").uncheck())
        assert "events" not in {t["name"] for t in drawn["traces"]}

        # Targets: overall instead of the objects.
        def overall_only():
            for name in ("crypto", "stablecoin", "cbdc"):
                page.locator("#targets").get_by_label(name, exact=True).uncheck()
            page.locator("#targets").get_by_label("overall", exact=True).check()

        drawn = redrawn(overall_only, "series: CN-SH · overall ·")
        assert legend(drawn) == {"Shanghai · overall"}

        # A second jurisdiction, then side by side.
        drawn = redrawn(lambda: page.locator("#jurisdictions").get_by_label("HK", exact=True).check())
        assert legend(drawn) == {"Shanghai · overall", "Hong Kong · overall"} and drawn["panels"] == 1
        drawn = redrawn(lambda: page.locator("#side-by-side input").check())
        assert drawn["panels"] == 2 and drawn["titles"][:2] == ["Shanghai", "Hong Kong"]
        changes = [t for t in drawn["traces"] if t["name"] == "change point"]
        for trace in changes:  # a change point's hover names its confidence and nearest documents
            assert "confidence" in trace["hover"][0] and "nearest documents" in trace["hover"][0]
        redrawn(
            lambda: page.locator("#jurisdictions").get_by_label("HK", exact=True).uncheck(), "series: CN-SH ·"
        )

        # The date range and the issuer filter, read back from the points download.
        def date_range():
            page.locator("#since input, #since textarea").first.fill("2019-01-01")
            page.locator("#until input, #until textarea").first.fill("2021-12-31")
            page.locator("#until input, #until textarea").first.press("Enter")

        redrawn(date_range, "2019-01-01 to 2021-12-31")
        table = points_csv()
        assert len(table) and table["date"].between("2019-01-01", "2021-12-31").all()
        assert set(table["jurisdiction"]) == {"CN-SH"}

        def issuer():
            box = page.locator("#issuer-filter input, #issuer-filter textarea").first
            box.fill("people's bank")
            box.press("Enter")

        redrawn(issuer, "issuer contains “people's bank”")
        table = points_csv()
        assert len(table) and table["issuer"].str.contains("People's Bank", case=False).all()

        # The annotators' labels instead of the model's scores: levels / 2.
        redrawn(lambda: page.locator("#basis").get_by_label("labels", exact=True).check(), "by the labels")
        labelled = points_csv()
        assert labelled["score"].isin([-1, -0.5, 0, 0.5, 1]).all() and labelled["score"].nunique() > 1

        # A wider smoothing changes the trend, not the points.
        def smoother():
            box = page.locator("#bandwidth input[type=number]")
            box.fill("600")
            box.press("Enter")

        redrawn(smoother, "trend over 600 days")
        wider = points_csv()
        assert list(wider["score"]) == list(labelled["score"]) and list(wider["trend"]) != list(
            labelled["trend"]
        )
        redrawn(lambda: page.locator("#basis").get_by_label("model", exact=True).check(), "by the model")

        # The other downloads: change points, quarterly index, PNG and SVG.
        changes = pd.read_csv(io.BytesIO(download("changes-csv")))
        assert list(changes.columns)[:8] == [
            "jurisdiction",
            "target",
            "date",
            "date_low",
            "date_high",
            "confidence",
            "mean_before",
            "mean_after",
        ]
        quarterly = pd.read_csv(io.BytesIO(download("quarterly-csv")))
        assert {"quarter", "mean_score", "count", "band_low", "band_high"} <= set(quarterly.columns)
        assert download("plot-png")[:4] == b"\x89PNG" and b"<svg" in download("plot-svg")[:1000]

        # Import a scored collection by upload: its points are drawn, its new jurisdiction offered.
        for box in ("#since", "#until", "#issuer-filter"):
            page.locator(f"{box} input, {box} textarea").first.fill("")
        page.get_by_text("Import your own collection").click()
        page.locator("#scored-upload input[type=file]").set_input_files(str(scored_collection))
        page.wait_for_timeout(1000)
        drawn = redrawn(lambda: page.locator("#import-button").click())
        expect(page.locator("#import-message")).to_contain_text("Imported 3 statement(s)")
        assert "Shanghai · overall (imported)" in legend(drawn)
        expect(page.locator("#jurisdictions").get_by_label("CN-GD", exact=True)).to_be_attached()
        browser.close()
    assert (shots / "trajectory-shanghai.png").stat().st_size > 10_000
