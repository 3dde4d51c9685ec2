"""The multimodal container, modality selection and per-modality transformation."""

import importlib

from ._container import ModalityDict, take_rows

# names whose modules import scikit-learn: loaded on first use to keep `import skfusion` light
_LAZY = {
    "ModalitySelector": "._selector",
    "modality_names": "._selector",
    "select_modality": "._selector",
    "ModalityTransformer": "._transformer",
}

__all__ = ["ModalityDict", "take_rows", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'skfusion.data' has no attribute {name!r}")
