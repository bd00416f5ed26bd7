"""The package as installed: its imports, and what it writes (nothing) into its folder."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import bayesreg
from bayesreg.priors import _priors, _shrinkage

PACKAGE = Path(bayesreg.__file__).resolve().parent
MODULES = sorted(PACKAGE.rglob("*.py"))
UPSTREAM = ("sklearn", "nutpie", "numpyro", "blackjax", "jax", "jaxlib", "dask",
            "distributed", "pymc", "pytensor", "arviz", "arviz_base", "arviz_stats",
            "arviz_plots", "kulprit", "bambi", "formulaic")
#: functions that import a module named by a string
IMPORTERS = {"importlib.import_module", "import_module", "__import__"}


def _private(dotted: str) -> bool:
    """Whether a dotted path names a private module or name (``_x``; dunders such as
    ``__version__`` are public)."""
    return any(part.startswith("_") and not (part.startswith("__") and part.endswith("__"))
               for part in dotted.split("."))


def _upstream(dotted: str) -> bool:
    return dotted.split(".")[0] in UPSTREAM


def _dotted(node) -> list[str] | None:
    """``["a", "b", "c"]`` for the expression ``a.b.c`` (names and attributes only)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def private_upstream_uses(source: str, filename: str = "<string>") -> list[str]:
    """Every use of a private module or name of an upstream library in ``source``.

    Imports (``from sklearn.utils._param_validation import Interval``, ``from
    sklearn.base import _fit_context``, ``import nutpie._lib``), attribute access through
    a name an import bound (``import nutpie`` then ``nutpie._lib.X``; ``import
    sklearn.utils`` then ``sklearn.utils._param_validation``; ``from sklearn import
    utils as u`` then ``u._x``), ``getattr(module, "_x")`` and
    ``importlib.import_module("x._y")`` / ``__import__("x._y")``. Names are tracked per
    module (any import anywhere in it binds), which is conservative.
    """
    tree = ast.parse(source, filename)
    bound: dict[str, str] = {}   # local name -> the upstream dotted path it stands for
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not _upstream(alias.name):
                    continue
                if _private(alias.name):
                    found.append(f"line {node.lineno}: import {alias.name}")
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    bound[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not _upstream(node.module):
                continue
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if _private(full):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                bound[alias.asname or alias.name] = full
    # ``a._b.c`` is reported once, at its outermost attribute
    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner:
            parts = _dotted(node)
            if parts and parts[0] in bound:
                full = ".".join([bound[parts[0]], *parts[1:]])
                if _private(".".join(parts[1:])):
                    found.append(f"line {node.lineno}: {'.'.join(parts)} ({full})")
        elif isinstance(node, ast.Call) and node.args:
            func = _dotted(node.func)
            name = ".".join(func) if func else ""
            first = node.args[0]
            text = first.value if isinstance(first, ast.Constant) else None
            if name in IMPORTERS and isinstance(text, str) and _upstream(text) \
                    and _private(text):
                found.append(f"line {node.lineno}: {name}({text!r})")
            elif name == "getattr" and len(node.args) >= 2:
                target = _dotted(first)
                attr = node.args[1]
                if target and target[0] in bound and isinstance(attr, ast.Constant) \
                        and isinstance(attr.value, str) and _private(attr.value):
                    found.append(f"line {node.lineno}: getattr({'.'.join(target)}, "
                                 f"{attr.value!r})")
    return found


def test_no_private_upstream_api():
    """No bayesreg module uses a private name (or private module) of an upstream library
    (scikit-learn, nutpie, numpyro, blackjax, jax, dask, pymc, pytensor, arviz, kulprit,
    bambi, formulaic): an upgrade of those must not break bayesreg silently."""
    offenders = [f"{path.relative_to(PACKAGE.parent)}: {use}" for path in MODULES
                 for use in private_upstream_uses(path.read_text(), str(path))]
    assert offenders == []


def test_the_private_api_guard_sees_through_aliases_and_attributes():
    """The guard catches each way of reaching a private upstream name, and passes public
    ones (so that ``test_no_private_upstream_api`` can fail)."""
    caught = [
        "from sklearn.utils._param_validation import Interval",
        "from sklearn.base import _fit_context",
        "from sklearn.utils import _param_validation",
        "import nutpie._lib",
        "import nutpie\nnutpie._lib.PyNutsSettings.Diag(0)",
        "import sklearn.utils\nsklearn.utils._param_validation.Interval",
        "import sklearn.utils as u\nu._param_validation",
        "from sklearn import utils\nutils._param_validation",
        "import pymc as pm\npm.model._x",
        "import importlib\nimportlib.import_module('dask._compat')",
        "from importlib import import_module\nimport_module('arviz_base._x')",
        "__import__('formulaic._utils')",
        "import jax\ngetattr(jax, '_src')",
        "def f():\n    import numpyro\n    return numpyro._x",
    ]
    for code in caught:
        assert private_upstream_uses(code), code
    passed = [
        "import sklearn\nsklearn.__version__",
        "from sklearn.base import BaseEstimator, clone",
        "import nutpie\nnutpie.sample",
        "import numpy as np\nnp._x",           # not an upstream library of the rule
        "import pymc as pm\nself._x = pm.Model()\nself._x._y",
        "import importlib\nimportlib.import_module('dask.array')",
    ]
    for code in passed:
        assert private_upstream_uses(code) == [], code


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
            "distributed", "kulprit", "bambi", "polyagamma")


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
import bayesreg.base._penalties, bayesreg.base._suffstats
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


# --------------------------------------------------------------------------- prior dispatch
def _prior_classes() -> set[str]:
    """Names of every prior class but the public base ``Prior`` (concrete priors and the
    private or intermediate bases: ``LocationScale``, ``ShrinkagePrior``, ...)."""
    return {name for mod in (_priors, _shrinkage) for name, obj in vars(mod).items()
            if isinstance(obj, type) and issubclass(obj, _priors.Prior)
            and obj is not _priors.Prior}


def prior_class_dispatch(source: str, names: set[str], filename: str = "<string>") -> list[str]:
    """Every place in ``source`` that asks which prior class a value is.

    ``isinstance(x, C)`` / ``isinstance(x, (C, D))`` / ``issubclass(t, C)``, ``type(x) is
    C`` / ``is not`` / ``==`` / ``!=``, and ``type(x).__name__ == "C"`` (or ``in`` a
    collection of such strings), with ``C`` in ``names`` as a bare name or an attribute
    (``_priors.Flat``, ``P.Gaussian``). ``isinstance(x, Prior)`` is not in ``names``.
    """
    tree = ast.parse(source, filename)

    def named(node) -> str | None:
        dotted = _dotted(node)
        return dotted[-1] if dotted and dotted[-1] in names else None

    def is_type_call(node) -> bool:
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "type" and len(node.args) == 1)

    def strings(node) -> list[str]:
        items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
        return [i.value for i in items if isinstance(i, ast.Constant)
                and isinstance(i.value, str)]

    found = []
    for node in ast.walk(tree):
        hits: list[str] = []
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("isinstance", "issubclass") and len(node.args) == 2):
            target = node.args[1]
            items = target.elts if isinstance(target, ast.Tuple) else [target]
            hits = [h for h in map(named, items) if h]
        elif isinstance(node, ast.Compare):
            if is_type_call(node.left):
                hits = [h for h in map(named, node.comparators) if h]
            elif (isinstance(node.left, ast.Attribute) and node.left.attr == "__name__"
                  and is_type_call(node.left.value)):
                hits = [s for c in node.comparators for s in strings(c) if s in names]
        if hits:
            found.append(f"{filename}:{node.lineno}: {', '.join(hits)}")
    return found


def test_no_dispatch_on_prior_classes_outside_the_prior_modules():
    """A prior carries its own behaviour (density, penalty twin, conjugacy, scale, JSON):
    code outside ``priors/`` and ``families/`` calls it, or looks the class up in one
    registry (the backends' ``PYMC_PRIORS``, ``SHRINKAGE_SCALES``), and never asks which
    prior class it holds; so a new prior touches the prior module and one registry per
    layer only."""
    names = _prior_classes()
    assert {"Gaussian", "Flat", "LocationScale", "ShrinkagePrior", "R2D2"} <= names
    assert "Prior" not in names
    found = []
    for path in MODULES:
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in ("priors", "families"):
            continue
        found += prior_class_dispatch(path.read_text(), names, str(rel))
    assert not found, "dispatch on prior classes outside priors/:\n" + "\n".join(found)


def test_the_prior_dispatch_guard_sees_every_form():
    names = _prior_classes()
    caught = {
        "isinstance(p, Gaussian)": ["Gaussian"],
        "isinstance(model.prior, _priors.Flat)": ["Flat"],
        "isinstance(p, (P.Gaussian, Laplace))": ["Gaussian", "Laplace"],
        "isinstance(p, S.ShrinkagePrior)": ["ShrinkagePrior"],
        "issubclass(cls, LocationScale)": ["LocationScale"],
        "type(p) is Gaussian": ["Gaussian"],
        "type(p) is not P.InverseGammaVariance": ["InverseGammaVariance"],
        "type(p).__name__ == 'Laplace'": ["Laplace"],
        "type(p).__name__ in ('Gaussian', 'Laplace')": ["Gaussian", "Laplace"],
    }
    for source, hit in caught.items():
        found = prior_class_dispatch(source, names)
        assert found == [f"<string>:1: {', '.join(hit)}"], (source, found)
    for fine in ("isinstance(p, Prior)", "isinstance(p, _priors.Prior)",
                 "isinstance(x, (int, float))", "type(p) is dict", "p.sparse",
                 "type(est).__name__ == 'Ridge'"):
        assert prior_class_dispatch(fine, names) == [], fine


# ------------------------------------------------------------ families are objects
def _family_literals(node, names) -> list[str]:
    """The family names a string literal, or a tuple/list/set of them, spells."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if node.value in names else []
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [n for elt in node.elts for n in _family_literals(elt, names)]
    return []


def family_name_dispatch(source: str, names, filename: str = "<string>") -> list[str]:
    """Every place in ``source`` that branches on a family's *name*: a comparison
    (``==``, ``!=``, ``in``, ``not in``) with a string literal (or a tuple/list/set of
    them) that is a family name, and a dict literal keyed by two or more family names (a
    registry by name). A prior's ``penalty_kind`` (``"student_t"`` is also a penalty) is
    not a family and is left out."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Compare):
            ops = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)
            sides = [node.left, *node.comparators]
            if not any(isinstance(op, ops) for op in node.ops):
                continue
            if any(isinstance(s, ast.Attribute) and s.attr == "penalty_kind" for s in sides):
                continue
            hit = [n for side in sides for n in _family_literals(side, names)]
            if hit:
                found.append(f"{filename}:{node.lineno}: compares with {', '.join(hit)}")
        elif isinstance(node, ast.Dict):
            keys = [n for k in node.keys if k is not None for n in _family_literals(k, names)]
            if len(keys) >= 2:
                found.append(f"{filename}:{node.lineno}: a dict keyed by {', '.join(keys)}")
    return found


def test_no_family_name_comparisons_outside_families():
    """Outside the family and prior modules no code asks which family it holds by name:
    it calls the family object (``family.nll``, ``family.outcome``, ...) or one registry
    per layer keyed by the family class (issue 20)."""
    from bayesreg.families import family_names
    names = set(family_names())
    assert {"gaussian", "bernoulli", "poisson", "student_t", "negative_binomial"} <= names
    found = []
    for path in MODULES:
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in ("families", "priors"):
            continue
        found += family_name_dispatch(path.read_text(), names, str(rel))
    assert not found, "family names compared outside families/:\n" + "\n".join(found)


def test_the_family_name_guard_sees_every_form():
    from bayesreg.families import family_names
    names = set(family_names())
    for source in ('family == "bernoulli"', 'model.family.name != "gaussian"',
                   'f.name in ("poisson", "bernoulli")', "'student_t' == fam",
                   'spec["family"] not in ["gaussian"]', 'x in {"negative_binomial"}',
                   '{"gaussian": 1, "poisson": 2}'):
        assert len(family_name_dispatch(source, names)) == 1, source
    for fine in ('prior == "laplace"', 'family.outcome == "binary"', 'link == "log"',
                 'prior.penalty_kind == "student_t"', '{"l1": 1, "student_t": None}',
                 'get_family("gaussian")', 'name != "sigma"'):
        assert family_name_dispatch(fine, names) == [], fine
