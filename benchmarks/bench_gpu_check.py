"""GPU check for FusionNetClassifier: CPU against GPU on the same AV-MNIST data.

One leave-2-speakers-out rotation (george+jackson held out), the network of
``bench_neural.py``, the same seed on both devices. Prints epoch time and
held-out accuracy per device, and checks that a net trained on the GPU,
pickled, loads and predicts in a process that sees no GPU. Without CUDA it
runs the CPU part and says that CUDA is absent. Under 5 minutes on one GPU.

Run from the project root: ``python benchmarks/bench_gpu_check.py``.
"""

import argparse
import os
import pickle
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
from bench_neural import build_inputs  # noqa: E402

LOAD_ON_CPU = """
import pickle, sys, numpy as np, torch
assert not torch.cuda.is_available()
net, X = pickle.loads(open(sys.argv[1], "rb").read())
np.save(sys.argv[2], net.predict_proba(X))
print(net.device_)
"""


def fit_on(device, args, X, y, train, test):
    from skfusion.neural import FusionNetClassifier

    net = FusionNetClassifier(
        encoders={"audio": "cnn1d"},
        aux_loss_weight=1.0, modality_dropout=0.5, max_epochs=args.epochs,
        batch_size=args.batch_size, lr=2e-3, device=device, random_state=0)
    with Timer() as timer:
        net.fit(X[train], y[train])
    epochs = list(net.net_.history[:, "dur"])
    return net, {"device": device, "fit seconds": timer.seconds, "epoch seconds": epochs,
                 # the first epoch holds CUDA's start-up
                 "median epoch seconds (after the first)": float(np.median(epochs[1:])),
                 "accuracy": float(net.score(X[test], y[test]))}


def load_without_gpu(net, X_test):
    """Pickle a GPU net, load it in a process with CUDA hidden, return its probabilities."""
    with tempfile.TemporaryDirectory() as folder:
        path, out = Path(folder, "net.pkl"), Path(folder, "proba.npy")
        path.write_bytes(pickle.dumps((net, X_test)))
        env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
        done = subprocess.run([sys.executable, "-c", LOAD_ON_CPU, str(path), str(out)],
                              env=env, capture_output=True, text=True, check=True)
        return np.load(out), done.stdout.strip().splitlines()[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for torch")
    args = parser.parse_args()
    import torch

    pin_threads(args.threads)
    torch.set_num_threads(args.threads)
    bunch = load_av_mnist()
    X, y = build_inputs(bunch), bunch.target
    name, train, test = speaker_splits(bunch.groups)[0]
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    if len(devices) == 1:
        print("CUDA is absent (torch.cuda.is_available() is False): running the CPU part only.")
    else:
        print(f"GPU: {torch.cuda.get_device_name(0)}")
    rows, nets = [], {}
    for device in devices:
        nets[device], row = fit_on(device, args, X, y, train, test)
        rows.append(row)
        print(f"  {device}: fit {row['fit seconds']:.1f}s, accuracy {row['accuracy']:.3f}",
              flush=True)
    payload = {"rotation": name, "epochs": args.epochs, "batch_size": args.batch_size,
               "cpu_threads": args.threads, "cuda": torch.cuda.is_available(), "runs": rows}
    if "cuda" in nets:
        gpu_proba = nets["cuda"].predict_proba(X[test])
        cpu_proba, loaded_device = load_without_gpu(nets["cuda"], X[test])
        payload["gpu_net_loaded_without_gpu"] = {
            "device_after_loading": loaded_device,
            "max_abs_probability_difference": float(np.abs(gpu_proba - cpu_proba).max())}
        payload["speedup_median_epoch"] = (rows[0]["median epoch seconds (after the first)"]
                                           / rows[1]["median epoch seconds (after the first)"])
    print(f"\nAV-MNIST rotation {name}, {args.epochs} epochs, batch {args.batch_size}, "
          f"CPU threads {args.threads}")
    print_table([{"device": r["device"], "fit seconds": f"{r['fit seconds']:.1f}",
                  "median epoch s": f"{r['median epoch seconds (after the first)']:.2f}",
                  "accuracy": f"{r['accuracy']:.3f}"} for r in rows],
                ["device", "fit seconds", "median epoch s", "accuracy"])
    if "cuda" in nets:
        check = payload["gpu_net_loaded_without_gpu"]
        print(f"\nGPU/CPU epoch-time speedup: {payload['speedup_median_epoch']:.1f}x")
        print(f"GPU-trained net loaded without a GPU: device {check['device_after_loading']}, "
              f"max |p_gpu - p_cpu| = {check['max_abs_probability_difference']:.2e}")
    write_results("neural_gpu_check", payload)


if __name__ == "__main__":
    main()
