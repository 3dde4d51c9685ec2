"""GPU check for FusionNetClassifier: CPU against GPU on the same AV-MNIST data.

One leave-2-speakers-out rotation (george+jackson held out), the network of
``bench_neural.py`` (default image CNN, 1-D CNN over 32x48 log-mel matrices,
aux losses, modality dropout 0.5, no augmentation), the same seed and the
same number of epochs on every device. It prints, per device (and per CPU
thread count), the fit time, the median epoch time after the first epoch (the
first holds CUDA's start-up) and the held-out accuracy; then the GPU/CPU
epoch-time ratio, whether a second GPU fit with the same ``random_state``
gives the same probabilities (cuDNN may pick non-deterministic kernels), and
whether a net trained on the GPU, pickled, loads and predicts in a process
that sees no GPU. Without CUDA it runs the CPU part and says that CUDA is
absent (``--gpu cpu`` dry-runs the GPU half's code on the CPU). Every CPU
epoch is timed in full (about 2 s at one thread on the development machine):
no bounding is needed. About a minute in all on a GPU.

Run from the project root: ``python benchmarks/bench_gpu_check.py`` reads the
raw data (``$SKFUSION_DATA`` or ``../shared/data``, needs librosa);
``--inputs .gpu_check/av_mnist_logmel.npz`` reads the inputs that
``maint_tools/gpu_check_inputs.py`` computed, and needs neither. On a machine
with a CUDA GPU, ``maint_tools/gpu_check.sh`` runs it (see ``maint_tools/README.md``).
"""

import argparse
import os
import pickle
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import (  # noqa: E402
    Timer,
    load_av_mnist,
    pin_threads,
    print_table,
    speaker_splits,
    write_results,
)

LOAD_ON_CPU = """
import pickle, sys, numpy as np, torch
assert not torch.cuda.is_available()
net, X = pickle.loads(open(sys.argv[1], "rb").read())
np.save(sys.argv[2], net.predict_proba(X))
print(net.device_)
"""


def load_inputs(path):
    """(X, y, groups): from a prepared ``.npz``, or computed from the raw data."""
    from skfusion import ModalityDict

    if path is None:
        from bench_neural import build_inputs

        bunch = load_av_mnist()
        return build_inputs(bunch), bunch.target, bunch.groups
    with np.load(path, allow_pickle=False) as data:
        X = ModalityDict(image=data["image"], audio=data["audio"])
        return X, data["target"], data["groups"]


def versions():
    import sklearn
    import skorch
    import torch

    info = {"python": platform.python_version(), "torch": torch.__version__,
            "torch cuda": torch.version.cuda, "numpy": np.__version__,
            "scikit-learn": f"{sklearn.__version__} ({Path(sklearn.__file__).parent})",
            "skorch": skorch.__version__}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        info["cudnn"] = torch.backends.cudnn.version()
    return info


def fit_on(label, device, threads, args, X, y, train, test):
    import torch

    from skfusion.neural import FusionNetClassifier

    pin_threads(threads)
    torch.set_num_threads(threads)
    net = FusionNetClassifier(
        encoders={"audio": "cnn1d"},
        aux_loss_weight=1.0, modality_dropout=0.5, max_epochs=args.epochs,
        batch_size=args.batch_size, lr=2e-3, device=device, random_state=0)
    with Timer() as timer:
        net.fit(X[train], y[train])
    epochs = [float(d) for d in net.net_.history[:, "dur"]]
    row = {"run": label, "device": device, "cpu threads": threads, "fit seconds": timer.seconds,
           "epoch seconds": epochs,
           # the first epoch holds CUDA's start-up and cuDNN's autotuning
           "median epoch seconds (after the first)": float(np.median(epochs[1:] or epochs)),
           "accuracy": float(net.score(X[test], y[test]))}
    print(f"  {label} on {device} ({threads} CPU threads): fit {row['fit seconds']:.1f}s, epochs "
          f"{', '.join(f'{d:.2f}' for d in epochs)}s, accuracy {row['accuracy']:.4f}",
          flush=True)
    return net, row


def load_without_gpu(net, X_test):
    """Pickle a GPU net, load it in a process with CUDA hidden, return its probabilities."""
    with tempfile.TemporaryDirectory() as folder:
        path, out = Path(folder, "net.pkl"), Path(folder, "proba.npy")
        path.write_bytes(pickle.dumps((net, X_test)))
        env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
        done = subprocess.run([sys.executable, "-c", LOAD_ON_CPU, str(path), str(out)],
                              env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"loading the GPU net without a GPU failed:\n{done.stderr}")
        return np.load(out), done.stdout.strip().splitlines()[-1]


def gpu_checks(nets, X_test, rows):
    """Refit reproducibility, CPU loading of the GPU net, epoch-time ratios."""
    gpu, again = nets["gpu"], nets["gpu, same seed again"]
    gpu_proba = gpu.predict_proba(X_test)
    cpu_proba, loaded_device = load_without_gpu(gpu, X_test)
    gpu_epoch = next(r for r in rows if r["run"] == "gpu")[
        "median epoch seconds (after the first)"]
    return {
        "gpu_refit_same_seed_max_abs_probability_difference":
            float(np.abs(gpu_proba - again.predict_proba(X_test)).max()),
        "gpu_net_loaded_without_gpu": {
            "device_after_loading": loaded_device,
            "max_abs_probability_difference": float(np.abs(gpu_proba - cpu_proba).max())},
        "speedup_median_epoch": {
            f"cpu, {r['cpu threads']} threads": r["median epoch seconds (after the first)"]
            / gpu_epoch for r in rows if r["run"] == "cpu"},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, nargs="+", default=[1],
                        help="CPU thread counts to time, one CPU fit each (e.g. 1 16)")
    parser.add_argument("--inputs", type=Path, default=None,
                        help="the .npz of maint_tools/gpu_check_inputs.py (default: raw data)")
    parser.add_argument("--gpu", default="cuda",
                        help="device of the GPU half; 'cpu' dry-runs its code path without one")
    parser.add_argument("--results-name", default="neural_gpu_check")
    args = parser.parse_args()
    import torch

    for key, value in versions().items():
        print(f"{key}: {value}")
    with Timer() as loading:
        X, y, groups = load_inputs(args.inputs)
    print(f"inputs: {args.inputs or 'raw data'} ({loading.seconds:.1f}s): "
          + ", ".join(f"{m} {X[m].dtype} {X[m].shape}" for m in X.modalities))
    name, train, test = speaker_splits(groups)[0]
    cuda = torch.cuda.is_available()
    gpu_half = cuda or not args.gpu.startswith("cuda")
    if not cuda:
        print("CUDA is absent (torch.cuda.is_available() is False): "
              + (f"dry run of the GPU half on {args.gpu!r}." if gpu_half
                 else "running the CPU part only."))
    runs = [("cpu", "cpu", t) for t in args.threads]
    if gpu_half:
        runs += [("gpu", args.gpu, 1), ("gpu, same seed again", args.gpu, 1)]
    rows, nets = [], {}
    for label, device, threads in runs:
        nets[label], row = fit_on(label, device, threads, args, X, y, train, test)
        rows.append(row)
    payload = {"rotation": name, "epochs": args.epochs, "batch_size": args.batch_size,
               "inputs": str(args.inputs or "raw data"), "cuda": cuda,
               "versions": versions(), "runs": rows, "command": " ".join(sys.argv)}
    if gpu_half:
        payload.update(gpu_checks(nets, X[test], rows))

    print(f"\nAV-MNIST rotation {name} ({len(train)} train, {len(test)} test), "
          f"{args.epochs} epochs, batch {args.batch_size}")
    print_table([{"run": r["run"], "device": r["device"], "cpu threads": r["cpu threads"],
                  "fit seconds": f"{r['fit seconds']:.1f}",
                  "median epoch s": f"{r['median epoch seconds (after the first)']:.3f}",
                  "accuracy": f"{r['accuracy']:.4f}"} for r in rows],
                ["run", "device", "cpu threads", "fit seconds", "median epoch s", "accuracy"])
    if gpu_half:
        print()
        for label, ratio in payload["speedup_median_epoch"].items():
            print(f"median epoch time, {label} / GPU: {ratio:.1f}x")
        check = payload["gpu_net_loaded_without_gpu"]
        print(f"GPU refit with the same random_state: max |dp| = "
              f"{payload['gpu_refit_same_seed_max_abs_probability_difference']:.2e}")
        print(f"GPU-trained net loaded without a GPU: device {check['device_after_loading']}, "
              f"max |p_gpu - p_cpu| = {check['max_abs_probability_difference']:.2e}")
    write_results(args.results_name, payload)


if __name__ == "__main__":
    main()
