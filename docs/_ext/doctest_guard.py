"""Warn about ``>>>`` examples on documentation pages that the doctest builder skips.

``conf.py`` sets ``doctest_test_doctest_blocks = ""`` so that docstring
examples (tested by pytest in their modules' namespaces) are not re-run by
the doctest builder.  A bare ``>>>`` block on a hand-written page would then
go untested; this extension reports each one as a warning (an error with
``-W``), naming the page and line.  Pages under ``reference/`` (generated from
docstrings) are exempt.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _check(app, doctree, docname: str) -> None:
    if docname.startswith("reference/"):
        return
    for node in doctree.findall(nodes.doctest_block):
        logger.warning(
            "bare '>>>' example is not tested; put it in a '.. doctest::' block",
            location=node,
        )


def setup(app):
    app.connect("doctree-resolved", _check)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
