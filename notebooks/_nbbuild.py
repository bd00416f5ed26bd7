"""Shared helper of the notebook build scripts: make, execute and write a notebook.

Run a build script with the interpreter whose packages the notebook should use
(``.venv/bin/python notebooks/make_quickstart.py``): the notebook is executed by the
``python3`` kernel, which Jupyter starts with that same interpreter, and the build
checks that it did.

Everything written is reproducible: the cells get ids derived from their position, no
execution timestamps are recorded, and the code cells name their sampler and seed, so
building twice on the same machine gives the same text outputs.
"""

import os
import sys
from pathlib import Path

import nbformat as nbf
from nbclient import NotebookClient

_CHECK = "import sys; print(sys.prefix)"


def build(cells: list[tuple[str, str]], path: Path, timeout: int = 900) -> None:
    """Write the executed notebook made of ``(kind, source)`` cells (kind "md" or "code")."""
    nb = nbf.v4.new_notebook()
    nb.cells = [nbf.v4.new_markdown_cell(s) if k == "md" else nbf.v4.new_code_cell(s)
                for k, s in cells]
    for i, cell in enumerate(nb.cells):          # stable ids instead of random ones
        cell.id = f"{path.stem}-{i:02d}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    # a last cell, dropped before writing, reports the kernel's environment (sys.prefix)
    nb.cells.append(nbf.v4.new_code_cell(_CHECK))
    # record_timing=False: no wall-clock timestamps in the cells' metadata
    NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False).execute()
    check = nb.cells.pop()
    kernel_prefix = "".join(o.get("text", "") for o in check.outputs).strip()
    if os.path.realpath(kernel_prefix) != os.path.realpath(sys.prefix):
        raise RuntimeError(f"The notebook kernel ran the Python of {kernel_prefix!r}, not this "
                           f"one ({sys.prefix!r}); fix the 'python3' kernel spec.")
    nbf.validate(nb)
    nbf.write(nb, str(path))
