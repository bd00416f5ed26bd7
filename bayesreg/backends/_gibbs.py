r"""A Gibbs sampler on sufficient statistics: gaussian models with no compilation.

``sampler="gibbs"`` samples the gaussian family when the coefficient prior is a scale
mixture of normals (``Gaussian``, ``Laplace``, ``StudentT``, ``Flat``;
:mod:`bayesreg.priors._mixture`) whose scale is fixed or has a fixed prior of its own
(``Laplace(HalfNormal(1.0))``), the intercept is flat (on the centred design) or has
such a prior with fixed parameters, and ``sigma`` is fixed or has any fixed prior. Its
state per chain is ``beta = (intercept, coef)``, the latent variances ``u`` of the
mixture priors (in units of the squared prior scale ``s2_prior``), the prior scale when
it is random, and ``s2 = sigma**2``; one sweep is

1. ``beta | ... ~ N(P^{-1} r, P^{-1})`` with ``P = G / s2 + diag(1 / V)``,
   ``r = G beta_hat / s2 + mu / V`` and the prior variances ``V = c s2_prior u``
   (``G``, ``beta_hat`` the sufficient statistics of the design, ``c = s2`` for a prior
   scaled by sigma, else 1), drawn by Cholesky
   (:func:`bayesreg.base._gibbs.gaussian_block_draw`);
2. ``u_j | beta_j, ...`` from each prior's mixture conditional;
3. a random prior scale: ``p(s2_prior | ...) ∝ s2_prior^{-p/2}
   exp(-sum_j (beta_j - mu)^2 / (c u_j) / (2 s2_prior)) pi(s)``;
4. ``s2 | ...``: the likelihood part of its conditional is ``s2^{-A} exp(-B / s2)`` with
   ``A = (S + m) / 2``, ``B = (RSS(beta) + sum_j (beta_j - mu_j)^2 / (s2_prior u_j)) / 2``
   (sums over the ``m`` coefficients whose prior is scaled by sigma, ``S`` the summed
   weights);

steps 3 and 4 by independence Metropolis-Hastings under the scale's own prior
(:func:`bayesreg.base._gibbs.variance_step`).

A sweep costs ``O(k^3)`` whatever ``n`` (``k`` = number of coefficients), runs in NumPy
and needs no compiled code: the first fit of a new model costs what its draws cost,
the way R's ``bayesreg`` (Makalic & Schmidt) samples. The chains are the same draws for
the same seed, in any process. This is the same posterior as the PyMC model's
(:mod:`bayesreg.backends._pymc_model`): each mixture integrates to its prior's density.

**Logistic and negative-binomial models** (a family with a Pólya-Gamma form,
:meth:`bayesreg.families._family.Family.polya_gamma`: ``p(y | eta) ∝ exp(a psi) / (1 +
exp(psi))^b`` at ``psi = eta + offset``; bernoulli: ``a = y, b = 1``; negative binomial
with a fixed dispersion ``theta``: ``a = y, b = y + 1/theta, offset = log theta``; both
times the sample weights) are sampled by Pólya-Gamma augmentation (Polson, Scott &
Windle 2013). One sweep over the design ``Z = [1, X - x_mean]`` (or its parts) is

1. ``omega_i | beta ~ PG(b_i, psi_i)`` (the ``polyagamma`` package: ``pip install
   'bayesreg[gibbs]'``);
2. ``beta | omega ~ N(P^{-1} r, P^{-1})``, ``P = Z' Omega Z + diag(1 / V)``, ``r = Z'
   (kappa - omega offset) + mu / V``, ``kappa = a - b / 2``: by Rue's Cholesky algorithm
   when ``n >= k`` (``O(n k^2)``), else by Bhattacharya, Chakraborty & Mallick (2016)
   (``O(n^2 k)``; a flat intercept drawn jointly from its marginal), batched over chains;
3. the latent variances of the prior: a scale mixture of normals as above (and a random
   prior scale by the same independence step), or a global-local prior's latent scales
   (horseshoe, regularized horseshoe;
   :data:`bayesreg.priors._mixture.GLOBAL_LOCAL_MIXTURES`) with ``tau``'s scale ``tau0``
   times the family's pseudo sigma, as in the PyMC model. The global ``tau`` is drawn
   before the coefficients, by random-walk Metropolis on ``log tau`` with the
   coefficients integrated out of the Gaussian given ``omega`` (Johndrow, Orenstein &
   Bhattacharya 2020; its step size adapted during tuning only): drawn given the
   coefficients, as the plain Gibbs sampler does, it crawls.

With a global-local prior two kinds of moves follow (they fix the two couplings that
make the plain sweep crawl on a wide logistic model, BENCHMARKS.md):

4. when ``p > n``, every local scale ``lambda_j`` by slice sampling with the
   coefficients integrated out given ``omega`` (rank-one updates of the ``n x n``
   marginal covariance, :func:`bayesreg.base._gibbs.collapsed_local_sweep`, ``O(p n^2)``),
   before the coefficients are drawn: a column switches on without its coefficient
   first moving away from zero;
5. after the coefficients, with ``omega`` integrated out (it is redrawn next), the
   global scales with the non-centred coefficients fixed (interweaving with the centred
   ``tau`` step), a joint rescaling of the coefficients and the global scales, and a
   slice update of each coefficient given the others (:meth:`GibbsProgram._exact_moves`,
   :func:`bayesreg.base._gibbs.coordinate_sweep`): small weights of rows with a large
   linear predictor no longer hold them back.

A sweep costs ``O(n k min(n, k))``; the draws are reported under the PyMC model's names
(``coef``, ``coef_tau``, ``coef_lambda``, ``coef_c2``, ``coef_z``, ...). The two numba
kernels (steps 4 and 5) run the chains on numba's threads when ``n k min(n, k)`` reaches
:data:`GIBBS_PARALLEL_WORK`, and one after the other below it, where the threaded
variant's extra compilation would cost more than it saves; the draws are the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import xarray as xr

from ..base._gibbs import (
    bhattacharya_draw,
    collapsed_local_sweep,
    coordinate_sweep,
    gaussian_block_draw,
    pg_log_likelihood,
    slice_step,
    tall_log_marginal,
    variance_step,
    wide_gram,
    wide_log_marginal,
)
from ..priors._mixture import global_local_mixture, normal_mixture
from ..priors._priors import Prior, log_prior_terms
from ..priors._shrinkage import ShrinkageScales
from ..utils._datatree import datatree
from ._draws import coefficient_values, posterior_dataset
from ._pymc_model import coef_param_data_names

__all__ = ["GibbsProgram", "GIBBS_MAX_FEATURES", "gibbs_unsupported", "gibbs_pays_off"]

#: ``sampler="auto"`` uses the Gibbs sampler up to this many features (a sweep costs
#: O(p^3); beyond this NUTS on the sufficient statistics, O(p^2) per gradient, is cheaper)
GIBBS_MAX_FEATURES = 200
#: a Pólya-Gamma sweep with ``n k min(n, k)`` at least this runs its numba kernels' chains
#: on numba's threads (the same draws; below it the extra compilation costs more)
GIBBS_PARALLEL_WORK = 1e7

_LOG_2PI = math.log(2.0 * math.pi)
#: the PyMC model's variable names the Gibbs sampler reports (it refuses a model with others)
_KNOWN_NAMES = {"coef", "coef_z", "coef_scale", "intercept", "intercept_centered", "sigma",
                "sigma_sq", "coef_tau", "coef_lambda", "coef_eta", "coef_c2"}


def _polyagamma():
    """The ``polyagamma`` module (an optional dependency)."""
    try:
        import polyagamma
    except ImportError as err:  # pragma: no cover - the extra is installed in CI
        raise ImportError("sampler='gibbs' on a logistic or negative-binomial model needs "
                          "the polyagamma package, which is not installed. Install it with: "
                          "pip install 'bayesreg[gibbs]'") from err
    return polyagamma


def _fixed_aux(model) -> dict | None:
    """The family's auxiliary parameters as floats, or None when one is random."""
    out = {}
    for name in model.family.auxiliary:
        value = getattr(model, name)
        if isinstance(value, Prior):
            return None
        out[name] = float(value)
    return out


def _glm_unsupported(model) -> str | None:
    placeholders = {name: 1.0 for name in model.family.auxiliary}
    if model.family.polya_gamma(model.y[:1], **placeholders) is None:
        return (f"the {model.family.name} family has no Gibbs sampler (the gaussian family "
                f"has one on sufficient statistics; bernoulli and negative_binomial by "
                f"Pólya-Gamma augmentation)")
    if _fixed_aux(model) is None:
        return (f"the {model.family.name} family's parameters "
                f"{list(model.family.auxiliary)} must be fixed numbers for Gibbs (e.g. "
                f"dispersion=0.5)")
    return None


def gibbs_pays_off(model) -> bool:
    """Whether ``sampler="auto"`` prefers the Gibbs sampler for ``model`` (one that
    :func:`gibbs_unsupported` accepts): gaussian models up to :data:`GIBBS_MAX_FEATURES`
    features. Never a GLM (``sampler="gibbs"`` samples logistic and negative-binomial
    models when asked): measured at the default length (4 x 1000 draws, BENCHMARKS.md,
    "Pólya-Gamma Gibbs for GLMs"), nutpie passed the convergence gate where the
    Pólya-Gamma sweeps did not, on a tall logistic (n = 400, p = 40: regularized
    horseshoe, min bulk ESS of the coefficients 205 in 6 s against 1,497 in 51 s,
    max R-hat 1.012 against 1.005; ``Laplace(HalfNormal(1))``: 186 in 2 s against 3,551
    in 13 s) and on the wide one (n = 102, p = 2,000, regularized horseshoe: R-hat 1.55
    against nutpie's 1.09): the strong coefficients, whose Pólya-Gamma weights are small,
    move slowly given them."""
    return model.family.sufficient_statistics and model.n_features <= GIBBS_MAX_FEATURES


def gibbs_unsupported(model) -> str | None:
    """Why ``sampler="gibbs"`` cannot sample ``model`` (a sentence), or None when it can."""
    glm = not model.family.sufficient_statistics
    if glm:
        why = _glm_unsupported(model)
        if why is not None:
            return why
    intercept = (model.intercept_prior if model.fit_intercept
                 and not model.intercept_prior.improper else None)
    if model.prior.sparse:
        try:
            global_local_mixture(model.prior)
        except TypeError:
            return (f"the sparse prior {type(model.prior).__name__} has no Gibbs form "
                    f"(Horseshoe and RegularizedHorseshoe have; HorseshoePlus's failed "
                    f"simulation-based calibration, see VALIDATION.md)")
        if not glm:
            return ("a sparse prior on the gaussian family is sampled with its coefficients "
                    "integrated out (use sampler='nutpie')")
    for what, value in (("coefficient prior", model.prior), ("intercept prior", intercept)):
        if value is None or value.sparse:
            continue
        try:
            mix = normal_mixture(value)
        except TypeError:
            return (f"the {what} {type(value).__name__} is not a scale mixture of normals "
                    f"(Gaussian, Laplace, StudentT and Flat are)")
        random = set(value.hyperpriors)
        if what == "intercept prior" and random:
            return f"the {what} {value!r} has a hyperprior"
        if random - {"scale"} or not mix.scaled and random:
            return (f"the {what} {value!r} has a hyperprior on {sorted(random - {'scale'})}"
                    f" (only a random scale is sampled by Gibbs)")
        if random and not value.scale.is_fixed:
            return f"the hyperprior of the {what} {value!r} has a hyperprior itself"
        if random and model.n_features < 3:
            return (f"a random prior scale needs at least 3 coefficients to be drawn by "
                    f"Gibbs; the model has {model.n_features}")
    sigma = model.sigma if model.family.has_sigma else None
    if isinstance(sigma, Prior):
        if not sigma.is_fixed:
            return f"the prior of sigma {sigma!r} has a hyperprior"
        S = model.n_samples if model.sample_weight is None else float(model.sample_weight.sum())
        if S + (model.n_features if model.prior.scaled_by_sigma else 0) <= 2.0:
            return (f"sigma's step needs more than 2 observations (summed weights {S:g}, "
                    f"with the coefficients of a prior scaled by sigma)")
    return None


@dataclass(frozen=True)
class GibbsProgram:
    """What the Gibbs sampler of one model structure needs besides its data values (the
    analogue of a compiled program; building it compiles nothing)."""

    prior: Prior
    intercept: str            # "none", "flat" (on the centred design) or "prior"
    intercept_prior: Prior | None
    sigma: Any                # a float or a Prior
    scale_data: tuple         # ((field, data name), ...) of the coefficient prior
    feature_names: tuple
    names: tuple              # the PyMC model's variable names, reported the same
    family: Any = None        # a family with a Pólya-Gamma form (None: gaussian)
    aux: tuple = ()           # its fixed auxiliary parameters, ((name, value), ...)

    @classmethod
    def from_model(cls, model, pm_model) -> GibbsProgram:
        why = gibbs_unsupported(model)
        if why is not None:
            raise ValueError(f"sampler='gibbs' cannot sample this model: {why}. Use "
                             f"sampler='auto' (NUTS) instead.")
        names = tuple(v.name for v in pm_model.free_RVs + pm_model.deterministics)
        unknown = sorted(set(names) - _KNOWN_NAMES)
        if unknown:  # a guard: every supported model has only the known names
            raise ValueError(f"sampler='gibbs' cannot report the variables {unknown}; use "
                             f"sampler='nutpie'.")
        if not model.fit_intercept:
            intercept = "none"
        elif "intercept_centered" in names:
            intercept = "flat"
        else:
            intercept = "prior"
        glm = not model.family.sufficient_statistics
        return cls(prior=model.prior, intercept=intercept,
                   intercept_prior=model.intercept_prior if intercept == "prior" else None,
                   sigma=model.sigma if model.family.has_sigma else None,
                   family=model.family if glm else None,
                   aux=tuple(sorted(_fixed_aux(model).items())) if glm else (),
                   scale_data=tuple(sorted(coef_param_data_names(model.prior).items())),
                   feature_names=tuple(model.feature_names), names=names)

    # ------------------------------------------------------------------ the sampler
    def run(self, data, *, draws: int, tune: int, chains: int, seed) -> xr.DataTree:
        """``chains`` chains of ``tune`` discarded and ``draws`` kept sweeps; the
        ``posterior`` (the PyMC model's variables) and ``sample_stats`` (``lp``, the log
        posterior density; ``diverging``, all False; ``sigma_accept``, the accepted
        proposals of the sigma step per sweep) groups."""
        if self.family is not None:
            return self._run_glm(data, draws=draws, tune=tune, chains=chains, seed=seed)
        prior = replace(self.prior, **{f: float(data[name]) for f, name in self.scale_data})
        G = np.asarray(data["suffstat_gram"], dtype=float)
        beta_hat = np.asarray(data["suffstat_beta_hat"], dtype=float)
        rss_min = float(data["suffstat_rss_min"])
        S = float(data["suffstat_sum_w"])
        b = G @ beta_hat
        k = G.shape[0]
        off = 0 if self.intercept == "none" else 1
        rng = np.random.default_rng(seed)

        # the prior blocks: (slice, prior, mixture, scaled by sigma)
        blocks = [(slice(off, k), prior, normal_mixture(prior), bool(prior.scaled_by_sigma))]
        if self.intercept == "prior":
            ip = self.intercept_prior
            blocks.append((slice(0, 1), ip, normal_mixture(ip), bool(ip.scaled_by_sigma)))
        loc = np.zeros(k)
        u = np.full((chains, k), np.inf)      # latent variances in units of scale**2
        s2_prior = np.ones((chains, k))       # squared prior scales (flat: unused)
        scaled = np.zeros(k, dtype=bool)
        for sl, pr, mix, sc in blocks:
            loc[sl] = float(pr.location)
            u[:, sl] = mix.initial
            if mix.scaled and pr.is_fixed:
                s2_prior[:, sl] = float(pr.scale) ** 2
            scaled[sl] = sc
        m_scaled = int(scaled.sum())
        coef = slice(off, k)

        random_scale = not prior.is_fixed     # only "scale" (gibbs_unsupported)
        if random_scale:
            scale_prior = prior.scale
            # any start: the independence proposals of its first step forget it
            s2_prior[:, coef] = np.exp(rng.uniform(-1.0, 1.0, chains))[:, None]

        random_sigma = isinstance(self.sigma, Prior)
        if random_sigma:
            A = 0.5 * (S + m_scaled)
            if A <= 1.0:  # gibbs_unsupported refuses such models first
                raise ValueError(f"sampler='gibbs' needs more than 2 observations (summed "
                                 f"weights {S:g}) to sample sigma; use sampler='nutpie'.")
            start = rss_min / max(S - k, 1.0) if rss_min > 0 else 1.0
            s2 = start * np.exp(rng.uniform(-1.0, 1.0, chains))
        else:
            s2 = np.full(chains, float(self.sigma) ** 2)

        total = tune + draws
        keep_beta = np.empty((chains, draws, k))
        keep_s2 = np.empty((chains, draws))
        keep_scale2 = np.empty((chains, draws))
        accept = np.zeros((chains, draws), dtype=np.int8)
        eye = np.arange(k)
        for it in range(total):
            c = np.where(scaled, s2[:, None], 1.0)
            var0 = c * s2_prior * u              # prior variances (inf: flat)
            prec0 = 1.0 / var0
            P = G[None, :, :] / s2[:, None, None]
            P[:, eye, eye] += prec0
            r = b[None, :] / s2[:, None] + prec0 * loc
            beta = gaussian_block_draw(P, r, rng)
            e = beta - loc
            for sl, pr, mix, sc in blocks:
                if mix.latent:
                    u[:, sl] = mix.draw(pr, e[:, sl] / np.sqrt(c[:, sl] * s2_prior[:, sl]),
                                        rng)
            if random_scale:   # (s^2)^{-p/2} exp(-sum e^2 / (c u) / (2 s^2)) pi(s)
                B = 0.5 * (e[:, coef] ** 2 / (c[:, coef] * u[:, coef])).sum(axis=1)
                new, _ = variance_step(s2_prior[:, off], 0.5 * (k - off),
                                       np.maximum(B, 1e-300), _log_prior_of_square(scale_prior),
                                       rng)
                s2_prior[:, coef] = new[:, None]
            if random_sigma:
                d = beta - beta_hat
                quad = rss_min + ((d @ G) * d).sum(axis=1)
                extra = ((e[:, scaled] ** 2 / (s2_prior[:, scaled] * u[:, scaled])).sum(axis=1)
                         if m_scaled else 0.0)
                B = 0.5 * np.maximum(quad + extra, 1e-300)
                s2, acc = variance_step(s2, A, B, _log_prior_of_square(self.sigma), rng)
            else:
                acc = 0
            if it >= tune:
                keep_beta[:, it - tune] = beta
                keep_s2[:, it - tune] = s2
                keep_scale2[:, it - tune] = s2_prior[:, off] if k > off else 1.0
                accept[:, it - tune] = acc
        return self._tree(keep_beta, np.sqrt(keep_s2), np.sqrt(keep_scale2), accept, prior,
                          data, G, beta_hat, rss_min, S, random_sigma, random_scale)

    # ------------------------------------------------------------------ GLMs
    def _run_glm(self, data, *, draws: int, tune: int, chains: int, seed) -> xr.DataTree:
        """The Pólya-Gamma Gibbs sampler of a logistic or negative-binomial model (see the
        module docstring)."""
        pg = _polyagamma()
        aux = dict(self.aux)
        X = np.asarray(data["X"], dtype=float)
        y = np.asarray(data["y_obs"], dtype=float)
        n, p = X.shape
        a, b, offset = self.family.polya_gamma(y, **aux)
        sw = data.get("sample_weight")
        if sw is not None:
            sw = np.asarray(sw, dtype=float)
            a, b = a * sw, b * sw
        kappa = a - 0.5 * b
        off = 0 if self.intercept == "none" else 1
        flat = self.intercept == "flat"
        Z = X if off == 0 else np.column_stack([np.ones(n), X])
        k = p + off
        coef = slice(off, k)
        rng = np.random.default_rng(seed)
        prior = replace(self.prior, **{f: float(data[name]) for f, name in self.scale_data})

        # the prior blocks of the smooth priors: (slice, prior, mixture)
        loc = np.zeros(k)
        u = np.ones((chains, k))               # latent variances in units of scale**2
        s2_prior = np.ones((chains, k))        # squared prior scales
        blocks = []
        if not prior.sparse:
            blocks.append((coef, prior, normal_mixture(prior)))
        if self.intercept == "prior":
            blocks.append((slice(0, 1), self.intercept_prior,
                           normal_mixture(self.intercept_prior)))
        for sl, pr, mix in blocks:
            loc[sl] = float(pr.location)
            u[:, sl] = mix.initial
            if mix.scaled and pr.is_fixed:
                s2_prior[:, sl] = float(pr.scale) ** 2
        random_scale = not prior.sparse and not prior.is_fixed
        if random_scale:
            s2_prior[:, coef] = np.exp(rng.uniform(-1.0, 1.0, chains))[:, None]
        if prior.sparse:
            gl = global_local_mixture(prior)
            scales = ShrinkageScales(float(data["shrinkage_global_scale"]),
                                     float(data["shrinkage_noise"]), float(np.sum(
                                         sw) if sw is not None else n))
            A = scales.global_scale * scales.noise
            state = gl.init(prior, chains, p, A)

        beta = np.zeros((chains, k))
        if off:
            beta[:, 0] = self.family.intercept_start(y, sw)
        log_step = np.full(chains, np.log(0.5))   # of tau's random walk on the log scale
        total = tune + draws
        keep_beta = np.empty((chains, draws, k))
        keep_scale2 = np.empty((chains, draws))
        keep_latent = {}
        eye = np.arange(k)
        rue = n >= k
        parallel = n * k * min(n, k) >= GIBBS_PARALLEL_WORK
        b_full = np.broadcast_to(b, (chains, n))
        for it in range(total):
            psi = beta @ Z.T + offset
            omega = pg.random_polyagamma(b_full, psi, random_state=rng)
            omega = np.maximum(omega, 1e-12)  # PG(b, .) > 0; guards a zero-weight row
            if prior.sparse:
                V = np.empty((chains, k))
                V[:, coef] = gl.variance(prior, state)
            else:
                V = s2_prior * u
            if flat:
                V[:, 0] = np.inf
            elif self.intercept == "prior":
                V[:, 0] = s2_prior[:, 0] * u[:, 0]
            fin = slice(1, k) if flat else slice(0, k)
            if rue:
                P = np.matmul((Z.T[None, :, :] * omega[:, None, :]), Z)
                r = (kappa[None, :] - omega * offset) @ Z
                M = None
            else:
                sq = np.sqrt(omega)
                zt = kappa[None, :] / omega - offset - Z[:, fin] @ loc[fin]
                Phi = sq[:, :, None] * Z[None, :, fin]
                alpha = sq * zt
                M = wide_gram(Phi, V[:, fin])
            if prior.sparse:  # tau with the coefficients integrated out (Johndrow et al.)
                V, M, acc = self._tau_step(prior, gl, state, V, coef, fin, loc, P if rue
                                           else None, r if rue else None, M,
                                           Phi if not rue else None,
                                           alpha if not rue else None,
                                           sq if flat and not rue else None, A,
                                           log_step, rng)
                if it < tune:  # Robbins-Monro towards an acceptance rate of 0.35
                    log_step += (acc - 0.35) / np.sqrt(it + 1.0)
                # the local scales with the coefficients integrated out (p > n)
                if not rue and gl.collapsed is not None:
                    c2, nu_l = gl.collapsed(prior, state)
                    cols = slice(1, None) if self.intercept == "prior" else slice(None)
                    collapsed_local_sweep(M, Phi[:, :, cols], alpha, sq if flat else None,
                                          state["lambda"], state["tau"], c2, nu_l, rng,
                                          parallel=parallel)
                    if gl.refresh is not None:
                        gl.refresh(prior, state, rng)
                    V[:, coef] = gl.variance(prior, state)
                    M = wide_gram(Phi, V[:, fin])
            if rue:
                prec0 = 1.0 / V
                P[:, eye, eye] += prec0
                beta = gaussian_block_draw(P, r + prec0 * loc, rng)
            else:
                theta, b0 = bhattacharya_draw(Phi, V[:, fin], alpha, rng,
                                              flat=sq if flat else None, M=M)
                beta = np.empty((chains, k))
                beta[:, fin] = loc[fin] + theta
                if flat:
                    beta[:, 0] = b0
            e = beta - loc
            for sl, pr, mix in blocks:
                if mix.latent:
                    u[:, sl] = mix.draw(pr, e[:, sl] / np.sqrt(s2_prior[:, sl]), rng)
            if random_scale:
                B = 0.5 * (e[:, coef] ** 2 / u[:, coef]).sum(axis=1)
                new, _ = variance_step(s2_prior[:, off], 0.5 * p, np.maximum(B, 1e-300),
                                       _log_prior_of_square(prior.scale), rng)
                s2_prior[:, coef] = new[:, None]
            if prior.sparse:
                gl.update(prior, state, beta[:, coef], A, rng, tau=False)
                beta = self._exact_moves(prior, gl, state, beta, Z, coef, offset, a, b, A,
                                         rng, parallel)
            if it >= tune:
                j = it - tune
                keep_beta[:, j] = beta
                keep_scale2[:, j] = s2_prior[:, off] if k > off else 1.0
                if prior.sparse:
                    for name in prior.latent:
                        if j == 0:
                            keep_latent[name] = np.empty((chains, draws)
                                                         + np.shape(state[name])[1:])
                        keep_latent[name][:, j] = state[name]
        return self._glm_tree(keep_beta, np.sqrt(keep_scale2), keep_latent, prior, data, Z,
                              y, sw, random_scale, scales if prior.sparse else None)

    @staticmethod
    def _exact_moves(prior, gl, state, beta, Z, coef, offset, a, b, A, rng, parallel):
        r"""Moves under the exact likelihood, the Pólya-Gamma weights integrated out (they
        are redrawn next): the weights of rows with a large linear predictor are small and
        hold the coefficients and the global scales back, which these moves do not.

        1. The global scales ``g`` (``tau``; ``c2`` of the regularized horseshoe) one at a
           time with the non-centred coefficients ``z = theta / sqrt(v)`` fixed (the
           coefficients follow ``theta = sqrt(v(g)) z``): slice sampling of ``log g`` on
           ``log p(y | theta) + log p(log g)``. With the centred step on ``tau`` (the
           coefficients integrated out given the weights) this interweaves the two
           parameterizations (Yu & Meng 2011).
        2. A joint rescaling ``(theta, tau, c2) -> (e^s theta, e^s tau, e^{2s} c2)``:
           slice sampling of ``s`` on ``log p(y | theta e^s) + sum_j log N(e^s theta_j |
           0, v_j') + p s + log p(tau e^s) + log p(c2 e^{2s})`` (``p s``: the Jacobian).
        3. :func:`bayesreg.base._gibbs.coordinate_sweep`: each coefficient given the
           others, by slice sampling on the exact likelihood.
        """
        theta = beta[:, coef]
        Zc = Z[:, coef]
        rest = (beta @ Z.T - theta @ Zc.T) + offset   # intercept and offset
        scales = gl.globals_(prior, A)
        theta = GibbsProgram._global_moves(prior, gl, state, theta, Zc, rest, a, b, scales, rng)
        psi = rest + theta @ Zc.T
        coordinate_sweep(theta, psi, np.ascontiguousarray(Zc.T), a, b,
                         np.ascontiguousarray(gl.variance(prior, state)), rng,
                         parallel=parallel)
        beta = beta.copy()
        beta[:, coef] = theta
        return beta

    @staticmethod
    def _global_moves(prior, gl, state, theta, Zc, rest, a, b, scales, rng):
        """Steps 1 and 2 of :meth:`_exact_moves`; returns the moved coefficients."""
        chains = theta.shape[0]
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            for name, (_, log_prior) in scales.items():
                z = theta / np.sqrt(gl.variance(prior, state))

                def log_f(x, name=name, z=z, log_prior=log_prior):
                    g = np.exp(x)
                    th = np.sqrt(gl.variance(prior, {**state, name: g})) * z
                    return pg_log_likelihood(rest + th @ Zc.T, a, b) + log_prior(g)

                state[name] = np.exp(slice_step(np.log(state[name]), log_f, rng, width=1.0))
                theta = np.sqrt(gl.variance(prior, state)) * z
            eta = theta @ Zc.T
            p = theta.shape[1]

            def log_s(x):
                e = np.exp(x)
                moved = {name: state[name] * e ** k for name, (k, _) in scales.items()}
                v = gl.variance(prior, {**state, **moved})
                th = theta * e[:, None]
                out = (pg_log_likelihood(rest + e[:, None] * eta, a, b) + p * x
                       - 0.5 * (np.log(v) + th * th / v).sum(axis=1))
                for name, (_, log_prior) in scales.items():
                    out += log_prior(moved[name])
                return out

            x = slice_step(np.zeros(chains), log_s, rng, width=0.2)
        e = np.exp(x)
        for name, (k, _) in scales.items():
            state[name] = state[name] * e ** k
        return theta * e[:, None]

    @staticmethod
    def _tau_step(prior, gl, state, V, coef, fin, loc, P, r, M, Phi, alpha, flat_col, A,
                  log_step, rng):
        """Random-walk Metropolis on ``log tau`` with the coefficients integrated out of
        the Gaussian given the Pólya-Gamma weights: the target is ``p(tau | lambda, ...,
        omega) ∝ N(pseudo-data | 0, Omega^{-1} + Z V(tau) Z') pi(tau)`` (Johndrow, Orenstein
        & Bhattacharya 2020), which mixes where the conditional given the coefficients
        crawls (``tau`` and the coefficients are strongly coupled). Returns the prior
        variances, the wide Gram matrix at the accepted ``tau`` and the acceptance."""
        tau = state["tau"]
        prop = tau * np.exp(np.exp(log_step) * rng.standard_normal(tau.shape))
        V_new = V.copy()
        V_new[:, coef] = gl.variance(prior, {**state, "tau": prop})

        def log_marginal(Vx, Mx):
            if P is None:
                return wide_log_marginal(Mx, alpha, flat_col)
            Px = P.copy()
            Px[:, np.arange(V.shape[1]), np.arange(V.shape[1])] += 1.0 / Vx
            with np.errstate(divide="ignore", invalid="ignore"):
                shift = np.where(np.isfinite(Vx), loc / Vx, 0.0)
                quad = np.where(np.isfinite(Vx), loc * loc / Vx, 0.0).sum(axis=1)
            return tall_log_marginal(Px, r + shift, Vx) - 0.5 * quad

        M_new = None if P is not None else wide_gram(Phi, V_new[:, fin])
        log_prior = gl.globals_(prior, A)["tau"][1]
        log_ratio = (log_marginal(V_new, M_new) - log_marginal(V, M)
                     + log_prior(prop) - log_prior(tau))
        take = np.log(rng.uniform(size=tau.shape)) < log_ratio
        state["tau"] = np.where(take, prop, tau)
        V = np.where(take[:, None], V_new, V)
        if M is not None:
            M = np.where(take[:, None, None], M_new, M)
        return V, M, take.astype(float)

    def _glm_tree(self, beta, scale, latent, prior, data, Z, y, sw, random_scale, scales):
        chains, draws, k = beta.shape
        values = coefficient_values(beta, self.intercept, data.get("x_mean"))
        coef = values["coef"]
        if random_scale:
            values["coef_scale"] = scale
        for name, v in latent.items():
            values[f"coef_{name}"] = v
        if "coef_z" in self.names:
            if prior.sparse:
                lat = {nm: v if v.ndim == 3 else v[..., None] for nm, v in latent.items()}
                sd = np.sqrt(prior.variance(lat, scales.noise, scales))
                values["coef_z"] = coef / sd
            else:
                values["coef_z"] = (coef - float(prior.location)) / scale[..., None]
        dims = {"chain": np.arange(chains), "draw": np.arange(draws)}
        post = posterior_dataset(values, self.names, self.feature_names)

        # the log posterior density of (beta, latent scales) on their own scale
        aux = dict(self.aux)
        lp = np.zeros((chains, draws))
        step = max(1, int(2e6 // max(len(y), 1)))
        for c in range(chains):
            for d0 in range(0, draws, step):
                eta = beta[c, d0:d0 + step] @ Z.T
                ll = self.family.logpdf(y[None, :], eta, **aux)
                lp[c, d0:d0 + step] = (ll if sw is None else ll * sw).sum(axis=-1)
        if prior.sparse:
            terms = prior.log_prior_terms("coef", values, scales)
        else:
            terms = log_prior_terms(prior, "coef", values)
        for v in terms.values():   # (chain, draw) or (chain, draw, feature)
            lp += v.reshape(chains, draws, -1).sum(axis=-1)
        if self.intercept == "prior":
            lp += log_prior_terms(self.intercept_prior, "intercept",
                                  {"intercept": beta[..., 0]})["intercept"]
        stats = {"lp": (("chain", "draw"), lp),
                 "diverging": (("chain", "draw"), np.zeros((chains, draws), dtype=bool))}
        return datatree({"posterior": post,
                         "sample_stats": xr.Dataset(stats, coords=dims)})

    # ------------------------------------------------------------------ the output
    def _tree(self, beta, sig, scale, accept, prior, data, G, beta_hat, rss_min, S,
              random_sigma, random_scale):
        chains, draws, k = beta.shape
        values = coefficient_values(beta, self.intercept, data.get("x_mean"))
        coef = values["coef"]
        if random_sigma:
            values["sigma"] = sig
            values["sigma_sq"] = sig**2
        if random_scale:
            values["coef_scale"] = scale
        if "coef_z" in self.names:  # coef = loc + scale (* sigma) * coef_z
            eff = scale * (sig if prior.scaled_by_sigma else 1.0)
            values["coef_z"] = (coef - float(prior.location)) / eff[..., None]
        dims = {"chain": np.arange(chains), "draw": np.arange(draws)}
        post = posterior_dataset(values, self.names, self.feature_names)

        # the log posterior density of (beta, scale, sigma) on their own scale
        d = beta - beta_hat
        quad = rss_min + np.einsum("cdi,ij,cdj->cd", d, G, d)
        lp = -S * np.log(sig) - 0.5 * S * _LOG_2PI - quad / (2.0 * sig**2)
        terms = log_prior_terms(prior, "coef", values, sigma=sig)
        lp += terms.pop("coef").sum(axis=-1) + sum(terms.values(), 0.0)
        if self.intercept == "prior":
            lp += log_prior_terms(self.intercept_prior, "intercept",
                                  {"intercept": beta[..., 0]}, sigma=sig)["intercept"]
        if random_sigma:
            lp += self.sigma.logpdf(sig)
        stats = {"lp": (("chain", "draw"), lp),
                 "diverging": (("chain", "draw"), np.zeros((chains, draws), dtype=bool))}
        if random_sigma:
            stats["sigma_accept"] = (("chain", "draw"), accept)
        return datatree({"posterior": post,
                         "sample_stats": xr.Dataset(stats, coords=dims)})


def _log_prior_of_square(prior: Prior):
    """The log prior density of ``t = x**2`` when ``x`` has the prior ``prior``:
    ``log pi(sqrt(t)) - log(2 sqrt(t))``."""
    def log_density(t):
        x = np.sqrt(t)
        with np.errstate(divide="ignore"):
            return prior.logpdf(x) - np.log(2.0 * x)
    return log_density
