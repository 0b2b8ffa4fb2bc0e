"""The workshop page: one HTML shell; the map and figures are drawn by ``assets/serve.js`` from the JSON API.

The page loads Leaflet from the XStatic-Leaflet package and its own script and style
from this package, all served by the server itself (nothing from the internet; map
tiles are tried from OpenStreetMap when online, and the county's outlines draw without
them). The only text written into the HTML is the scenario's title, escaped; every
other text is set by the script as text, never as HTML.
"""

from __future__ import annotations

import html

__all__ = ["build_page"]

#: Small pictures for the Easy Read view (drawn, not fetched): a clock, a person, a building, a car, a warning.
ICONS = (
    "<svg width='0' height='0' style='position:absolute' aria-hidden='true'>"
    "<symbol id='i-clock' viewBox='0 0 24 24'><circle cx='12' cy='12' r='10' fill='#fff' stroke='#08306b' "
    "stroke-width='2'/><path d='M12 6v6l4 3' stroke='#08306b' stroke-width='2' fill='none'/></symbol>"
    "<symbol id='i-person' viewBox='0 0 24 24'><circle cx='12' cy='7' r='4' fill='#a50026'/>"
    "<path d='M4 22c0-5 4-8 8-8s8 3 8 8z' fill='#a50026'/></symbol>"
    "<symbol id='i-building' viewBox='0 0 24 24'><path d='M3 21V9l9-6 9 6v12z' fill='#2171b5'/>"
    "<rect x='10' y='14' width='4' height='7' fill='#fff'/></symbol>"
    "<symbol id='i-car' viewBox='0 0 24 24'><path d='M3 16v-4l2-5h14l2 5v4z' fill='#555'/>"
    "<circle cx='7' cy='17' r='2' fill='#111'/><circle cx='17' cy='17' r='2' fill='#111'/></symbol>"
    "<symbol id='i-far' viewBox='0 0 24 24'><path d='M12 2 22 21H2z' fill='#fdae61' stroke='#a50026' "
    "stroke-width='1.5'/><path d='M12 9v5M12 16v2' stroke='#111' stroke-width='2'/></symbol>"
    "</svg>"
)


def build_page(title: str) -> str:
    """The page's HTML (the scenario's ``title`` escaped).

    Parameters
    ----------
    title
        The scenario's title.

    Returns
    -------
    str
    """
    safe = html.escape(title)
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<title>{safe} · workshop</title>\n"
        "<link rel='stylesheet' href='/static/leaflet/leaflet.css'>\n"
        "<link rel='stylesheet' href='/static/serve.css'>\n"
        "<script src='/static/leaflet/leaflet.js'></script>\n"
        "<script src='/static/serve.js' defer></script>\n</head>\n<body>\n"
        f"{ICONS}\n"
        "<header id='hp-bar'>"
        f"<h1 id='hp-title'>{safe}</h1>"
        "<div id='hp-tools' role='toolbar' aria-label='Plan tools'>"
        "<button type='button' id='hp-undo' disabled>Undo</button>"
        "<button type='button' id='hp-reset'>Start again</button>"
        "<button type='button' id='hp-best'>Find the best plan from here</button>"
        "<button type='button' id='hp-easy' aria-pressed='false'>Easy Read</button>"
        "</div></header>\n"
        "<main id='hp-main'>"
        "<div id='map' role='region' aria-label='Map of the buildings and home areas'></div>"
        "<section id='hp-panel' aria-label='What this plan means'>"
        "<p id='hp-help'>Click a building on the map to change what it does: each click gives it the next role "
        "(hub, specialist service, closed). The figures change at once.</p>"
        "<div id='hp-reason' role='alert' hidden></div>"
        "<div id='hp-search' aria-live='polite' hidden></div>"
        "<div id='hp-figures' aria-live='polite'></div>"
        "<div id='hp-easyread' aria-live='polite' hidden></div>"
        "<details id='hp-keep'><summary>History and saving</summary>"
        "<form id='hp-history-form'><label for='hp-history-name'>Name this plan</label> "
        "<input id='hp-history-name' maxlength='80' required> <button type='submit'>Keep</button></form>"
        "<ol id='hp-history'></ol>"
        "<form id='hp-save-form'><label for='hp-save-name'>Save as a scenario file (lower-case name)</label> "
        "<input id='hp-save-name' maxlength='60' pattern='[a-z0-9][a-z0-9_\\-]*' required> "
        "<button type='submit'>Save</button></form><p id='hp-saved' aria-live='polite'></p>"
        "</details>"
        "</section></main>\n</body>\n</html>\n"
    )
