"""Build and execute the notebooks from their sources in ``notebooks/src/``.

Run it with the Python whose packages the notebooks should use (it needs the
``notebooks`` extra: nbformat, nbclient, ipykernel)::

    python notebooks/build.py                 # every notebook
    python notebooks/build.py 02_l1_laplace_prior

Each source is a plain Python file in the percent format (see ``_nbbuild.py``); the
executed notebook is written next to this script. ``tests/test_notebooks.py`` executes
every notebook again and checks that it reproduces the committed outputs.
"""

import sys
import time

from _nbbuild import SOURCES, build


def main(names: list[str]) -> None:
    sources = sorted(SOURCES.glob("*.py"))
    if names:
        sources = [s for s in sources if s.stem in names]
        missing = set(names) - {s.stem for s in sources}
        if missing:
            sys.exit(f"no source for {sorted(missing)} in {SOURCES}")
    for source in sources:
        start = time.perf_counter()
        out = build(source)
        print(f"{out.name}: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
