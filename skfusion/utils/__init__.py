"""Generic helpers shared by skfusion's subpackages (no public API).

The bottom layer: the one module with private scikit-learn imports
(``_sklearn_compat``), progress bars, and checks of single values. It knows
nothing of the multimodal X, which :mod:`skfusion.data` owns.
"""

# where the names this package once exported now live
_MOVED = {"check_multimodal": "skfusion.data", "iter_batches": "skfusion.data",
          "predict_in_batches": "skfusion.data"}

__all__ = []


def __getattr__(name):
    if name in _MOVED:
        raise AttributeError(
            f"skfusion.utils.{name} has moved: use {_MOVED[name]}.{name}")
    raise AttributeError(f"module 'skfusion.utils' has no attribute {name!r}")
