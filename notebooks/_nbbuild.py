"""Make, execute and compare the notebooks: shared by ``notebooks/build.py`` and
``tests/test_notebooks.py``.

Each notebook is written as a plain Python file in ``notebooks/src/`` in the "percent"
format: a line ``# %%`` starts a code cell, ``# %% [markdown]`` a markdown cell whose
lines start with ``# ``. ``# %% tags=["nondeterministic"]`` marks a code cell whose
outputs are not reproducible (wall-clock timings), which the comparison skips;
``# %% tags=["mcmc"]`` a cell whose numbers come from MCMC draws. Those are reproduced
exactly by the same seeds on the same platform (CPU kernels of OpenBLAS and LLVM, package
versions: :func:`platform_fingerprint`, recorded in the notebook); elsewhere rounding
differences in the floating-point kernels make the chains, and so those numbers, differ
by Monte Carlo error, and only their text and figures are compared.

Everything written is reproducible: the cells get ids derived from their position, no
execution timestamps are recorded, and the code cells name their sampler and seed, so
executing twice gives the same text outputs (checked by :func:`compare_outputs`).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat as nbf
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
_CHECK = "import sys; print(sys.prefix)"
_HEADER = re.compile(r"^# %%(?P<md> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")
#: a number as printed: sign, digits, decimals, exponent
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
np_inf = float("inf")
NONDETERMINISTIC = "nondeterministic"
MCMC = "mcmc"
_VERSIONS = ("numpy", "scipy", "numba", "pytensor", "pymc", "nutpie", "jax", "numpyro",
             "blackjax", "arviz", "bayesreg")


def platform_fingerprint() -> str:
    """What the exact MCMC draws depend on besides the seed: the CPU kernels that OpenBLAS
    and LLVM (numba, XLA) pick for this machine and the numerical packages' versions."""
    from importlib.metadata import PackageNotFoundError, version

    import llvmlite.binding as llvm
    import numpy
    import scipy.linalg  # noqa: F401  (loads its BLAS, so that threadpoolctl sees it)
    from threadpoolctl import threadpool_info

    numpy.dot(numpy.ones((2, 2)), numpy.ones((2, 2)))

    blas = sorted({f"{i.get('internal_api')}:{i.get('architecture')}"
                   for i in threadpool_info() if i.get("user_api") == "blas"})
    versions = []
    for name in _VERSIONS:
        try:
            versions.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name}=-")
    return ";".join([f"cpu={llvm.get_host_cpu_name()}", *blas, *versions])


def read_source(path: Path) -> list[dict]:
    """The cells of a percent-format source file: dicts with kind, source and tags."""
    cells: list[dict] = []
    for line in Path(path).read_text().splitlines():
        head = _HEADER.match(line)
        if head:
            cells.append({"kind": "md" if head["md"] else "code", "lines": [],
                          "tags": json.loads(head["tags"]) if head["tags"] else []})
            continue
        if not cells:
            if line.strip() and not line.startswith("#"):
                raise ValueError(f"{path}: code before the first '# %%' line")
            continue
        if cells[-1]["kind"] == "md":
            if line and not line.startswith("#"):
                raise ValueError(f"{path}: markdown line without '# ': {line!r}")
            line = line[2:] if line.startswith("# ") else line[1:]
        cells[-1]["lines"].append(line)
    for cell in cells:
        cell["source"] = "\n".join(cell.pop("lines")).strip("\n")
    return cells


def make_notebook(path: Path) -> nbf.NotebookNode:
    """The unexecuted notebook of the source file ``path``."""
    nb = nbf.v4.new_notebook()
    for i, cell in enumerate(read_source(path)):
        new = nbf.v4.new_markdown_cell if cell["kind"] == "md" else nbf.v4.new_code_cell
        node = new(cell["source"])
        node.id = f"{path.stem}-{i:02d}"          # stable ids instead of random ones
        if cell["tags"]:
            node.metadata["tags"] = cell["tags"]
        nb.cells.append(node)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def execute(nb: nbf.NotebookNode, cwd: Path = HERE, timeout: int = 900) -> nbf.NotebookNode:
    """Execute ``nb`` in place with the ``python3`` kernel, checking that the kernel runs
    this interpreter (so the notebook uses the packages under test)."""
    nb.cells.append(nbf.v4.new_code_cell(_CHECK))
    # the kernel inherits the environment: a headless MPLBACKEND=Agg (as in CI) would stop
    # figures from being shown inline, so the kernel gets the inline backend
    saved = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    try:
        # record_timing=False: no wall-clock timestamps in the cells' metadata
        NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(cwd)}}).execute()
    finally:
        check = nb.cells.pop()
        if saved is None:
            os.environ.pop("MPLBACKEND")
        else:
            os.environ["MPLBACKEND"] = saved
    kernel_prefix = "".join(o.get("text", "") for o in check.outputs).strip()
    if os.path.realpath(kernel_prefix) != os.path.realpath(sys.prefix):
        raise RuntimeError(f"The notebook kernel ran the Python of {kernel_prefix!r}, not this "
                           f"one ({sys.prefix!r}); fix the 'python3' kernel spec.")
    for cell in nb.cells:                        # keep the language_info minimal and stable
        cell.get("metadata", {}).pop("execution", None)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def build(source: Path, timeout: int = 900) -> Path:
    """Execute the notebook of ``source`` and write it next to this file."""
    nb = execute(make_notebook(source), timeout=timeout)
    nb.metadata["bayesreg"] = {"platform": platform_fingerprint()}
    nbf.validate(nb)
    out = HERE / f"{source.stem}.ipynb"
    nbf.write(nb, str(out))
    return out


def _texts(cell) -> tuple[list[str], int]:
    """The text outputs of a code cell (streams, plain-text results, errors) and its
    number of images."""
    texts, images = [], 0
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            texts.append(out["text"])
        elif out["output_type"] in ("execute_result", "display_data"):
            data = out.get("data", {})
            images += "image/png" in data
            if "text/plain" in data and "image/png" not in data:
                texts.append(data["text/plain"])
        elif out["output_type"] == "error":
            texts.append(f"{out['ename']}: {out['evalue']}")
    return texts, images


def _same_numbers(a: str, b: str, rtol: float, atol: float) -> bool:
    # words must agree; spacing may not (a table's column widths follow its numbers)
    if " ".join(_NUMBER.sub("#", a).split()) != " ".join(_NUMBER.sub("#", b).split()):
        return False
    for x, y in zip(_NUMBER.findall(a), _NUMBER.findall(b)):
        fx, fy = float(x), float(y)
        if abs(fx - fy) > atol + rtol * max(abs(fx), abs(fy)):
            return False
    return True


def compare_outputs(committed, executed, *, rtol: float = 1e-6, atol: float = 1e-9,
                    mcmc_numbers: bool = True) -> list[str]:
    """Differences between the outputs of two executions of the same notebook.

    The text of each code cell must agree word for word, its numbers to ``rtol`` (or
    ``atol``, for numbers at rounding-error level), and it must show as many figures.
    Cells tagged ``nondeterministic`` are skipped; with ``mcmc_numbers=False`` (another
    platform) the numbers of cells tagged ``mcmc`` are not compared, only their text.
    Returns a list of messages (empty when they agree).
    """
    problems = []
    if len(committed.cells) != len(executed.cells):
        return [f"{len(committed.cells)} cells committed, {len(executed.cells)} executed"]
    for i, (c, e) in enumerate(zip(committed.cells, executed.cells)):
        if c.cell_type != "code":
            continue
        if c.source != e.source:
            problems.append(f"cell {i}: the source differs")
            continue
        tags = c.get("metadata", {}).get("tags", [])
        if NONDETERMINISTIC in tags:
            continue
        tol = (rtol, atol) if mcmc_numbers or MCMC not in tags else (np_inf, np_inf)
        (ct, ci), (et, ei) = _texts(c), _texts(e)
        if ci != ei:
            problems.append(f"cell {i}: {ci} figures committed, {ei} executed")
        if len(ct) != len(et) or not all(_same_numbers(a, b, *tol) for a, b in zip(ct, et)):
            problems.append(f"cell {i}: outputs differ\n--- committed\n{''.join(ct)}\n"
                            f"--- executed\n{''.join(et)}")
    return problems
