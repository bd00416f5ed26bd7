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


# ------------------------------------------------------------------ the layers
#: bottom to top; a module may import from its own layer and the layers below it
LAYERS = [("utils",), ("base", "teaching"), ("families", "priors"), ("backends",), ("inference",),
          ("occam",), ("sklearn",), ("plots",), ("_io",), ("cli",)]
#: imports that may stay inside functions: optional extras (and what imports them)
OPTIONAL = ("nutpie", "numpyro", "jax", "jaxlib", "blackjax", "pymc.sampling.jax",
            "pytensor.link.jax", "dask",
            "distributed", "kulprit", "bambi")


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _internal_imports(path: Path):
    """``(target module, lineno, inside a function)`` for each import of a bayesreg
    module, relative imports resolved (``from . import x`` counts as module ``pkg.x``
    when that is a module)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(), str(path))
    funcs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    inside = {id(n) for f in funcs for n in ast.walk(f) if n is not f}
    known = {_module_name(p) for p in MODULES}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("bayesreg"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield (sub if sub in known else target), node.lineno, id(node) in inside
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("bayesreg"):
                    yield alias.name, node.lineno, id(node) in inside


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[1:] == ["__main__"]:        # python -m bayesreg: the command line's layer
        return len(LAYERS) - 1
    for i, names in enumerate(LAYERS):
        if len(parts) >= 2 and parts[1] in names:
            return i
    return None                          # bayesreg itself, _version


def test_imports_point_down_the_layers():
    """A module imports only from its own layer and the layers below it."""
    bad = []
    for path in MODULES:
        me = _layer(_module_name(path))
        if me is None:
            continue
        for target, lineno, _ in _internal_imports(path):
            them = _layer(target)
            if them is not None and them > me:
                bad.append(f"{_module_name(path)}:{lineno} imports {target} (a higher layer)")
    assert bad == []


def test_no_import_cycles():
    """The module import graph of the package (every import, at any level) is acyclic."""
    graph = {_module_name(p): set() for p in MODULES}
    for path in MODULES:
        src = _module_name(path)
        for target, _, _ in _internal_imports(path):
            # importing a submodule runs its package's __init__ as well
            parts = target.split(".")
            for i in range(2, len(parts) + 1):
                dep = ".".join(parts[:i])
                if dep in graph and dep != src and not src.startswith(dep + "."):
                    graph[src].add(dep)
    for p in list(graph):  # bayesreg/__init__ re-exports everything: not a layer module
        if p == "bayesreg":
            graph[p] = set()
    state: dict[str, int] = {}

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack + [node, nxt]))
            if nxt not in state:
                visit(nxt, stack + [node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_no_function_level_imports_except_optional_extras():
    """Imports sit at the top of modules; only the optional extras are imported lazily."""
    bad = []
    for path in MODULES:
        tree = ast.parse(path.read_text(), str(path))
        for func in (n for n in ast.walk(tree)
                     if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for node in ast.walk(func):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = ["." * node.level + (node.module or "")]
                else:
                    continue
                for name in names:
                    if not name.startswith(OPTIONAL):
                        bad.append(f"{_module_name(path)}:{node.lineno} imports {name} "
                                   f"inside {func.name}()")
    assert bad == []


BLOCKER = """
import importlib.abc, sys, types
BLOCKED = ("pymc", "pytensor", "jax", "jaxlib", "arviz", "arviz_base", "arviz_stats",
           "arviz_plots", "nutpie", "numpyro", "blackjax")

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"blocked: {name}")
        return None

sys.meta_path.insert(0, Block())
# load the layers without running bayesreg/__init__.py (which imports every layer)
pkg = types.ModuleType("bayesreg")
pkg.__path__ = [PACKAGE_DIR]
sys.modules["bayesreg"] = pkg
import bayesreg.base, bayesreg.priors
import bayesreg.base._conjugate, bayesreg.base._evidence, bayesreg.base._solvers
import bayesreg.base._penalties, bayesreg.base._glm, bayesreg.base._suffstats
import bayesreg.priors._priors, bayesreg.families._family, bayesreg.utils._validation
import bayesreg.priors._penalty
loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
assert not loaded, loaded
print("ok")
"""


def test_math_and_spec_layers_need_no_pymc_pytensor_jax_or_arviz(tmp_path):
    code = BLOCKER.replace("PACKAGE_DIR", repr(str(PACKAGE)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"
    # the blocker really blocks: the backends layer needs pymc
    code = code.replace("import bayesreg.base, bayesreg.priors", "import bayesreg.backends._pymc_model")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path)
    assert out.returncode != 0 and "blocked: pymc" in out.stderr
