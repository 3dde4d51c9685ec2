"""What the content fingerprints of file-backed data cost, on 3,000 files.

Run from the project root: ``python benchmarks/bench_fingerprint.py [--rounds 3]``.

A lazily loaded modality records, for each file, its stamp (size, mtime,
inode) and a digest of its first and last 64 KiB, checks the stamp at every
decoding, and puts the records and the files' stamps now in its pickle, so
that a ``memory=`` cache key follows the files; a memory map's pickle
carries a digest of its bytes (once per file version). This compares, in
alternating rounds of one process, the current code against the same code
with those fingerprints switched off (what it did before they existed):

1. ``load_multimodal_files(..., lazy=True)`` on the 3,000 FSDD recordings
   (WAV) and on the 3,000 AV-MNIST digits written as PNG files;
2. a ``LateFusionClassifier`` with ``memory=`` (an audio member and an image
   member on those lazy modalities): the first fit (empty cache, every file
   decoded) and a second fit (every member from the cache: the key is all);
3. the same with the images as one read-only memory map (3,000 x 784
   float64) under a member on two modalities.
"""

import argparse
import contextlib
import itertools
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import DEFAULT_DATA, Timer, pin_threads, print_table, write_results  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

DATA = Path(os.environ.get("SKFUSION_DATA", DEFAULT_DATA))
RECORDINGS = DATA / "fsdd" / "recordings"


def audio_stats(X):
    """Three numbers per recording: mean, spread, length."""
    return np.array([[np.mean(w), np.std(w), len(w) / 8000] for w in np.asarray(X)])


def flatten(X):
    X = np.asarray(X, dtype=np.float32)
    return X.reshape(len(X), -1) / 255


@contextlib.contextmanager
def without_fingerprints():
    """The current code with the content fingerprints switched off (as before them)."""
    from skfusion.data import _container
    from skfusion.datasets import _files, _lazy

    saved = (_files.record_file, _lazy.read_recorded, _lazy.LazyFileArray.__getstate__,
             _container.file_stamp, _container.buffer_digest)

    def header_only(reader, path):
        return None, None, reader.probe(path)

    def read_unchecked(reader, item):
        return "ok", reader.read(item[0])[0]

    def paths_only(self):
        state = dict(self.__dict__)
        del state["_failed"]
        state["records"] = None  # paths, reader and layout: the pickle before fingerprints
        return state

    _files.record_file, _lazy.read_recorded = header_only, read_unchecked
    _lazy.LazyFileArray.__getstate__ = paths_only
    _container.file_stamp = lambda path: None
    _container.buffer_digest = lambda key, stamp, buffer: None
    try:
        yield
    finally:
        (_files.record_file, _lazy.read_recorded, _lazy.LazyFileArray.__getstate__,
         _container.file_stamp, _container.buffer_digest) = saved


def _inputs(tmp):
    import pandas as pd
    from PIL import Image

    from skfusion.datasets import fetch_av_mnist

    av = fetch_av_mnist(data_home=DATA, download_if_missing=False)
    images = av.data["image"]
    names = [f"{i:04d}.png" for i in range(len(images))]
    for name, pixels in zip(names, images):
        Image.fromarray(pixels).save(tmp / name)
    for name in av.file_names:
        shutil.copyfile(RECORDINGS / name, tmp / name)  # one root for both modalities
    np.save(tmp / "images.npy", images.reshape(len(images), -1).astype(np.float64))
    manifest = pd.DataFrame({"audio": list(av.file_names), "image": names})
    return manifest, av.target


def _late(memory, members):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from skfusion import LateFusionClassifier, make_early_fusion

    if members == "lazy":
        chosen = [
            ("audio", make_pipeline(FunctionTransformer(audio_stats), StandardScaler(),
                                    LogisticRegression(max_iter=300)), "audio"),
            ("image", make_pipeline(FunctionTransformer(flatten),
                                    LogisticRegression(max_iter=50)), "image"),
        ]
    else:
        early = make_early_fusion((FunctionTransformer(flatten), "image"),
                                  (StandardScaler(), "stats"))
        chosen = [("both", make_pipeline(early, LogisticRegression(max_iter=50)),
                   ["image", "stats"])]
    return LateFusionClassifier(chosen, memory=memory)


def _tasks(tmp, manifest, y):
    from skfusion import ModalityDict
    from skfusion.datasets import load_multimodal_files

    def load(column):
        return lambda: load_multimodal_files(manifest[[column]], root=tmp, lazy=True)

    def fits(members, make_X):
        def run(cache):
            X = make_X()
            with Timer() as first:
                _late(cache, members).fit(X, y)
            with Timer() as second:
                _late(cache, members).fit(X, y)
            return first.seconds, second.seconds
        return run

    def lazy_X():
        return load_multimodal_files(manifest, root=tmp, lazy=True).data

    stats = audio_stats(load_multimodal_files(manifest[["audio"]], root=tmp).data["audio"])

    def memmap_X():
        return ModalityDict(image=np.load(tmp / "images.npy", mmap_mode="r"), stats=stats)

    return ({"lazy load, 3,000 WAV": load("audio"), "lazy load, 3,000 PNG": load("image")},
            {"fit, 2 lazy members": fits("lazy", lazy_X),
             "fit, memory map + table": fits("memmap", memmap_X)})


def run(rounds):
    variants = {"before (no fingerprint)": without_fingerprints, "now (fingerprints)":
                contextlib.nullcontext}
    loads, fit_tasks, caches = {}, {}, itertools.count()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        manifest, y = _inputs(tmp)
        load_tasks, fit_runs = _tasks(tmp, manifest, y)
        for _ in range(rounds):
            for variant, context in variants.items():  # alternate the variants
                with context():
                    for task, job in load_tasks.items():
                        with Timer() as timer:
                            job()
                        loads.setdefault((task, variant), []).append(timer.seconds)
                    for task, job in fit_runs.items():
                        cache = tmp / f"cache-{next(caches)}"  # empty at first
                        fit_tasks.setdefault((task, variant), []).append(job(cache))
    rows = []
    for (task, variant), seconds in loads.items():
        rows.append({"task": task, "variant": variant,
                     "seconds": round(float(np.median(seconds)), 3)})
    for (task, variant), pairs in fit_tasks.items():
        first, second = np.median(np.array(pairs), axis=0)
        rows.append({"task": task + ", first (empty cache)", "variant": variant,
                     "seconds": round(float(first), 3)})
        rows.append({"task": task + ", second (from cache)", "variant": variant,
                     "seconds": round(float(second), 3)})
    by_task = {}
    for row in rows:
        by_task.setdefault(row["task"], {})[row["variant"]] = row["seconds"]
    for row in rows:
        before = by_task[row["task"]]["before (no fingerprint)"]
        row["vs before"] = round(row["seconds"] / before, 2) if before else None
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pin_threads()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)  # few iterations on purpose
    rows = sorted(run(args.rounds), key=lambda row: row["task"])
    print(f"Content fingerprints on 3,000 files (median of {args.rounds} alternating rounds)\n")
    print_table(rows, ["task", "variant", "seconds", "vs before"])
    write_results("fingerprint", {"rounds": args.rounds,
                                  "cores_available": len(os.sched_getaffinity(0)),
                                  "rows": rows})


if __name__ == "__main__":
    main()
