"""Dashboards in Chromium: charts drawn with Chinese labels, no console error, tables that match
the database, a bar that opens the list behind it, and the 区民政局's suppressed view."""

from pathlib import Path

import pytest

from tests.e2e.conftest import login, switch_user

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def watch_errors(page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def table(page, key):
    return page.eval_on_selector_all(
        f'table[data-table="{key}"] tbody tr',
        "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent.trim()))",
    )


def test_coverage_chart_table_and_drill_down(page, selection_registry):
    from loudong.grids.models import Grid

    errors = watch_errors(page)
    login(page, "shequ_a")
    page.goto(page.base + "/reports/coverage/")
    page.wait_for_selector('.chart[data-chart="coverage-now"][data-ready="1"] canvas')
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "reports-coverage.png"), full_page=True)
    grids = Grid.objects.in_force().with_leader()
    led = sum(1 for g in grids if g.leader_person_id)
    rows = table(page, "coverage-now")
    assert rows[0][:4] == ["秀山门社区", str(grids.count()), str(led), str(grids.count() - led)]
    # The chart's legend and axis are Chinese (ECharts draws them on the canvas: read its option).
    option = page.evaluate(
        "() => echarts.getInstanceByDom(document.querySelector('[data-chart=coverage-now]'))"
        ".getOption()"
    )
    assert [s["name"] for s in option["series"]] == ["有楼栋长", "空缺"]
    assert option["xAxis"][0]["data"] == ["秀山门社区"]
    # The table's first cell links to the list behind the bar: the community's vacant posts.
    page.click('table[data-table="coverage-now"] tbody tr:first-child a')
    page.wait_for_load_state()
    assert "/roster/?" in page.url and "vacant=on" in page.url
    assert page.locator("h1").first.inner_text().startswith("楼栋长队伍")
    assert errors == [], errors
    assert page.csp_errors == []


def test_the_civil_affairs_view_hides_small_counts_and_links(page, selection_registry):
    errors = watch_errors(page)
    login(page, "shequ_a")
    switch_user(page, "minzheng")
    page.goto(page.base + "/reports/leaders/")
    page.wait_for_selector('.chart[data-ready="1"] canvas')
    page.screenshot(path=str(SHOTS / "reports-leaders-minzheng.png"), full_page=True)
    assert page.locator("table.report-table a").count() == 0
    cells = [c for row in table(page, "age") for c in row[1:]]
    assert "<5" in cells
    assert not any(c in {"1", "2", "3", "4"} for c in cells)
    assert errors == [], errors
