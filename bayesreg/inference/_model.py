"""``bayesreg.Model``: a regression specification, its PyMC model, and its fits.

The model is a specification plus validated data. Building the PyMC model
(:attr:`Model.pymc_model`) is separate from running it (:meth:`Model.sample`), and
sampling never changes the specification.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from ..backends._pymc_model import (
    build_pymc_model,
    data_values,
    structure_key,
    uses_marginal_coef,
)
from ..utils._datatree import datatree, group_names
from ..backends._shrinkage import sampler_defaults as shrinkage_sampler_defaults
from ..backends._imh import SAMPLER_NOTE_ATTR, imh_failure
from ..backends._samplers import (
    COMPILE_OPTIONS,
    CompiledSampler,
    compile_cached,
    compile_sampler,
    prior_draws,
    run_sampler,
)
from ..base._random import seed_sequence_int
from ..priors import _priors
from ..families._family import Family, get_family
from ..priors._priors import Prior, improper_part
from ..utils._validation import (
    InstanceOf,
    check_aligned,
    check_bool,
    check_param,
    check_sample_weight,
    check_X,
    check_y,
    rng_from,
)
from ._arguments import choose_sampler, sample_arguments
from ._design import formula_arguments, model_design, new_design, with_original_scale
from ._formula import FormulaDesign
from ._diagnostics import (
    CONVERGENCE_ATTR,
    ConvergenceError,
    ConvergenceWarning,
    check_convergence,
)
from ._evidence import is_conjugate, log_evidence
from ._blocks import predictive_mean
from ._map import map_estimate
from ._pointwise import data_groups, finish_fit, simulate
from ._model_spec import (
    check_coef_prior,
    check_intercept_prior,
    check_scale_param,
    default_sigma,
    model_arguments,
    model_spec,
    spec_from_idata,
)

__all__ = ["Model", "Prediction"]


@dataclass(frozen=True)
class Prediction:
    """Posterior predictions at new inputs.

    Attributes
    ----------
    mean : numpy.ndarray, shape (n_new,)
        Posterior mean of ``E[y | x_new]`` (the inverse link of the linear predictor,
        averaged over posterior draws).
    draws : xarray.DataArray, dims (chain, draw, obs_id), or None
        Posterior predictive draws of ``y`` at ``x_new`` (None from
        ``Model.predict(..., draws=False)``).
    """

    mean: np.ndarray
    draws: xr.DataArray | None


def prediction(model, posterior: xr.Dataset, X_new, *, random_seed, draws: bool,
               owner: str) -> Prediction:
    """The :class:`Prediction` of ``model`` (anything :func:`new_design` and
    :func:`simulate` read) at the inputs ``X_new`` as given, under ``posterior``."""
    X_new = new_design(model, X_new)
    check_bool(draws, "draws", owner)
    if not draws:
        return Prediction(mean=predictive_mean(model, posterior, X_new), draws=None)
    mean, y_draws = simulate(model, posterior, X_new, rng_from(random_seed, owner))
    return Prediction(mean=mean, draws=y_draws)


#: a fixed ``sigma`` below this fraction of the (weighted) sd of ``y`` draws a warning
DEGENERATE_SIGMA = 1e-6


def _warn_degenerate_sigma(sigma, y, sample_weight) -> None:
    """Warn when a fixed noise scale is vanishingly small next to the spread of ``y``: it
    usually comes from a fit that interpolates the data (p >= n, a tiny penalty), and pins
    the posterior to that interpolation."""
    if isinstance(sigma, Prior) or sigma is None:
        return
    spread = float(np.sqrt(np.cov(y, aweights=sample_weight, ddof=0))) if y.size > 1 else 0.0
    if spread > 0 and float(sigma) < DEGENERATE_SIGMA * spread:
        warnings.warn(
            f"sigma={float(sigma):.3g} is {float(sigma) / spread:.1e} times the sd of y: the "
            f"posterior collapses onto a fit that reproduces y exactly. A noise scale taken "
            f"from a fit that interpolates the data (more features than observations, a "
            f"vanishing penalty) is not an estimate of the noise; give a prior instead, e.g. "
            f"sigma=HalfNormal({spread:.3g}), or sigma from cross-validated residuals.",
            UserWarning, stacklevel=3)


class Model:
    r"""Bayesian regularized regression model.

    The log posterior, for weights ``w`` (``coef``), intercept ``b``, sample
    weights ``s_i`` (default 1) and ``eta_i = b + x_i^T w``, is

    .. math::
        \log p(w, b, \theta \mid y) = \sum_i s_i \log p(y_i \mid \eta_i, \theta)
        + \sum_j \log p_{\text{prior}}(w_j) + \log p(b) + \log p(\theta) + \text{const}

    where ``theta`` holds the noise scale ``sigma`` (gaussian, student_t), the
    degrees of freedom ``nu`` (student_t), the ``dispersion`` (negative_binomial) and any
    hyperparameters of the prior.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        NumPy array, pandas DataFrame or 2-D xarray DataArray. Column names become
        the ``feature`` coordinate (``x0, x1, ...`` for plain arrays).
    y : array-like of shape (n_samples,)
    prior : Prior
        Prior on each coefficient, e.g. ``Gaussian(1.0)`` (L2) or ``Laplace(0.1)`` (L1).
        Its parameters may be priors themselves (hyperpriors).
    family : {"gaussian", "bernoulli", "poisson", "student_t", "negative_binomial"}, default "gaussian"
        The likelihood (:mod:`bayesreg.families`); ``negative_binomial`` has a log link
        and ``Var(y) = mu + dispersion * mu**2``.
    fit_intercept : bool, default True
    intercept_prior : Prior, optional
        Default ``Flat()``: an unpenalized intercept, as in scikit-learn.
    sigma : float or Prior, optional
        Noise scale for the gaussian and student_t families: a fixed positive float or a
        positive prior. Default ``HalfStudentT(nu=3, scale=std(y))``.
    nu : float or Prior, optional
        Degrees of freedom of the student_t family. Default ``Gamma(2, 0.1)``.
    dispersion : float or Prior, optional
        Overdispersion ``theta`` of the negative_binomial family, ``Var(y) = mu + theta
        mu**2`` (glum's ``theta``; PyMC's ``alpha`` is ``1/theta``; ``theta -> 0`` is the
        Poisson): a fixed positive float or a positive prior. Default ``HalfNormal(1.0)``:
        its mode is the Poisson limit ``theta = 0`` (extra variance has to be supported by
        the data, as a penalized-complexity prior) while ``theta`` up to about 2, a
        variance of ``mu + 2 mu**2``, stays plausible. MAP needs a float.
    sample_weight : array-like of shape (n_samples,), optional
        Positive weights multiplying each observation's log-likelihood term.
    standardize : bool, default False
        Put the prior on the coefficients of standardized predictors ``z = (x - c) / s``
        (``c`` the weighted column means when there is an intercept, ``s`` the weighted
        standard deviations, ``ddof=0``: scikit-learn's ``StandardScaler``). Then
        ``model.X`` is the standardized design, ``coef``/``intercept`` (posterior, MAP)
        are on the standardized scale, as the final step of ``make_pipeline(
        StandardScaler(), Ridge(...))``, and ``coef_original``/``intercept_original``
        give them in the columns' own units (``coef / s``, ``intercept - sum(coef c /
        s)``). ``predict`` takes inputs on the original scale.
    formula : bayesreg.inference._formula.FormulaDesign, optional
        How ``X`` was built from a data frame by a Wilkinson formula. Not for direct
        use: :meth:`from_formula` builds it, and :meth:`from_spec`, :meth:`from_idata`
        and :meth:`replace` pass it on (so that ``predict`` takes data frames).

    Attributes
    ----------
    X : numpy.ndarray
        The design the prior and the likelihood see (standardized when ``standardize``).
    X_original : numpy.ndarray
        The design as given.
    standardization : bayesreg.inference._standardize.Standardization or None
        The map ``X = (X_original - center) / scale``.
    formula : bayesreg.inference._formula.FormulaDesign or None
        Set by :meth:`from_formula`: how ``X`` is built from a data frame.

    A model is an immutable value: its attributes cannot be set after construction
    (:meth:`replace` returns a new model with other values), and sampling, MAP or any
    other method leaves it as it is. What it builds lazily (the PyMC model, compiled
    samplers) is kept, and cannot go stale.

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
        standardize: bool = False,
        dispersion: float | Prior | None = None,
        formula: FormulaDesign | None = None,
    ):
        check_aligned(X, y, sample_weight)
        self.fit_intercept = check_bool(fit_intercept, "fit_intercept", "Model")
        self.X_original, self.feature_names = check_X(X)
        self.y = check_y(y, self.X_original.shape[0])
        self.sample_weight = check_sample_weight(sample_weight, self.X_original.shape[0])
        self.standardization, self.X = model_design(self.X_original, self.sample_weight,
                                                    standardize, self.fit_intercept)
        self.formula = check_param(formula, "formula", "Model", InstanceOf(type(None), "None"),
                                   InstanceOf(FormulaDesign, "a FormulaDesign (from "
                                              "Model.from_formula)"))
        self.family: Family = get_family(family)
        self.family.check_y(self.y)
        self.prior = check_coef_prior(prior, self.family)
        self.intercept_prior = check_intercept_prior(intercept_prior)
        self.sigma = check_scale_param(sigma, "sigma", self.family.has_sigma, self.family,
                                       lambda: default_sigma(self.y))
        self.nu = check_scale_param(nu, "nu", self.family.has_nu, self.family,
                                    lambda: _priors.Gamma(2.0, 0.1))
        self.dispersion = check_scale_param(dispersion, "dispersion",
                                            "dispersion" in self.family.auxiliary, self.family,
                                            lambda: _priors.HalfNormal(1.0))
        _warn_degenerate_sigma(self.sigma, self.y, self.sample_weight)
        # what is built lazily (the PyMC model, compiled samplers): filled, never rebound,
        # and never stale, since the model cannot change
        self._cache: dict[Any, Any] = {}
        self._frozen = True  # the last line of __init__: attributes are read-only from here

    def __setattr__(self, name: str, value) -> None:
        if self.__dict__.get("_frozen", False):
            raise AttributeError(
                f"Model is immutable: cannot set {name!r}. Use model.replace(...) for a new "
                f"model with other values, e.g. model.replace(prior=Laplace(3.0)).")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Model is immutable: cannot delete {name!r}. Use "
                             f"model.replace(...) for a new model with other values.")

    # ------------------------------------------------------------------ spec
    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    def spec(self) -> dict[str, Any]:
        """The model specification as a JSON-serializable dict (no data)."""
        return model_spec(self)

    @classmethod
    def from_spec(cls, spec: dict[str, Any], X, y, sample_weight=None) -> Model:
        """Rebuild a model from :meth:`spec` output and data (``X`` as given to the
        model: the design on its original scale)."""
        kwargs, formula = model_arguments(spec)
        return cls(X, y, sample_weight=sample_weight, formula=formula, **kwargs)

    @classmethod
    def from_formula(cls, formula: str, data, *, prior: Prior, **kwargs) -> Model:
        """A model whose design is built from a data frame by a Wilkinson formula.

        ``Model.from_formula("y ~ age + bmi + C(sex)", data=df, prior=Gaussian(1.0))``:
        the target is the left-hand side; ``C(x)`` and string/categorical columns are
        dummy-coded (treatment contrasts unless the formula says otherwise, e.g.
        ``C(x, contr.sum)``), ``a:b`` and ``a * b`` give interactions, and the
        ``feature`` coordinate carries the design's column names (``"C(sex)[T.m]"``,
        ``"age:C(sex)[T.m]"``). The intercept comes from the formula (``"y ~ 0 + x"``
        has none). The formula and the levels it learnt are stored in the spec (JSON),
        so ``model.predict(new_df, fit)``, also after save / load / :meth:`from_idata`,
        builds the same columns for new data frames; an unseen level raises ValueError.
        See :mod:`bayesreg.inference._formula` for the library (formulaic) and what a formula
        may use.

        Parameters
        ----------
        formula : str
        data : pandas.DataFrame
            The formula's variables, without missing values.
        prior : Prior
        **kwargs
            Other :class:`Model` parameters (``family``, ``standardize``, ``sigma``, ...)
            but ``fit_intercept``; ``sample_weight`` may name a column of ``data``.
        """
        design, kw = formula_arguments(formula, data, kwargs)
        return cls(kw.pop("X"), kw.pop("y"), prior=prior, formula=design, **kw)

    @classmethod
    def from_idata(cls, idata) -> Model:
        """Rebuild the model that produced ``idata`` (e.g. after :func:`bayesreg.load`)."""
        spec = spec_from_idata(idata)
        cd = idata.constant_data
        X = xr.DataArray(cd["X_original" if "X_original" in cd else "X"].values,
                         dims=("obs_id", "feature"),
                         coords={"feature": cd["feature"].values})
        weight = cd["sample_weight"].values if "sample_weight" in cd else None
        return cls.from_spec(spec, X, idata.observed_data["y"].values, sample_weight=weight)

    def replace(self, *, X=None, y=None, **changes) -> Model:
        """A new model with the same data and specification, except the given ones.

        Specs are values: ``model.replace(prior=Laplace(3.0))`` leaves ``model`` as it
        is. ``changes`` are :class:`Model` parameters (``prior``, ``family``,
        ``fit_intercept``, ``intercept_prior``, ``sigma``, ``nu``, ``dispersion``,
        ``sample_weight``, ``standardize``, ``formula``); ``X`` is on the original scale.
        """
        kw = dict(prior=self.prior, family=self.family.name, fit_intercept=self.fit_intercept,
                  intercept_prior=self.intercept_prior, sigma=self.sigma, nu=self.nu,
                  dispersion=self.dispersion,
                  sample_weight=self.sample_weight,
                  standardize=self.standardization is not None, formula=self.formula)
        unknown = sorted(set(changes) - set(kw))
        if unknown:
            raise TypeError(f"Model.replace() got unknown parameters {unknown}; must be among "
                            f"X, y, {', '.join(kw)}.")
        kw.update(changes)
        X = xr.DataArray(self.X_original if X is None else np.asarray(X),
                         dims=("obs_id", "feature"), coords={"feature": list(self.feature_names)})
        return type(self)(X, self.y if y is None else y, **kw)

    def __repr__(self) -> str:
        extra = (", standardize=True" if self.standardization is not None else "") + \
            (f", formula={self.formula.formula!r}" if self.formula is not None else "")
        return (f"Model(n_samples={self.n_samples}, n_features={self.n_features}, "
                f"family={self.family.name!r}, prior={self.prior!r}, "
                f"fit_intercept={self.fit_intercept}{extra})")

    # ------------------------------------------------------------ PyMC model
    @property
    def pymc_model(self):
        """The PyMC model (built once, on first access).

        Users may extend it and run it with PyMC themselves. :meth:`compile` and
        :meth:`sample` build their own PyMC model from the specification (a compiled
        sampler owns its program), so sampling this model, or another one with this
        model's compiled sampler, never changes this one, and an extension of it does
        not reach them.
        """
        if "pymc_model" not in self._cache:
            self._cache["pymc_model"] = build_pymc_model(self, self._data_values())
        return self._cache["pymc_model"]

    def compile(self, sampler: str = "auto", **options) -> CompiledSampler:
        """The MCMC sampler compiled for this model's structure (an immutable value).

        Compiled once per model and options (a second call returns the same value); the
        sampler owns its program (a PyMC model of its own, built from the
        specification), so sampling another model with it leaves this one unchanged. Pass
        it to :meth:`sample` of another model with the same structure, e.g. the same
        model with another fixed prior scale (``model.replace(prior=Laplace(3.0))``) or,
        for the gaussian family, other data of the same width: that model is then
        sampled without recompiling (its data values replace the compiled ones). A new
        model of a structure compiled before in this process (a notebook cell run again)
        gets that program with its own data, without compiling
        (:func:`bayesreg.backends._samplers.compile_cached`).

        Parameters
        ----------
        sampler : {"auto", "pymc", "nutpie", "numpyro", "blackjax"}
            ``"auto"``: nutpie when it is installed, else ``"pymc"`` (the NUTS part of the
            rule of :meth:`sample`; see :func:`bayesreg.inference._arguments.choose_sampler`).
        **options
            Compile options (nutpie: ``backend``, ``gradient_backend``).
        """
        sampler = choose_sampler(sampler, self, options=options, compiling=True)
        if sampler == "exact":
            raise ValueError("sampler='exact' draws from the closed-form posterior and has "
                             "nothing to compile; call model.sample(sampler='exact').")
        key = ("compiled", sampler, tuple(sorted(options.items())))
        if key not in self._cache:
            # a PyMC model of its own: no run of it touches self.pymc_model; a model of
            # the same structure compiled before in this process lends its program
            values = self._data_values()
            structure = structure_key(self)
            self._cache[key] = compile_cached(
                (structure,) + key[1:], values,
                lambda: compile_sampler(build_pymc_model(self, values), sampler,
                                        structure=structure, data=values, model=self,
                                        **options))
        return self._cache[key]

    def _data_values(self) -> dict[str, Any]:
        """The values of the PyMC model's data containers. A family sampled on sufficient
        statistics has small ones, computed once (one pass over X) and kept; any other
        family's include the n x p design, recomputed on each call rather than held."""
        if not self.family.sufficient_statistics:
            return data_values(self)
        if "data_values" not in self._cache:
            self._cache["data_values"] = data_values(self)
        return dict(self._cache["data_values"])

    # ------------------------------------------------------------- sampling
    def sample(
        self,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        sampler: str = "auto",
        random_seed: int | None = None,
        progressbar: bool = True,
        log_likelihood: bool | None = None,
        strict: bool = False,
        retry: bool | int = False,
        compiled: CompiledSampler | None = None,
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
            ``"auto"`` (default) is (1) ``"exact"`` for a conjugate model with more
            features than observations (``p > n``) when neither sampler options
            (``**kwargs``) nor ``compiled`` are given; else (2) as ``pm.sample``, nutpie
            when it is installed, else (3) PyMC's own NUTS (the rule of
            :func:`bayesreg.inference._arguments.choose_sampler`). A NUTS sampler named
            on a model of rule 1 runs after a warning (refused above 1,000 features unless
            ``compiled`` is given). ``"exact"``: i.i.d. draws from
            the closed-form posterior of a conjugate model (gaussian family, fixed
            Gaussian prior, and a float ``sigma`` or ``sigma=InverseGammaVariance(a0,
            b0)`` with ``Gaussian(..., scaled_by_sigma=True)``); ``tune`` is ignored.
            Other models raise ValueError.
        random_seed : int, optional
            The same seed gives the same draws.
        progressbar : bool
        log_likelihood : bool or None, default None
            Store the pointwise ``log_likelihood`` group (``chains * draws * n`` values).
            None: store it when it takes at most 256 MB
            (:data:`bayesreg.inference._pointwise.LOG_LIKELIHOOD_BUDGET`; 4 chains of
            1,000 draws and up to 8,388 observations), else not; True or False: always,
            never. ``posterior.attrs["bayesreg_log_likelihood"]`` says which and why.
            Without the group, :func:`bayesreg.loo` and :func:`bayesreg.log_likelihood`
            compute it on demand, in blocks of bounded memory.
        strict : bool, default False
            Raise :class:`bayesreg.ConvergenceError` instead of warning when the final run
            fails the convergence gate.
        retry : bool or int, default False
            On a failed gate, run again up to ``retry`` times (``True`` means 2) with
            ``target_accept`` moved halfway to 1 (0.8 -> 0.9 -> 0.95) and twice the
            tuning steps, each time with a seed derived from ``random_seed``.
        compiled : CompiledSampler, optional
            A sampler compiled by :meth:`compile` of a model with the same structure
            (e.g. another prior scale): this model's data replace its data, and nothing
            is recompiled. Default: ``self.compile(sampler)``.
        **kwargs
            Passed to the sampler (e.g. ``target_accept``; for nutpie
            ``low_rank_modified_mass_matrix``). ``cores``: PyMC's own sampler runs its
            chains one after another in this process unless told otherwise (whatever is
            imported; see :mod:`bayesreg.backends._samplers`); nutpie runs
            ``min(chains, 4)`` at once in threads.

        Returns
        -------
        xarray.DataTree
            Groups ``posterior`` (``coef`` with dim ``feature``, ``intercept``, ``sigma``,
            hyperparameters), ``sample_stats``, ``observed_data``, ``constant_data`` and
            ``log_likelihood`` (see ``log_likelihood``). The model spec is stored as JSON in
            ``posterior.attrs["bayesreg_spec"]``.
        """
        if compiled is not None:
            if not isinstance(compiled, CompiledSampler):
                raise TypeError(f"compiled must come from Model.compile(); got "
                                f"{type(compiled).__name__}.")
            if sampler not in ("auto", compiled.sampler):
                raise ValueError(f"sampler={sampler!r} but compiled is a "
                                 f"{compiled.sampler!r} sampler; leave sampler out.")
            if compiled.structure != structure_key(self):
                raise ValueError("compiled was compiled for a model of another structure "
                                 "(other priors, family, intercept or data shapes); only "
                                 "fixed prior scales and data values may differ. Use "
                                 "this model's compile().")
            sampler = compiled.sampler
        requested = sampler
        sampler, draws, tune, chains, max_retries = sample_arguments(
            self, sampler, draws=draws, tune=tune, chains=chains, retry=retry,
            random_seed=random_seed, compiled=compiled is not None, options=kwargs,
            flags=dict(progressbar=progressbar, strict=strict,
                       **({} if log_likelihood is None else {"log_likelihood": log_likelihood})))
        iid = sampler == "exact"
        if self.prior.sparse:  # target_accept, nutpie diag mass
            kwargs = shrinkage_sampler_defaults(sampler, kwargs, uses_marginal_coef(self))
        if not iid:
            options = {k: kwargs.pop(k) for k in COMPILE_OPTIONS.get(sampler, ()) if k in kwargs}
            compiled = (compiled or self.compile(sampler, **options)).with_data(
                **self._data_values())
        conjugate = not iid and is_conjugate(self)
        # a hyperprior the user can reparameterize (shrinkage priors have their own form)
        hierarchical = self.prior.reparameterizable
        attempts = 1 if iid else 1 + max_retries
        seeds = [random_seed] + ([None] * max_retries if random_seed is None
                                 else seed_sequence_int(random_seed, attempts)[1:])
        tune_k = int(tune)
        note = None
        for attempt in range(attempts):
            groups = run_sampler(self, sampler, draws=int(draws), tune=tune_k,
                                 chains=int(chains), random_seed=seeds[attempt],
                                 progressbar=progressbar, compiled=compiled, **kwargs)
            report = check_convergence(datatree(groups), iid=iid, sampler=sampler,
                                       conjugate=conjugate, hierarchical=hierarchical)
            if sampler == "imh":
                why = imh_failure(groups, report)
                if why is not None:  # NUTS instead, from the same seed
                    fallback = choose_sampler("auto")
                    note = (f"sampler='imh' fell back to {fallback!r}: {why}")
                    if requested == "imh":
                        warnings.warn(note + ".", UserWarning, stacklevel=2)
                    sampler = fallback
                    compiled = self.compile(sampler).with_data(**self._data_values())
                    groups = run_sampler(self, sampler, draws=int(draws), tune=tune_k,
                                         chains=int(chains), random_seed=seeds[attempt],
                                         progressbar=progressbar, compiled=compiled, **kwargs)
                    report = check_convergence(datatree(groups), iid=iid, sampler=sampler,
                                               conjugate=conjugate, hierarchical=hierarchical)
            if report.ok or attempt == attempts - 1:
                break
            tune_k = max(2 * tune_k, 200)
            if sampler in ("gibbs", "imh"):  # no step size: a longer burn-in only
                change = f"tune={tune_k}"
            else:
                target = kwargs.get("target_accept") or 0.8
                kwargs["target_accept"] = min(0.99, 1.0 - (1.0 - target) / 2.0)
                change = f"target_accept={kwargs['target_accept']:.3g}, tune={tune_k}"
            warnings.warn(ConvergenceWarning(
                f"{report.message} Retrying ({attempt + 1}/{max_retries}) with {change}.",
                report), stacklevel=2)
        groups["sample_stats"].attrs[CONVERGENCE_ATTR] = report.to_json()
        idata = finish_fit(self, groups, sampler=sampler, log_likelihood=log_likelihood)
        if note is not None:
            idata["posterior"].attrs[SAMPLER_NOTE_ATTR] = note
        if not report.ok:
            if strict:
                raise ConvergenceError(report.message, report=report, idata=idata)
            warnings.warn(ConvergenceWarning(report.message, report), stacklevel=2)
        return idata

    @staticmethod
    def _resolve_idata(idata):
        if not isinstance(idata, xr.DataTree) or "posterior" not in group_names(idata):
            raise ValueError(f"idata must be a fit returned by model.sample() (an "
                             f"xarray.DataTree with a posterior group); got "
                             f"{type(idata).__name__}. Pass the fit: model.predict(X, idata).")
        return idata

    def sample_posterior_predictive(self, idata, *, random_seed=None,
                                    extend_inferencedata: bool = True):
        """Draw ``y`` from the posterior predictive at the training inputs.

        Returns ``idata`` with a ``posterior_predictive`` group (variable ``y``) added,
        or, with ``extend_inferencedata=False``, a new DataTree holding only it.
        """
        idata = self._resolve_idata(idata)
        rng = rng_from(random_seed, "Model.sample_posterior_predictive")
        _, draws = simulate(self, idata.posterior, self.X, rng)
        ppc = xr.Dataset({"y": draws})
        if extend_inferencedata:
            idata["posterior_predictive"] = ppc
            return idata
        return datatree({"posterior_predictive": ppc})

    def predict(self, X_new, idata, *, random_seed=None, draws: bool = True) -> Prediction:
        """Posterior predictive mean and draws at ``X_new`` under the fit ``idata``.

        ``X_new`` must have the training features (same names and order for a
        DataFrame or DataArray; same number of columns for an array), on their original
        scale. A model from :meth:`from_formula` takes a data frame of the formula's
        variables (built into the design as in training) or the design itself as an array.
        The draws are ``chains * draws * n_new`` values (32 GB for 4,000 draws at
        ``n_new = 10^6``): with ``draws=False`` only the mean is computed, in blocks of
        rows of bounded memory, and ``Prediction.draws`` is None.
        """
        idata = self._resolve_idata(idata)
        return prediction(self, idata.posterior, X_new, random_seed=random_seed, draws=draws,
                          owner="Model.predict")

    def sample_prior_predictive(self, draws: int = 500, *, random_seed=None):
        """Draw parameters from the prior and ``y`` from the prior predictive.

        Returns a DataTree with ``prior`` and ``prior_predictive`` groups plus the data
        groups (add ``fit["prior"] = prior_fit["prior"]`` to a posterior fit to compare
        them, e.g. with ``arviz_plots.plot_prior_posterior``). Improper priors (Flat, HalfFlat) cannot be drawn from: give
        proper ones (e.g. ``intercept_prior=Gaussian(10.0)``).
        """
        for what, value in (("prior", self.prior), ("sigma", self.sigma), ("nu", self.nu),
                            ("dispersion", self.dispersion), ("intercept_prior",
                             self.intercept_prior if self.fit_intercept else None)):
            found = improper_part(value)
            if found:
                raise ValueError(
                    f"Cannot sample the prior predictive: {what} is (or contains) the improper "
                    f"prior {found}(). Give a proper prior, e.g. "
                    f"{'intercept_prior=Gaussian(scale=10.0)' if what == 'intercept_prior' else what + '=HalfNormal(1.0)'}."
                )
        seeds = rng_from(random_seed, "Model.sample_prior_predictive").integers(2**31, size=2)
        prior = prior_draws(self.pymc_model, draws, int(seeds[0]))
        posterior_like = with_original_scale(self, prior.assign_coords(
            feature=self.feature_names))
        _, y_draws = simulate(self, posterior_like, self.X, np.random.default_rng(seeds[1]))
        return datatree({"prior": posterior_like,
                         "prior_predictive": xr.Dataset({"y": y_draws}),
                         **data_groups(self)})

    # ------------------------------------------------------ MAP and evidence
    def map(self, **kwargs):
        """Maximum a posteriori estimate: the penalized (ridge/lasso/...) fit.

        See :func:`bayesreg.map_estimate` for the objective, options and result.
        """
        return map_estimate(self, **kwargs)

    def log_evidence(self, method: str = "exact", **kwargs):
        """Log marginal likelihood of the data under this model.

        See :func:`bayesreg.log_evidence` for the methods and the result.
        """
        return log_evidence(self, method=method, **kwargs)

