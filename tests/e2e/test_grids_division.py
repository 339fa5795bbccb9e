"""The division review page as a community worker meets it, at 1280 px and on a 375 px phone:
grid outlines with labels on the map, the compact grid list, the move dialog, touch targets."""

from pathlib import Path

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name, **kwargs):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), **kwargs)


def watch_errors(page):
    """Every console error and uncaught exception of the page (CSP refusals included)."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.fixture
def draft(cast):
    """社区 A: two new compounds, twelve buildings of 2 × 40 households on a 3 × 4 layout (plus one
    small building), proposed as a draft by its community worker."""
    from loudong.grids.actions import propose_division
    from loudong.grids.tests.helpers import make_block
    from loudong.territory.models import Household, Region
    from loudong.test import make_region

    community = cast["community_a"]
    # The cast's one household (a building without a position) stays out of the division.
    Household.objects.filter(pk=cast["home_a"].pk).update(occupied=False, residence="vacant")
    north = make_region(Region.Level.COMPOUND, "北苑", community)
    south = make_region(Region.Level.COMPOUND, "南苑", community)
    for k in range(12):
        compound = north if k < 6 else south
        make_block(compound, f"{k % 6 + 1}号楼", 120 * (k % 3), 600 - 110 * (k // 3))
    make_block(south, "7号楼", 400, 0, per_unit=12)
    return propose_division(community=community, acting_user=cast["shequ_a"])


def grid_count(division):
    return division.grids.count()


def overlapping_labels(page):
    """Pairs of shown map labels whose boxes overlap (the page shortens or hides those)."""
    return page.evaluate(
        """() => {
          const shown = [...document.querySelectorAll('.grid-label:not(.grid-label-hidden)')];
          const r = shown.map(e => e.getBoundingClientRect());
          const out = [];
          for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
            const a = r[i], b = r[j];
            if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
              out.push([shown[i].textContent, shown[j].textContent]);
          }
          return out;
        }"""
    )


def test_it_draws_outlines_and_moves_a_unit_through_the_dialog(page, draft):
    from loudong.grids.models import GridPiece

    errors = watch_errors(page)
    login(page, "shequ_a")
    page.goto(page.base + draft.get_absolute_url())
    page.wait_for_selector("path.grid-outline")
    n = grid_count(draft)
    assert page.locator("#grid-map svg path.grid-outline").count() == n
    assert page.locator(".leaflet-tooltip.grid-label").count() == n
    assert page.locator("#grid-map svg path.building-dot").count() == 13
    visible = page.locator(".grid-label:not(.grid-label-hidden)")
    assert visible.count() >= 1
    assert overlapping_labels(page) == []
    assert "户" in page.inner_text(".grid-label:not(.grid-label-hidden):not(.grid-label-compact)")
    # Neighbouring grids are filled differently (checked on what the page drew).
    fills = page.eval_on_selector_all(
        "path.grid-outline", "els => els.map(e => e.getAttribute('fill'))"
    )
    assert len(set(fills)) >= 3
    shot(page, "grids-division-1280", full_page=True)
    page.locator("#grid-map").screenshot(path=str(SHOTS / "grids-map-1280.png"))

    # The grid list is compact: pieces stay folded until a grid is opened.
    first = page.locator("details.grid-item").first
    assert not first.locator("table").is_visible()
    first.locator("summary").click()
    assert first.locator("table").is_visible()
    link = first.locator("[data-move]").first
    piece_id = int(link.get_attribute("href").rstrip("/").split("/")[-2])
    link.click()
    page.wait_for_selector("#move-dialog[open] input[name=to_grid]")
    assert "移出后" in page.inner_text("#move-dialog")
    assert not page.is_visible("#move-check")
    page.locator("#move-dialog input[name=to_grid]").first.check()
    assert page.is_visible("#move-check")
    assert "移动后" in page.inner_text("#move-check")
    target = int(page.locator("#move-dialog input[name=to_grid]").first.get_attribute("value"))
    shot(page, "grids-move-dialog-1280")
    # Switching to the whole building reloads the choices in the same dialog.
    page.click("#move-dialog [data-reload]")
    page.wait_for_selector("#move-dialog input[name=whole_building]", state="attached")
    assert "整栋" in page.inner_text("#move-dialog .move-what")
    page.click("#move-dialog [data-reload]")
    page.wait_for_selector("#move-dialog input[name=whole_building]", state="detached")
    page.wait_for_selector("#move-dialog input[name=to_grid]")
    page.locator(f"#move-dialog input[name=to_grid][value='{target}']").check()
    page.click("#move-dialog button[type=submit]")
    page.wait_for_load_state()
    assert "已将" in page.inner_text(".messages")
    assert GridPiece.objects.get(pk=piece_id).grid_id == target
    assert page.evaluate(f"document.getElementById('grid-{target}').open")
    assert errors == [] and page.csp_errors == []


def test_it_fits_a_phone_with_big_targets(phone, draft):
    errors = watch_errors(phone)
    login(phone, "shequ_a")
    phone.goto(phone.base + draft.get_absolute_url())
    phone.wait_for_selector("path.grid-outline")
    n = grid_count(draft)
    assert phone.locator("#grid-map svg path.grid-outline").count() == n
    assert phone.locator(".leaflet-tooltip.grid-label").count() == n
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert overlapping_labels(phone) == []
    phone.locator("details.grid-item").first.locator("summary").click()
    shot(phone, "grids-division-375", full_page=True)
    # Targets ≥ 44 px and text ≥ 16 px for buttons, links in tables and form controls.
    small = phone.eval_on_selector_all(
        "main button, main .button, main td a, main input, main select, main textarea,"
        " main summary",
        # A check box or radio button is pressed through its label: measure the label.
        """els => els.filter(e => e.offsetParent !== null && e.type !== 'hidden')
            .map(e => (e.type === 'checkbox' || e.type === 'radio') ? e.closest('label') : e)
            .map(e => [e.outerHTML.slice(0, 60), e.getBoundingClientRect().height,
                       parseFloat(getComputedStyle(e).fontSize)])
            .filter(([, h, f]) => h < 44 || f < 16)""",
    )
    assert small == []
    tiny_text = phone.eval_on_selector_all(
        "main p, main td, main li, main dd, main dt, main small, main label, main summary span",
        """els => els.filter(e => e.offsetParent !== null && e.textContent.trim())
            .map(e => [e.outerHTML.slice(0, 60), parseFloat(getComputedStyle(e).fontSize)])
            .filter(([, f]) => f < 16)""",
    )
    assert tiny_text == []
    phone.locator("details.grid-item").first.locator("[data-move]").first.click()
    phone.wait_for_selector("#move-dialog[open] input[name=to_grid]")
    box = phone.locator("#move-dialog").bounding_box()
    assert box["width"] <= 375
    assert phone.locator("#move-dialog button[type=submit]").is_visible()
    shot(phone, "grids-move-dialog-375")
    assert errors == []


def test_viewers_see_the_map_without_move_controls(page, draft):
    errors = watch_errors(page)
    login(page, "minzheng")
    page.goto(page.base + draft.get_absolute_url())
    page.wait_for_selector("path.grid-outline")
    assert page.locator("[data-move]").count() == 0
    assert page.locator("#move-dialog").count() == 0
    assert errors == []


def test_the_login_page_names_the_system(page, cast):
    page.goto(page.base + "/accounts/login/")
    assert page.title() == "登录 · 楼栋长网格治理系统"
    assert page.inner_text(".brand") == "楼栋长网格治理系统"
