"""The look of ``easy_read.html``: its style sheet and its pictures, drawn here as inline SVG.

Easy Read (Department of Health, "Making written information easier to understand
for people with learning disabilities", 2010) asks for large type (at least 16 point;
here 22 px, 20 px on a phone), short lines, plenty of space and a picture beside each
point. The pictures are simple shapes defined once (:data:`ICON_SPRITE`) and used by
name (:func:`icon`), so the page needs no file or network to show them.
"""

from __future__ import annotations

import html
from enum import Enum

__all__ = ["EASY_READ_CSS", "ICON_SPRITE", "Icon", "icon"]


class Icon(str, Enum):
    """The pictures of the Easy Read page, each with the words a screen reader says for it."""

    PERSON = "person"
    BUILDING = "building"
    BUILDING_NEW = "building-new"
    BUILDING_CLOSED = "building-closed"
    BUS = "bus"
    CLOCK = "clock"
    CLOCK_LONG = "clock-long"


ICON_WORDS = {
    Icon.PERSON: "People", Icon.BUILDING: "A building that stays open", Icon.BUILDING_NEW: "A new place",
    Icon.BUILDING_CLOSED: "A building that closes", Icon.BUS: "A bus", Icon.CLOCK: "A clock",
    Icon.CLOCK_LONG: "A clock showing a long time",
}

_HOUSE = ("<path d='M6 30 32 8l26 22' fill='none' stroke='#08306b' stroke-width='5' stroke-linejoin='round'/>"
          "<rect x='13' y='28' width='38' height='30' fill='{fill}'/>"
          "<rect x='27' y='40' width='10' height='18' fill='#ffffff'/>")

ICON_SPRITE = (
    "<svg xmlns='http://www.w3.org/2000/svg' width='0' height='0' style='position:absolute' aria-hidden='true'>"
    "<defs>"
    "<symbol id='er-person' viewBox='0 0 64 64'><circle cx='32' cy='17' r='11' fill='#2171b5'/>"
    "<path d='M12 60c0-17 9-28 20-28s20 11 20 28z' fill='#2171b5'/></symbol>"
    "<symbol id='er-building' viewBox='0 0 64 64'>" + _HOUSE.format(fill="#2171b5") + "</symbol>"
    "<symbol id='er-building-new' viewBox='0 0 64 64'>" + _HOUSE.format(fill="#2171b5") +
    "<circle cx='50' cy='16' r='12' fill='#f1b300'/>"
    "<path d='M50 9v14M43 16h14' stroke='#111111' stroke-width='4'/></symbol>"
    "<symbol id='er-building-closed' viewBox='0 0 64 64'>" + _HOUSE.format(fill="#969696") +
    "<circle cx='48' cy='46' r='14' fill='#ef3b2c'/>"
    "<path d='M42 40l12 12M54 40 42 52' stroke='#ffffff' stroke-width='4'/></symbol>"
    "<symbol id='er-bus' viewBox='0 0 64 64'><rect x='8' y='8' width='48' height='42' rx='8' fill='#f1b300'/>"
    "<rect x='14' y='14' width='36' height='16' rx='2' fill='#ffffff'/>"
    "<rect x='14' y='36' width='8' height='5' fill='#ffffff'/><rect x='42' y='36' width='8' height='5' fill='#ffffff'/>"
    "<circle cx='20' cy='52' r='6' fill='#252525'/><circle cx='44' cy='52' r='6' fill='#252525'/></symbol>"
    "<symbol id='er-clock' viewBox='0 0 64 64'><circle cx='32' cy='32' r='26' fill='#ffffff' stroke='#1a9850' "
    "stroke-width='6'/><path d='M32 32V15M32 32l11 7' stroke='#252525' stroke-width='5' stroke-linecap='round'/>"
    "</symbol>"
    "<symbol id='er-clock-long' viewBox='0 0 64 64'><circle cx='32' cy='32' r='26' fill='#ffffff' "
    "stroke='#d73027' stroke-width='6'/><path d='M32 32V15M32 32l-12 9' stroke='#252525' stroke-width='5' "
    "stroke-linecap='round'/></symbol>"
    "</defs></svg>"
)
"""Every picture, defined once; :func:`icon` shows one."""


def icon(which: Icon) -> str:
    """The picture ``which`` as inline SVG, with its words for screen readers.

    Examples
    --------
    >>> icon(Icon.BUS)
    "<svg class='er-icon' viewBox='0 0 64 64' role='img' aria-label='A bus'><use href='#er-bus'/></svg>"
    """
    words = html.escape(ICON_WORDS[which], quote=True)
    return (f"<svg class='er-icon' viewBox='0 0 64 64' role='img' aria-label='{words}'>"
            f"<use href='#er-{which.value}'/></svg>")


EASY_READ_CSS = """
* { box-sizing: border-box; }
body { margin: 0; background: #ffffff; color: #111111; font: 22px/1.5 Arial, Verdana, sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 16px 20px 40px; }
h1 { font-size: 36px; line-height: 1.25; margin: 12px 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 30px; line-height: 1.25; margin: 40px 0 8px; padding-top: 16px; border-top: 5px solid #08306b;
  overflow-wrap: anywhere; }
.er-subtitle { font-size: 24px; margin: 0 0 16px; }
.er-section { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 360px); gap: 8px 32px;
  align-items: start; }
.er-points { list-style: none; margin: 0; padding: 0; }
.er-point { display: flex; align-items: center; gap: 20px; margin: 0; padding: 12px 0;
  border-bottom: 1px solid #d9d9d9; }
.er-point:last-child { border-bottom: 0; }
.er-icon { flex: none; width: 72px; height: 72px; }
.er-words { min-width: 0; overflow-wrap: anywhere; }
.er-words p { margin: 0; }
figure { margin: 0; }
.er-map { width: 100%; height: auto; display: block; border: 1px solid #bdbdbd; background: #eef3f7; }
.er-map-caption { font-size: 20px; margin: 4px 0 0; }
.er-note { font-size: 20px; color: #333333; }
@media (max-width: 700px) {
  body { font-size: 20px; }
  main { padding: 8px 14px 32px; }
  h1 { font-size: 30px; }
  h2 { font-size: 26px; }
  .er-section { grid-template-columns: minmax(0, 1fr); }
  .er-section figure { order: -1; max-width: 320px; }
  .er-icon { width: 56px; height: 56px; }
  .er-point { gap: 14px; }
}
"""
"""Large type, one point per line with its picture on the left; one column on a phone."""
