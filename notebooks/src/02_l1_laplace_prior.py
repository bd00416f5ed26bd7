# %% [markdown]
# # L1 is a Laplace prior
#
# The lasso minimizes
#
# $$\frac{1}{2n}\lVert y - b - Xw \rVert^2 + \alpha \lVert w \rVert_1 .$$
#
# Multiply by $n/\sigma^2$ and it is the negative log posterior of $y_i \sim N(b + x_i^\top w, \sigma^2)$ with the prior $w_j \sim \mathrm{Laplace}(0, b_\text{prior})$, density $e^{-|w|/b}/2b$, where
#
# $$\alpha = \frac{\sigma^2}{n\, b_\text{prior}} .$$
#
# So the lasso is the MAP of a Laplace prior — with its exact zeros. But the posterior is a different object: it has no point mass at zero, so its mean is never sparse. This notebook shows both on the diabetes data, computes the posterior of one weight in closed form, and the seed idea behind the zeros: the L1 subgradient step oscillates around zero, the proximal step lands on it.

# %%
import warnings
warnings.filterwarnings('ignore', category=FutureWarning)

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import bayesreg as br
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Lasso

plt.rcParams['figure.dpi'] = 72
X, y = load_diabetes(return_X_y=True, as_frame=True)
X = (X - X.mean()) / X.std(ddof=0)

# %% [markdown]
# ## The lasso is the MAP
#
# `from_sklearn(Lasso(alpha=2))` gives the Laplace prior with $b = \sigma^2/(n\alpha)$; `model.map()` solves the penalized problem by coordinate descent with exact zeros and reports its KKT certificate.

# %%
model = br.from_sklearn(Lasso(alpha=2.0), X, y)
est = model.map()
print(model.prior, f'sigma = {model.sigma:.4f}')
print(f'solver {est.solver}, KKT violation {est.kkt_violation:.1e}, zeros: {list(X.columns[est.coef.values == 0])}')
br.compare_map(model)

# %% [markdown]
# ## The posterior is not sparse
#
# Sampling the same model (NUTS via nutpie; `sigma` fixed at the value the translation used) gives every coefficient a posterior. Where the MAP is exactly zero the posterior mean is small but not zero, and no draw is ever exactly zero: a continuous prior gives a continuous posterior.

# %% tags=["mcmc"]
fit = model.sample(sampler='nutpie', draws=1000, tune=1000, chains=2, random_seed=2, progressbar=False)
coef = fit.posterior['coef']
pd.DataFrame({'lasso = MAP': est.coef.values,
              'posterior mean': coef.mean(('chain', 'draw')).values,
              'P(w > 0)': (coef > 0).mean(('chain', 'draw')).values,
              'draws exactly 0': (coef == 0).sum(('chain', 'draw')).values},
             index=X.columns).round(3)

# %% tags=["mcmc"]
fig = br.plots.plot_shrinkage(fit, map_estimate=est)

# %% [markdown]
# ## One weight, in closed form
#
# For one weight with a Gaussian likelihood centred on the data's estimate $m$ (standard error $s$), the Laplace posterior is a mixture of two truncated normals; `laplace_posterior_1d` gives its mode, mean, median and sd exactly. The mode is the soft threshold: exactly 0 for $|m| \le s^2/b$. The mean and the median move smoothly through zero.

# %%
one = br.teaching.laplace_posterior_1d([0.0, 0.5, 0.99, 1.5, 3.0], se=1.0, scale=1.0)
pd.DataFrame({'estimate m': one.estimate, 'MAP': one.map, 'posterior mean': one.mean,
              'posterior median': one.median, 'posterior sd': one.sd}).round(4)

# %%
fig = br.plots.plot_laplace_posterior(br.teaching.laplace_posterior_1d(np.linspace(-3, 3, 241), se=1.0, scale=1.0))

# %% [markdown]
# A posterior summary that *is* sparse has to come from a decision (threshold the posterior, or select variables from it), not from the prior itself. Shrinkage priors designed for sparsity (horseshoe, R2D2) concentrate mass near zero while leaving large effects alone; the Laplace prior does neither well.
#
# ## Seed idea: the subgradient oscillates, the proximal step lands on zero
#
# On the penalty $\lambda|w|$ alone, a subgradient step subtracts $\eta\lambda\,\mathrm{sign}(w)$: every weight moves by the same *amount*, whatever its size. Near zero it overshoots, and from then on it oscillates with amplitude $\eta\lambda$, never reaching 0. The proximal step (soft-thresholding) $w \leftarrow \mathrm{sign}(w)\max(|w| - \eta\lambda, 0)$ lands exactly on zero after $\lceil |w_0|/\eta\lambda \rceil$ steps and stays there. Coordinate descent and ISTA use the proximal step: that is where the lasso's zeros come from.

# %%
kw = dict(eta=0.1, lam=0.5, steps=12)
sub = br.teaching.penalty_steps([0.33, 1.0], penalty='l1_subgradient', **kw)
prox = br.teaching.penalty_steps([0.33, 1.0], penalty='l1_prox', **kw)
pd.DataFrame({'subgradient (w0=0.33)': sub[:, 0], 'prox (w0=0.33)': prox[:, 0],
              'subgradient (w0=1)': sub[:, 1], 'prox (w0=1)': prox[:, 1]}).rename_axis('step').round(3)

# %%
fig = br.plots.plot_seed_ideas()

# %% [markdown]
# With data the same holds. Proximal gradient descent (ISTA) on the lasso objective $\lVert y - Xw\rVert^2/2n + \lambda\lVert w\rVert_1$ (centred data, no intercept) converges to scikit-learn's `Lasso(alpha=lambda)`, exact zeros included; the subgradient method hovers near the solution and leaves every coefficient non-zero.

# %%
yc = (y - y.mean()).to_numpy()
lam = 2.0
ista = br.teaching.penalty_steps(np.zeros(10), penalty='l1_prox', eta=0.2, lam=lam, steps=5000, X=X.to_numpy(), y=yc)
subg = br.teaching.penalty_steps(np.zeros(10), penalty='l1_subgradient', eta=0.2, lam=lam, steps=5000, X=X.to_numpy(), y=yc)
ref = Lasso(alpha=lam, tol=1e-12, max_iter=100_000).fit(X, y)
print('ISTA  - Lasso: max |dcoef| =', f'{np.abs(ista[-1] - ref.coef_).max():.1e}',
      '| zeros:', int((ista[-1] == 0).sum()), 'of 10, Lasso:', int((ref.coef_ == 0).sum()))
print('subgr - Lasso: max |dcoef| =', f'{np.abs(subg[-1] - ref.coef_).max():.1e}',
      '| zeros:', int((subg[-1] == 0).sum()), 'of 10')

# %% [markdown]
# ## The Bayesian lasso path
#
# Across prior scales, the posterior (mean and 94% interval; short NUTS runs through one compiled sampler) and the MAP (the lasso path) part ways: the MAP path has exact zeros at small scales, the posterior mean shrinks smoothly and its interval keeps every coefficient's uncertainty.

# %% tags=["mcmc"]
path = br.regularization_path(model, np.logspace(-0.5, 2, 8), draws=1000, tune=1000, sampler='nutpie', random_seed=3)
fig = br.plots.plot_regularization_path(path, features=['bmi', 's5', 'bp', 's3', 'sex', 'age'])
