"""Lookup in a registry keyed by class: how the layers above dispatch on priors and families.

Each registry is a plain dict filled by hand in the module that owns it (nothing
registers itself on import); a class that is not listed uses the entry of its nearest
listed base class.
"""

from __future__ import annotations

__all__ = ["registered"]


def registered(registry: dict, value, what: str = "PyMC variable"):
    """The entry of ``registry`` for ``type(value)``, else for the nearest base class
    along its MRO; TypeError naming ``what`` is missing when there is none."""
    for cls in type(value).__mro__:
        if cls in registry:
            return registry[cls]
    raise TypeError(f"No {what} for {value!r}.")
