"""Sphinx configuration of the bayesreg documentation.

Build (from the repository root, the ``docs`` extra installed)::

    python -m sphinx -W -b html docs docs/_build/html

The notebooks in ``docs/notebooks/`` are links to the committed, executed notebooks in
``notebooks/``; they are shown as they are and never run here (``nb_execution_mode =
"off"``). Nothing is fetched from the network (no intersphinx), so the build works offline.
"""

from __future__ import annotations

import contextlib
import io
import os

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

import bayesreg
import bayesreg.cli

project = "bayesreg"
author = "the bayesreg developers"
copyright = "the bayesreg developers"
release = bayesreg.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]

# -- API reference: one generated page per public name (api/generated/) -----------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"          # numpydoc's Parameters sections say the types
numpydoc_show_class_members = False  # the class template lists the members itself
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- notebooks: committed with their outputs, shown as they are -------------------------
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

# -- HTML --------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"bayesreg {release}"
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}


def _skip_member(app, what, name, obj, skip, options):
    """Leave out members that are not bayesreg's.

    scikit-learn adds metadata-routing setters (``set_fit_request``, ...) to every
    estimator class; their docstrings point into scikit-learn's own documentation (its
    glossary and labels), which this site does not have, and they are scikit-learn's
    API, not bayesreg's.
    """
    if name.startswith("set_") and name.endswith("_request"):
        return True
    # inherited members are shown (fit, predict, logpdf, ... live in private base
    # classes), but only bayesreg's own: not object's, Exception's or scikit-learn's
    # (get_params, score, ...), which are documented where they are defined
    module = getattr(obj, "__module__", None) or ""
    if callable(obj) and not module.startswith("bayesreg"):
        return True
    return None


class BayesregHelp(SphinxDirective):
    """``bayesreg-help``: the ``--help`` text of the command (or of one subcommand) as
    the installed ``bayesreg`` prints it, so the command-line page never drifts from
    the code. ``{bayesreg-help} fit`` shows ``bayesreg fit --help``; no argument, the
    top-level help.
    """

    optional_arguments = 1

    def run(self):
        argv = [*self.arguments, "--help"]
        out = io.StringIO()
        saved = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "80"  # argparse wraps to the terminal width: fit the page
        try:
            with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
                bayesreg.cli.main(argv)
        finally:
            if saved is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = saved
        text = out.getvalue().rstrip()
        if not text:
            raise self.error(f"'bayesreg {' '.join(argv)}' printed nothing")
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    app.add_directive("bayesreg-help", BayesregHelp)
