"""The documentation site builds with warnings as errors, and documents every public name.

The build runs on a copy of ``docs/`` in a temporary folder (autosummary writes its
generated pages into the source folder), offline (no intersphinx) and without executing
a notebook (``nb_execution_mode = "off"``: they are committed executed).
"""

from __future__ import annotations

import argparse

import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import bayesreg

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: the public namespaces (in bayesreg.__all__) and the layers whose __all__ adds names,
#: each with its own API page, docs/api/<name>.rst, listing the names of its __all__ that
#: are not top-level names (those are documented once, as bayesreg.<name>)
NAMESPACES = {name: importlib.import_module(f"bayesreg.{name}")
              for name in ("plots", "teaching", "families", "priors", "sklearn", "base")}


def _namespace_names(module) -> set[str]:
    return set(module.__all__) - set(bayesreg.__all__)


def _autosummary_entries(rst: Path) -> set[str]:
    """The names listed under the ``autosummary`` directives of an .rst file."""
    names, inside = set(), False
    for line in rst.read_text().splitlines():
        if line.startswith(".. autosummary::"):
            inside = True
        elif inside and line and not line.startswith(" "):
            inside = False
        elif inside and re.fullmatch(r"   [A-Za-z_][\w.]*", line):
            names.add(line.strip())
    return names


def _expected_pages() -> dict[str, str]:
    """Every public name -> the page (relative to the HTML root) that documents it."""
    pages = {}
    for name in bayesreg.__all__:
        if isinstance(getattr(bayesreg, name), type(bayesreg)):
            pages[f"bayesreg.{name}"] = f"api/{name}.html"
        else:
            pages[f"bayesreg.{name}"] = f"api/generated/bayesreg.{name}.html"
    for ns, module in NAMESPACES.items():
        pages[f"bayesreg.{ns}"] = f"api/{ns}.html"
        for name in _namespace_names(module):
            pages[f"bayesreg.{ns}.{name}"] = f"api/generated/bayesreg.{ns}.{name}.html"
    return pages


def test_api_pages_list_every_public_name():
    """A new public name fails here until it is added to the API reference."""
    top = _autosummary_entries(DOCS / "api" / "index.rst")
    namespaces = {n for n in bayesreg.__all__
                  if isinstance(getattr(bayesreg, n), type(bayesreg))}
    assert namespaces <= set(NAMESPACES), f"a namespace without its API page: {namespaces}"
    assert top == set(bayesreg.__all__) - namespaces, (
        "docs/api/index.rst must list exactly bayesreg.__all__ (less the namespaces): "
        f"missing {sorted(set(bayesreg.__all__) - namespaces - top)}, "
        f"extra {sorted(top - set(bayesreg.__all__))}")
    for ns, module in NAMESPACES.items():
        listed = _autosummary_entries(DOCS / "api" / f"{ns}.rst")
        public = _namespace_names(module)
        assert listed == public, (
            f"docs/api/{ns}.rst must list bayesreg.{ns}.__all__ less the top-level "
            f"names: missing {sorted(public - listed)}, extra {sorted(listed - public)}")


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """Build the site from a copy of docs/ (links resolved) with ``-W``."""
    tmp = tmp_path_factory.mktemp("docs")
    src, out = tmp / "src", tmp / "html"
    shutil.copytree(DOCS, src, symlinks=False,
                    ignore=shutil.ignore_patterns("_build", "generated"))
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT),
                                                        os.environ.get("PYTHONPATH")])))
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(src), str(out)],
        capture_output=True, text=True, env=env, cwd=tmp, timeout=600)
    return proc, out


@pytest.mark.slow
def test_docs_build_with_warnings_as_errors(built_site):
    proc, out = built_site
    assert proc.returncode == 0, (
        f"sphinx -W failed (exit {proc.returncode}):\n{proc.stderr[-6000:]}")
    assert (out / "index.html").is_file()


@pytest.mark.slow
def test_every_public_name_has_its_own_api_page(built_site):
    proc, out = built_site
    assert proc.returncode == 0, proc.stderr[-3000:]
    missing = []
    for fullname, page in _expected_pages().items():
        path = out / page
        anchor = (f'id="module-{fullname}"' if page.startswith("api/") and
                  "generated" not in page else f'id="{fullname}"')
        if not path.is_file() or anchor not in path.read_text():
            missing.append(f"{fullname} ({page}, {anchor})")
    assert not missing, f"public names without their API page or anchor: {missing}"
    # the reference is reachable from its index, and the index from the home page
    assert 'href="generated/bayesreg.BayesRidge.html"' in (out / "api/index.html").read_text()
    assert 'href="api/index.html"' in (out / "index.html").read_text()


@pytest.mark.slow
def test_notebooks_and_cli_help_are_shown(built_site):
    proc, out = built_site
    assert proc.returncode == 0, proc.stderr[-3000:]
    # the notebooks are shown with their committed outputs (nothing is executed)
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        page = out / "notebooks" / f"{nb.stem}.html"
        assert page.is_file(), (f"{nb.name} is not in the documentation: link it into "
                                f"docs/notebooks/ and list it in docs/notebooks/index.md")
        html = page.read_text()
        assert "cell_output" in html, f"{nb.stem}: no outputs shown"
    assert "<img" in (out / "notebooks" / "04_occam.html").read_text()
    # the command-line page carries each command's --help, generated from the parser
    cli = (out / "user_guide" / "cli.html").read_text()
    for command in _commands():
        assert f"usage: bayesreg {command}" in cli, (
            f"bayesreg {command} has no section in docs/user_guide/cli.md: add one with "
            f"its bayesreg-help directive")


def _commands() -> list[str]:
    """Every subcommand of the ``bayesreg`` command, from its parser."""
    from bayesreg.cli import _parser
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)
