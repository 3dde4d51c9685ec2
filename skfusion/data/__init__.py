"""The multimodal X: its container, validation, selection, row slicing and batching.

The ground floor of skfusion: every other subpackage imports what it needs
about X from here (and generic helpers from ``skfusion.utils``), and nothing
here imports another subpackage.
"""

import importlib

from ._container import ModalityDict
from ._rows import (
    has_missing_rows,
    is_missing_entry,
    is_per_sample,
    missing_mask,
    modality_names,
    presence,
    refill_rows,
    rows_of_params,
    take_rows,
)

# names whose modules import scikit-learn: loaded on first use to keep `import skfusion` light
_LAZY = {
    "ModalitySelector": "._selector",
    "select_modality": "._selector",
    "column_positions": "._selector",
    "ModalityTransformer": "._transformer",
    "check_multimodal": "._validation",
    "check_n_targets": "._validation",
    "naming_modality": "._validation",
    "iter_batches": "._batching",
    "predict_in_batches": "._batching",
}

__all__ = [
    "ModalityDict",
    "has_missing_rows",
    "is_missing_entry",
    "is_per_sample",
    "missing_mask",
    "modality_names",
    "presence",
    "refill_rows",
    "rows_of_params",
    "take_rows",
    *_LAZY,
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'skfusion.data' has no attribute {name!r}")
