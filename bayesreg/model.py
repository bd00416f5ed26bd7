"""``bayesreg.Model``: a regression specification, its PyMC model, and its fits.

The model is a specification plus validated data. Building the PyMC model
(:attr:`Model.pymc_model`) is separate from running it (:meth:`Model.sample`), and
sampling never changes the specification.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from . import priors as _priors
from ._validation import (
    check_features,
    check_positive_float,
    check_sample_weight,
    check_sampler,
    check_X,
    check_y,
)
from ._results import datatree, group, group_names
from .families import Family, get_family
from .priors import Flat, HalfFlat, Prior

__all__ = ["Model", "Prediction"]

SPEC_ATTR = "bayesreg_spec"
SPEC_VERSION = 1
#: spec versions this bayesreg can rebuild a model from (1: bayesreg 0.1, any ArviZ)
SUPPORTED_SPEC_VERSIONS = (1,)
_DRAW_CHUNK_BYTES = 64 * 2**20  # memory for one chunk of (draws x n) work arrays


@dataclass(frozen=True)
class Prediction:
    """Posterior predictions at new inputs.

    Attributes
    ----------
    mean : numpy.ndarray, shape (n_new,)
        Posterior mean of ``E[y | x_new]`` (the inverse link of the linear predictor,
        averaged over posterior draws).
    draws : xarray.DataArray, dims (chain, draw, obs_id)
        Posterior predictive draws of ``y`` at ``x_new``.
    """

    mean: np.ndarray
    draws: xr.DataArray


def _default_sigma(y: np.ndarray) -> Prior:
    scale = float(np.std(y)) if np.std(y) > 0 else 1.0
    return _priors.HalfStudentT(nu=3.0, scale=scale)


def _contains_improper(prior) -> str | None:
    if not isinstance(prior, Prior):
        return None
    if isinstance(prior, (Flat, HalfFlat)):
        return type(prior).__name__
    for sub in prior.hyperpriors.values():
        found = _contains_improper(sub)
        if found:
            return found
    return None


class Model:
    r"""Bayesian regularized regression model.

    The log posterior, for weights ``w`` (``coef``), intercept ``b``, sample
    weights ``s_i`` (default 1) and ``eta_i = b + x_i^T w``, is

    .. math::
        \log p(w, b, \theta \mid y) = \sum_i s_i \log p(y_i \mid \eta_i, \theta)
        + \sum_j \log p_{\text{prior}}(w_j) + \log p(b) + \log p(\theta) + \text{const}

    where ``theta`` holds the noise scale ``sigma`` (gaussian, student_t), the
    degrees of freedom ``nu`` (student_t) and any hyperparameters of the prior.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        NumPy array, pandas DataFrame or 2-D xarray DataArray. Column names become
        the ``feature`` coordinate (``x0, x1, ...`` for plain arrays).
    y : array-like of shape (n_samples,)
    prior : Prior
        Prior on each coefficient, e.g. ``Gaussian(1.0)`` (L2) or ``Laplace(0.1)`` (L1).
        Its parameters may be priors themselves (hyperpriors).
    family : {"gaussian", "bernoulli", "poisson", "student_t"}, default "gaussian"
    fit_intercept : bool, default True
    intercept_prior : Prior, optional
        Default ``Flat()``: an unpenalized intercept, as in scikit-learn.
    sigma : float or Prior, optional
        Noise scale for the gaussian and student_t families: a fixed positive float or a
        positive prior. Default ``HalfStudentT(nu=3, scale=std(y))``.
    nu : float or Prior, optional
        Degrees of freedom of the student_t family. Default ``Gamma(2, 0.1)``.
    sample_weight : array-like of shape (n_samples,), optional
        Positive weights multiplying each observation's log-likelihood term.

    Notes
    -----
    The gaussian likelihood is evaluated from sufficient statistics:
    ``sum_i s_i (y_i - eta_i)^2 = RSS_min + (beta - beta_hat)^T G (beta - beta_hat)``
    with ``G = D^T S D`` the weighted Gram of the design ``D`` and ``beta_hat`` the
    least-squares solution, so a gradient costs O(p^2) whatever ``n``. With a flat
    intercept prior the predictors are centred internally (``intercept_centered``)
    and ``intercept`` is reported on the user's scale.
    """

    def __init__(
        self,
        X,
        y,
        *,
        prior: Prior,
        family: str = "gaussian",
        fit_intercept: bool = True,
        intercept_prior: Prior | None = None,
        sigma: float | Prior | None = None,
        nu: float | Prior | None = None,
        sample_weight=None,
    ):
        self.X, self.feature_names = check_X(X)
        self.y = check_y(y, self.X.shape[0])
        self.sample_weight = check_sample_weight(sample_weight, self.X.shape[0])
        self.family: Family = get_family(family)
        self.family.check_y(self.y)
        if not isinstance(prior, Prior):
            raise TypeError(f"prior must be a bayesreg Prior (e.g. Gaussian(1.0)); got {prior!r}.")
        if prior.positive:
            raise ValueError(
                f"prior {prior!r} is a prior on positive values; coefficients need a prior on "
                f"the real line (Gaussian, Laplace, ElasticNet, StudentT, Flat)."
            )
        if getattr(prior, "scaled_by_sigma", False) and not self.family.has_sigma:
            raise ValueError(
                f"prior {prior!r} has scaled_by_sigma=True, but family={self.family.name!r} "
                f"has no noise scale sigma. Use scaled_by_sigma=False."
            )
        self.prior = prior
        self.fit_intercept = bool(fit_intercept)
        if intercept_prior is None:
            intercept_prior = Flat()
        if not isinstance(intercept_prior, Prior) or intercept_prior.positive:
            raise TypeError(f"intercept_prior must be a real-line Prior; got {intercept_prior!r}.")
        self.intercept_prior = intercept_prior
        self.sigma = self._check_scale_param(sigma, "sigma", self.family.has_sigma,
                                             lambda: _default_sigma(self.y))
        self.nu = self._check_scale_param(nu, "nu", self.family.has_nu,
                                          lambda: _priors.Gamma(2.0, 0.1))
        self._pymc_model = None
        self._compiled: dict[Any, Any] = {}
        self._compile_time: dict[Any, float] = {}
        #: the last InferenceData returned by :meth:`sample` (used by :meth:`predict`)
        self.idata = None

    def _check_scale_param(self, value, name, used, default):
        if not used:
            if value is not None:
                raise ValueError(f"{name} is not a parameter of family={self.family.name!r}; "
                                 f"leave it as None.")
            return None
        if value is None:
            return default()
        if isinstance(value, Prior):
            if not value.positive:
                raise ValueError(f"{name} must be a positive float or a positive prior "
                                 f"(HalfNormal, HalfStudentT, ...); got {value!r}.")
            return value
        return check_positive_float(value, name)

    # ------------------------------------------------------------------ spec
    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    def spec(self) -> dict[str, Any]:
        """The model specification as a JSON-serializable dict (no data)."""

        def enc(v):
            return v.to_dict() if isinstance(v, Prior) else v

        return {
            "version": SPEC_VERSION,
            "prior": enc(self.prior),
            "family": self.family.name,
            "fit_intercept": self.fit_intercept,
            "intercept_prior": enc(self.intercept_prior),
            "sigma": enc(self.sigma),
            "nu": enc(self.nu),
            "feature_names": list(self.feature_names),
            "has_sample_weight": self.sample_weight is not None,
        }

    @classmethod
    def from_spec(cls, spec: dict[str, Any], X, y, sample_weight=None) -> Model:
        """Rebuild a model from :meth:`spec` output and data."""

        def dec(v):
            return _priors.prior_from_dict(v) if isinstance(v, dict) else v

        if spec.get("version") not in SUPPORTED_SPEC_VERSIONS:
            raise ValueError(f"Unsupported bayesreg spec version {spec.get('version')!r}.")
        return cls(X, y, prior=dec(spec["prior"]), family=spec["family"],
                   fit_intercept=spec["fit_intercept"],
                   intercept_prior=dec(spec["intercept_prior"]),
                   sigma=dec(spec["sigma"]), nu=dec(spec["nu"]), sample_weight=sample_weight)

    @classmethod
    def from_idata(cls, idata) -> Model:
        """Rebuild the model that produced ``idata`` (e.g. after :func:`bayesreg.load`)."""
        spec = spec_from_idata(idata)
        cd = idata.constant_data
        X = xr.DataArray(cd["X"].values, dims=("obs_id", "feature"),
                         coords={"feature": cd["feature"].values})
        weight = cd["sample_weight"].values if "sample_weight" in cd else None
        return cls.from_spec(spec, X, idata.observed_data["y"].values, sample_weight=weight)

    def __repr__(self) -> str:
        return (f"Model(n_samples={self.n_samples}, n_features={self.n_features}, "
                f"family={self.family.name!r}, prior={self.prior!r}, "
                f"fit_intercept={self.fit_intercept})")

    # ------------------------------------------------------------ PyMC model
    @property
    def _center_intercept(self) -> bool:
        return self.fit_intercept and isinstance(self.intercept_prior, Flat)

    @property
    def pymc_model(self):
        """The PyMC model (built once, on first access). Users may extend it."""
        if self._pymc_model is None:
            self._pymc_model = self._build()
        return self._pymc_model

    def _build(self):
        import pymc as pm
        import pytensor.tensor as pt

        X, y, w = self.X, self.y, self.sample_weight
        coords = {"feature": self.feature_names, "obs_id": np.arange(self.n_samples)}
        with pm.Model(coords=coords) as model:
            sigma = self._param_var(self.sigma, "sigma")
            nu = self._param_var(self.nu, "nu")
            if isinstance(self.prior, _priors._LocationScale):
                coef = self.prior.build("coef", dims="feature", sigma=sigma)
            else:
                coef = self.prior.build("coef", dims="feature")
            if self._center_intercept:
                x_mean = np.average(X, axis=0, weights=w)
                Xd = X - x_mean
                b0 = pm.Flat("intercept_centered", initval=self._intercept_start())
                pm.Deterministic("intercept", b0 - pt.dot(x_mean, coef))
                intercept = b0
            elif self.fit_intercept:
                Xd = X
                intercept = self.intercept_prior.build("intercept")
            else:
                Xd = X
                intercept = None

            if self.family.name == "gaussian":
                beta = coef if intercept is None else pt.concatenate([pt.stack([intercept]), coef])
                D = Xd if intercept is None else np.column_stack([np.ones(self.n_samples), Xd])
                pm.Potential("y_loglik", _gaussian_suffstat_loglik(D, y, w, beta, sigma))
            else:
                eta = pt.dot(Xd, coef)
                if intercept is not None:
                    eta = eta + intercept
                if w is None:
                    self.family.pm_observed("y", eta, y, dims="obs_id", sigma=sigma, nu=nu)
                else:
                    dist = self.family.pm_dist(eta, sigma=sigma, nu=nu)
                    pm.Potential("y_loglik", pt.sum(w * pm.logp(dist, y)))
        return model

    def _intercept_start(self) -> float:
        """Link of the (weighted) mean of y: the intercept-only fit, a good NUTS start."""
        ybar = float(np.average(self.y, weights=self.sample_weight))
        if self.family.link == "logit":
            ybar = min(max(ybar, 1e-3), 1 - 1e-3)
            return float(np.log(ybar / (1 - ybar)))
        if self.family.link == "log":
            return float(np.log(max(ybar, 1e-3)))
        return ybar

    @staticmethod
    def _param_var(value, name):
        if value is None:
            return None
        if isinstance(value, Prior):
            return value.build(name)
        return value

    # ------------------------------------------------------------- sampling
    def sample(
        self,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        sampler: str = "auto",
        random_seed: int | None = None,
        progressbar: bool = True,
        log_likelihood: bool = True,
        strict: bool = False,
        retry: bool | int = False,
        **kwargs,
    ):
        """Draw from the posterior with one of PyMC's NUTS samplers, or exactly.

        Every NUTS run goes through a convergence gate
        (:func:`bayesreg.check_convergence`): rank-normalized split R-hat <= 1.01, bulk
        and tail ESS >= 100 per chain, no divergences. A failed gate warns with
        :class:`bayesreg.ConvergenceWarning` (or raises :class:`bayesreg.ConvergenceError`
        with ``strict=True``); the report is stored as JSON in
        ``idata.sample_stats.attrs["bayesreg_convergence"]``.

        Parameters
        ----------
        draws, tune, chains : int
            Kept draws per chain, tuning steps per chain, number of chains.
        sampler : {"auto", "pymc", "nutpie", "numpyro", "blackjax", "exact"}
            ``"auto"`` (default), as ``pm.sample``: nutpie when it is installed (the fastest
            general sampler here), else PyMC's own NUTS. ``"exact"``: i.i.d. draws from the closed-form posterior of a conjugate model
            (gaussian family, fixed Gaussian prior, and a float ``sigma`` or
            ``sigma=InverseGammaVariance(a0, b0)`` with ``Gaussian(..., scaled_by_sigma=True)``);
            ``tune`` is ignored. Other models raise ValueError.
        random_seed : int, optional
            The same seed gives the same draws.
        progressbar : bool
        log_likelihood : bool, default True
            Add the pointwise ``log_likelihood`` group (needed for LOO).
        strict : bool, default False
            Raise :class:`bayesreg.ConvergenceError` instead of warning when the final run
            fails the convergence gate.
        retry : bool or int, default False
            On a failed gate, run again up to ``retry`` times (``True`` means 2) with
            ``target_accept`` moved halfway to 1 (0.8 -> 0.9 -> 0.95) and twice the
            tuning steps, each time with a seed derived from ``random_seed``.
        **kwargs
            Passed to the sampler (e.g. ``target_accept``; for nutpie
            ``low_rank_modified_mass_matrix``).

        Returns
        -------
        arviz.InferenceData
            Groups ``posterior`` (``coef`` with dim ``feature``, ``intercept``, ``sigma``,
            hyperparameters), ``sample_stats``, ``observed_data``, ``constant_data`` and
            ``log_likelihood``. The model spec is stored as JSON in
            ``posterior.attrs["bayesreg_spec"]``.
        """
        sampler = check_sampler(sampler)
        for name, value, low in (("draws", draws, 1), ("tune", tune, 0), ("chains", chains, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}; got {value!r}.")
        max_retries = 2 if retry is True else int(retry)
        if max_retries < 0:
            raise ValueError(f"retry must be a bool or an integer >= 0; got {retry!r}.")
        from ._diagnostics import ConvergenceError, ConvergenceWarning, check_convergence
        from ._sampling import run_sampler, seed_sequence_int

        iid = sampler == "exact"
        conjugate = not iid and self._is_conjugate()
        hierarchical = not self.prior.is_fixed
        attempts = 1 if iid else 1 + max_retries
        seeds = [random_seed] + ([None] * max_retries if random_seed is None
                                 else seed_sequence_int(random_seed, attempts)[1:])
        tune_k = int(tune)
        for attempt in range(attempts):
            groups = run_sampler(self, sampler, draws=int(draws), tune=tune_k,
                                 chains=int(chains), random_seed=seeds[attempt],
                                 progressbar=progressbar, **kwargs)
            report = check_convergence(datatree(groups), iid=iid, sampler=sampler,
                                       conjugate=conjugate, hierarchical=hierarchical)
            if report.ok or attempt == attempts - 1:
                break
            target = kwargs.get("target_accept") or 0.8
            kwargs["target_accept"] = min(0.99, 1.0 - (1.0 - target) / 2.0)
            tune_k = max(2 * tune_k, 200)
            warnings.warn(ConvergenceWarning(
                f"{report.message} Retrying ({attempt + 1}/{max_retries}) with "
                f"target_accept={kwargs['target_accept']:.3g}, tune={tune_k}.", report),
                stacklevel=2)
        groups["sample_stats"].attrs["bayesreg_convergence"] = report.to_json()
        idata = self._finish_idata(groups, sampler=sampler, log_likelihood=log_likelihood)
        self.idata = idata
        if not report.ok:
            if strict:
                raise ConvergenceError(report.message, report=report, idata=idata)
            warnings.warn(ConvergenceWarning(report.message, report), stacklevel=2)
        return idata

    def _is_conjugate(self) -> bool:
        """Whether ``sampler="exact"`` can draw from this model's posterior."""
        from ._exact import conjugate_kind

        try:
            conjugate_kind(self)
        except ValueError:
            return False
        return True

    def _data_groups(self) -> dict[str, xr.Dataset]:
        obs = {"obs_id": np.arange(self.n_samples)}
        observed = xr.Dataset({"y": (("obs_id",), self.y)}, coords=obs)
        const = {"X": (("obs_id", "feature"), self.X)}
        if self.sample_weight is not None:
            const["sample_weight"] = (("obs_id",), self.sample_weight)
        constant = xr.Dataset(const, coords={**obs, "feature": self.feature_names})
        return {"observed_data": observed, "constant_data": constant}

    def _finish_idata(self, sampled: dict[str, xr.Dataset], *, sampler: str,
                      log_likelihood: bool) -> xr.DataTree:
        posterior = sampled["posterior"].assign_coords(feature=self.feature_names)
        posterior.attrs[SPEC_ATTR] = json.dumps(self.spec())
        posterior.attrs["bayesreg_sampler"] = sampler
        groups = {"posterior": posterior, "sample_stats": sampled["sample_stats"]}
        groups.update(self._data_groups())
        if log_likelihood:
            groups["log_likelihood"] = xr.Dataset(
                {"y": self._pointwise_loglik(posterior, self.X, self.y, self.sample_weight)})
        groups["log_prior"] = self._log_prior(posterior)
        for name in ("warmup_posterior", "warmup_sample_stats"):
            if name in sampled:
                groups[name] = sampled[name]
        return datatree(groups)

    def _log_prior(self, posterior: xr.Dataset) -> xr.Dataset:
        """Log prior density of every parameter, draw by draw (ArviZ's ``log_prior``).

        ``coef`` per feature (conditional on its hyperparameters), the hyperparameters,
        ``sigma`` and ``nu`` when random, and ``intercept`` (0 under the flat default).
        """
        order = ("chain", "draw")
        draws = {name: posterior[name].transpose(*order, ...).values
                 for name in posterior.data_vars}
        terms: dict[str, np.ndarray] = {}
        sigma = None
        if self.family.has_sigma:
            if isinstance(self.sigma, Prior):
                terms.update(_priors.log_prior_terms(self.sigma, "sigma", draws))
                sigma = draws["sigma"]
            else:
                sigma = self.sigma
        if self.family.has_nu and isinstance(self.nu, Prior):
            terms.update(_priors.log_prior_terms(self.nu, "nu", draws))
        terms.update(_priors.log_prior_terms(self.prior, "coef", draws, sigma=sigma))
        if self.fit_intercept:
            terms.update(_priors.log_prior_terms(self.intercept_prior, "intercept", draws))
        data = {name: (posterior[name].transpose(*order, ...).dims, value)
                for name, value in terms.items()}
        return xr.Dataset(data, coords={k: posterior[k] for k in posterior.coords})

    # ----------------------------------------------------- draws of eta / y
    def _param_draws(self, posterior: xr.Dataset):
        """coef (c, d, p), intercept (c, d), sigma (c, d) or None, nu (c, d) or None."""
        coef = posterior["coef"].transpose("chain", "draw", "feature").values
        shape = coef.shape[:2]
        intercept = (posterior["intercept"].values if self.fit_intercept
                     else np.zeros(shape))
        sigma = nu = None
        if self.family.has_sigma:
            sigma = (posterior["sigma"].values if isinstance(self.sigma, Prior)
                     else np.full(shape, self.sigma))
        if self.family.has_nu:
            nu = posterior["nu"].values if isinstance(self.nu, Prior) else np.full(shape, self.nu)
        return coef, intercept, sigma, nu

    def _eta_chunks(self, posterior, X):
        """Yield (chain slice index, draw slice, eta, sigma, nu) chunks over draws."""
        coef, intercept, sigma, nu = self._param_draws(posterior)
        n_chain, n_draw = coef.shape[:2]
        step = max(1, int(_DRAW_CHUNK_BYTES // (8 * max(X.shape[0], 1))))
        for c in range(n_chain):
            for start in range(0, n_draw, step):
                sl = slice(start, min(start + step, n_draw))
                eta = coef[c, sl] @ X.T + intercept[c, sl, None]
                yield (c, sl, eta,
                       None if sigma is None else sigma[c, sl, None],
                       None if nu is None else nu[c, sl, None])

    def _pointwise_loglik(self, posterior, X, y, weight) -> xr.DataArray:
        n_chain, n_draw = posterior.sizes["chain"], posterior.sizes["draw"]
        out = np.empty((n_chain, n_draw, X.shape[0]))
        for c, sl, eta, sigma, nu in self._eta_chunks(posterior, X):
            out[c, sl] = self.family.logpdf(y, eta, sigma=sigma, nu=nu)
        if weight is not None:
            out *= weight
        return xr.DataArray(out, dims=("chain", "draw", "obs_id"),
                            coords={"chain": posterior["chain"].values,
                                    "draw": posterior["draw"].values,
                                    "obs_id": np.arange(X.shape[0])})

    def _simulate(self, posterior, X, rng):
        n_chain, n_draw = posterior.sizes["chain"], posterior.sizes["draw"]
        y_draws = np.empty((n_chain, n_draw, X.shape[0]))
        mean = np.zeros(X.shape[0])
        for c, sl, eta, sigma, nu in self._eta_chunks(posterior, X):
            y_draws[c, sl] = self.family.simulate(eta, rng, sigma=sigma, nu=nu)
            mean += self.family.inverse_link(eta).sum(axis=0)
        mean /= n_chain * n_draw
        draws = xr.DataArray(y_draws, dims=("chain", "draw", "obs_id"),
                             coords={"chain": posterior["chain"].values,
                                     "draw": posterior["draw"].values,
                                     "obs_id": np.arange(X.shape[0])})
        return mean, draws

    def _resolve_idata(self, idata):
        idata = self.idata if idata is None else idata
        if idata is None or "posterior" not in group_names(idata):
            raise ValueError("No posterior: call model.sample() first or pass idata=.")
        return idata

    def sample_posterior_predictive(self, idata=None, *, random_seed=None,
                                    extend_inferencedata: bool = True):
        """Draw ``y`` from the posterior predictive at the training inputs.

        Returns ``idata`` with a ``posterior_predictive`` group (variable ``y``) added,
        or, with ``extend_inferencedata=False``, a new DataTree holding only it.
        """
        idata = self._resolve_idata(idata)
        rng = np.random.default_rng(random_seed)
        _, draws = self._simulate(idata.posterior, self.X, rng)
        ppc = xr.Dataset({"y": draws})
        if extend_inferencedata:
            idata["posterior_predictive"] = ppc
            return idata
        return datatree({"posterior_predictive": ppc})

    def predict(self, X_new, idata=None, *, random_seed=None) -> Prediction:
        """Posterior predictive mean and draws at ``X_new``.

        ``X_new`` must have the training features (same names and order for a
        DataFrame or DataArray; same number of columns for an array).
        """
        X_new = check_features(X_new, self.feature_names)
        idata = self._resolve_idata(idata)
        rng = np.random.default_rng(random_seed)
        mean, draws = self._simulate(idata.posterior, X_new, rng)
        return Prediction(mean=mean, draws=draws)

    def sample_prior_predictive(self, draws: int = 500, *, random_seed=None):
        """Draw parameters from the prior and ``y`` from the prior predictive.

        Returns a DataTree with ``prior`` and ``prior_predictive`` groups plus the data
        groups (add ``fit["prior"] = prior_fit["prior"]`` to a posterior fit to compare
        them, e.g. with ``arviz_plots.plot_prior_posterior``). Improper priors (Flat, HalfFlat) cannot be drawn from: give
        proper ones (e.g. ``intercept_prior=Gaussian(10.0)``).
        """
        import pymc as pm

        for what, value in (("prior", self.prior), ("sigma", self.sigma), ("nu", self.nu),
                            ("intercept_prior",
                             self.intercept_prior if self.fit_intercept else None)):
            found = _contains_improper(value)
            if found:
                raise ValueError(
                    f"Cannot sample the prior predictive: {what} is (or contains) the improper "
                    f"prior {found}(). Give a proper prior, e.g. "
                    f"{'intercept_prior=Gaussian(scale=10.0)' if what == 'intercept_prior' else what + '=HalfNormal(1.0)'}."
                )
        model = self.pymc_model
        names = [v.name for v in model.free_RVs + model.deterministics if v.name != "y"]
        seeds = np.random.default_rng(random_seed).integers(2**31, size=2)
        with model, warnings.catch_warnings():
            # the only Potential is the likelihood, which the prior does not involve
            warnings.filterwarnings("ignore", message=".*effect of Potentials.*")
            prior = pm.sample_prior_predictive(draws=draws, var_names=names,
                                               random_seed=int(seeds[0]))
        posterior_like = group(prior, "prior").assign_coords(feature=self.feature_names)
        _, y_draws = self._simulate(posterior_like, self.X, np.random.default_rng(seeds[1]))
        return datatree({"prior": posterior_like,
                         "prior_predictive": xr.Dataset({"y": y_draws}),
                         **self._data_groups()})

    # ------------------------------------------------------ MAP and evidence
    def map(self, **kwargs):
        """Maximum a posteriori estimate: the penalized (ridge/lasso/...) fit.

        See :func:`bayesreg.map_estimate` for the objective, options and result.
        """
        from ._map import map_estimate

        return map_estimate(self, **kwargs)

    def log_evidence(self, method: str = "exact", **kwargs):
        """Log marginal likelihood of the data under this model.

        See :func:`bayesreg.log_evidence` for the methods and the result.
        """
        from .occam import log_evidence

        return log_evidence(self, method=method, **kwargs)


def _gaussian_suffstat_loglik(D, y, w, beta, sigma):
    """Gaussian log-likelihood from sufficient statistics (PyTensor expression).

    ``sum_i s_i log N(y_i | d_i^T beta, sigma) = -S log(sigma) - S/2 log(2 pi)
    - (RSS_min + (beta - beta_hat)^T G (beta - beta_hat)) / (2 sigma^2)``,
    ``S = sum_i s_i``, ``G = D^T S D``, ``beta_hat`` a weighted least-squares solution.
    """
    import pytensor.tensor as pt

    from ._suffstats import gaussian_suffstats

    stats = gaussian_suffstats(D, y, w)
    d = beta - stats.beta_hat
    quad = stats.rss_min + pt.dot(d, pt.dot(stats.gram, d))
    return (-stats.sum_w * pt.log(sigma) - 0.5 * stats.sum_w * np.log(2 * np.pi)
            - quad / (2 * sigma**2))


def spec_from_idata(idata) -> dict[str, Any]:
    """The model spec stored in an InferenceData by :meth:`Model.sample`."""
    try:
        return json.loads(idata["posterior"].attrs[SPEC_ATTR])
    except (AttributeError, KeyError, TypeError):
        raise ValueError(
            "This InferenceData has no bayesreg model spec (posterior.attrs"
            f"[{SPEC_ATTR!r}]); it was not produced by bayesreg.Model.sample."
        ) from None

