"""The README's Python examples run as written (in a temporary folder), in order, in one
namespace: nothing is added to them."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


@pytest.mark.slow
def test_readme_examples_run(tmp_path, monkeypatch):
    import bayesreg as br

    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", br.ConvergenceWarning)
        for i, block in enumerate(BLOCKS):
            exec(compile(block, f"README[python block {i}]", "exec"), namespace)
    # the blocks did what they say: a fit saved and reloaded, a MAP, an evidence
    assert (tmp_path / "diabetes_laplace.nc").is_file()
    assert namespace["model2"].spec() == br.Model.from_idata(namespace["idata"]).spec()
    assert namespace["est"].converged and namespace["ev"].effective_params > 0
