"""Test setup: pinned threads (2 shared cores) and the shared data folder."""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parent.parent / "shared" / "data"


def pytest_configure(config):
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass


@pytest.fixture(autouse=True)
def _torch_one_thread():
    """Pin torch to one thread when a test has imported it."""
    import sys

    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)
    yield


@pytest.fixture(scope="session")
def av_mnist_home():
    """The folder holding FSDD and the MNIST sample (``../shared/data``)."""
    home = Path(os.environ.get("SKFUSION_DATA", SHARED_DATA))
    if not (home / "fsdd" / "recordings").is_dir():
        pytest.skip(f"AV-MNIST data not found in {home}")
    return home


@pytest.fixture(scope="session")
def av_mnist(av_mnist_home):
    from skfusion.datasets import fetch_av_mnist

    return fetch_av_mnist(data_home=av_mnist_home, download_if_missing=False)
