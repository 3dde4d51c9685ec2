"""Loading files: decoding speed with n_jobs=1 and 2, and peak memory of lazy vs eager loading.

Run from the project root: ``python benchmarks/bench_files.py [--rounds 3]``.

1. Files decoded per second by ``load_multimodal_files`` on the 3,000 FSDD
   recordings (WAV) and on 3,000 AV-MNIST digits written as PNG files to a
   temporary folder, with ``n_jobs=1`` and ``n_jobs=2``, against a plain
   hand-written loop (soundfile / Pillow, the glue a user would write). The
   contenders alternate within each round; the median round is reported.
2. Peak resident memory (``VmHWM``, else ``ru_maxrss``) of a fresh Python process that
   loads the 3,000 recordings eagerly, lazily, and lazily followed by a pass
   over all clips in batches of 300, against a process that only imports.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import DEFAULT_DATA, ROOT, Timer, pin_threads, print_table, write_results  # noqa: E402

import numpy as np  # noqa: E402

DATA = Path(os.environ.get("SKFUSION_DATA", DEFAULT_DATA))
RECORDINGS = DATA / "fsdd" / "recordings"


def _fsdd_manifest():
    import pandas as pd

    names = sorted(p.name for p in RECORDINGS.glob("*.wav"))
    return pd.DataFrame({"audio": names})


def _write_pngs(folder):
    """The 3,000 AV-MNIST digits as PNG files in ``folder``; returns the manifest."""
    import pandas as pd
    from PIL import Image

    from skfusion.datasets import fetch_av_mnist

    images = fetch_av_mnist(data_home=DATA, download_if_missing=False).data["image"]
    names = [f"{i:04d}.png" for i in range(len(images))]
    for name, pixels in zip(names, images):
        Image.fromarray(pixels).save(folder / name)
    return pd.DataFrame({"image": names})


def _hand_loop_audio(manifest, root):
    import soundfile as sf

    return [sf.read(os.path.join(root, name), dtype="float32")[0] for name in manifest["audio"]]


def _hand_loop_images(manifest, root):
    from PIL import Image

    out = []
    for name in manifest["image"]:
        with Image.open(os.path.join(root, name)) as image:
            out.append(np.asarray(image))
    return np.stack(out)


def _speed(rounds):
    from skfusion.datasets import load_multimodal_files

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tasks = {
            "audio (FSDD WAV)": (_fsdd_manifest(), str(RECORDINGS), _hand_loop_audio),
            "image (MNIST PNG)": (_write_pngs(Path(tmp)), tmp, _hand_loop_images),
        }
        for task, (manifest, root, hand_loop) in tasks.items():
            contenders = {
                "hand-written loop": lambda m=manifest, r=root, f=hand_loop: f(m, r),
                "n_jobs=1": lambda m=manifest, r=root: load_multimodal_files(m, root=r),
                "n_jobs=2": lambda m=manifest, r=root: load_multimodal_files(m, root=r, n_jobs=2),
                "lazy (headers only)": lambda m=manifest, r=root: load_multimodal_files(
                    m, root=r, lazy=True),
            }
            times = {name: [] for name in contenders}
            for _ in range(rounds):
                for name, run in contenders.items():  # alternate the contenders
                    with Timer() as timer:
                        run()
                    times[name].append(timer.seconds)
            reference = np.median(times["n_jobs=1"])
            for name, seconds in times.items():
                median = float(np.median(seconds))
                rows.append({
                    "data": task, "contender": name, "files": len(manifest),
                    "seconds": round(median, 3),
                    "files/s": int(len(manifest) / median),
                    "time vs n_jobs=1": round(median / reference, 2),
                })
    return rows


MEMORY_SCRIPT = """
import json, resource, sys
import numpy as np, pandas as pd
from skfusion.datasets import load_multimodal_files
variant, root = sys.argv[1], sys.argv[2]
names = sorted(__import__("os").listdir(root))
manifest = pd.DataFrame({"audio": [n for n in names if n.endswith(".wav")]})
seconds = 0.0
if variant != "import only":
    import time
    start = time.perf_counter()
    bunch = load_multimodal_files(manifest, root=root, lazy=variant != "eager")
    X = bunch.data
    if variant == "lazy + batches of 300":
        energy = []
        for first in range(0, X.n_samples, 300):
            batch = np.asarray(X[first:first + 300]["audio"])
            energy.extend(float(np.mean(w ** 2)) for w in batch)
        assert len(energy) == X.n_samples
    seconds = time.perf_counter() - start
try:  # VmHWM: this process's own peak (ru_maxrss can carry the parent's over exec)
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    peak = int(status.split()[0]) / 1024
except (OSError, IndexError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"peak_mb": peak, "seconds": seconds}))
"""

VARIANTS = ("import only", "lazy", "lazy + batches of 300", "eager")


def _memory(rounds):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    runs = {variant: [] for variant in VARIANTS}
    for _ in range(rounds):
        for variant in VARIANTS:
            out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, variant, str(RECORDINGS)],
                                 capture_output=True, text=True, check=True, cwd=ROOT, env=env)
            runs[variant].append(json.loads(out.stdout))
    baseline = np.median([r["peak_mb"] for r in runs["import only"]])
    rows = []
    for variant, results in runs.items():
        peak = float(np.median([r["peak_mb"] for r in results]))
        rows.append({
            "variant": variant, "peak RSS (MB)": round(peak, 1),
            "above import (MB)": round(float(peak - baseline), 1),
            "seconds": round(float(np.median([r["seconds"] for r in results])), 2),
        })
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pin_threads()
    speed = _speed(args.rounds)
    print("Files decoded per second (median of", args.rounds, "alternating rounds)\n")
    print_table(speed, ["data", "contender", "files", "seconds", "files/s",
                        "time vs n_jobs=1"])
    memory = _memory(args.rounds)
    print("\nPeak memory of a process loading the 3,000 FSDD clips (float32)\n")
    print_table(memory, ["variant", "peak RSS (MB)", "above import (MB)", "seconds"])
    write_results("files", {"rounds": args.rounds, "cores_available": len(os.sched_getaffinity(0)),
                            "speed": speed, "memory": memory})


if __name__ == "__main__":
    main()
