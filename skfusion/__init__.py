"""skfusion: scikit-learn-compatible fusion of images, audio, text and tables.

The core (the multimodal X and modality selection) is imported at once; the
fusion estimators, feature extractors and the torch-based neural part are
imported on first use, so ``import skfusion`` stays fast and never imports
torch.
"""

import importlib

from .data import ModalityDict

__version__ = "0.1.0.dev0"

# public name -> module that defines it, imported on first access
_LAZY = {
    "AutoFusionClassifier": "skfusion.auto",
    "AutoFusionRegressor": "skfusion.auto",
    "ModalitySelector": "skfusion.data",
    "ModalityTransformer": "skfusion.data",
    "EarlyFusion": "skfusion.early",
    "make_early_fusion": "skfusion.early",
    "LateFusionClassifier": "skfusion.late",
    "LateFusionRegressor": "skfusion.late",
    "LateFusionClassifierCV": "skfusion.late",
    "make_late_fusion": "skfusion.late",
    "PairwiseCalibratedClassifier": "skfusion.late",
}
_SUBMODULES = {
    "augment", "auto", "data", "datasets", "early", "features", "inspection", "late",
    "neural",
}

__all__ = ["ModalityDict", "__version__", *_LAZY, *sorted(_SUBMODULES)]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"skfusion.{name}")
    raise AttributeError(f"module 'skfusion' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
