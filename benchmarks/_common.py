"""What every skfusion benchmark shares: threads, the AV-MNIST protocol, reporting.

Run benchmarks from the project root, e.g. ``python benchmarks/bench_late_fusion.py``.
The protocol is on the documentation's benchmark page, ``docs/benchmarks.rst``:
AV-MNIST, leave-2-speakers-out, 3 rotations; mean +- std over the rotations; results under
``benchmarks/results/`` with the machine, versions and date.
"""

import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
# the held-out speaker pairs, in the protocol's order
HELD_OUT = (("george", "jackson"), ("lucas", "nicolas"), ("theo", "yweweler"))


def pin_threads(n=1):
    """Pin BLAS and torch to ``n`` threads (2 shared cores: oversubscription is 10-20x slower)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)


def load_av_mnist():
    """AV-MNIST from ``$SKFUSION_DATA`` or ``../shared/data``."""
    from skfusion.datasets import fetch_av_mnist

    home = os.environ.get("SKFUSION_DATA", DEFAULT_DATA)
    return fetch_av_mnist(data_home=home, download_if_missing=False)


def speaker_splits(groups):
    """The protocol's 3 rotations: (name, train_idx, test_idx), 2 speakers held out each."""
    groups = np.asarray(groups)
    splits = []
    for pair in HELD_OUT:
        test = np.isin(groups, pair)
        splits.append(("+".join(pair), np.flatnonzero(~test), np.flatnonzero(test)))
    return splits


def speaker_cv(groups):
    """The same rotations as a ``cv=`` iterable of (train, test) index arrays."""
    return [(train, test) for _, train, test in speaker_splits(groups)]


def missing_rows(n, share=0.3, seed=0):
    """The protocol's missing-modality rows: a fixed ``share`` of ``n`` test rows."""
    rng = np.random.RandomState(seed)
    return rng.choice(n, int(round(share * n)), replace=False)


def mean_std(values):
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std())


def fmt(values):
    mean, std = mean_std(values)
    return f"{mean:.3f} ± {std:.3f}"


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start


def print_table(rows, columns):
    """Print rows (dicts) as an aligned text table with the given columns."""
    cells = [[str(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths))
    print(line)
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)))


def machine_info():
    import sklearn

    info = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
    }
    for name in ("torch", "skorch", "librosa", "skimage"):
        module = sys.modules.get(name)
        if module is not None:
            info[name] = getattr(module, "__version__", "?")
    return info


def write_results(name, payload):
    """Write ``benchmarks/results/<name>.json`` with the machine and versions."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine_info(), **payload}, indent=2, default=str))
    print(f"\nwrote {path.relative_to(ROOT)}")
    return path


def topic_documents(rng, y, n_words, topic_words):
    """Text-like documents: 25 Zipf-distributed words plus ``topic_words`` of the class's topic.

    Each of the classes in ``y`` has a topic of 60 words drawn from the
    ``n_words`` vocabulary; returns a list of strings, one per entry of ``y``.
    """
    vocabulary = np.array([f"w{i}" for i in range(n_words)])
    zipf = 1.0 / np.arange(1, n_words + 1)
    topics = [rng.permutation(n_words)[:60] for _ in range(int(np.max(y)) + 1)]
    return [" ".join(vocabulary[np.r_[rng.choice(n_words, 25, p=zipf / zipf.sum()),
                                      rng.choice(topics[c], topic_words)]]) for c in y]
