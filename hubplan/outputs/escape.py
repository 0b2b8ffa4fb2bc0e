"""Put user text into the published outputs as text: Markdown, HTML, CSV and plot labels.

Scenario titles, site names and operators, segment labels, the CO2e source, file and
folder names reach the consultation outputs. None of them may become markup there:

- HTML: :func:`html_text` for text that a page inserts as HTML (map tooltips and labels);
  elsewhere :func:`html.escape` directly.
- Markdown: :func:`markdown_text` and :func:`markdown_code` make user text render
  literally; :func:`render_markdown` turns the report into HTML with raw HTML off
  (Python-Markdown's own ``html_block``/``html`` processors removed, so any ``<`` is
  printed) and drops links and images whose address is not http(s), mailto or relative.
- CSV: :func:`csv_text` neutralises cells a spreadsheet would read as a formula.
- Plots: :func:`plot_text` escapes ``$`` so matplotlib prints it instead of starting
  mathtext, and :data:`PLAIN_TEXT` turns TeX off for a text artist.

Text that needs none of this comes out unchanged, so benign outputs keep their bytes.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlsplit

import markdown
from markdown.treeprocessors import Treeprocessor

__all__ = [
    "PLAIN_TEXT", "csv_text", "html_text", "markdown_cell", "markdown_code", "markdown_text",
    "plot_text", "render_markdown", "safe_url",
]

PLAIN_TEXT: dict[str, Any] = {"usetex": False}
"""Keyword arguments of a matplotlib text artist that keep TeX off (with :func:`plot_text`)."""

SAFE_SCHEMES = frozenset({"", "http", "https", "mailto"})
"""URL schemes a link or image in the report may use (``""``: a relative path)."""

CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)."""

_MARKDOWN_ACTIVE = re.compile(
    r"[\\`*\[]"                      # escapes, code spans, emphasis, links and images
    r"|(?<![^\W_])_|_(?![^\W_])"     # an underscore that can open or close emphasis
    r"|<(?=[A-Za-z/!?])"             # a tag, comment or autolink
    r"|&(?=#?\w+;)"                  # a character reference
)
_REPLACEMENT = {"<": "&lt;", "&": "&amp;"}
_HTML_ACTIVE = re.compile(r"[<>]|&(?=[#A-Za-z0-9])")  # a tag, or a character reference


def html_text(text: Any) -> str:
    """Escape text for HTML element content: ``<``, ``>``, and ``&`` where it starts a reference.

    An ``&`` followed by a space or punctuation cannot start a character reference, so
    it stays as it is (``Library & Learning Centre`` keeps its bytes).

    Examples
    --------
    >>> html_text("Library & Learning <img src=x onerror=f()> &lt;")
    'Library & Learning &lt;img src=x onerror=f()&gt; &amp;lt;'
    """
    return _HTML_ACTIVE.sub(lambda m: html.escape(m.group()), str(text))


def markdown_text(text: Any) -> str:
    r"""Escape text for an inline Markdown context (heading, list item, table cell).

    Only what could start markup is escaped (backslash, backtick, ``*``, ``[``, an
    underscore at a word edge, ``<`` before a tag or link, ``&`` before a character
    reference), and line breaks become spaces, so ordinary text keeps its bytes.

    Parameters
    ----------
    text
        Any value; ``str()`` is applied.

    Returns
    -------
    str
        Markdown that renders as ``text``, literally.

    Examples
    --------
    >>> markdown_text("Hubs & spokes (2025), run_1")
    'Hubs & spokes (2025), run_1'
    >>> markdown_text("<img src=x> [a](javascript:x) *b* _c_ &lt;")
    '&lt;img src=x> \\[a](javascript:x) \\*b\\* \\_c\\_ &amp;lt;'
    """
    flat = re.sub(r"[\r\n]+", " ", str(text))
    return _MARKDOWN_ACTIVE.sub(lambda m: _REPLACEMENT.get(m.group(), "\\" + m.group()), flat)


def markdown_cell(text: Any) -> str:
    r"""Escape text for a Markdown table cell: :func:`markdown_text`, and ``|`` as ``\|``.

    Examples
    --------
    >>> markdown_cell("a | b")
    'a \\| b'
    """
    return markdown_text(text).replace("|", "\\|")


def markdown_code(text: Any) -> str:
    """Wrap text in a Markdown code span that no backtick inside it can close.

    Examples
    --------
    >>> markdown_code("geo/a.csv"), markdown_code("a`b")
    ('`geo/a.csv`', '``a`b``')
    """
    flat = re.sub(r"[\r\n]+", " ", str(text))
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def safe_url(url: str) -> bool:
    """Say whether a link or image address is http(s), mailto or relative.

    Examples
    --------
    >>> safe_url("map_sites.png"), safe_url("https://x.org/a"), safe_url(" JavaScript:alert(1)")
    (True, True, False)
    """
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return False
    return scheme in SAFE_SCHEMES


class _DropUnsafeLinks(Treeprocessor):  # type: ignore[misc]  # Markdown ships no type information
    """Remove ``href``/``src`` attributes whose address :func:`safe_url` rejects."""

    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not safe_url(value):
                    del element.attrib[attribute]


def render_markdown(text: str) -> str:
    """Render Markdown (with tables) as HTML, printing any raw HTML as text.

    Parameters
    ----------
    text
        Markdown whose user text went through :func:`markdown_text`.

    Returns
    -------
    str
        HTML; no element comes from raw HTML in ``text``, and every link and image
        address is http(s), mailto or relative.

    Examples
    --------
    >>> render_markdown("a <b onclick=x>b</b> [c](javascript:y)")
    '<p>a &lt;b onclick=x&gt;b&lt;/b&gt; <a>c</a></p>'
    """
    md = markdown.Markdown(extensions=["tables"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.register(_DropUnsafeLinks(md), "drop_unsafe_links", 0)
    converted: str = md.convert(text)  # Markdown ships no type information
    return converted


_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
"""Control characters other than a line break: no font has a glyph for them (a tab in a run name)."""


def plot_text(text: Any) -> str:
    r"""Escape ``$`` for a matplotlib text artist, so that it prints as ``$``, not as mathtext.

    Escaping (rather than ``parse_math=False``) also holds for wrapped text, which
    matplotlib measures as mathtext whenever the string looks like it. Control
    characters other than a line break (e.g. a tab) print as a space: the fonts have
    no glyph for them.

    Examples
    --------
    >>> plot_text("Costs $5 to $10")
    'Costs \\$5 to \\$10'
    >>> plot_text("\tTab\x07")
    ' Tab '
    """
    return _CONTROL_BUT_NEWLINE.sub(" ", str(text)).replace("$", r"\$")


def csv_text(value: Any) -> Any:
    """Prefix a quote to a text cell a spreadsheet would run as a formula; pass other values.

    Examples
    --------
    >>> csv_text("=1+2"), csv_text("-area"), csv_text("Dorset"), csv_text(-3.5)
    ("'=1+2", "'-area", 'Dorset', -3.5)
    """
    if isinstance(value, str) and value.startswith(CSV_FORMULA_START):
        return "'" + value
    return value
