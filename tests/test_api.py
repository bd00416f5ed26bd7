"""The public API: what ``bayesreg`` exports, its conventions and its deprecations."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import warnings
from pathlib import Path

import numpy as np
import pytest

import bayesreg as br

PACKAGE = Path(br.__file__).resolve().parent


def test_every_public_name_resolves_and_is_documented():
    for name in br.__all__:
        obj = getattr(br, name)
        if name.startswith("__"):
            continue
        assert obj.__doc__, f"bayesreg.{name} has no docstring"


def test_public_api_exports_no_mutable_state():
    """No exported dict, list or set a user could change under the library's feet."""
    for name in br.__all__:
        assert not isinstance(getattr(br, name), (dict, list, set)), name


def test_one_way_per_task():
    """The model's methods are the way to its MAP and evidence; the functions that did
    the same are deprecated, not exported."""
    for name in ("map_estimate", "log_evidence", "penalty_steps", "unconstrained_weight",
                 "laplace_posterior_1d", "FAMILIES", "ElasticNet"):
        assert name not in br.__all__


@pytest.mark.parametrize("name, replacement", [
    ("map_estimate", "Model.map()"),
    ("log_evidence", "Model.log_evidence()"),
    ("penalty_steps", "bayesreg.teaching.penalty_steps"),
    ("unconstrained_weight", "bayesreg.teaching.unconstrained_weight"),
    ("laplace_posterior_1d", "bayesreg.teaching.laplace_posterior_1d"),
    ("FAMILIES", "bayesreg.families.family_names()"),
    ("ElasticNet", "bayesreg.ElasticNetPrior"),
])
def test_deprecated_names_warn_and_still_work(name, replacement):
    with pytest.warns(DeprecationWarning, match=rf"bayesreg\.{name} is deprecated.*"
                      + replacement.replace("(", r"\(").replace(")", r"\)")):
        obj = getattr(br, name)
    assert obj is not None


def test_deprecated_functions_give_the_same_results_as_their_replacements():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = X @ np.array([1.0, 0.0, -0.5]) + rng.standard_normal(40)
    model = br.Model(X, y, prior=br.Gaussian(1.0), sigma=1.0)
    with pytest.warns(DeprecationWarning):
        old_map = br.map_estimate(model)
    np.testing.assert_array_equal(old_map.coef.values, model.map().coef.values)
    with pytest.warns(DeprecationWarning):
        old_ev = br.log_evidence(model)
    assert old_ev.log_evidence == model.log_evidence().log_evidence
    with pytest.warns(DeprecationWarning):
        old_steps = br.penalty_steps([1.5, 0.3], penalty="l1_prox", eta=0.1, lam=0.5, steps=10)
    new_steps = br.teaching.penalty_steps([1.5, 0.3], penalty="l1_prox", eta=0.1, lam=0.5,
                                          steps=10)
    np.testing.assert_array_equal(np.asarray(old_steps), np.asarray(new_steps))
    with pytest.warns(DeprecationWarning):
        fams = br.FAMILIES
    fams.clear()  # a copy: clearing it changes nothing in the library
    assert "gaussian" in br.families.family_names()


def test_the_renamed_prior_is_the_same_class_and_old_files_read_back():
    with pytest.warns(DeprecationWarning, match="ElasticNetPrior"):
        old = br.ElasticNet
    assert old is br.ElasticNetPrior
    prior = br.priors.prior_from_dict({"type": "ElasticNet", "l1_scale": 0.5,
                                       "l2_scale": 2.0})  # as bayesreg 0.2 saved it
    assert prior == br.ElasticNetPrior(0.5, 2.0)
    assert prior.to_dict()["type"] == "ElasticNetPrior"


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        br.not_a_name  # noqa: B018


def test_implementation_modules_are_private():
    """scikit-learn's convention: below the top-level package, every module file is private
    (``_name.py``); packages (folders) are namespaces that re-export their public names."""
    public_modules = [
        m.name for m in pkgutil.walk_packages([str(PACKAGE)], prefix="bayesreg.")
        if not m.ispkg and not m.name.rsplit(".", 1)[1].startswith("_")]
    assert public_modules == []


def test_public_names_are_reexported_from_where_they_are_defined():
    """Every public name of a package's ``__all__`` is importable from the package."""
    for info in pkgutil.iter_modules([str(PACKAGE)], prefix="bayesreg."):
        if not info.ispkg:
            continue
        pkg = importlib.import_module(info.name)
        for name in getattr(pkg, "__all__", ()):
            assert hasattr(pkg, name), f"{info.name}.__all__ names {name!r}, not defined"


def test_readme_and_notebooks_use_no_deprecated_name():
    deprecated = {"map_estimate", "log_evidence", "penalty_steps", "unconstrained_weight",
                  "laplace_posterior_1d", "FAMILIES", "ElasticNet"}
    root = PACKAGE.parent
    sources = [root / "README.md", *sorted((root / "notebooks" / "src").glob("*.py"))]
    found = []
    for path in sources:
        text = path.read_text()
        for name in deprecated:
            if f"br.{name}(" in text or f"br.{name}\n" in text or f"bayesreg.{name}(" in text:
                found.append(f"{path.name}: br.{name}")
    assert found == []


def _is_registry_of_another_module(node) -> bool:
    """``module.REGISTRY`` / ``module._REGISTRY``: an upper-case attribute of a name that is
    not ``self`` or ``cls`` (a module's registry reached from outside it)."""
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id not in ("self", "cls") and node.attr.lstrip("_").isupper())


def test_no_module_fills_the_registry_of_another():
    """Registries are filled where they are defined, never as a side effect of importing
    another module (``other._REGISTRY[name] = cls``, ``other.REGISTRY.update(...)``)."""
    bad = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Subscript) and _is_registry_of_another_module(t.value)
                       for t in targets):
                    bad.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr in ("update", "setdefault", "__setitem__")
                  and _is_registry_of_another_module(node.func.value)):
                bad.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert bad == []


def test_sbc_and_its_plot_are_exported():
    """Simulation-based calibration (issue 23): bayesreg.sbc and bayesreg.plots.plot_sbc."""
    assert "sbc" in br.__all__ and callable(br.sbc) and br.sbc.__doc__
    assert "plot_sbc" in br.plots.__all__ and callable(br.plots.plot_sbc)
