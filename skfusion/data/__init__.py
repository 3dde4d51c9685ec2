"""The multimodal container and modality selection."""

import importlib

from ._container import ModalityDict

__all__ = ["ModalityDict", "ModalitySelector", "modality_names", "select_modality"]


def __getattr__(name):
    # the selector imports scikit-learn: keep `import skfusion` light
    if name in __all__:
        return getattr(importlib.import_module("skfusion.data._selector"), name)
    raise AttributeError(f"module 'skfusion.data' has no attribute {name!r}")
