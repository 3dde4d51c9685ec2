"""Readers that decode one file each (images, audio, text, ``.npy``) and run them in parallel.

A reader has three methods: ``probe(path)`` reads only what a file's header
says (cheap, used by lazy loading), ``read(path)`` decodes the file and
returns ``(value, meta)``, and ``layout(name, paths, metas, has_missing)``
decides, from the metas of every file of a modality, how the decoded values
stack into one column (and raises an error naming two files that disagree).
Readers hold only their options, so they pickle in a few bytes.
"""

import os
from functools import lru_cache
from math import gcd
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..utils.arrays import object_array
from ..utils._progress import progress_bar

__all__ = [
    "AudioReader",
    "ImageReader",
    "Layout",
    "NpyReader",
    "TextReader",
    "assemble",
    "kind_of_path",
    "map_files",
]

EXTENSIONS = {
    "image": (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp",
              ".ppm", ".pgm", ".pbm"),
    "audio": (".wav", ".flac", ".ogg", ".aif", ".aiff", ".au", ".mp3"),
    "text": (".txt",),
    "npy": (".npy",),
}
_KIND_OF_EXTENSION = {ext: kind for kind, exts in EXTENSIONS.items() for ext in exts}
AUDIO_DTYPES = ("float32", "float64", "int16", "int32")
# files per task handed to a worker: small enough for smooth progress bars
CHUNK_SIZE = 64


def kind_of_path(path):
    """The reader kind (``"image"``, ``"audio"``, ...) of a file name, or None."""
    return _KIND_OF_EXTENSION.get(Path(str(path)).suffix.lower())


class Layout(NamedTuple):
    """How the decoded values of one modality stack into a column.

    ``item_shape`` is the shape of one sample (the column is a numeric array
    of shape ``(n_samples, *item_shape)``), or None for a 1-D object column
    of per-sample values (ragged waveforms, strings). Missing samples are
    ``None`` in object columns and all-NaN rows in numeric ones.
    """

    item_shape: tuple | None
    dtype: np.dtype


def assemble(values, layout):
    """Stack decoded values (``None`` for a missing sample) as ``layout`` says."""
    if layout.item_shape is None:
        return object_array(values)
    out = np.empty((len(values), *layout.item_shape), dtype=layout.dtype)
    gap = None if layout.dtype == object else np.nan
    for row, value in enumerate(values):
        out[row] = gap if value is None else value
    return out


def _stacked_layout(shapes, dtypes, has_missing):
    dtype = np.result_type(*dtypes)
    if has_missing:
        # the container's convention: missing rows of numeric data are NaN, and
        # missing entries of anything else (strings, dates) None in an object array
        dtype = (np.result_type(dtype, np.float32) if dtype.kind in "biufc"
                 else np.dtype(object))
    return Layout(tuple(shapes[0]), np.dtype(dtype))


def _first_difference(values):
    """Positions of the first value and of the first one that differs from it."""
    for position, value in enumerate(values):
        if value != values[0]:
            return 0, position
    return None


# -- images -----------------------------------------------------------------
def _pillow():
    try:
        from PIL import Image
    except ImportError as exc:
        raise ImportError(
            "reading image files needs Pillow: pip install skfusion[image]"
        ) from exc
    return Image


@lru_cache(maxsize=64)
def _mode_layout(mode):
    """The channel axes and dtype of an image in Pillow mode ``mode``."""
    Image = _pillow()
    try:
        sample = np.asarray(Image.new(mode, (1, 1)))
    except ValueError as exc:
        raise ValueError(
            f"image_mode={mode!r} is not a Pillow image mode; use for example 'L' "
            "(grey), 'RGB' or 'RGBA'"
        ) from exc
    return sample.shape[2:], sample.dtype


# EXIF orientations 5 to 8 turn the stored picture by 90 degrees: height and width swap
_TRANSPOSING_ORIENTATIONS = frozenset({5, 6, 7, 8})
_EXIF_ORIENTATION = 0x0112


def _orientation(image):
    """The EXIF orientation tag of an opened image, read without decoding its pixels."""
    raw = image.info.get("exif")
    if raw is not None:
        exif = _pillow().Exif()
        exif.load(raw)
        return exif.get(_EXIF_ORIENTATION)
    # a TIFF keeps its tags in its header; elsewhere getexif() could decode the whole image
    return image.getexif().get(_EXIF_ORIENTATION) if image.format == "TIFF" else None


def _upright_size(image):
    """(width, height) of ``image`` once its EXIF orientation is applied."""
    if _orientation(image) in _TRANSPOSING_ORIENTATIONS:
        return image.height, image.width
    return image.width, image.height


def _natural_mode(image):
    """The mode an image keeps when no ``image_mode`` is chosen."""
    if image.mode == "P":
        return "RGBA" if "transparency" in image.info else "RGB"
    if image.mode == "1":
        return "L"
    return image.mode


class ImageReader:
    """Decode images with Pillow, in one ``mode`` and ``size`` when given.

    Parameters
    ----------
    mode : str, default=None
        Pillow mode to convert to (``"L"``, ``"RGB"``...). None keeps each
        file's mode (palette images become RGB or RGBA, bilevel ones L).
    size : (height, width), default=None
        Resize every image to this size (bilinear). None keeps each file's
        size, and images must then share one size.

    Notes
    -----
    A photo's EXIF orientation tag is applied, so that an image comes out the
    way a viewer shows it (cameras and phones store pictures sideways and
    record the turn in that tag); sizes are those of the upright image.
    """

    kind = "image"

    def __init__(self, mode=None, size=None):
        self.mode = mode
        self.size = None if size is None else tuple(int(s) for s in size)
        if mode is not None:
            _mode_layout(mode)

    def probe(self, path):
        with _pillow().open(path) as image:
            return self._meta(image)

    def read(self, path):
        Image = _pillow()
        from PIL import ImageOps

        with Image.open(path) as image:
            meta = self._meta(image)
            image = ImageOps.exif_transpose(image)
            mode = self.mode or _natural_mode(image)
            image = image.convert(mode) if image.mode != mode else image
            if self.size is not None and image.size != self.size[::-1]:
                image = image.resize(self.size[::-1], Image.Resampling.BILINEAR)
            return np.array(image), meta

    def _meta(self, image):
        mode = self.mode or _natural_mode(image)
        channels, dtype = _mode_layout(mode)
        width, height = _upright_size(image)
        source = f"{width}x{height} {image.mode}"
        height, width = self.size or (height, width)
        return (height, width, *channels), dtype.str, source

    def layout(self, name, paths, metas, has_missing):
        shapes = [meta[0] for meta in metas]
        differ = _first_difference(shapes)
        if differ is not None:
            a, b = differ
            raise ValueError(
                f"modality {name!r}: the images differ in size or channels: "
                f"{paths[a]} is {metas[a][2]} (array {shapes[a]}), {paths[b]} is "
                f"{metas[b][2]} (array {shapes[b]}); choose a common size and mode "
                "with image_size=(height, width) and image_mode (for example 'L' or 'RGB')"
            )
        return _stacked_layout(shapes, [meta[1] for meta in metas], has_missing)


# -- audio ------------------------------------------------------------------
def _soundfile():
    try:
        import soundfile
    except ImportError as exc:
        raise ImportError(
            "reading audio files needs soundfile: pip install skfusion[audio]"
        ) from exc
    return soundfile


def _int_scale(dtype):
    return float(2 ** (np.dtype(dtype).itemsize * 8 - 1))


def _as_float(wave):
    if wave.dtype.kind == "i":
        return wave / _int_scale(wave.dtype)
    return wave.astype(np.float64, copy=False)


def _from_float(signal, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "i":
        info = np.iinfo(dtype)
        scaled = np.round(signal * _int_scale(dtype))
        return np.clip(scaled, info.min, info.max).astype(dtype)
    return signal.astype(dtype)


def _wav_shortfall(path):
    """``(declared, present)`` frames of a WAV file whose data is cut short, else None.

    libsndfile reads what is there of a truncated WAV without a word; the
    RIFF header's data chunk says how much there should be.
    """
    with open(path, "rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        size = os.fstat(handle.fileno()).st_size
        block = None
        while True:
            chunk = handle.read(8)
            if len(chunk) < 8:
                return None
            name, length = chunk[:4], int.from_bytes(chunk[4:], "little")
            if name == b"data":
                available = size - handle.tell()
                # 0 and 0xFFFFFFFF: a streamed file whose writer did not know the length
                if length in (0, 0xFFFFFFFF) or length <= available or not block:
                    return None
                return length // block, available // block
            if name == b"fmt ":
                fmt = handle.read(min(length, 16))
                block = int.from_bytes(fmt[12:14], "little") if len(fmt) >= 14 else None
                length -= len(fmt)
            handle.seek(length + (length & 1), os.SEEK_CUR)


def _check_complete(path):
    shortfall = _wav_shortfall(path)
    if shortfall is not None:
        raise ValueError(f"the file is truncated: its header says {shortfall[0]} frames, "
                         f"it holds {shortfall[1]}")


class AudioReader:
    """Decode audio with soundfile: mono mix-down, optional resampling.

    Parameters
    ----------
    sr : int, default=None
        Resample every recording to this rate (``scipy.signal.resample_poly``).
        None keeps each file's rate, and recordings must then share one rate.
    dtype : {"float32", "float64", "int16", "int32"}, default="float32"
        Sample type; floats lie in [-1, 1), integers are PCM values.
    """

    kind = "audio"

    def __init__(self, sr=None, dtype="float32"):
        self.sr = sr
        self.dtype = dtype

    def probe(self, path):
        rate = _soundfile().info(str(path)).samplerate
        _check_complete(path)
        return (rate,)

    def read(self, path):
        dtype = np.dtype(self.dtype)
        wave, rate = _soundfile().read(str(path), dtype=self.dtype, always_2d=True)
        _check_complete(path)
        if wave.shape[0] == 0:
            raise ValueError("the recording is empty (0 samples)")
        if wave.shape[1] == 1 and self.sr in (None, rate):
            return wave[:, 0].copy(), (rate,)
        signal = _as_float(wave).mean(axis=1)
        if self.sr not in (None, rate):
            from scipy.signal import resample_poly

            common = gcd(int(self.sr), int(rate))
            signal = resample_poly(signal, int(self.sr) // common, int(rate) // common)
        return _from_float(signal, dtype), (rate,)

    def layout(self, name, paths, metas, has_missing):
        if self.sr is None:
            rates = [meta[0] for meta in metas]
            differ = _first_difference(rates)
            if differ is not None:
                a, b = differ
                raise ValueError(
                    f"modality {name!r}: the recordings have different sample rates: "
                    f"{paths[a]} is {rates[a]} Hz, {paths[b]} is {rates[b]} Hz; pass "
                    "sr=<rate> to resample them to one rate"
                )
        return Layout(None, np.dtype(object))

    def sample_rate(self, metas):
        """The rate of the decoded waveforms (None when no file was read)."""
        if self.sr is not None:
            return int(self.sr)
        return int(metas[0][0]) if metas else None


# -- text and arrays ----------------------------------------------------------
class TextReader:
    """Read a text file as one UTF-8 string (an optional byte-order mark is dropped)."""

    kind = "text"

    def probe(self, path):
        return ()

    def read(self, path):
        payload = Path(path).read_bytes()
        try:
            return payload.decode("utf-8-sig"), ()
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"not UTF-8 text: byte 0x{payload[exc.start]:02x} at position "
                f"{exc.start} ({exc.reason})"
            ) from None

    def layout(self, name, paths, metas, has_missing):
        return Layout(None, np.dtype(object))


class NpyReader:
    """Read ``.npy`` arrays (no pickled objects); equal shapes stack, others stay ragged."""

    kind = "npy"

    def probe(self, path):
        header = np.load(path, mmap_mode="r", allow_pickle=False)
        return tuple(header.shape), header.dtype.str

    def read(self, path):
        array = np.load(path, allow_pickle=False)
        return array, (tuple(array.shape), array.dtype.str)

    def layout(self, name, paths, metas, has_missing):
        shapes = [meta[0] for meta in metas]
        if shapes and _first_difference(shapes) is None:
            return _stacked_layout(shapes, [meta[1] for meta in metas], has_missing)
        return Layout(None, np.dtype(object))


READERS = {"image": ImageReader, "audio": AudioReader, "text": TextReader, "npy": NpyReader}


# -- running readers over many files -------------------------------------------
def _apply(func, paths):
    """``func`` on each path: ``(True, result)`` or ``(False, "error message")``."""
    out = []
    for path in paths:
        try:
            out.append((True, func(path)))
        except (ImportError, MemoryError):
            raise
        except Exception as exc:  # any decoding failure is reported with its file
            out.append((False, f"{type(exc).__name__}: {exc}"))
    return out


def map_files(func, paths, *, n_jobs=None, verbose=0, desc="files"):
    """Apply ``func`` to every path, in order, with ``n_jobs`` workers.

    Work goes to joblib in chunks of :data:`CHUNK_SIZE` files, with threads
    by default (decoders release the GIL and nothing is pickled); use
    ``joblib.parallel_config(backend="loky")`` for processes. With
    ``verbose``, a tqdm bar shows progress (without tqdm, joblib's own
    progress messages).

    Returns
    -------
    results : list of (bool, object)
        ``(True, func(path))``, or ``(False, message)`` when it raised.
    """
    from sklearn.utils.parallel import Parallel, delayed

    chunks = [paths[i:i + CHUNK_SIZE] for i in range(0, len(paths), CHUNK_SIZE)]
    bar = progress_bar(len(paths), verbose, desc, unit="file")
    joblib_verbose = 10 if verbose and bar is None else 0
    parallel = Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator",
                        verbose=joblib_verbose)
    results = []
    try:
        for chunk_results in parallel(delayed(_apply)(func, chunk) for chunk in chunks):
            results.extend(chunk_results)
            if bar is not None:
                bar.update(len(chunk_results))
    finally:
        if bar is not None:
            bar.close()
    return results
