"""Sphinx configuration for the bayespersuade documentation.

Build (as CI does, warnings are errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
    python -m sphinx -W --keep-going -b doctest docs docs/_build/doctest

The build needs no network: no intersphinx, no remote theme or assets.
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")  # figures in doctests, headless

import bayespersuade

project = "bayespersuade"
author = "The bayespersuade developers"
copyright = "2026, The bayespersuade developers"
version = release = bayespersuade.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]
nitpicky = False
default_role = None

# -- autodoc / autosummary / numpydoc ---------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc sections state the types
autodoc_preserve_defaults = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_validation_checks: set[str] = set()

# -- doctest -------------------------------------------------------------------
# The pages' examples are run by ``-b doctest``.  Docstring examples pulled in
# by autodoc are run by pytest (``--doctest-modules``) in their modules'
# namespaces, so here only the pages' own ``.. doctest::`` blocks run.
doctest_test_doctest_blocks = ""
doctest_global_setup = """
import os
os.environ.setdefault("MPLBACKEND", "Agg")
import numpy as np
np.set_printoptions(legacy=False)
"""
import doctest as _doctest  # noqa: E402

doctest_default_flags = (
    _doctest.ELLIPSIS | _doctest.NORMALIZE_WHITESPACE | _doctest.DONT_ACCEPT_TRUE_FOR_1
)

# -- plots (drawn at build time from the code shown) ------------------------
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_rcparams = {"figure.figsize": (6.4, 4.2)}

# -- HTML --------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"bayespersuade {release}"
html_static_path: list[str] = []
html_theme_options = {
    "description": "Bayesian persuasion, exactly",
    "fixed_sidebar": True,
    "show_relbars": True,
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
html_show_sourcelink = False

# mathjax loads in the reader's browser; nothing is fetched at build time.
