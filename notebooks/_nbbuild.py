"""Shared helper of the notebook build scripts: make, execute and write a notebook."""

from pathlib import Path

import nbformat as nbf
from nbclient import NotebookClient


def build(cells: list[tuple[str, str]], path: Path, timeout: int = 900) -> None:
    """Write the executed notebook made of ``(kind, source)`` cells (kind "md" or "code")."""
    nb = nbf.v4.new_notebook()
    nb.cells = [nbf.v4.new_markdown_cell(s) if k == "md" else nbf.v4.new_code_cell(s)
                for k, s in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    NotebookClient(nb, timeout=timeout, kernel_name="python3").execute()
    nbf.write(nb, str(path))
