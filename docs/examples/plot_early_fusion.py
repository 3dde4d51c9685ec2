"""
==============================================================
Early fusion: balancing the blocks, and filling a missing one
==============================================================

:class:`~skfusion.EarlyFusion` turns each modality into features and
concatenates them for one model, as ``ColumnTransformer`` does for columns.
Concatenating naively lets one modality swamp the other: here the MFCC
features of the speech are over a hundred times larger than the HOG features
of the images, and an RBF-SVC on the raw concatenation does no better than on
the audio alone. This example shows what ``block_scaling``
does about it, and what ``missing`` does for samples without an image.
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
for name in X.modalities:
    print(f"{name}: {X[name].shape[1]} features, typical size {np.abs(X[name]).mean():.2f}")

# %%
# Block scaling
# -------------
# ``block_scaling=None`` concatenates the blocks as they are; ``"auto"`` (the
# default) standardises every feature of a dense block; ``"block"`` also
# divides each block by the square root of its width, so that every block has
# the same total variance whatever its number of features.
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from skfusion import EarlyFusion

results = {}
for scaling in (None, "auto", "block"):
    for blocks in (["image"], ["audio"], ["image", "audio"]):
        fusion = EarlyFusion([(b, "passthrough", b) for b in blocks], block_scaling=scaling)
        model = make_pipeline(fusion, SVC()).fit(X_train, y_train)
        results[str(scaling), " + ".join(blocks)] = model.score(X_test, y_test)
        print(f"block_scaling={scaling!s:>8}, {' + '.join(blocks):>13}: "
              f"{results[str(scaling), ' + '.join(blocks)]:.3f}")

# %%
# Unscaled, the fused model is no better than the audio alone: the audio's
# large values decide every distance the RBF kernel computes. Scaled, the
# fused model beats both modalities.
fig, ax = plt.subplots(figsize=(8, 3.5))
width = 0.25
for i, blocks in enumerate(["image", "audio", "image + audio"]):
    values = [results[s, blocks] for s in ("None", "auto", "block")]
    bars = ax.bar(np.arange(3) + (i - 1) * width, values, width, label=blocks)
    ax.bar_label(bars, fmt="%.2f", fontsize=7)
ax.set_xticks(np.arange(3), ["None", '"auto" (default)', '"block"'])
ax.set_xlabel("block_scaling")
ax.set_ylabel("accuracy on held-out voices")
ax.set_ylim(0.7, 1.0)
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), title="blocks")
ax.set_title("RBF-SVC on early-fused HOG and MFCC features")
fig.tight_layout()

# %%
# A missing image: zeros or training means
# ----------------------------------------
# A block's transformer only sees the samples that have its modality. For the
# others the block is filled: ``missing="zero"`` writes zeros (before scaling,
# so after standardisation they are a confident, unusual value), and
# ``missing="mean"`` (the default) the block's training mean, which says
# "nothing known". We remove the image from a growing share of the test rows.
from sklearn.linear_model import LogisticRegression

rng = np.random.RandomState(0)
order = rng.permutation(len(X_test))
shares = np.linspace(0, 1, 6)
fig, ax = plt.subplots(figsize=(6, 3.5))
for fill in ("zero", "mean"):
    model = make_pipeline(
        EarlyFusion([("image", "passthrough", "image"), ("audio", "passthrough", "audio")],
                    missing=fill),
        LogisticRegression(C=0.1, max_iter=1000),
    ).fit(X_train, y_train)
    accuracy = [model.score(X_test.with_missing("image", order[:int(s * len(order))]), y_test)
                for s in shares]
    ax.plot(shares, accuracy, marker="o", label=f'missing="{fill}"')
    print(f"missing={fill!r}: " + ", ".join(f"{a:.3f}" for a in accuracy))
ax.set_xlabel("share of test rows without their image")
ax.set_ylabel("accuracy")
ax.legend()
ax.set_title("Filling a missing block")
fig.tight_layout()
plt.show()
