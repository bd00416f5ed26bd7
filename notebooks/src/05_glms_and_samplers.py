# %% [markdown]
# # Logistic and Poisson regression with priors; samplers and speed
#
# The prior/penalty correspondence does not depend on the likelihood. For logistic regression, $y_i \sim \mathrm{Bernoulli}(\mathrm{logit}^{-1}(b + x_i^\top w))$, and scikit-learn's `LogisticRegression(C)` minimizes $C\sum_i \ell_i(w) + \tfrac12\lVert w\rVert^2$: the MAP of the prior $w_j \sim N(0, C)$ (L1: Laplace with scale $C$). For counts, $y_i \sim \mathrm{Poisson}(e^{b + x_i^\top w})$, and `PoissonRegressor(alpha)` is the MAP of $w_j \sim N(0, 1/(n\alpha))$.
#
# Unlike the Gaussian case there is no closed-form posterior: the mode is found by Newton's method and the posterior is sampled by NUTS. The posterior mean is *not* the MAP here, and the difference is the part of the uncertainty that the penalized fit throws away. The last section runs the same model through the four NUTS implementations bayesreg drives (PyMC, nutpie, numpyro, blackjax): the same posterior, at different speeds.

# %%
import time
import warnings
warnings.filterwarnings('ignore', category=FutureWarning)

import arviz as az
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import bayesreg as br
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

plt.rcParams['figure.dpi'] = 72
X, y = load_breast_cancer(return_X_y=True, as_frame=True)
X = ((X - X.mean()) / X.std(ddof=0))[['mean radius', 'mean texture', 'mean smoothness', 'mean concave points', 'mean symmetry']]
X.columns = [c.replace('mean ', '') for c in X.columns]
print(X.shape, 'malignant share:', round(1 - y.mean(), 3))

# %% [markdown]
# ## Logistic regression: MAP and posterior
#
# `from_sklearn(LogisticRegression(C=1))` is the Gaussian prior with scale $\sqrt{C} = 1$. The MAP equals scikit-learn's fit; the posterior is sampled with nutpie.

# %% tags=["mcmc"]
logistic = br.from_sklearn(LogisticRegression(C=1.0), X, y)
comp = br.compare_map(logistic)
print(logistic.prior, '|', comp)
fit = logistic.sample(sampler='nutpie', draws=1000, tune=1000, chains=2, random_seed=5, progressbar=False)
table = az.summary(fit, var_names=['coef', 'intercept'], ci_prob=0.94, ci_kind='hdi').iloc[:, :6]
table.insert(0, 'MAP = sklearn', list(comp.map.coef.values) + [comp.map.intercept])
table.round(3)

# %% [markdown]
# Most posterior means lie a little further from zero than the MAP: the logistic likelihood is skewed, and averaging over it moves the estimate the way the data lean. The intervals say which predictors matter: the shape features (`concave points`, `radius`) clearly, `symmetry` not.
#
# A posterior predictive check for a binary outcome is a calibration plot: the predicted probabilities, binned, against the observed frequencies (arviz-plots' PAV-adjusted calibration).

# %% tags=["mcmc"]
pc = br.plots.plot_ppc(logistic, fit, random_seed=0)

# %% [markdown]
# ## Poisson regression
#
# Counts simulated from known weights (two of them zero), fitted under a Laplace prior. The 94% intervals cover the true weights, and the zeros are shrunk toward 0 without being exactly 0.

# %% tags=["mcmc"]
rng = np.random.default_rng(7)
Xp = pd.DataFrame(rng.standard_normal((300, 5)), columns=[f'x{j}' for j in range(5)])
true = np.array([0.6, -0.4, 0.25, 0.0, 0.0])
counts = rng.poisson(np.exp(0.5 + Xp.to_numpy() @ true))
poisson = br.Model(Xp, counts, prior=br.Laplace(0.5), family='poisson')
pfit = poisson.sample(sampler='nutpie', draws=1000, tune=1000, chains=2, random_seed=8, progressbar=False)
ptable = az.summary(pfit, var_names=['coef'], ci_prob=0.94, ci_kind='hdi').iloc[:, :4]
ptable.insert(0, 'true', true)
ptable.insert(1, 'MAP', poisson.map().coef.values)
ptable['covered'] = (ptable['hdi94_lb'] <= ptable['true']) & (ptable['true'] <= ptable['hdi94_ub'])
ptable.round(3)

# %% [markdown]
# For counts the check is a rootogram: the square root of the observed frequency of each count against the posterior predictive one.

# %% tags=["mcmc"]
pc = br.plots.plot_ppc(poisson, pfit, random_seed=0)

# %% [markdown]
# ## Four samplers, one posterior
#
# The same logistic model through PyMC's NUTS, nutpie (Rust, with a low-rank mass matrix), numpyro and blackjax (both JAX). Each run is seeded, so its draws are reproducible; across samplers the draws differ but the posterior is the same: every posterior mean agrees with nutpie's within a few Monte Carlo standard errors.

# %% tags=["mcmc"]
samplers = ['pymc', 'nutpie', 'numpyro', 'blackjax']
fits, compiled = {}, {}
for s in samplers:
    compiled[s] = logistic.compile(s)                    # compile once (timed separately below)
    fits[s] = logistic.sample(sampler=s, compiled=compiled[s], draws=1000, tune=1000, chains=2,
                              random_seed=5, progressbar=False)
ref = fits['nutpie'].posterior['coef'].mean(('chain', 'draw'))
rows = {}
for s in samplers:
    post = fits[s].posterior['coef']
    mcse = az.mcse(fits[s], var_names=['coef'])['coef']
    se = np.sqrt(mcse ** 2 + az.mcse(fits['nutpie'], var_names=['coef'])['coef'] ** 2)
    rows[s] = {'max |mean - nutpie| / MCSE': float((abs(post.mean(('chain', 'draw')) - ref) / se).max()),
               'min bulk ESS': float(az.ess(fits[s], var_names=['coef'])['coef'].min()),
               'max R-hat': float(az.rhat(fits[s], var_names=['coef'])['coef'].max()),
               'divergences': int(fits[s].sample_stats['diverging'].sum())}
pd.DataFrame(rows).T.round(2)

# %% [markdown]
# Speed is the number of effective draws per second of sampling, with compilation (a one-off per model structure, reused across prior scales and data of the same shape) timed apart. The numbers below are from the machine that last executed this notebook, so they vary; `BENCHMARKS.md` has measured ratios against PyMC and bambi at larger sizes.

# %% tags=["nondeterministic"]
rows = {}
for s in samplers:
    start = time.perf_counter()
    logistic.sample(sampler=s, compiled=compiled[s], draws=1000, tune=1000, chains=2, random_seed=6, progressbar=False)
    seconds = time.perf_counter() - start
    rows[s] = {'sampling s': seconds, 'min ESS / s': float(az.ess(fits[s], var_names=['coef'])['coef'].min()) / seconds}
pd.DataFrame(rows).T.round(1)
