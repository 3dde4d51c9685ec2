"""Small text + table data sets for AutoFusion: one informative modality, one noise."""

import numpy as np
import pytest

from skfusion import ModalityDict

POSITIVE = ["great", "lovely", "perfect", "comfortable", "flattering", "soft"]
NEGATIVE = ["awful", "poor", "cheap", "scratchy", "tight", "returned"]
FILLER = ["dress", "top", "fabric", "color", "size", "ordered", "the", "it", "was", "and"]


def make_reviews(n=200, noise=0.15, random_state=0):
    """Text that tells the class (with label noise), a table that is pure noise."""
    rng = np.random.RandomState(random_state)
    y = rng.randint(0, 2, n)
    flipped = np.where(rng.rand(n) < noise, 1 - y, y)
    texts = []
    for label in flipped:
        words = list(rng.choice(FILLER, 6)) + list(rng.choice(
            POSITIVE if label else NEGATIVE, 2))
        rng.shuffle(words)
        texts.append(" ".join(words))
    import pandas as pd

    table = pd.DataFrame({
        "age": rng.randint(18, 80, n),
        "feedback": rng.poisson(2.0, n).astype(float),
        "department": pd.Categorical(rng.choice(["Tops", "Dresses", "Bottoms"], n)),
    })
    return ModalityDict(text=np.array(texts, dtype=object), table=table), y


@pytest.fixture(scope="module")
def reviews():
    return make_reviews()
