"""
=======================================================
One X for every modality: ModalityDict and its selector
=======================================================

A :class:`~skfusion.ModalityDict` holds images, sequences and tables about the
same samples as one ``X`` that scikit-learn can split. This example builds one
from synthetic data, scores one model per modality with plain
:func:`~sklearn.model_selection.cross_val_score`, and shows that the rows of
every modality stay in line through the split, even when a modality is
missing for some samples.
"""

# %%
# A synthetic problem with three modalities
# -----------------------------------------
# :func:`~skfusion.datasets.make_multimodal_classification` makes image-,
# sequence- and table-shaped modalities whose informativeness we choose. The
# sequences are ragged: every sample has its own length.
import matplotlib.pyplot as plt
import numpy as np

from skfusion.datasets import make_multimodal_classification

X, y = make_multimodal_classification(
    n_samples=300,
    n_classes=3,
    informativeness={"image": 0.3, "sequence": 0.5, "table": 0.25},
    random_state=0,
)
X

# %%
# Each modality keeps its own shape: 8x8 images, ragged sequences and a table.
fig, axes = plt.subplots(2, 3, figsize=(8, 4.5))
for label in range(3):
    sample = np.flatnonzero(y == label)[0]
    axes[0, label].imshow(X["image"][sample], cmap="gray")
    axes[0, label].set_title(f"class {label}: image")
    axes[0, label].axis("off")
    axes[1, label].plot(X["sequence"][sample], lw=1)
    axes[1, label].set_title(f"sequence of length {len(X['sequence'][sample])}")
fig.tight_layout()

# %%
# One model per modality, with scikit-learn's own tools
# ------------------------------------------------------
# :class:`~skfusion.ModalitySelector` begins each per-modality pipeline. The
# same ``X`` goes to ``cross_val_score`` for every modality: the splitter
# indexes the ModalityDict, which indexes every modality the same way.
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skfusion import ModalitySelector


def flatten(images):
    return images.reshape(len(images), -1)


def sequence_statistics(sequences):
    """Three numbers per ragged sequence: mean, spread and roughness."""
    return np.array([[s.mean(), s.std(), np.abs(np.diff(s)).mean()] for s in sequences])


features = {
    "image": FunctionTransformer(flatten),
    "sequence": FunctionTransformer(sequence_statistics),
    "table": "passthrough",
}
scores = {}
for modality, to_features in features.items():
    model = make_pipeline(
        ModalitySelector(modality), to_features, StandardScaler(), LogisticRegression()
    )
    scores[modality] = cross_val_score(model, X, y, cv=5)
    print(f"{modality:>8}: {scores[modality].mean():.3f} ± {scores[modality].std():.3f}")

# %%
# Each modality alone is far from perfect; that is the room that the fusion
# estimators (early, late and neural fusion) work in.
fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(list(scores), [s.mean() for s in scores.values()],
       yerr=[s.std() for s in scores.values()], color="tab:blue")
ax.axhline(1 / 3, color="gray", ls="--", label="chance")
ax.set_ylabel("5-fold accuracy")
ax.set_ylim(0, 1)
ax.set_title("One modality at a time")
ax.legend()
fig.tight_layout()

# %%
# Missing modalities travel with their rows
# -----------------------------------------
# A sample without a modality has ``None`` (object modalities) or an all-NaN
# row (numeric ones). :meth:`~skfusion.ModalityDict.with_missing` marks rows
# as missing, and :meth:`~skfusion.ModalityDict.is_missing` finds them again,
# after any split.
from sklearn.model_selection import train_test_split

rng = np.random.RandomState(0)
X_holes = X.with_missing("sequence", rng.choice(len(X), 60, replace=False))
X_train, X_test, y_train, y_test = train_test_split(
    X_holes, y, test_size=0.3, stratify=y, random_state=0
)
for name, part in [("all", X_holes), ("train", X_train), ("test", X_test)]:
    print(f"{name:>5}: {len(part)} samples, "
          f"{part.is_missing('sequence').sum()} without a sequence")
