"""The package as installed: its imports, and what it writes (nothing) into its folder."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import bayesreg

PACKAGE = Path(bayesreg.__file__).resolve().parent
MODULES = sorted(PACKAGE.rglob("*.py"))
UPSTREAM = ("pymc", "pytensor", "arviz", "arviz_base", "arviz_stats", "arviz_plots")


def _imports(path: Path):
    """``(module, name)`` for every ``import module`` / ``from module import name``."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.module, alias.name


def test_no_private_upstream_api():
    """No bayesreg module imports a private name (or private module) of pymc, pytensor or
    arviz: an upgrade of those must not break bayesreg silently."""
    offenders = []
    for path in MODULES:
        for module, name in _imports(path):
            if module.split(".")[0] not in UPSTREAM:
                continue
            private_module = any(part.startswith("_") for part in module.split("."))
            if private_module or (name is not None and name.startswith("_")):
                offenders.append(f"{path.name}: from {module} import {name}")
    assert offenders == []


def test_numba_writes_no_cache_into_the_package(tmp_path):
    """Compiling the coordinate-descent kernels leaves no cache files in the package
    folder (pip would leave them behind on uninstall, and the stale folder would shadow a
    later editable install as a namespace package)."""
    before = {p for p in PACKAGE.rglob("*") if p.suffix in (".nbi", ".nbc")}
    code = ("import numpy as np, bayesreg as br\n"
            "rng = np.random.default_rng(0); X = rng.standard_normal((50, 4))\n"
            "y = X[:, 0] + rng.standard_normal(50)\n"
            "est = br.Model(X, y, prior=br.Laplace(0.1), sigma=1.0).map()\n"
            "assert est.solver.startswith('cd'), est.solver\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)
    after = {p for p in PACKAGE.rglob("*") if p.suffix in (".nbi", ".nbc")}
    assert after - before == set()
