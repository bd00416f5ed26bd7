"""The README's Python examples run as written (in a temporary folder)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.slow
def test_readme_examples_run(tmp_path, monkeypatch):
    import bayesreg as br

    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", br.ConvergenceWarning)
        exec(compile("import numpy as np\n" + BLOCKS[0], "README[quickstart]", "exec"), namespace)
        exec(compile(BLOCKS[1], "README[map]", "exec"), namespace)
        # the Occam block refers to `other`: any model without a closed-form evidence
        namespace["other"] = br.Model(namespace["X"], (namespace["y"] > namespace["y"].median())
                                      .astype(float), prior=br.Gaussian(1.0), family="bernoulli")
        exec(compile(BLOCKS[2], "README[occam]", "exec"), namespace)
    assert (tmp_path / "diabetes_laplace.nc").is_file()
    assert namespace["est"].converged and namespace["ev"].effective_params > 0
