"""Compute the GPU check's inputs once, on a machine with the data and librosa.

Writes ``.gpu_check/av_mnist_logmel.npz`` (ignored by git): the AV-MNIST images
(uint8, (3000, 28, 28)), the log-mel matrices that ``bench_neural.build_inputs``
makes from the waveforms (float32, (3000, 32, 48)), the targets and the speaker
groups. ``bench_gpu_check.py --inputs`` reads it, so the CUDA machine needs
neither librosa nor the raw recordings.

Run from the project root: ``python maint_tools/gpu_check_inputs.py``
(see ``maint_tools/README.md``).
"""

import argparse
import sys
from pathlib import Path

import numpy as np

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
from _common import ROOT, Timer, load_av_mnist, pin_threads  # noqa: E402
from bench_neural import build_inputs  # noqa: E402

DEFAULT_OUTPUT = ROOT / ".gpu_check" / "av_mnist_logmel.npz"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    pin_threads(1)
    bunch = load_av_mnist()
    with Timer() as timer:
        X = build_inputs(bunch)
    image, audio = np.asarray(X["image"]), np.asarray(X["audio"], dtype=np.float32)
    if image.dtype != np.uint8 or audio.ndim != 3 or not np.isfinite(audio).all():
        raise ValueError(f"unexpected inputs: image {image.dtype} {image.shape}, "
                         f"audio {audio.dtype} {audio.shape}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    # speakers as fixed-width strings: bench_gpu_check.py loads the file with allow_pickle=False
    groups = np.asarray(bunch.groups).astype(str)
    np.savez_compressed(args.output, image=image, audio=audio,
                        target=np.asarray(bunch.target), groups=groups)
    size = args.output.stat().st_size / 2**20
    print(f"log-mel matrices for {len(image)} clips in {timer.seconds:.0f}s; wrote "
          f"{args.output} ({size:.1f} MiB): image {image.dtype} {image.shape}, "
          f"audio {audio.dtype} {audio.shape}")


if __name__ == "__main__":
    main()
