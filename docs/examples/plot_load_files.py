"""
===========================================
Your own files: images, recordings, a CSV
===========================================

Multimodal data usually arrives as files: a folder of images, a folder of
recordings and a CSV that says which belong together.
:func:`~skfusion.datasets.load_multimodal_files` reads them into a
:class:`~skfusion.ModalityDict` in the manifest's row order; an absent file
becomes a missing modality for that sample instead of an error. This example
writes 200 samples of the embedded AV-Digits data to disk as PNG and WAV files,
deletes a few, loads them back (eagerly and lazily), and fits a late-fusion
model that copes with the holes.
"""

# %%
# Write a folder of files and a manifest
# --------------------------------------
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import soundfile
from PIL import Image

from skfusion.datasets import load_av_digits

digits = load_av_digits()
root = Path(tempfile.mkdtemp())
(root / "images").mkdir()
(root / "audio").mkdir()
rows = []
for i in range(200):
    image = (digits.data["image"][i] * 255 / 16).astype(np.uint8)
    Image.fromarray(image).save(root / "images" / f"{i}.png")
    soundfile.write(root / "audio" / f"{i}.wav", digits.data["audio"][i], digits.sample_rate)
    rows.append({"id": i, "image": f"images/{i}.png", "audio": f"audio/{i}.wav",
                 "label": int(digits.target[i])})
manifest = pd.DataFrame(rows)
manifest.to_csv(root / "manifest.csv", index=False)

# Some files are lost: 20 images and 15 recordings.
rng = np.random.RandomState(0)
for i in rng.choice(200, 20, replace=False):
    (root / "images" / f"{i}.png").unlink()
for i in rng.choice(200, 15, replace=False):
    (root / "audio" / f"{i}.wav").unlink()
print(manifest.head(3))

# %%
# Load them
# ---------
# Images are read with Pillow (here as 8-bit gray, ``image_mode="L"``), audio
# with soundfile (mono, float32 in [-1, 1)). Rows follow the manifest, always.
from skfusion.datasets import load_multimodal_files

bunch = load_multimodal_files(root / "manifest.csv", target="label", id_column="id",
                              image_mode="L")
X, y = bunch.data, bunch.target
print(X)
print("missing per modality:", bunch.n_missing)

# %%
# The missing files are missing samples of their modality, in the
# ModalityDict's convention (all-NaN images, ``None`` recordings).
fig, axes = plt.subplots(2, 8, figsize=(10, 3))
for ax, i in zip(axes.ravel(), range(16)):
    if X.is_missing("image")[i]:
        ax.text(0.5, 0.5, "missing", ha="center", va="center", color="tab:red")
    else:
        ax.imshow(X["image"][i], cmap="gray_r")
    audio = "no audio" if X.is_missing("audio")[i] else f"{len(X['audio'][i]) / 8000:.2f} s"
    ax.set_title(f"{bunch.ids[i]}: {y[i]}\n{audio}", fontsize=8)
    ax.axis("off")
fig.suptitle("The first 16 samples as loaded")
fig.tight_layout()

# %%
# Lazily
# ------
# With ``lazy=True`` only the file headers are read now; a file is decoded when
# its row is used, so data larger than memory can be cross-validated and
# predicted batch by batch. The values are the same.
lazy = load_multimodal_files(root / "manifest.csv", target="label", id_column="id",
                             image_mode="L", lazy=True)
rows = np.arange(5)
same = np.allclose(np.asarray(lazy.data["image"][rows], dtype=float),
                   X["image"][rows], equal_nan=True)
print(f"lazy and eager images agree: {same}")

# %%
# Fit a model that copes with the holes
# -------------------------------------
# A :class:`~skfusion.LateFusionClassifier` trains each member on the rows
# that have its modality and predicts each sample from the members it has. A
# sample that lost *every* modality cannot be predicted by anything (late
# fusion says so with a clear error), so we drop those first.
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skfusion import LateFusionClassifier
from skfusion.features import MFCCFeatures, PixelFeatures

late = LateFusionClassifier([
    ("image", make_pipeline(PixelFeatures(), LogisticRegression(max_iter=1000)), "image"),
    ("audio", make_pipeline(MFCCFeatures(sr=8000), StandardScaler(),
                            LogisticRegression(max_iter=1000)), "audio"),
])
nothing = X.is_missing("image") & X.is_missing("audio")
print(f"{nothing.sum()} samples lost both files; dropping them")
X, y = X[~nothing], y[~nothing]
scores = cross_val_score(late, X, y, cv=3, error_score="raise")
print(f"3-fold accuracy with holes in both modalities: {scores.mean():.3f}")
plt.show()
