"""
===========================================================
Neural fusion: encoders, fusion layers and modality dropout
===========================================================

A :class:`~skfusion.neural.FusionNetClassifier` trains one network end to
end: an encoder per modality (here a small CNN for the 8x8 digit images and
an MLP for the MFCC statistics of the speech), a fusion layer, and a
classifier head. It is a scikit-learn estimator built on skorch, so it fits
a :class:`~skfusion.ModalityDict` directly. This example compares fusion
layers, draws their training curves, and shows what *modality dropout* buys
when a modality is missing at prediction time.
"""

# %%
# Data: raw images, audio features
# --------------------------------
# The encoders are chosen from the shapes in ``fit``: ``(n, 8, 8)`` images get
# a CNN, the 2-D matrix of MFCC statistics an MLP.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GroupShuffleSplit

from skfusion import ModalityDict
from skfusion.datasets import load_av_digits
from skfusion.features import MFCCFeatures

digits = load_av_digits()
y, voices = digits.target, digits.groups
X = ModalityDict(
    image=digits.data["image"],
    audio=MFCCFeatures(sr=digits.sample_rate).fit_transform(digits.data["audio"]),
)
train, test = next(GroupShuffleSplit(n_splits=1, test_size=0.3, random_state=0)
                   .split(X, y, groups=voices))
X_train, X_test, y_train, y_test = X[train], X[test], y[train], y[test]

# %%
# Three fusion layers
# -------------------
# ``"concat"`` concatenates the encodings, ``"gated"`` learns per-sample gates
# that weigh each modality (a gated multimodal unit), ``"attention"`` learns
# attention weights over the modalities. ``random_state`` makes training on
# the CPU reproducible.
from skfusion.neural import FusionNetClassifier

nets = {}
for fusion in ("concat", "gated", "attention"):
    nets[fusion] = FusionNetClassifier(fusion=fusion, max_epochs=20, random_state=0)
    nets[fusion].fit(X_train, y_train)
    print(f"{fusion:>9}: {nets[fusion].score(X_test, y_test):.3f} on held-out voices")

# %%
# skorch records every epoch in ``net_.history``: the training loss of each
# fusion layer, epoch by epoch.
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for fusion, net in nets.items():
    axes[0].plot(net.net_.history[:, "train_loss"], label=fusion)
axes[0].set_xlabel("epoch")
axes[0].set_ylabel("training loss")
axes[0].set_yscale("log")
axes[0].legend()
axes[0].set_title("Training curves")
accuracy = {fusion: net.score(X_test, y_test) for fusion, net in nets.items()}
bars = axes[1].bar(list(accuracy), list(accuracy.values()), color="tab:blue")
axes[1].bar_label(bars, fmt="%.3f")
axes[1].set_ylim(0.9, 1.0)
axes[1].set_ylabel("accuracy on held-out voices")
axes[1].set_title("Fusion layers")
fig.tight_layout()

# %%
# Modality dropout
# ----------------
# The net honours missing modalities (an absent modality's encoding is left
# out), but a net that never saw a sample without its audio has not learnt to
# predict from the image alone. ``modality_dropout=0.3`` drops each modality of
# each training sample with probability 0.3 (never the last one left).
plain = nets["concat"]
robust = FusionNetClassifier(fusion="concat", modality_dropout=0.3, max_epochs=20,
                             random_state=0).fit(X_train, y_train)

rng = np.random.RandomState(0)
half = rng.choice(len(X_test), len(X_test) // 2, replace=False)
conditions = {
    "complete": X_test,
    "half without audio": X_test.with_missing("audio", half),
    "half without image": X_test.with_missing("image", half),
}
scores = {name: [net.score(X_c, y_test) for net in (plain, robust)]
          for name, X_c in conditions.items()}
for name, (a, b) in scores.items():
    print(f"{name:>18}: without dropout {a:.3f}, with dropout {b:.3f}")

fig, ax = plt.subplots(figsize=(7, 3.5))
positions = np.arange(len(scores))
for i, label in enumerate(["no modality dropout", "modality_dropout=0.3"]):
    bars = ax.bar(positions + (i - 0.5) * 0.35, [v[i] for v in scores.values()], 0.35,
                  label=label)
    ax.bar_label(bars, fmt="%.2f", fontsize=8)
ax.set_xticks(positions, list(scores))
ax.set_ylim(0.5, 1.06)
ax.set_ylabel("accuracy on held-out voices")
ax.legend(loc="lower left")
ax.set_title("Missing modalities at prediction time")
fig.tight_layout()
plt.show()
