"""Scale: parallel late-fusion fits (joblib, dask) and bounded-memory prediction.

Run from the project root::

    python benchmarks/bench_scale.py            # both parts
    python benchmarks/bench_scale.py memory     # only the memory part
    python benchmarks/bench_scale.py parallel   # only the n_jobs / dask part

Part 1 (parallel): LateFusionClassifier on AV-MNIST features with members that take
a second or more, fitted with n_jobs=1, n_jobs=2 (loky) and n_jobs=2 on a dask
LocalCluster of 2 single-threaded workers on 127.0.0.1; the three alternate, 3 rounds.

Part 2 (memory): 100,000 images of 64x64 float32 in a memory-mapped .npy (1.6 GB) are
predicted whole and with ``predict_in_batches``, each in a fresh process whose peak
RSS is measured; the predictions must be identical.
"""

import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS, ROOT, Timer, load_av_mnist, pin_threads, print_table, write_results,
)

import numpy as np  # noqa: E402

N_IMAGES, SIDE = 100_000, 64

_MEMORY_CHILD = textwrap.dedent("""
    import sys, threading, time, numpy as np, joblib
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)
    from skfusion import ModalityDict
    from skfusion.data import predict_in_batches

    def status(field):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) // 1024

    peak_anon = [0]
    done = threading.Event()
    def sample():
        while not done.is_set():
            peak_anon[0] = max(peak_anon[0], status("RssAnon"))
            time.sleep(0.005)

    path, model_path, mode, batch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    model = joblib.load(model_path)
    X = ModalityDict(image=np.load(path, mmap_mode="r"))
    before = status("VmRSS")
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    if mode == "whole":
        pred = model.predict(X)
    else:
        pred = predict_in_batches(model, X, batch_size=batch)
    done.set(); sampler.join()
    np.save(sys.argv[5], pred)
    print(before, status("VmHWM"), peak_anon[0])
""")


def memory_part(workdir):
    import joblib
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from skfusion import ModalityDict, ModalitySelector
    from skfusion.features import PixelFeatures

    rng = np.random.RandomState(0)
    path = workdir / "images.npy"
    images = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32,
                                       shape=(N_IMAGES, SIDE, SIDE))
    labels = np.arange(N_IMAGES) % 2
    for start in range(0, N_IMAGES, 10_000):
        stop = start + 10_000
        block = rng.normal(size=(stop - start, SIDE, SIDE)).astype(np.float32)
        block[:, :8, :8] += labels[start:stop, None, None]
        images[start:stop] = block
    images.flush()
    del images
    size_gb = path.stat().st_size / 1e9
    X = ModalityDict(image=np.load(path, mmap_mode="r"))
    model = make_pipeline(ModalitySelector("image"), PixelFeatures(scale=False),
                          PCA(20, random_state=0), LogisticRegression())
    model.fit(X[:5000], labels[:5000])
    model_path = workdir / "model.joblib"
    joblib.dump(model, model_path)
    rows = []
    predictions = {}
    for mode, batch in [("whole", 0), ("batches", 1000), ("batches", 5000)]:
        out = workdir / f"pred_{mode}_{batch}.npy"
        with Timer() as t:
            done = subprocess.run(
                [sys.executable, "-c", _MEMORY_CHILD, str(path), str(model_path), mode,
                 str(batch), str(out)],
                capture_output=True, text=True, check=True, cwd=ROOT)
        start_mb, peak_mb, anon_mb = map(int, done.stdout.split())
        predictions[(mode, batch)] = np.load(out)
        rows.append({"prediction": mode if mode == "whole" else f"batch_size={batch}",
                     "peak RSS (MB)": peak_mb, "peak anonymous RSS (MB)": anon_mb,
                     "RSS before (MB)": start_mb,
                     "seconds": f"{t.seconds:.1f}"})
    first = predictions[("whole", 0)]
    identical = all(np.array_equal(first, p) for p in predictions.values())
    print(f"\n100,000 memory-mapped 64x64 float32 images ({size_gb:.2f} GB on disk); "
          f"predictions identical: {identical}; accuracy {np.mean(first == labels):.3f}")
    print("(peak RSS counts the file pages the map touched, which the kernel may drop; "
          "anonymous RSS is the memory the process itself holds)")
    print_table(rows, ["prediction", "peak RSS (MB)", "peak anonymous RSS (MB)",
                       "RSS before (MB)", "seconds"])
    return {"data_gb": size_gb, "identical": identical, "rows": rows}


def _member_pipelines():
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from skfusion import PairwiseCalibratedClassifier
    from skfusion.features import HOGFeatures, MFCCFeatures

    image = make_pipeline(HOGFeatures(), PCA(100, random_state=0),
                          PairwiseCalibratedClassifier(SVC()))
    audio = make_pipeline(MFCCFeatures(sr=8000), StandardScaler(),
                          PairwiseCalibratedClassifier(SVC()))
    return image, audio


def parallel_part(rounds=5):
    from joblib import parallel_config

    from skfusion import LateFusionClassifier

    av = load_av_mnist()
    X, y = av.data, av.target
    image, audio = _member_pipelines()

    def model(n_jobs):
        return LateFusionClassifier([("image", image, "image"), ("audio", audio, "audio")],
                                    fusion="product", n_jobs=n_jobs)

    import distributed

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    client = distributed.Client(cluster)
    client.run(pin_threads)
    times = {"n_jobs=1": [], "n_jobs=2": [], "dask, 2 workers": []}
    predictions = {}
    for round_ in range(rounds + 1):  # round 0 warms up the worker pools, not counted
        for name in times:
            with Timer() as t:
                if name.startswith("dask"):
                    with parallel_config(backend="dask"):
                        fitted = model(2).fit(X, y)
                else:
                    fitted = model(int(name[-1])).fit(X, y)
            if round_:
                times[name].append(t.seconds)
            predictions[name] = fitted.predict(X[:500])
    client.close()
    cluster.close()
    base = np.median(times["n_jobs=1"])
    rows = [{"fit": name, "median seconds": f"{np.median(ts):.2f}",
             "speed-up vs n_jobs=1": f"{base / np.median(ts):.2f}x",
             "all runs": ", ".join(f"{v:.1f}" for v in ts)} for name, ts in times.items()]
    same = all(np.array_equal(predictions["n_jobs=1"], p) for p in predictions.values())
    print(f"\nLateFusionClassifier(product) fit on 3,000 AV-MNIST pairs, {rounds} rounds after "
          f"a warm-up, alternating; identical predictions: {same}")
    print_table(rows, ["fit", "median seconds", "speed-up vs n_jobs=1", "all runs"])
    return {"rows": rows, "times": times, "identical": same}


def main():
    pin_threads()
    parts = sys.argv[1:] or ["parallel", "memory"]
    payload = {}
    if "parallel" in parts:
        payload["parallel"] = parallel_part()
    if "memory" in parts:
        with tempfile.TemporaryDirectory() as tmp:
            payload["memory"] = memory_part(Path(tmp))
    previous = RESULTS / "scale.json"
    if previous.exists():  # keep the part not rerun
        old = json.loads(previous.read_text())
        payload = {**{k: v for k, v in old.items() if k != "machine"}, **payload}
    write_results("scale", payload)


if __name__ == "__main__":
    started = time.time()
    main()
    print(f"total {time.time() - started:.0f} s")
