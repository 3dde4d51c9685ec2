"""
=====================================================
When a modality goes missing: early, late and neural
=====================================================

Real multimodal data has holes: a sample without its photo, a recording
that failed. This example trains early, late and neural fusion on the
embedded AV-Digits data, then removes a growing share of the test images (or
of the test recordings) and draws how the accuracy of each falls, with
:class:`~skfusion.inspection.RobustnessDisplay`. It ends with
:func:`~skfusion.inspection.modality_importance`: how much each model leans
on each modality.
"""

# %%
# Data, features and a split by voice
# -----------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GroupShuffleSplit

from skfusion import ModalityDict
from skfusion.datasets import load_av_digits
from skfusion.features import HOGFeatures, MFCCFeatures

digits = load_av_digits()
y, voices = digits.target, digits.groups
X = ModalityDict(
    image=HOGFeatures().fit_transform(digits.data["image"]),
    audio=MFCCFeatures(sr=digits.sample_rate).fit_transform(digits.data["audio"]),
)
train, test = next(GroupShuffleSplit(n_splits=1, test_size=0.3, random_state=0)
                   .split(X, y, groups=voices))
X_train, X_test, y_train, y_test = X[train], X[test], y[train], y[test]

# %%
# Three fused models
# ------------------
# - early fusion: the standardised HOG and MFCC blocks side by side, one
#   logistic regression. A missing block is filled with its training mean.
#   We train it on data where 20% of the images are missing, so that it gets
#   an ``image__missing`` indicator feature and learns what to do then;
# - late fusion: one logistic regression per modality, product rule; a sample
#   without an image is predicted by the audio member alone;
# - neural fusion: a :class:`~skfusion.neural.FusionNetClassifier` with an MLP
#   encoder per modality, trained with modality dropout so that it has learnt
#   to predict from either modality alone.
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skfusion import EarlyFusion, LateFusionClassifier
from skfusion.neural import FusionNetClassifier

rng = np.random.RandomState(0)
X_train_holes = X_train.with_missing(
    "image", rng.choice(len(X_train), len(X_train) // 5, replace=False))

early = make_pipeline(
    EarlyFusion([("image", "passthrough", "image"), ("audio", "passthrough", "audio")]),
    LogisticRegression(C=0.1, max_iter=1000),
).fit(X_train_holes, y_train)


def member():
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=1000))


late = LateFusionClassifier(
    [("image", member(), "image"), ("audio", member(), "audio")], fusion="product"
).fit(X_train, y_train)

neural = FusionNetClassifier(
    fusion="concat", modality_dropout=0.3, max_epochs=30, random_state=0
).fit(X_train, y_train)

models = {"early fusion": early, "late fusion": late, "neural fusion": neural}
for name, model in models.items():
    print(f"{name:>13}: {model.score(X_test, y_test):.3f} with nothing missing")

# %%
# Accuracy as the images go missing
# ---------------------------------
# At 100% missing images, every model predicts from the audio alone (and the
# other way round in the right panel). Late fusion degrades gracefully: a
# sample without an image is exactly what its audio member was trained for.
# So does the net trained with modality dropout. Early fusion has to fill the
# missing block with its training mean; it copes better with missing images,
# which it saw at fit (and has an indicator for), than with missing audio,
# which it never saw.
from skfusion.inspection import RobustnessDisplay

levels = np.linspace(0, 1, 6)
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, modality in zip(axes, ["image", "audio"]):
    RobustnessDisplay.from_estimator(
        models, X_test, y_test, modality=modality, corruption="missing",
        levels=levels, random_state=0, ax=ax)
    ax.set_title(f"test rows without their {modality}")
fig.tight_layout()

# %%
# Which modality each model leans on
# ----------------------------------
# Permutation importance at the level of modalities: shuffle one whole
# modality across the test samples and measure the drop in accuracy.
from skfusion.inspection import ModalityImportanceDisplay

fig, axes = plt.subplots(1, 3, figsize=(11, 3), sharey=True)
for ax, (name, model) in zip(axes, models.items()):
    ModalityImportanceDisplay.from_estimator(
        model, X_test, y_test, n_repeats=3, random_state=0, ax=ax, name=name)
fig.tight_layout()
plt.show()
