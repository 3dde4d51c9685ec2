"""
=====================================================
Predicting on data larger than memory, batch by batch
=====================================================

A :class:`~skfusion.ModalityDict` can hold memory-mapped arrays: indexing a
few rows reads only those rows from disk. :func:`skfusion.data.predict_in_batches`
predicts a batch of rows at a time, so that at most one batch of every
modality, and of the features computed from it, is in memory at once, with
exactly the predictions of one call. This example writes 20,000 samples
(28x28 images and a table) to memory-mapped files, predicts them whole and in
batches with a late-fusion model, and measures the memory each way takes.
"""

# %%
# A model trained on a small in-memory sample
# -------------------------------------------
import tempfile
import tracemalloc
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skfusion import LateFusionClassifier, ModalityDict
from skfusion.datasets import make_multimodal_classification
from skfusion.features import PixelFeatures

informativeness = {"image": 0.3, "table": 0.2}
X_small, y_small = make_multimodal_classification(
    n_samples=1000, n_classes=3, informativeness=informativeness, image_shape=(28, 28),
    random_state=0)
model = LateFusionClassifier([
    ("image", make_pipeline(PixelFeatures(scale=False), LogisticRegression(C=0.01)), "image"),
    ("table", LogisticRegression(), "table"),
], fusion="product").fit(X_small, y_small)

# %%
# 20,000 samples on disk
# ----------------------
# Each modality is a ``.npy`` file, opened with ``mmap_mode="r"``; the
# ModalityDict holds the memory maps, not the data.
folder = Path(tempfile.mkdtemp())
n_samples, chunk = 20_000, 2_000
images = np.lib.format.open_memmap(folder / "image.npy", mode="w+", dtype=np.float32,
                                   shape=(n_samples, 28, 28))
table = np.lib.format.open_memmap(folder / "table.npy", mode="w+", dtype=np.float32,
                                  shape=(n_samples, 10))
for start in range(0, n_samples, chunk):
    X_chunk, _ = make_multimodal_classification(
        n_samples=chunk, n_classes=3, informativeness=informativeness,
        image_shape=(28, 28), random_state=start)
    images[start:start + chunk] = X_chunk["image"]
    table[start:start + chunk] = X_chunk["table"]
images.flush(), table.flush()
del images, table

X_big = ModalityDict(image=np.load(folder / "image.npy", mmap_mode="r"),
                     table=np.load(folder / "table.npy", mmap_mode="r"))
size_mb = sum(X_big[name].nbytes for name in X_big.modalities) / 1e6
print(X_big, f"\n{size_mb:.0f} MB on disk")

# %%
# Whole, and in batches
# ---------------------
# ``tracemalloc`` records the peak memory that numpy allocates during each
# prediction (the memory-mapped pages themselves belong to the file cache).
from skfusion.data import predict_in_batches


def peak_mb(predict):
    tracemalloc.start()
    predictions = predict()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return predictions, peak


whole, whole_peak = peak_mb(lambda: model.predict(X_big))
batch_sizes = [250, 1000, 4000]
peaks = {}
for batch_size in batch_sizes:
    batched, peaks[batch_size] = peak_mb(
        lambda: predict_in_batches(model, X_big, batch_size=batch_size))
    assert np.array_equal(batched, whole)  # the same predictions, always
    print(f"batch_size={batch_size:>5}: peak {peaks[batch_size]:6.1f} MB")
print(f"     whole X: peak {whole_peak:6.1f} MB")

# %%
# The peak follows the batch size, not the size of the data.
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(batch_sizes, list(peaks.values()), marker="o", label="predict_in_batches")
ax.axhline(whole_peak, color="tab:red", ls="--", label="model.predict(X) at once")
ax.set_xscale("log")
ax.set_xticks(batch_sizes, [str(b) for b in batch_sizes])
ax.minorticks_off()
ax.set_xlabel("batch size (rows)")
ax.set_ylabel("peak numpy memory (MB)")
ax.set_title(f"Predicting {n_samples:,} memory-mapped samples")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# The memory maps are released before their folder is removed.
import shutil

X_big = None
shutil.rmtree(folder)
