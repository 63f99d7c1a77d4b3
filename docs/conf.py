"""Sphinx configuration of the bayespersuade documentation.

Built in CI with warnings as errors::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
    python -m sphinx -W --keep-going -b doctest docs docs/_build/doctest

No network is used (no intersphinx).  The API reference is generated from the
docstrings by autosummary into ``reference/generated/`` (git-ignored).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import bayespersuade

os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent))

project = "bayespersuade"
author = "The bayespersuade developers"
copyright = "2026, The bayespersuade developers"
release = bayespersuade.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
    "myst_parser",
    "_ext.doctest_guard",
    "_ext.reexports",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", ".gitignore"]
root_doc = "index"
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
language = "en"

# ---------------------------------------------------------------- autodoc
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"          # the numpydoc sections carry the types
autodoc_preserve_defaults = True
# autosummary imports every submodule to list them; importing ``__main__``
# would run the command line, so it is mocked (and, being private, not listed).
autodoc_mock_imports = ["bayespersuade.__main__"]

# ---------------------------------------------------------------- numpydoc
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# ---------------------------------------------------------------- doctest
# Examples on the documentation pages are ``.. doctest::`` blocks, run by the
# doctest builder.  Examples in docstrings are run by pytest
# (``--doctest-modules``, in the modules' own namespaces); plain ``>>>`` blocks
# are therefore not collected here, and ``_ext/doctest_guard.py`` makes a bare
# ``>>>`` block on a documentation page a warning (an error under -W), so no
# example on a page can silently go untested.
doctest_test_doctest_blocks = ""
doctest_global_setup = """
import matplotlib
matplotlib.use("Agg")
"""
import doctest as _doctest  # noqa: E402

doctest_default_flags = (_doctest.ELLIPSIS | _doctest.NORMALIZE_WHITESPACE
                         | _doctest.DONT_ACCEPT_TRUE_FOR_1)

# ---------------------------------------------------------------- figures
# ``.. plot::`` blocks are run when the HTML is built (an error is a warning,
# hence a failed build), so every figure in the documentation is current.
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_rcparams = {"figure.figsize": (6.4, 4.2)}

# ---------------------------------------------------------------- HTML
html_theme = "alabaster"
html_title = f"bayespersuade {release}"
html_static_path: list[str] = []
html_theme_options = {
    "description": "Bayesian persuasion, exactly",
    "fixed_sidebar": True,
}
mathjax3_config = {"tex": {"macros": {"cav": r"\operatorname{cav}"}}}
