# %% [markdown]
# # Occam's razor: choosing the regularization
#
# A Gaussian prior on the weights *is* an L2 penalty. Seen as a prior, its scale $\tau$ can be chosen by the **evidence** $p(y \mid \tau)$, which balances the best-fit likelihood against an **Occam factor** that penalizes prior volume the data did not need:
#
# $$\log p(y\mid\tau) = \underbrace{\log p(y \mid w_\text{MP})}_\text{best fit} + \underbrace{\log \frac{p(w_\text{MP}\mid\tau)\,\lvert 2\pi\Sigma_\text{post}\rvert^{1/2}}{1}}_\text{log Occam factor}.$$
#
# This notebook draws that balance on the diabetes data, compares four ways of choosing $\lambda$ (evidence, empirical Bayes, PSIS-LOO, cross-validation), puts a hyperprior on $\tau$ instead (full Bayes), and asks, coefficient by coefficient, whether the prior or the data decide (power-scaling prior sensitivity).

# %%
import warnings
warnings.filterwarnings('ignore', category=FutureWarning)

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import bayesreg as br
from sklearn.datasets import load_diabetes
from sklearn.linear_model import BayesianRidge

plt.rcParams['figure.dpi'] = 72
X, y = load_diabetes(return_X_y=True, as_frame=True)
X = (X - X.mean()) / X.std(ddof=0)

# %% [markdown]
# ## The Occam curve
#
# `scale_grid` computes, for each prior scale, the closed-form log evidence and its two terms, MacKay's effective number of parameters $\gamma = \sum_i \lambda_i/(\lambda_i + 1/\tau^2)$, and PSIS-LOO from exact posterior draws, next to the scale `RidgeCV` picks on the same grid.

# %%
model = br.Model(X, y, prior=br.Gaussian(10.0), sigma=54.0)
grid = br.scale_grid(model, np.logspace(-1, 2.5, 22), random_seed=0)
grid[['scale', 'log_evidence', 'log_likelihood_max', 'log_occam_factor', 'effective_params', 'elpd_loo', 'pareto_k_max']].round(2)

# %%
eb = br.empirical_bayes(model)      # type-II ML over the scale and sigma (continuous)
fig = br.plots.plot_occam(grid, empirical_bayes=eb)

# %% [markdown]
# The fit term only improves as the prior widens; the Occam factor pays for it, so the evidence rises and then falls, with a clear interior maximum. The effective number of parameters climbs from 0 to the 10 coefficients. LOO rises just as steeply but is flat above a scale of about 10: differences there are within its Monte Carlo and standard errors, so its argmax is not sharply determined.
#
# ## Four ways to choose $\lambda$
#
# The evidence maximum on the grid; empirical Bayes (type-II maximum likelihood over the scale *and* the noise, continuous); the PSIS-LOO maximum; `RidgeCV`'s efficient leave-one-out. Each scale is also a Ridge `alpha` $= \sigma^2/\tau^2$.

# %%
cv = grid.attrs['cv']
choices = pd.DataFrame({
    'scale tau': [grid.attrs['evidence_best_scale'], eb.model.prior.scale, grid.attrs['loo_best_scale'], cv['scale']],
    'sigma': [54.0, eb.model.sigma, 54.0, cv['sigma']]},
    index=['evidence (grid)', 'empirical Bayes', 'PSIS-LOO (grid)', 'RidgeCV (grid)'])
choices['Ridge alpha'] = choices['sigma'] ** 2 / choices['scale tau'] ** 2
choices.round(3)

# %% [markdown]
# Empirical Bayes is exactly scikit-learn's `BayesianRidge` (same fixed point of MacKay's updates):

# %%
ref = BayesianRidge().fit(X, y)
# the differences are rounding error (~1e-13); their exact digits depend on the BLAS build
print('lambda_ equal to 1e-9 (relative):', np.isclose(eb.result.prior_precision, ref.lambda_, rtol=1e-9, atol=0))
print('alpha_  equal to 1e-9 (relative):', np.isclose(eb.result.noise_precision, ref.alpha_, rtol=1e-9, atol=0))
print('coef_   equal to 1e-9 (absolute):', np.allclose(eb.result.coef, ref.coef_, rtol=0, atol=1e-9))

# %% [markdown]
# ## Full Bayes for $\lambda$
#
# Instead of choosing one scale, put a hyperprior on it and let the posterior carry its uncertainty. `implied_alpha` turns posterior draws of $(\tau, \sigma)$ into draws of the Ridge `alpha` they imply. With 442 observations the likelihood dominates, so the hierarchy is sampled centred.

# %% tags=["mcmc"]
hier = br.Model(X, y, prior=br.Gaussian(scale=br.HalfCauchy(10.0), noncentered=False), sigma=br.HalfNormal(100.0))
idata = hier.sample(draws=1000, tune=1000, chains=2, sampler='nutpie', random_seed=3, progressbar=False)
alpha = br.implied_alpha(idata)
br.summarize_alpha(alpha, cv_alpha=cv['alpha'])

# %% tags=["mcmc"]
fig, ax = plt.subplots(figsize=(6.5, 3.8), constrained_layout=True)
ax.hist(np.log10(alpha.values.ravel()), bins=50, density=True, color='C0', alpha=0.7, label='posterior of log10 alpha')
for name, value, style in [('RidgeCV', cv['alpha'], '-'), ('empirical Bayes', choices.loc['empirical Bayes', 'Ridge alpha'], '--')]:
    ax.axvline(np.log10(value), color='k', ls=style, label=name)
ax.set_xlabel('log10 Ridge alpha implied by (tau, sigma)'); ax.set_ylabel('posterior density')
ax.set_title('Full Bayes: a distribution over the regularization strength'); ax.legend(fontsize=8);

# %% [markdown]
# ## Does the prior decide? Power-scaling sensitivity
#
# Raise the prior (or the likelihood) to a power near 1 and see how much each posterior moves (`arviz_stats.psense`, from the fit's `log_prior` and `log_likelihood` groups; a sensitivity above 0.05 counts). Sensitive to the prior only: *prior-dominated*, the regularizer decides. Sensitive to both: *prior-data conflict*, prior and data pull apart. Sensitive to the likelihood only: the data decide.
#
# Under a tight prior ($\tau = 1$, a Ridge `alpha` near 3000) prior and data conflict on almost every coefficient: the prior holds back effects the data clearly want. At the evidence-chosen scale most coefficients are decided by the data; the conflicts left are the collinear serum measurements (s1, s2, s3, s5), which the data cannot separate, so the prior has to.

# %%
tables = {}
for label, tau in [('tau = 1', 1.0), ('evidence scale', grid.attrs['evidence_best_scale'])]:
    fit = model.replace(prior=br.Gaussian(tau)).sample(sampler='exact', draws=2000, chains=2, random_seed=4)
    tables[label] = br.plots.prior_sensitivity(fit)[['prior', 'diagnosis']]
pd.concat(tables, axis=1).round(3)

# %%
fig = br.plots.plot_prior_sensitivity(fit)   # at the evidence scale

# %% [markdown]
# ## The Bayesian regularization path
#
# Posterior mean and 94% interval of every coefficient across prior scales, with the MAP (= ridge) path dotted: for a Gaussian prior with fixed noise the posterior is Gaussian, so MAP and mean coincide (see the Laplace notebook for where they part). The evidence-chosen scale sits where the large effects have stabilized and the small ones are still held near zero.

# %%
path = br.regularization_path(model, np.logspace(-1, 2.5, 25))
fig = br.plots.plot_regularization_path(path)
fig.axes[0].axvline(grid.attrs['evidence_best_scale'], color='k', lw=0.8, ls='--');
