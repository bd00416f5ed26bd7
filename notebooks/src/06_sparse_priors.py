# %% [markdown]
# # Sparse priors: the horseshoe family and R2D2 vs the Bayesian lasso vs the lasso
#
# A Laplace prior gives a sparse MAP (the lasso) but a posterior that is not sparse, and its single scale must both keep the large effects and kill the small ones, which it cannot do well. Global-local shrinkage priors give each coefficient a local scale: $w_j \sim N(0, v_j)$ with
#
# * `Horseshoe`: $v_j = \tau^2\lambda_j^2$, $\lambda_j \sim C^+(0,1)$, $\tau \sim C^+(0, \tau_0\sigma)$;
# * `RegularizedHorseshoe(expected_nonzero=p0)`: the same with a slab, $v_j = \tau^2 c^2\lambda_j^2 / (c^2 + \tau^2\lambda_j^2)$, and $\tau_0 = \frac{p_0}{p - p_0}\frac{1}{\sqrt n}$ (Piironen & Vehtari 2017);
# * `HorseshoePlus`: $v_j = \tau^2\eta_j^2\lambda_j^2$;
# * `R2D2()`: $v_j = \sigma^2 \frac{R^2}{1-R^2}\phi_j$, $R^2 \sim \mathrm{Beta}$, $\phi \sim \mathrm{Dirichlet}$.
#
# A sparse *point estimate* then comes from a decision on the posterior: SAVS (Ray & Bhattacharya 2018) soft-thresholds each posterior mean with its own threshold $1/\bar w_j^2$. Here: simulated data with $n = 100$, $p = 50$ and 5 true non-zero coefficients.

# %%
import warnings
warnings.filterwarnings('ignore')

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import bayesreg as br
from sklearn.linear_model import LassoCV

plt.rcParams['figure.dpi'] = 72
rng = np.random.default_rng(1)
n, p = 100, 50
X = rng.standard_normal((n, p))
truth = np.zeros(p)
truth[[3, 11, 20, 33, 45]] = [1.5, -1.25, 1.0, -0.75, 0.5]
y = X @ truth + rng.standard_normal(n)
X = (X - X.mean(0)) / X.std(0)

# %% [markdown]
# ## What the prior says before the data: the effective number of non-zeros
#
# The shrinkage factor $\kappa_j = 1/(1 + n s_j^2 v_j/\sigma^2)$ is the share of the least-squares estimate the prior takes away, and $m_\mathrm{eff} = \sum_j (1-\kappa_j)$ counts the coefficients it lets through. Its prior shows what a global scale really assumes: the original horseshoe ($\tau_0 = 1$) expects almost every coefficient to be non-zero; `expected_nonzero=5` puts the mass where we said.

# %%
priors = {'Horseshoe() (tau0 = 1)': br.Horseshoe(),
          'RegularizedHorseshoe(expected_nonzero=5)': br.RegularizedHorseshoe(expected_nonzero=5),
          'R2D2()': br.R2D2()}
fig = br.plots.plot_effective_nonzero_prior(priors, n_features=p, n_samples=n)

# %% [markdown]
# ## The regularized horseshoe
#
# `model.map()` refuses a sparse prior (the joint mode sets every coefficient to zero); the posterior is sampled.
#
# In a gaussian model the coefficients are gaussian given their scales, so bayesreg integrates them out of the likelihood and NUTS moves on the scales, $\sigma$ and the intercept only; each draw of the coefficients is then an exact draw given those. The funnel between $w_j$ and $\lambda_j$ that makes the horseshoe hard for NUTS (divergent transitions) is gone, and the sampler's own settings suffice. In the other families the coefficients are sampled non-centred with `target_accept=0.99`.

# %%
rhs = br.Model(X, y, prior=br.RegularizedHorseshoe(expected_nonzero=5))
try:
    rhs.map()
except ValueError as err:
    print(str(err)[:140], '...')

# %% tags=["mcmc"]
fit_rhs = rhs.sample(sampler='nutpie', draws=1000, tune=1000, chains=2, random_seed=3, progressbar=False)
print('divergences:', int(fit_rhs.sample_stats['diverging'].sum()),
      '| max R-hat:', round(br.check_convergence(fit_rhs).r_hat_max, 3))
table = br.inclusion_summary(rhs, fit_rhs)
table['truth'] = truth
table.sort_values('kappa').head(8).round(3)

# %% [markdown]
# `kappa` is the posterior mean shrinkage factor, `p_signal` $= P(\kappa_j < 1/2)$, `p_savs` the share of draws whose SAVS keeps the coefficient, `savs` the sparse point estimate. The histogram of the posterior mean $\kappa_j$ is the horseshoe: the noise coefficients are shrunk almost completely, the signals hardly.

# %% tags=["mcmc"]
fig = br.plots.plot_shrinkage_factors(rhs, fit_rhs, truth=truth != 0)

# %% tags=["mcmc"]
m_eff = br.effective_nonzero(rhs, fit_rhs)
print(f'posterior effective number of non-zeros: mean {float(m_eff.mean()):.2f}, '
      f'90% interval {np.quantile(m_eff, [0.05, 0.95]).round(2)}')

# %% [markdown]
# ## R2D2 and the Bayesian lasso
#
# The Bayesian lasso here is the Laplace prior with a half-Cauchy hyperprior on its scale, scaled by $\sigma$ (Park & Casella). SAVS works with any posterior.

# %% tags=["mcmc"]
r2d2 = br.Model(X, y, prior=br.R2D2())
fit_r2d2 = r2d2.sample(sampler='nutpie', draws=1000, tune=1000, chains=2, random_seed=4, progressbar=False)
blasso = br.Model(X, y, prior=br.Laplace(scale=br.HalfCauchy(1.0), scaled_by_sigma=True))
fit_blasso = blasso.sample(sampler='nutpie', draws=1000, tune=1000, chains=2, random_seed=5, progressbar=False)
print('divergences: R2D2', int(fit_r2d2.sample_stats['diverging'].sum()),
      '| Bayesian lasso', int(fit_blasso.sample_stats['diverging'].sum()))

# %% [markdown]
# ## Side by side
#
# Precision and recall of the selected set, and the coefficient error $\lVert \hat w - w\rVert_2$. The posterior means are never sparse; SAVS turns each posterior into a sparse estimate; `LassoCV` picks $\alpha$ by 5-fold cross-validation.

# %% tags=["mcmc"]
def scores(est):
    sel, true = est != 0, truth != 0
    return {'selected': int(sel.sum()), 'precision': (sel & true).sum() / max(sel.sum(), 1),
            'recall': (sel & true).sum() / true.sum(), 'error': np.linalg.norm(est - truth)}

mean = lambda fit: fit.posterior['coef'].mean(('chain', 'draw')).values
lasso = LassoCV(cv=5, random_state=0).fit(X, y)
rows = {'RegularizedHorseshoe + SAVS': scores(br.savs(rhs, fit_rhs).values),
        'R2D2 + SAVS': scores(br.savs(r2d2, fit_r2d2).values),
        'Bayesian lasso + SAVS': scores(br.savs(blasso, fit_blasso).values),
        'RegularizedHorseshoe mean': scores(mean(fit_rhs)),
        'Bayesian lasso mean': scores(mean(fit_blasso)),
        'LassoCV': scores(lasso.coef_)}
pd.DataFrame(rows).T.round(3)

# %% [markdown]
# The lasso's cross-validated $\alpha$ is chosen for prediction, so it keeps many small noise coefficients (low precision) and shrinks the real ones (a larger error). The horseshoe's posterior leaves the large coefficients nearly unshrunk and SAVS drops the rest. Over several seeds and $p = 200$, see `benchmarks/bench_sparse.py` and BENCHMARKS.md.
#
# The coefficients of the true signals, posterior against the truth:

# %% tags=["mcmc"]
idx = np.flatnonzero(truth)
fig, ax = plt.subplots(figsize=(6, 3))
for k, (name, fit) in enumerate([('RHS', fit_rhs), ('R2D2', fit_r2d2), ('B. lasso', fit_blasso)]):
    c = fit.posterior['coef'].isel(feature=idx)
    lo, hi = c.quantile(0.05, ('chain', 'draw')).values, c.quantile(0.95, ('chain', 'draw')).values
    ax.errorbar(np.arange(5) + 0.15 * (k - 1), c.mean(('chain', 'draw')).values,
                yerr=[c.mean(('chain', 'draw')).values - lo, hi - c.mean(('chain', 'draw')).values],
                fmt='o', label=name)
ax.scatter(np.arange(5), truth[idx], marker='x', color='k', zorder=3, label='truth')
ax.set(xticks=range(5), xticklabels=[f'x{j}' for j in idx], ylabel='coefficient',
       title='true signals: posterior mean and 90% interval')
ax.legend(frameon=False, fontsize='small')
fig.tight_layout()

# %% [markdown]
# Projection predictive selection (`kulprit`) is not used: kulprit projects bambi models, and it is not installed here.
