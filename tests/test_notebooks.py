"""Every notebook runs top to bottom and reproduces its committed outputs.

Each notebook in ``notebooks/`` is executed again from its committed cells (with the
``python3`` kernel of this interpreter, in ``notebooks/``) and compared with what is
committed: the same cells as its source in ``notebooks/src/``, no error, and the same
text outputs, numbers to a relative 1e-6 (the seeds fix every draw), as many figures.
Cells tagged ``nondeterministic`` (wall-clock timings) only have to run. The numbers of
cells tagged ``mcmc`` are compared where the notebook was built on the same platform
(see ``_nbbuild.platform_fingerprint``): elsewhere the floating-point kernels round
differently and the chains, though equally valid, are not the same draws.
"""

from __future__ import annotations

import copy
import sys
import warnings
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the dev extra")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))
import _nbbuild  # noqa: E402

PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_every_source_has_its_notebook():
    assert {p.stem for p in PATHS} == {p.stem for p in _nbbuild.SOURCES.glob("*.py")}
    assert len(PATHS) >= 6


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_reproduces_its_outputs(path):
    committed = nbformat.read(str(path), as_version=4)
    # the committed notebook is the one its source builds (nothing edited by hand)
    source = _nbbuild.make_notebook(_nbbuild.SOURCES / f"{path.stem}.py")
    assert [(c.cell_type, c.source) for c in committed.cells] == \
        [(c.cell_type, c.source) for c in source.cells], \
        f"{path.name} is stale: run python notebooks/build.py {path.stem}"
    for cell in committed.cells:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name} was committed with an error"
    built_on = committed.metadata.get("bayesreg", {}).get("platform")
    same_platform = built_on == _nbbuild.platform_fingerprint()
    if not same_platform:
        warnings.warn(f"{path.name} was built on another platform ({built_on}); the numbers "
                      f"of its MCMC cells are not compared, only their text.", stacklevel=1)
    executed = _nbbuild.execute(copy.deepcopy(source))
    problems = _nbbuild.compare_outputs(committed, executed, mcmc_numbers=same_platform)
    assert not problems, "\n".join(problems)


def test_compare_outputs_catches_a_changed_number():
    """The comparison is not vacuous: a changed digit, a missing figure or a changed word
    in a committed output is reported."""
    path = NOTEBOOKS / "01_l2_gaussian_prior.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    assert _nbbuild.compare_outputs(nb, copy.deepcopy(nb)) == []
    cell = next(c for c in nb.cells if c.cell_type == "code" and any(
        o.output_type == "stream" and any(ch.isdigit() for ch in o.text) for o in c.outputs))
    changed = copy.deepcopy(nb)
    idx = nb.cells.index(cell)
    out = next(o for o in changed.cells[idx].outputs if o.output_type == "stream")
    digit = next(ch for ch in out.text if ch.isdigit())
    out.text = out.text.replace(digit, str((int(digit) + 1) % 10), 1)
    assert any(f"cell {idx}" in p for p in _nbbuild.compare_outputs(nb, changed))
    worded = copy.deepcopy(nb)
    out = next(o for o in worded.cells[idx].outputs if o.output_type == "stream")
    out.text = "different words " + out.text
    assert _nbbuild.compare_outputs(nb, worded) != []
    figure = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
        "image/png" in o.get("data", {}) for o in c.outputs))
    missing = copy.deepcopy(nb)
    missing.cells[figure].outputs = []
    assert any("figures" in p for p in _nbbuild.compare_outputs(nb, missing))


def test_mcmc_cells_are_compared_exactly_on_the_same_platform():
    """Every notebook with MCMC cells was built here or is compared loosely with a warning;
    on a loose comparison a changed MCMC number passes, a changed word does not."""
    path = NOTEBOOKS / "05_glms_and_samplers.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    idx = next(i for i, c in enumerate(nb.cells) if _nbbuild.MCMC in c.metadata.get("tags", []))
    changed = copy.deepcopy(nb)
    out = next(o for o in changed.cells[idx].outputs if "text/plain" in o.get("data", {})
               or o.output_type == "stream")
    key = "text" if out.output_type == "stream" else None
    text = out.text if key else out.data["text/plain"]
    digit = next(ch for ch in text if ch.isdigit())
    text = text.replace(digit, str((int(digit) + 1) % 10), 1)
    if key:
        out.text = text
    else:
        out.data["text/plain"] = text
    assert _nbbuild.compare_outputs(nb, changed) != []
    assert _nbbuild.compare_outputs(nb, changed, mcmc_numbers=False) == []
    if key:
        out.text = "other words " + text
    else:
        out.data["text/plain"] = "other words " + text
    assert _nbbuild.compare_outputs(nb, changed, mcmc_numbers=False) != []
