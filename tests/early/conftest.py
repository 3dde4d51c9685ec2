"""Small multimodal data sets for the EarlyFusion tests."""

import numpy as np
import pytest
from sklearn.preprocessing import FunctionTransformer

from skfusion import ModalityDict
from skfusion.datasets import make_multimodal_classification


def _waveform_stats(waves):
    """Four summary features of each ragged waveform (None stays out: rows are present)."""
    return np.array(
        [[len(w), np.mean(w), np.std(w), np.max(np.abs(w))] for w in waves], dtype=float
    )


def waveform_stats():
    """A transformer for ragged 1-D signals (object arrays) -> (n, 4)."""
    return FunctionTransformer(_waveform_stats)


@pytest.fixture
def Xy():
    """60 samples: image (60, 8, 8), ragged float sequences, table (60, 10)."""
    return make_multimodal_classification(60, random_state=0)


@pytest.fixture
def text_X():
    """Strings (for a sparse TF-IDF block) beside a 2-D numeric table."""
    rng = np.random.RandomState(0)
    words = np.array(["red", "blue", "fox", "hen", "cat", "dog", "sky", "sea"])
    text = [" ".join(rng.choice(words, 3)) for _ in range(40)]
    return ModalityDict(text=text, table=rng.normal(size=(40, 3)) * [1, 10, 100])
