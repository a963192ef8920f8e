"""The executed quickstart notebook, rendered to HTML by nbconvert and opened in
headless Chromium, shows its charts as pixels (as ReportBrowserTests does for
the HTML report): the loss curve is drawn in the palette's first colour, which
the same page without its SVG outputs (the control) does not show."""

import copy
import os
import shutil
import subprocess

import nbconvert
import pytest
from PIL import Image, ImageChops

from conftest import chromium

BLUE = (0x1F, 0x77, 0xB4)


def screenshot(browser, html, folder, name, height):
    page, png = folder / f"{name}.html", folder / f"{name}.png"
    page.write_text(html)
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                    "--force-device-scale-factor=1", f"--user-data-dir={folder / ('profile-' + name)}",
                    f"--screenshot={png}", f"--window-size=1200,{height}", "--virtual-time-budget=5000",
                    page.as_uri()], capture_output=True, timeout=120)
    assert png.exists(), f"chromium wrote no screenshot for {name}"
    keep = os.environ.get("YDNN_KEEP_SCREENSHOTS")
    if keep:
        os.makedirs(keep, exist_ok=True)
        shutil.copy(png, os.path.join(keep, f"notebook-{name}.png"))
    return Image.open(png).convert("RGB")


def mask(image, colour, tolerance=6):
    """255 where the pixel is within `tolerance` of `colour` in every channel."""
    diff = ImageChops.difference(image, Image.new("RGB", image.size, colour))
    r, g, b = (c.point(lambda v: 255 if v <= tolerance else 0) for c in diff.split())
    return ImageChops.multiply(ImageChops.multiply(r, g), b)


def count(image, colour):
    return mask(image, colour).histogram()[255]


def test_nbconvert_html_shows_the_charts(executed_quickstart):
    browser = chromium()
    if browser is None:
        pytest.skip("no chromium (scripts/setup.sh installs it)")
    nb, work = executed_quickstart
    exporter = nbconvert.HTMLExporter()
    html, _ = exporter.from_notebook_node(nb)
    assert 'data-mime-type="image/svg+xml"' in html
    control_nb = copy.deepcopy(nb)
    for cell in control_nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if "image/svg+xml" not in o.get("data", {})]
    control_html, _ = exporter.from_notebook_node(control_nb)
    height = 4000  # the executed quickstart is about 2700 px tall at this width
    shot = screenshot(browser, html, work, "notebook", height)
    control = screenshot(browser, control_html, work, "control", height)
    blue, blue_control = count(shot, BLUE), count(control, BLUE)
    assert blue > 800, f"the loss curve is not on screen: {blue} blue pixels"
    assert blue_control < 100, f"the page without charts has {blue_control} blue pixels"
    # The chart is as wide as drawn (720 px), not a thumbnail: its blue spans >400 px.
    left, top, right, bottom = mask(shot, BLUE).getbbox()
    assert right - left > 400, (left, top, right, bottom)
