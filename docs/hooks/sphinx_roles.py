"""MkDocs hook: show the docstrings' Sphinx cross-reference roles as plain code.

hubplan's numpydoc docstrings name other objects with Sphinx roles
(``:class:`~hubplan.core.problem.Problem```), which mkdocstrings renders literally as
``:class:`` followed by the code. This hook drops the role and, as Sphinx does, shows only
the last part of a name written with a leading ``~``.
"""

from __future__ import annotations

import re
from typing import Any

#: A role as it comes out of Markdown: ``:class:<code>~a.b.C</code>``.
ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj|const):<code>(?P<tilde>~?)(?P<name>[\w.]+)</code>")


def plain_roles(html: str) -> str:
    """Replace every rendered Sphinx role in ``html`` by the code of its target.

    Parameters
    ----------
    html : str
        A rendered page.

    Returns
    -------
    str
        The page with ``:role:<code>~a.b</code>`` turned into ``<code>b</code>``
        (``<code>a.b</code>`` without the ``~``).
    """

    def shown(match: re.Match[str]) -> str:
        name = match["name"].rsplit(".", 1)[-1] if match["tilde"] else match["name"]
        return f"<code>{name}</code>"

    return ROLE.sub(shown, html)


def on_page_content(html: str, *, page: Any, config: Any, files: Any) -> str:
    """MkDocs event: clean the roles out of a rendered page."""
    return plain_roles(html)
