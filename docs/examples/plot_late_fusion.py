"""
=====================================================
Late fusion: one model per modality, fused by a rule
=====================================================

A :class:`~skfusion.LateFusionClassifier` gives each modality its own model
and fuses their class probabilities. This example fuses an image model and a
speech model on the embedded AV-Digits data (8x8 handwritten digits paired
with spoken digits), evaluated on *voices never heard in training*, and
compares the fusion rules, the learned weights, and the confusion matrices of
each modality alone and fused.
"""

# %%
# Data and features
# -----------------
# :func:`~skfusion.datasets.load_av_digits` ships with skfusion. ``groups`` is
# the voice of each clip: holding voices out is the honest test of a speech
# model. The feature extractors are stateless, so we compute HOG features of
# the images and MFCC statistics of the waveforms once, and keep them in a
# :class:`~skfusion.ModalityDict` with the same modality names.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GroupKFold, GroupShuffleSplit

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
print(X_train, f"\n{len(np.unique(voices[test]))} voices held out")

# %%
# The members
# -----------
# Members are ``(name, estimator, modality)`` triples. A rule that learns from
# out-of-fold predictions (learned weights, stacking) needs an inner
# cross-validation that also holds voices out, or the speech member looks far
# better out-of-fold than it is on a new voice: ``cv=GroupKFold(5)`` and
# ``groups=`` in ``fit``.
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skfusion import LateFusionClassifier


def member():
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=1000))


members = [("image", member(), "image"), ("audio", member(), "audio")]

scores = {}
for modality in ("image", "audio"):
    alone = member().fit(X_train[modality], y_train)
    scores[f"{modality} alone"] = alone.score(X_test[modality], y_test)

fused = {}
for rule in ("mean", "product", "weighted", "vote", "stacking"):
    fused[rule] = LateFusionClassifier(members, fusion=rule, cv=GroupKFold(5)).fit(
        X_train, y_train, groups=voices[train])
    scores[rule] = fused[rule].score(X_test, y_test)

for name, score in scores.items():
    print(f"{name:>12}: {score:.3f}")

# %%
# Every rule beats both modalities alone: the two models make different
# mistakes, and where one is unsure the other is usually right. The plain mean
# and product rules are hard to beat with two members of similar quality;
# learned weights minimise the log-loss of out-of-fold probabilities, which
# can favour the member with the more confident probabilities over the one
# that helps the fused accuracy most.
fig, ax = plt.subplots(figsize=(7, 3.5))
colors = ["tab:gray"] * 2 + ["tab:blue"] * (len(scores) - 2)
bars = ax.bar(list(scores), list(scores.values()), color=colors)
ax.bar_label(bars, fmt="%.3f", fontsize=8)
ax.tick_params(axis="x", labelrotation=20)
ax.set_ylim(0.8, 1.01)
ax.set_ylabel("accuracy on held-out voices")
ax.set_title("Each modality alone (gray) and fused by each rule (blue)")
fig.tight_layout()

# %%
# Learned weights and calibration
# -------------------------------
# With ``fusion="weighted"`` and no ``weights``, the weights minimise the
# log-loss of the out-of-fold probabilities; ``member_scores_`` holds each
# member's out-of-fold accuracy. A fusion rule trusts the members'
# probabilities: :class:`~skfusion.inspection.MemberCalibrationDisplay` draws
# each member's reliability diagram on the held-out voices (a member below the
# diagonal is over-confident) with its expected calibration error.
from skfusion.inspection import MemberCalibrationDisplay

weighted = fused["weighted"]
for name, weight in zip(weighted.named_estimators_, weighted.weights_):
    print(f"{name}: weight {weight:.2f}, "
          f"out-of-fold accuracy {weighted.member_scores_[name]:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), width_ratios=[1, 1.6])
bars = axes[0].bar(list(weighted.named_estimators_), weighted.weights_, color="tab:blue")
axes[0].bar_label(bars, fmt="%.2f")
axes[0].set_ylim(0, 1)
axes[0].set_ylabel("learned weight")
axes[0].set_title('fusion="weighted"')
calibration = MemberCalibrationDisplay.from_estimator(fused["mean"], X_test, y_test,
                                                      n_bins=8, ax=axes[1])
axes[1].set_title("Reliability of each member on held-out voices")
fig.tight_layout()
for name, error in calibration.calibration_error.items():
    print(f"{name}: expected calibration error {error:.3f}")

# %%
# Where the mistakes go
# ---------------------
# The speech model confuses digits that sound alike; the image model digits
# that look alike. Fused, few mistakes remain.
from sklearn.metrics import ConfusionMatrixDisplay

audio_alone = member().fit(X_train["audio"], y_train)
fig, axes = plt.subplots(1, 3, figsize=(12, 4))
for ax, (title, predicted) in zip(axes, [
    ("audio alone", audio_alone.predict(X_test["audio"])),
    ("image alone", member().fit(X_train["image"], y_train).predict(X_test["image"])),
    ("fused (product rule)", fused["product"].predict(X_test)),
]):
    ConfusionMatrixDisplay.from_predictions(y_test, predicted, ax=ax, colorbar=False)
    ax.set_title(f"{title}: {np.mean(predicted == y_test):.3f}")
fig.tight_layout()
plt.show()
