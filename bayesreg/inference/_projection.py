"""Projection predictive variable selection of a bayesreg fit, through kulprit.

kulprit (the ``projpred`` extra) projects a reference model's predictive distribution
onto submodels and ranks them by their LOO ELPD. It takes a bambi model; here a bambi
model with the design and family of a :class:`bayesreg.Model` stands in for it, built
but never fitted (kulprit uses its PyMC model only for the submodels' likelihood), and
the bayesreg fit supplies everything that describes the reference: its posterior
predictive draws, its pointwise log-likelihood (for the reference's LOO) and its draws.
"""

from __future__ import annotations

import contextlib
import keyword
import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from sklearn.linear_model import lasso_path

from ..families._family import family_names, get_family
from ..utils._datatree import group_names
from ._loo import log_likelihood
from ._standardize import Standardization
from ..utils._validation import check_random_seed

__all__ = ["ProjectionSelection", "projection_selection"]

RESPONSE = "y"


def _projectable(family) -> bool:
    """Whether kulprit can project ``family``: bambi has it (``Family.bambi_name``) and
    names its parameters as bayesreg does."""
    return bool(family.bambi_name)

#: bambi's name of the observation dimension (kulprit aligns pointwise ELPDs by it)
OBS = "__obs__"
RESERVED = {RESPONSE, "Intercept", "sigma", "nu", "mu", "p", "alpha"}
INSTALL = 'projection_selection needs kulprit and bambi: pip install "bayesreg[projpred]"'


def _kulprit():
    try:
        import bambi
        import kulprit
    except ImportError as err:
        raise ImportError(INSTALL) from err
    return bambi, kulprit


@contextlib.contextmanager
def _quiet():
    """kulprit 0.6.1 calls bambi API that bambi 0.21 deprecates (FutureWarning on every
    call), bambi logs what it models, pytensor and scipy warn on overflow at trial points
    of the optimizer: noise, not a warning about the user's selection."""
    log = logging.getLogger("bambi")
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning)
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            warnings.filterwarnings("ignore", category=RuntimeWarning)
            warnings.filterwarnings("ignore", message="Intervention expression references")
            yield
    finally:
        log.setLevel(level)


def _term_names(features: list[str]) -> list[str]:
    """The features' names as bambi terms: as given when each is a plain identifier that
    bambi does not use itself, else ``x0, x1, ...`` for all."""
    ok = (len(set(features)) == len(features)
          and all(f.isidentifier() and not keyword.iskeyword(f) and not f.startswith("_")
                  and f not in RESERVED for f in features))
    return list(features) if ok else [f"x{j}" for j in range(len(features))]


def _check(model, fit) -> None:
    if not hasattr(model, "X_original"):
        raise ValueError("projection_selection takes a bayesreg.Model (its design in "
                         f"memory); got {type(model).__name__}.")
    if model.sample_weight is not None:
        raise ValueError("projection_selection does not take a model with sample_weight: "
                         "kulprit projects through bambi's likelihood, which has no "
                         "observation weights. Fit the model without sample_weight (or "
                         "repeat rows for integer weights).")
    if not _projectable(model.family):
        names = [n for n in family_names() if _projectable(get_family(n))]
        raise ValueError(f"projection_selection takes the families {names}; got "
                         f"{model.family.name!r}.")
    if not isinstance(fit, xr.DataTree) or "posterior" not in group_names(fit):
        raise ValueError("fit must be the DataTree returned by model.sample(); got "
                         f"{type(fit).__name__}.")
    if "coef" not in fit.posterior.data_vars:
        raise ValueError("fit has no coef in its posterior: pass the fit of this model "
                         "from model.sample().")
    n_obs = (fit.observed_data[RESPONSE].size if "observed_data" in group_names(fit)
             else model.n_samples)
    if n_obs != model.n_samples or fit.posterior["coef"].sizes["feature"] != model.n_features:
        raise ValueError("fit does not belong to model: its observed data or coef have "
                         "other sizes than the model's design.")


def _reference_draws(model, fit, st: Standardization, terms: list[str]):
    """The reference's draws on the bambi design ``(X_original - center) / scale``:
    ``Intercept``, one variable per term, and the family's auxiliary parameters."""
    post = fit.posterior
    coef = post["coef"].transpose("chain", "draw", "feature").values
    intercept = (post["intercept"].transpose("chain", "draw").values if model.fit_intercept
                 else None)
    if model.standardization is not None:  # to the columns' own units first
        own = model.standardization
        if intercept is not None:
            intercept = own.intercept_original(intercept, coef)
        coef = own.coef_original(coef)
    if intercept is not None:
        intercept = st.intercept_standardized(intercept, coef)
    coef = st.coef_standardized(coef)
    dims = ("chain", "draw")
    draws = {name: xr.Variable(dims, coef[..., j]) for j, name in enumerate(terms)}
    if intercept is not None:
        draws = {"Intercept": xr.Variable(dims, intercept), **draws}
    for name in model.family.auxiliary:  # bambi names them as bayesreg does
        if name in post:  # (not when fixed: Model(sigma=1.0))
            draws[name] = xr.Variable(dims, post[name].transpose(*dims).values)
    return draws, intercept, coef


def _l1_order(eta: np.ndarray, Z: np.ndarray, family, fit_intercept: bool) -> list[int]:
    """The order in which the columns of ``Z`` enter the lasso path of the reference's
    mean linear predictor ``eta``, with the weights of one IRLS step at it (projpred's
    L1 search: an L1-penalized projection of the reference fit): the curvature of the
    family's ``nll`` at ``y = mu(eta)`` (``mu (1 - mu)`` bernoulli, ``mu`` poisson),
    constant for an identity link."""
    if family.link == "identity":
        w = np.ones_like(eta)
    else:
        w = family.nll_derivs(family.inverse_link(eta), eta)[1]
    w = w / w.mean()
    if fit_intercept:
        Z = Z - np.average(Z, axis=0, weights=w)
        eta = eta - np.average(eta, weights=w)
    root = np.sqrt(w)
    Zw, ew = Z * root[:, None], eta * root
    top = np.abs(Zw.T @ ew).max() / len(ew)
    alphas = np.geomspace(top, top * 1e-4, 200) if top > 0 else np.array([1.0])
    _, path, _ = lasso_path(Zw, ew, alphas=alphas)
    active = path != 0
    first = np.where(active.any(axis=1), active.argmax(axis=1), path.shape[1])
    last = np.abs(path[:, -1])
    return [int(j) for j in np.lexsort((-last, first))]


def _bambi_model(bambi, Z: np.ndarray, y: np.ndarray, terms: list[str], family,
                 fit_intercept: bool, nu: float | None):
    data = pd.DataFrame(Z, columns=terms)
    data[RESPONSE] = y
    rhs = " + ".join(terms) if terms else "1"
    formula = f"{RESPONSE} ~ {rhs}" if fit_intercept else f"{RESPONSE} ~ 0 + {rhs}"
    priors = {"nu": nu} if nu is not None else None  # a number: a constant in bambi
    bm = bambi.Model(formula, data, family=family.bambi_name, priors=priors)
    bm.build()
    return bm


@dataclass
class ProjectionSelection:
    """The result of :func:`projection_selection`.

    Attributes
    ----------
    path : pandas.DataFrame
        One row per submodel size ``0, 1, ...`` along the search path: ``feature`` (the
        feature added at that size; ``None`` for the intercept-only model), ``elpd`` and
        ``elpd_se`` (LOO of the projected submodel), ``elpd_diff`` (submodel minus
        reference) and ``diff_se`` (SE of that difference).
    reference_elpd, reference_se : float
        LOO ELPD of the reference fit and its SE.
    suggested_size : int or None
        :meth:`suggest_size` with its default rule; None when no submodel on the path
        comes within one SE of the reference (raise ``max_terms``).
    projector : kulprit.ProjectionPredictive
        kulprit's object, for ``kulprit.plot_compare(projector)``, ``plot_forest`` and
        ``plot_dist``. Its terms are named as the features when those are plain
        identifiers (else ``x0, x1, ...``, in the order of ``model.feature_names``), and
        its draws are on the scale of :attr:`design`.
    standardization : bayesreg.inference._standardize.Standardization
        The map from the columns' own units to the design the submodels were projected
        on, ``(X_original - center) / scale``.
    """

    path: pd.DataFrame
    reference_elpd: float
    reference_se: float
    suggested_size: int | None
    projector: Any = field(repr=False)
    standardization: Standardization = field(repr=False)
    feature_names: list[str] = field(repr=False)
    terms: dict[str, str] = field(repr=False)

    def suggest_size(self, rule: str = "diff_se") -> int | None:
        """The smallest submodel size whose ELPD is within one SE of the reference.

        ``rule="diff_se"`` (projpred's): ``elpd_diff + diff_se >= 0``, with the SE of the
        pointwise difference; ``rule="se"`` (kulprit's ``select("se")``): ``elpd +
        elpd_se >= reference_elpd``. None when no size on the path qualifies.
        """
        if rule == "diff_se":
            ok = self.path["elpd_diff"] + self.path["diff_se"] >= 0
        elif rule == "se":
            ok = self.path["elpd"] + self.path["elpd_se"] >= self.reference_elpd
        else:
            raise ValueError(f"rule must be 'diff_se' or 'se'; got {rule!r}.")
        return int(ok.idxmax()) if ok.any() else None

    def _size(self, size):
        size = self.suggested_size if size is None else size
        if size is None:
            raise ValueError("no suggested size (no submodel on the path is within one SE "
                             "of the reference): pass size= or rerun with a larger "
                             "max_terms.")
        if not 0 <= int(size) < len(self.path):
            raise ValueError(f"size must be in 0..{len(self.path) - 1}; got {size}.")
        return int(size)

    def selected(self, size: int | None = None) -> list[str]:
        """The features of the submodel of ``size`` (default: the suggested size), in the
        order the search added them."""
        return list(self.path["feature"].iloc[1:self._size(size) + 1])

    def submodel(self, size: int | None = None):
        """kulprit's ``SubModel`` of ``size``: its projected draws are ``.idata``."""
        return self.projector[self._size(size)]

    def coef(self, size: int | None = None, *, draws: bool = False):
        """Projected coefficients of the submodel of ``size`` in the columns' own units
        (as ``coef_original`` of a standardized model), zero for the features it leaves
        out: their mean (a pandas Series over the features) or, with ``draws=True``, the
        projected draws (an xarray.DataArray, dims draw, feature)."""
        values = self.standardization.coef_original(self._standardized_draws(size))
        out = xr.DataArray(values, dims=("draw", "feature"),
                           coords={"feature": self.feature_names}, name="coef_original")
        return out if draws else out.mean("draw").to_series()

    def intercept(self, size: int | None = None) -> float:
        """Mean projected intercept of the submodel of ``size`` in the columns' own units
        (0.0 for a model without intercept)."""
        post = self.submodel(size).idata.posterior
        if "Intercept" not in post:
            return 0.0
        coef = self._standardized_draws(size).mean(axis=0)
        return float(self.standardization.intercept_original(float(post["Intercept"].mean()),
                                                             coef))

    def _standardized_draws(self, size: int | None) -> np.ndarray:
        """Projected coefficient draws on :attr:`standardization`'s scale, shape (draws,
        features), zero for the features the submodel leaves out."""
        post = self.submodel(size).idata.posterior
        names = list(self.terms.values())
        values = np.zeros((post.sizes["chain"] * post.sizes["draw"], len(names)))
        for j, term in enumerate(names):
            if term in post:
                values[:, j] = post[term].values.ravel()
        return values


def projection_selection(model, fit, *, method: str = "l1", max_terms: int | None = None,
                         num_samples: int = 400, num_clusters: int = 20,
                         random_seed=None) -> ProjectionSelection:
    """Projection predictive variable selection with a bayesreg fit as the reference.

    Projection predictive selection (Piironen, Paasiniemi & Vehtari 2020; McLatchie et
    al. 2023) keeps the full model with its sparse prior as the *reference* and, for a
    nested sequence of submodels, finds the submodel parameters whose predictions are
    closest in Kullback-Leibler divergence to the reference's predictive distribution
    (the *projection*: no prior and no refit to the data). The submodels are ranked by
    their LOO ELPD; the smallest one whose ELPD comes within one SE of the reference's
    predicts as well as the reference and is the selection. This decouples the
    selection from the prior and inherits the reference's uncertainty.

    The projections run in kulprit (``pip install "bayesreg[projpred]"``), which takes a
    bambi model: here a bambi model of the same family on the columns of ``model``,
    standardized, is built (never fitted) for the submodels' likelihood, and the fit
    supplies the reference: its posterior predictive draws (drawn with
    :meth:`Model.sample_posterior_predictive` when ``fit`` has none) and its pointwise
    log-likelihood for the reference's LOO.

    Parameters
    ----------
    model : bayesreg.Model
        The reference model (any prior; a sparse one is the usual choice), family
        gaussian, bernoulli, poisson or student_t, without ``sample_weight``.
    fit : xarray.DataTree
        Its fit from :meth:`Model.sample` (its ``log_likelihood`` group, where it has
        none, is computed from the draws: :func:`bayesreg.log_likelihood`).
    method : {"l1", "forward"}, default "l1"
        The search path. ``"l1"``: the order in which the features enter the lasso path
        of the reference's mean linear predictor (one IRLS step for bernoulli and
        poisson), projpred's L1 search; then only the first ``max_terms`` features enter
        the projections, which keeps wide problems fast. (kulprit's own ``"l1"`` fits the
        lasso to the link of the observed ``y`` instead of the reference, and fails for
        bernoulli in kulprit 0.6.1.) ``"forward"``: kulprit's forward search, projecting
        every candidate at each step: better paths, ``p`` times the cost per step.
    max_terms : int, optional
        Largest submodel size on the path. Default ``min(n_features, 20)``.
    num_samples : int, default 400
        Reference predictive draws each submodel is projected on (one projected draw per
        pair of them).
    num_clusters : int, default 20
        Clusters of predictive draws for ranking the candidates of the forward search.
    random_seed : int, numpy.random.SeedSequence or None
        Seeds the posterior predictive draws and kulprit's subsampling.

    Returns
    -------
    ProjectionSelection
        ``.path`` (the ordered features with each submodel's ELPD and SE difference to
        the reference), ``.suggested_size``, ``.selected()``, ``.coef()`` (projected
        coefficients in the columns' units), and ``.projector`` for kulprit's plots.

    Notes
    -----
    The submodels' ELPDs are LOO estimates on the data the path was searched on, so the
    ELPD of the suggested size is slightly optimistic (McLatchie et al. 2023 cross-
    validate the search itself for an unbiased estimate).
    """
    bambi, kulprit = _kulprit()
    _check(model, fit)
    if method not in ("l1", "forward"):
        raise ValueError(f"method must be 'l1' or 'forward'; got {method!r}.")
    p = model.n_features
    max_terms = min(p, 20) if max_terms is None else int(max_terms)
    if not 1 <= max_terms <= p:
        raise ValueError(f"max_terms must be in 1..{p} (the number of features); got "
                         f"{max_terms}.")
    seed = check_random_seed(random_seed, "projection_selection")
    seeds = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    ppc_seed, kulprit_seed = seeds.spawn(2)

    st = model.standardization or Standardization.fit(model.X_original,
                                                      center=model.fit_intercept)
    Z = st.transform(model.X_original)
    features = list(model.feature_names)
    names = _term_names(features)
    draws, intercept, coef = _reference_draws(model, fit, st, names)
    order = list(range(p))
    if method == "l1":
        eta = coef.reshape(-1, p).mean(0) @ Z.T
        if intercept is not None:
            eta = eta + intercept.mean()
        order = _l1_order(eta, Z, model.family, model.fit_intercept)[:max_terms]
    kept = [names[j] for j in order]

    if "posterior_predictive" in group_names(fit):
        pp = fit.posterior_predictive.to_dataset()
    else:
        pp = model.sample_posterior_predictive(fit, random_seed=np.random.default_rng(
            ppc_seed), extend_inferencedata=False).posterior_predictive.to_dataset()
    obs = {"obs_id": OBS}
    keep = ["Intercept", *kept, *model.family.auxiliary]
    reference = xr.DataTree.from_dict({
        "posterior": xr.Dataset({k: v for k, v in draws.items() if k in keep}),
        "observed_data": fit.observed_data.to_dataset()[[RESPONSE]].rename(obs),
        "log_likelihood": (fit.log_likelihood.to_dataset() if "log_likelihood" in
                           group_names(fit) else log_likelihood(fit, model)
                           )[[RESPONSE]].rename(obs),
        "posterior_predictive": pp[[RESPONSE]].rename(obs),
    })
    columns = [names.index(t) for t in kept]
    # student_t: nu held at the reference's posterior median (or its fixed value). kulprit
    # optimizes it without bounds: on a path it runs off to 1e40, where the t density's
    # log-gamma terms lose all precision and the submodels' ELPDs are garbage.
    nu = None
    if model.family.has_nu:
        nu = (float(fit.posterior["nu"].median()) if "nu" in fit.posterior
              else float(model.nu))
    with _quiet():
        bm = _bambi_model(bambi, Z[:, columns], model.y, kept, model.family,
                          model.fit_intercept, nu)
        projector = kulprit.ProjectionPredictive(bm, reference,
                                                 rng=np.random.default_rng(kulprit_seed))
        if method == "l1":
            projector.project(user_terms=[kept[:k] for k in range(max_terms + 1)],
                              num_samples=num_samples, num_clusters=num_clusters)
        else:
            projector.project(method="forward", early_stop=max_terms,
                              num_samples=num_samples, num_clusters=num_clusters)

    by_term = dict(zip(names, features))
    ref = projector.reference_model
    rows = []
    for sub in projector:
        added = by_term[sub.term_names[-1]] if sub.term_names else None
        rows.append({"feature": added, "elpd": float(sub.elpd), "elpd_se": float(sub.elpd_se),
                     "elpd_diff": float(sub.elpd - ref.elpd), "diff_se": float(sub.elpd_dse)})
    path = pd.DataFrame(rows, index=pd.RangeIndex(len(rows), name="size"))
    path["feature"] = pd.Series([r["feature"] for r in rows], index=path.index, dtype=object)
    result = ProjectionSelection(path=path, reference_elpd=float(ref.elpd),
                                 reference_se=float(ref.elpd_se), suggested_size=None,
                                 projector=projector, standardization=st,
                                 feature_names=features, terms=dict(zip(features, names)))
    result.suggested_size = result.suggest_size()
    return result
