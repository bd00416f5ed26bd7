# %% [markdown]
# # L2 is a Gaussian prior
#
# Ridge regression minimizes
#
# $$\lVert y - b - Xw \rVert^2 + \alpha \lVert w \rVert^2 .$$
#
# Divide by $2\sigma^2$ and it is the negative log posterior of the model
# $y_i \sim N(b + x_i^\top w, \sigma^2)$ with a flat intercept and the prior $w_j \sim N(0, \tau^2)$, where
#
# $$\alpha = \sigma^2 / \tau^2 .$$
#
# So the ridge solution is the posterior mode (MAP), and — because a Gaussian prior with a Gaussian likelihood gives a Gaussian posterior — also its mean. This notebook makes that exact on the diabetes data, draws from the posterior, shows what the prior does to each coefficient, and computes two of the seed ideas: weight decay multiplies a weight by $1 - 2\eta\lambda$, and a weight the data do not constrain goes to the null model under L2 while its posterior stays the prior.

# %%
import warnings
warnings.filterwarnings('ignore', category=FutureWarning)

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import bayesreg as br
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge

plt.rcParams['figure.dpi'] = 72
X, y = load_diabetes(return_X_y=True, as_frame=True)
X = (X - X.mean()) / X.std(ddof=0)          # standardized predictors, as a penalty assumes
print(X.shape)

# %% [markdown]
# ## From `Ridge(alpha)` to a prior
#
# `from_sklearn` reads the estimator's `alpha` and returns the model whose MAP is that fit: a `Gaussian(scale=sigma/sqrt(alpha))` prior, with `sigma` the residual scale of the fit (the MAP does not depend on it, the posterior does). `compare_map` refits scikit-learn tightly and reports the differences.

# %%
model = br.from_sklearn(Ridge(alpha=10.0), X, y)
print(model.prior, f'sigma = {model.sigma:.4f}')
print(f'alpha = sigma^2 / tau^2 = {model.sigma**2 / model.prior.scale**2:.6f}')
comparison = br.compare_map(model)
comparison

# %% [markdown]
# ## The posterior, drawn exactly
#
# With `sigma` fixed the posterior is Gaussian with mean $(X^\top X + \alpha I)^{-1} X^\top y$ (the ridge solution) and covariance $\sigma^2 (X^\top X + \alpha I)^{-1}$ (on centred data). `sampler='exact'` draws from it directly — no MCMC, no tuning, i.i.d. draws — and returns the same `DataTree` as the MCMC samplers.

# %%
fit = model.sample(sampler='exact', draws=2000, chains=2, random_seed=0)
post = fit.posterior['coef']
table = pd.DataFrame({'Ridge coef_': comparison.estimator.coef_,
                      'posterior mean': post.mean(('chain', 'draw')).values,
                      'posterior sd': post.std(('chain', 'draw')).values,
                      'MC error of the mean': (post.std(('chain', 'draw')) / np.sqrt(post.sizes['chain'] * post.sizes['draw'])).values},
                     index=X.columns)
table.round(3)

# %% [markdown]
# The posterior means agree with `Ridge` to within their Monte Carlo error (i.i.d. draws: sd/√4000). The posterior adds what the penalized fit cannot give: an uncertainty for every coefficient.
#
# ## Shrinkage
#
# Each posterior mean lies between zero and the least-squares estimate. `plot_shrinkage` draws the posterior mean and 94% interval of every coefficient against least squares, with the MAP on top (here it sits on the posterior mean).

# %%
fig = br.plots.plot_shrinkage(fit, map_estimate=model.map())

# %% [markdown]
# How strongly depends on the prior scale. Across scales, the Bayesian regularization path shows the posterior mean and 94% interval of each coefficient with the MAP (= ridge) path: small $\tau$ (large `alpha`) pulls every coefficient to 0, large $\tau$ releases them to least squares. For this conjugate model the path is exact (no sampling).

# %%
path = br.regularization_path(model, np.logspace(-0.5, 2.5, 25))
fig = br.plots.plot_regularization_path(path)

# %% [markdown]
# ## Seed idea: weight decay multiplies by $1 - 2\eta\lambda$
#
# Gradient descent on the penalty $\lambda w^2$ alone takes the step $w \leftarrow w - \eta \cdot 2\lambda w = (1 - 2\eta\lambda) w$: every weight shrinks by the same *factor*, so large weights lose a lot per step and small ones barely anything, and since the gradient $2\lambda w$ points away from zero on both sides, negative weights are pushed up and positive ones down — always toward zero.

# %%
steps = br.teaching.penalty_steps([-2.0, -0.5, 0.3, 1.5], penalty='l2', eta=0.1, lam=0.5, steps=4)
pd.DataFrame(steps, columns=['w0=-2', 'w0=-0.5', 'w0=0.3', 'w0=1.5']).rename_axis('step').round(4)

# %%
print('ratio w[k+1] / w[k] for every weight and step:', np.unique(np.round(steps[1:] / steps[:-1], 12)))
print('change in the first step:', np.round(steps[1] - steps[0], 3), '(proportional to w)')

# %% [markdown]
# ## Seed idea: a weight the data do not constrain
#
# Take three predictors of the diabetes data (and the response in sd units, so that weights are of order one) and add a lab value that was never measured: a column of zeros. The likelihood does not depend on its weight at all:
#
# * gradient descent **without a penalty** never moves it — it stays wherever it was initialized, an arbitrary number;
# * **with L2** it decays as $(1-2\eta\lambda)^k w_0$ to zero: the penalty alone decides, and it picks the *null model*;
# * **with a Gaussian prior** its posterior is the prior $N(0, \tau^2)$: the data say nothing about it, and the posterior says exactly that.
#
# `unconstrained_weight` computes all three (the descent on $\lVert y - Xw\rVert^2/2n$, the posterior in closed form).

# %%
Xz = X[['bmi', 'bp', 's5']].assign(never_measured=0.0)
ys = ((y - y.mean()) / y.std()).to_numpy()      # centred (no intercept in the descent), sd units
w0 = [0.0, 0.0, 0.0, 1.5]                       # the unconstrained weight starts at 1.5
result = br.teaching.unconstrained_weight(Xz.to_numpy(), ys, 3, w0=w0, eta=0.2, lam=0.02, steps=300,
                                 prior_scale=1.0, sigma=0.75)
pd.Series(result.summary()).round(4)

# %%
fig = br.plots.plot_unconstrained_weight(result)

# %% [markdown]
# The model agrees: sampling the Gaussian-prior model with the extra column returns, for that coefficient, draws from the prior $N(0, 1)$, while the three measured predictors are pinned down.

# %%
fit_z = br.Model(Xz, ys, prior=br.Gaussian(1.0), sigma=0.75).sample(sampler='exact', draws=2000, chains=2, random_seed=1)
summary = fit_z.posterior['coef'].mean(('chain', 'draw')).to_series().to_frame('posterior mean')
summary['posterior sd'] = fit_z.posterior['coef'].std(('chain', 'draw')).values
summary.round(3)
