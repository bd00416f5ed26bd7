# %% [markdown]
# # The Occam view of regularization
#
# A Gaussian prior on the weights *is* an L2 penalty. Seen as a prior, its scale $\tau$ can be chosen by the **evidence** $p(y \mid \tau)$, which balances the best-fit likelihood against an **Occam factor** that penalizes prior volume the data did not need. This notebook shows the Occam curve on the diabetes data, checks that empirical Bayes reproduces scikit-learn's `BayesianRidge`, puts a hyperprior on $\tau$ and reads off the implied ridge `alpha`, and draws the Bayesian regularization path.

# %%
import warnings
warnings.filterwarnings('ignore', category=FutureWarning)
warnings.filterwarnings('ignore', message='.*BLAS.*')

import numpy as np
import matplotlib.pyplot as plt
import bayesreg as br
from sklearn.datasets import load_diabetes
from sklearn.linear_model import BayesianRidge

data = load_diabetes(as_frame=True)
X = (data.data - data.data.mean()) / data.data.std(ddof=0)
y = data.target.to_numpy()

# %% [markdown]
# ## The Occam curve
#
# `scale_grid` computes, for each prior scale, the closed-form log evidence and its decomposition $\log p(y\mid\tau) = \log p(y \mid w_{MP}) + \log(\text{Occam factor})$, MacKay's effective number of parameters $\gamma = \sum_i \lambda_i/(\lambda_i + 1/\tau^2)$, and PSIS-LOO from exact posterior draws, next to the scale `RidgeCV` picks.

# %%
model = br.Model(X, y, prior=br.Gaussian(10.0), sigma=54.0)
grid = br.scale_grid(model, np.logspace(-1, 2.5, 22), random_seed=0)
grid[['scale', 'log_evidence', 'log_likelihood_max', 'log_occam_factor', 'effective_params', 'elpd_loo', 'pareto_k_max']].round(2)

# %%
fig, ax = plt.subplots(1, 3, figsize=(14, 4))
ax[0].semilogx(grid.scale, grid.log_evidence, 'o-', label='log evidence')
ax[0].semilogx(grid.scale, grid.elpd_loo, 's-', label='PSIS-LOO elpd')
for name, style in (('evidence_best_scale', '--'), ('loo_best_scale', ':')):
    ax[0].axvline(grid.attrs[name], color='grey', ls=style, label=name)
ax[0].axvline(grid.attrs['cv']['scale'], color='red', lw=0.8, label='RidgeCV')
ax[0].set_xlabel('prior scale tau'); ax[0].set_ylabel('nats'); ax[0].legend(fontsize=8)
ax[0].set_title('Evidence and LOO')
ax[1].semilogx(grid.scale, grid.log_likelihood_max, color='C0')
ax[1].set_ylabel('best-fit log likelihood', color='C0'); ax[1].set_xlabel('prior scale tau')
tw = ax[1].twinx(); tw.semilogx(grid.scale, grid.log_occam_factor, color='C3')
tw.set_ylabel('log Occam factor', color='C3'); ax[1].set_title('Best fit vs Occam factor')
ax[2].semilogx(grid.scale, grid.effective_params, 'k-')
ax[2].set_xlabel('prior scale tau'); ax[2].set_ylabel('effective parameters gamma')
ax[2].set_title('Effective number of parameters')
fig.tight_layout()

# %% [markdown]
# The fit term only improves as the prior widens; the Occam factor pays for it, so the evidence rises and then falls. The evidence has a clear interior maximum. LOO rises just as steeply but is flat for scales above about 10: differences there are within its Monte Carlo and standard errors (`se_elpd_loo`), so its argmax is not sharply determined. `RidgeCV` (its efficient leave-one-out cross-validation, on the same grid) also lands on that plateau, at a wider prior (a smaller alpha) than the evidence.

# %%
print('evidence best scale:', round(grid.attrs['evidence_best_scale'], 2))
print('LOO best scale     :', round(grid.attrs['loo_best_scale'], 2))
cv = grid.attrs['cv']
print(f"RidgeCV            : alpha {cv['alpha']:.4f} = scale {cv['scale']:.2f} at sigma {cv['sigma']}")

# %% [markdown]
# ## Empirical Bayes = `BayesianRidge`
#
# Maximizing the evidence over the prior scale and the noise is type-II maximum likelihood; `empirical_bayes` returns the fit and a new `Model` with the chosen `Gaussian(scale)` and `sigma`.

# %%
eb = br.empirical_bayes(model)
ref = BayesianRidge().fit(X, y)
print(f"chosen: prior Gaussian(scale={eb.model.prior.scale:.4f}), sigma={eb.model.sigma:.4f}")
# the differences are rounding error (~1e-13); their exact digits depend on the BLAS build
print('lambda_ equal to 1e-9 (relative):', np.isclose(eb.result.lambda_, ref.lambda_, rtol=1e-9, atol=0))
print('alpha_  equal to 1e-9 (relative):', np.isclose(eb.result.alpha, ref.alpha_, rtol=1e-9, atol=0))
print('coef_   equal to 1e-9 (absolute):', np.allclose(eb.result.coef, ref.coef_, rtol=0, atol=1e-9))

# %% [markdown]
# ## Full Bayes for lambda
#
# A hyperprior on the scale lets the data choose the regularization strength while keeping its uncertainty. `implied_alpha` transforms posterior draws of $(\tau, \sigma)$ into the scikit-learn `alpha` $= \sigma^2/\tau^2$ they imply.

# %%
hier = br.Model(X, y, prior=br.Gaussian(scale=br.HalfCauchy(10.0), noncentered=False), sigma=br.HalfNormal(100.0))
idata = hier.sample(draws=1000, tune=1000, chains=2, sampler='pymc', random_seed=3, progressbar=False)
alpha = br.implied_alpha(idata)
br.summarize_alpha(alpha, cv_alpha=grid.attrs['cv']['alpha'])

# %%
plt.hist(np.log10(alpha.values.ravel()), bins=60, density=True)
plt.axvline(np.log10(grid.attrs['cv']['alpha']), color='red', label='RidgeCV alpha')
plt.xlabel('log10 implied Ridge alpha'); plt.ylabel('posterior density')
plt.title('Ridge alpha implied by the hyperprior fit'); plt.legend();

# %% [markdown]
# ## The Bayesian regularization path
#
# Posterior mean and 94% interval of every coefficient across prior scales, with the MAP (= ridge) path. For this Gaussian prior with a fixed noise scale the posterior is Gaussian, so the MAP equals the posterior mean and the dotted lines lie on the solid ones; under a Laplace prior they part.

# %%
path = br.regularization_path(model, np.logspace(-1, 2.5, 15), random_seed=0)
fig, ax = plt.subplots(figsize=(8, 5))
for feat, g in path.groupby('feature'):
    line, = ax.semilogx(g.scale, g['mean'], label=feat)
    ax.fill_between(g.scale, g.lower, g.upper, color=line.get_color(), alpha=0.15)
    ax.semilogx(g.scale, g['map'], ':', color=line.get_color())
ax.set_xlabel('prior scale tau'); ax.set_ylabel('coefficient')
ax.set_title('Posterior mean (solid), 94% interval (band), MAP = ridge (dotted)')
ax.legend(ncol=2, fontsize=8, title='feature');
