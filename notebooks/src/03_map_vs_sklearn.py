# %% [markdown]
# # MAP = the penalized optimizers
#
# Every penalized estimator of scikit-learn's linear models is the posterior mode of a prior:
#
# | scikit-learn | objective | prior | translation |
# |---|---|---|---|
# | `Ridge(alpha)` | $\lVert y - Xw\rVert^2 + \alpha\lVert w\rVert^2$ | $w_j \sim N(0,\tau^2)$ | $\tau = \sigma/\sqrt{\alpha}$ |
# | `Lasso(alpha)` | $\frac{1}{2n}\lVert y - Xw\rVert^2 + \alpha\lVert w\rVert_1$ | Laplace$(0,b)$ | $b = \sigma^2/(n\alpha)$ |
# | `ElasticNet(alpha, l1_ratio)` | lasso + $\frac{\alpha(1-\rho)}{2}\lVert w\rVert^2$ | elastic-net density | both |
# | `LogisticRegression(C, l1_ratio)` | $C\sum_i \ell_i + \frac{1-\rho}{2}\lVert w\rVert^2 + \rho\lVert w\rVert_1$ | Gaussian / Laplace / elastic net | $\tau = \sqrt{C}$, $b = C$ |
# | `PoissonRegressor(alpha)` | $\frac{1}{2n}\mathrm{deviance} + \frac{\alpha}{2}\lVert w\rVert^2$ | Gaussian | $\tau = 1/\sqrt{n\alpha}$ |
#
# `from_sklearn` turns an estimator into its `Model`, `model.map()` solves for the mode (closed form, coordinate descent or Newton, with a KKT certificate), and `compare_map` refits scikit-learn at a tight tolerance and reports the largest coefficient difference. This notebook runs all five estimators on real data, over four decades of strength, with and without sample weights.

# %%
import warnings
warnings.filterwarnings('ignore', category=FutureWarning)

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import bayesreg as br
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, PoissonRegressor, Ridge

plt.rcParams['figure.dpi'] = 72
Xd, yd = load_diabetes(return_X_y=True, as_frame=True)
Xd = (Xd - Xd.mean()) / Xd.std(ddof=0)
Xb, yb = load_breast_cancer(return_X_y=True, as_frame=True)
Xb = ((Xb - Xb.mean()) / Xb.std(ddof=0)).iloc[:, :10]   # the ten 'mean' features
rng = np.random.default_rng(0)                           # counts: a Poisson GLM with known weights
Xp = pd.DataFrame(rng.standard_normal((500, 6)), columns=[f'x{j}' for j in range(6)])
yp = rng.poisson(np.exp(0.3 + Xp.to_numpy() @ np.array([0.5, -0.3, 0.2, 0.0, 0.0, 0.1])))
print(Xd.shape, Xb.shape, Xp.shape)

# %% [markdown]
# ## Five estimators, one table

# %%
cases = [('Ridge(alpha=10)', Ridge(alpha=10.0), Xd, yd),
         ('Lasso(alpha=1)', Lasso(alpha=1.0), Xd, yd),
         ('ElasticNet(alpha=0.5, l1_ratio=0.7)', ElasticNet(alpha=0.5, l1_ratio=0.7), Xd, yd),
         ('LogisticRegression(C=0.5)', LogisticRegression(C=0.5), Xb, yb),
         ('LogisticRegression(C=0.1, l1_ratio=1)', LogisticRegression(C=0.1, l1_ratio=1.0, solver='saga'), Xb, yb),
         ('PoissonRegressor(alpha=0.01)', PoissonRegressor(alpha=0.01), Xp, yp)]
rows, comparisons = [], {}
for name, est, X, y in cases:
    model = br.from_sklearn(est, X, y)
    comp = br.compare_map(model)
    comparisons[name] = comp
    rows.append({'estimator': name, 'prior': type(model.prior).__name__, 'family': model.family.name,
                 'solver': comp.map.solver, 'max |dcoef|': comp.max_abs_dcoef,
                 '|dintercept|': comp.abs_dintercept, 'same zeros': comp.same_zero_set,
                 'non-zero': int(np.sum(comp.map.coef.values != 0)),
                 'KKT (bayesreg)': comp.map.kkt_violation})
table = pd.DataFrame(rows).set_index('estimator')
with pd.option_context('display.float_format', '{:.1e}'.format, 'display.width', 140):
    print(table.to_string())

# %% [markdown]
# Every difference is at the level of the solvers' tolerance (1e-8 or below), and the L1 fits agree on which coefficients are exactly zero. The parity plots put each coefficient on the diagonal.

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), constrained_layout=True)
for ax, name in zip(axes, ['Lasso(alpha=1)', 'LogisticRegression(C=0.1, l1_ratio=1)', 'PoissonRegressor(alpha=0.01)']):
    br.plots.plot_map_parity(comparisons[name], ax=ax)
    ax.set_title(f'{name}\nmax |dcoef| = {comparisons[name].max_abs_dcoef:.0e}', fontsize=9)

# %% [markdown]
# ## Over four decades of strength, with sample weights
#
# The translation holds at every strength, and with `sample_weight` (a weighted likelihood: the weights multiply each observation's log-likelihood term, as scikit-learn's do). `Ridge` runs at `alpha`, `Lasso` and `ElasticNet` (whose loss is divided by $n$) at `alpha / 10`; the table counts the non-zero coefficients.

# %%
w = np.random.default_rng(1).uniform(0.2, 3.0, len(yd))
rows = []
for alpha in [0.01, 0.1, 1.0, 10.0, 100.0]:
    for est in (Ridge(alpha=alpha), Lasso(alpha=alpha / 10), ElasticNet(alpha=alpha / 10, l1_ratio=0.5)):
        comp = br.compare_map(br.from_sklearn(est, Xd, yd, sample_weight=w))
        rows.append({'estimator': type(est).__name__, 'alpha': alpha,
                     'max |dcoef|': comp.max_abs_dcoef, 'same zeros': comp.same_zero_set,
                     'non-zero': int(np.sum(comp.map.coef.values != 0))})
sweep = pd.DataFrame(rows)
print('largest difference over the sweep:', f"{sweep['max |dcoef|'].max():.1e}", '| zero sets all equal:', sweep['same zeros'].all())
sweep.pivot(index='alpha', columns='estimator', values='non-zero')

# %% [markdown]
# ## And back
#
# `to_sklearn` goes the other way: from a model (prior, family, fixed `sigma`) to the unfitted estimator whose solution is its MAP.

# %%
model = br.Model(Xd, yd, prior=br.Laplace(2.0), sigma=50.0)
est = br.to_sklearn(model)
print(est)
print('max |MAP - sklearn| =', f'{np.abs(model.map().coef.values - est.set_params(tol=1e-12, max_iter=100_000).fit(Xd, yd).coef_).max():.1e}')

# %% [markdown]
# The Bayesian reading adds what the optimizers do not give: the *scale* of the prior is a statement about plausible effect sizes, the posterior around the mode quantifies uncertainty, and the evidence can choose the strength (see the Occam notebook). What the MAP does not depend on — the noise scale $\sigma$ for a fixed `alpha` — the posterior does.
