"""Bring your own data: image, audio, text and array files into a ModalityDict."""

import os
import re
import warnings
from collections.abc import Mapping
from functools import partial
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..data import ModalityDict
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ._lazy import LazyFileArray, record_file
from ._readers import AUDIO_DTYPES, READERS, Layout, assemble, kind_of_path, map_files

__all__ = ["load_multimodal_files"]

_VALUE = "value"
# above this share of absent files, loading a modality warns (all absent: an error)
ABSENT_WARN_SHARE = 0.5
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SUFFIX = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")


@validate_params(
    {
        "manifest": "no_validation",
        "root": [str, os.PathLike, None],
        "modalities": [list, tuple, dict, None],
        "target": "no_validation",
        "id_column": "no_validation",
        "readers": [dict, None],
        "image_mode": [str, None],
        "image_size": [tuple, list, None],
        "sr": [Interval(Integral, 1, None, closed="left"), None],
        "audio_dtype": [StrOptions(set(AUDIO_DTYPES))],
        "lazy": ["boolean"],
        "on_error": [StrOptions({"raise", "missing"})],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "return_X_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_multimodal_files(manifest=None, *, root=None, modalities=None, target=None,
                          id_column=None, readers=None, image_mode=None, image_size=None,
                          sr=None, audio_dtype="float32", lazy=False, on_error="raise",
                          n_jobs=None, verbose=0, return_X_y=False):
    """Load image, audio, text and ``.npy`` files into a ModalityDict, in manifest order.

    The manifest has one row per sample. A column of file names (relative
    to ``root``) becomes a modality decoded from those files; a column of
    values (captions, numbers) becomes a modality as it is; a list of
    columns becomes a table (a DataFrame). A modality can also be a folder
    ``root/<modality>/`` of files named ``<sample id>.<ext>``, matched to the
    manifest's ``id_column``; without a manifest, every sample id found in
    the folders is a row (ids sorted).

    A sample whose file is absent (or whose cell is empty) lacks that
    modality: ``None`` in object columns (strings from ``.npy`` files
    included), an all-NaN row in numeric ones (which are then float), as
    :meth:`~skfusion.ModalityDict.is_missing` expects. When none of a
    modality's files exists (typically a wrong ``root``), an error names the
    modality, the root and the first absent file; when more than half of them
    (``ABSENT_WARN_SHARE``) are absent, a warning says so. A file that exists
    but cannot be decoded (a truncated WAV included) raises an error naming
    it, or becomes missing with ``on_error="missing"``.

    Parameters
    ----------
    manifest : str, path-like, DataFrame, dict or None, default=None
        A CSV file, a DataFrame, or a dict of columns, one row per sample.
        None reads only the folders under ``root``.
    root : str or path-like, default=None
        The folder that file names are relative to. Paths that leave it
        are refused: ``../``, absolute paths, and symbolic links (a linked
        file or folder) that resolve outside it. By default the CSV's
        folder, with the same rule; for a DataFrame or a dict, the working
        directory, and then paths may go anywhere (to read a CSV whose paths
        leave its folder, pass ``pandas.read_csv(path)`` and, if its paths
        are relative, ``root``). Required without a manifest. Entries must
        be local file names: URLs, NUL bytes and (on POSIX) backslashes are
        refused with an error naming the entry.
    modalities : list of str or dict, default=None
        The modalities to load. A name is a manifest column or a folder
        under ``root``; a dict maps a modality name to a column, a folder, or
        a list of columns (a table). By default every manifest column except
        ``target`` and ``id_column``, or without a manifest every folder
        under ``root``.
    target : str, default=None
        The manifest column holding the target.
    id_column : str, default=None
        The manifest column holding the sample ids (unique); needed to match
        folder modalities. By default the manifest's index.
    readers : dict, default=None
        Modality name mapped to how its entries are read: ``"image"``,
        ``"audio"``, ``"text"``, ``"npy"`` or ``"value"`` (the cell itself).
        By default from the file extensions (``.png``/``.jpg``...,
        ``.wav``/``.flac``..., ``.txt``, ``.npy``); a column whose entries
        are not all such file names holds values (a caption that ends in
        "dog.jpg" does not make its column files), unless the other entries
        look like file names too (no spaces, a path or an extension): then an
        error names the one it cannot tell how to read.
    image_mode : str, default=None
        Pillow mode every image is converted to (``"L"``, ``"RGB"``...).
        None keeps each file's mode (palette images become RGB), and then
        all images must have the same number of channels.
    image_size : (height, width), default=None
        Resize every image to this size. None keeps each file's size, and
        then all images must have the same size (an error names two that
        differ).
    sr : int, default=None
        Resample every recording to this rate. None keeps the files' rate,
        which must then be the same for all.
    audio_dtype : {"float32", "float64", "int16", "int32"}, default="float32"
        Sample type of the waveforms (floats in [-1, 1), or PCM integers).
        Recordings are mixed down to mono.
    lazy : bool, default=False
        Keep file modalities as :class:`~skfusion.datasets._lazy.LazyFileArray`:
        only file headers are read now, and a file is decoded when its row
        is used (``np.asarray`` on a selection, a batch), so a data set
        larger than memory can be cross-validated batch by batch. The
        decoded values equal eager loading's.
    on_error : {"raise", "missing"}, default="raise"
        What a file that exists but cannot be decoded becomes: an error
        naming the file, or a missing sample, listed in ``errors``.
    n_jobs : int, default=None
        Files decoded in parallel (joblib; threads unless a
        ``joblib.parallel_config`` backend says otherwise). None means 1.
    verbose : int, default=0
        Show a progress bar per modality (tqdm when installed, else joblib's
        progress messages).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    bunch : Bunch
        Dictionary-like object with the following attributes.

        data : ModalityDict
            One modality per name, rows in manifest order. Images are
            ``(n_samples, height, width[, channels])`` arrays, audio and
            text 1-D object arrays of waveforms and strings, ``.npy``
            arrays stacked when their shapes agree (else an object array).
        target : ndarray or None
            The ``target`` column.
        ids : ndarray
            The sample ids, row by row.
        files : dict
            File modality name mapped to an object array of the absolute
            path of each sample (``None`` where absent).
        n_missing : dict
            Modality name mapped to the number of samples that lack it.
        errors : list of dict
            The files that could not be decoded under
            ``on_error="missing"``: ``modality``, ``id``, ``file``, ``error``.
        sample_rates : dict
            Audio modality name mapped to its sample rate in Hz.
        DESCR : str
            A description of what was loaded.

    (data, target) : tuple if ``return_X_y`` is True

    See Also
    --------
    skfusion.ModalityDict.from_dataframe : Modalities from DataFrame columns.
    fetch_av_mnist : A ready-made audio-visual data set.

    Notes
    -----
    Lazy modalities reach estimators through
    :class:`~skfusion.ModalitySelector` as the lazy array itself;
    estimators that validate their input decode it with ``np.asarray``.
    With ``lazy=True``, a file whose header reads but whose data is broken
    is found only when decoded; under ``on_error="missing"`` it then decodes
    as missing, with a warning naming it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from skfusion.datasets import load_multimodal_files
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("a red fox", encoding="utf-8")
    >>> _ = (folder / "b.txt").write_text("a blue hen", encoding="utf-8")
    >>> np.save(folder / "a.npy", np.ones(3))
    >>> manifest = {"text": ["a.txt", "b.txt", "c.txt"],
    ...             "vector": ["a.npy", "b.npy", "a.npy"],
    ...             "label": [1, 0, 1]}
    >>> bunch = load_multimodal_files(manifest, root=folder, target="label")
    >>> bunch.data
    ModalityDict(n_samples=3, text=object(3,) str, vector=float64(3, 3))
    >>> bunch.data["text"]
    array(['a red fox', 'a blue hen', None], dtype=object)
    >>> bunch.n_missing
    {'text': 1, 'vector': 1}
    >>> bunch.target
    array([1, 0, 1])
    """
    frame, csv_folder = _read_manifest(manifest, root)
    # a CSV's paths are relative to its folder and, as with root, stay inside it
    root = csv_folder if root is None else os.fspath(root)
    if root is not None:
        if not os.path.isdir(root):
            raise ValueError(f"root {os.path.abspath(root)} is not a folder")
        # symbolic links resolved: a path escaping through one is caught (_checked_path)
        root = os.path.realpath(root)
    sources = _modality_sources(modalities, frame, root, (target, id_column))
    unknown = sorted(set(readers or {}) - set(sources))
    if unknown:
        raise ValueError(f"readers names {unknown}, which are not modalities being loaded "
                         f"({list(sources)})")
    ids = _sample_ids(frame, id_column, root, sources)
    target_values = None if target is None else _column(frame, target, "target").to_numpy()
    options = dict(image_mode=image_mode, image_size=image_size, sr=sr,
                   audio_dtype=audio_dtype)
    loader = _FileLoader(lazy=lazy, on_error=on_error, n_jobs=n_jobs, verbose=verbose)
    items, notes = {}, {}
    for name, source in sources.items():
        if source[0] == "columns":
            items[name] = frame[source[1]].reset_index(drop=True)
            notes[name] = f"table of columns {source[1]}"
            continue
        paths, kind = _paths_and_kind(name, source, frame, ids, root, readers)
        if kind == _VALUE:
            items[name] = ModalityDict.from_dataframe(frame, {name: source[1]})[name]
            notes[name] = f"values of column {source[1]!r}"
            continue
        reader = READERS[kind](**_reader_options(kind, options))
        items[name] = loader.load(name, reader, paths, ids)
        notes[name] = f"{kind} files" + (", lazy" if lazy else "")
    data = ModalityDict(items)
    if return_X_y:
        return data, target_values
    n_missing = {name: int(data.is_missing(name).sum()) for name in data.modalities}
    return Bunch(
        data=data, target=target_values, ids=ids, files=loader.files,
        n_missing=n_missing, errors=loader.errors, sample_rates=loader.sample_rates,
        DESCR=_describe(manifest, root, data, notes, n_missing, loader.errors),
    )


# -- the manifest --------------------------------------------------------------
def _pandas():
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(
            "load_multimodal_files reads manifests with pandas: pip install pandas"
        ) from exc
    return pandas


def _read_manifest(manifest, root):
    """The manifest as a DataFrame (None for folders only) and the folder paths start in."""
    if manifest is None:
        if root is None:
            raise ValueError("without a manifest, pass root: the folder that holds "
                             "one sub-folder per modality")
        return None, None
    if isinstance(manifest, (str, os.PathLike)):
        path = Path(manifest)
        if not path.is_file():
            raise ValueError(f"the manifest {path} is not a file")
        return _pandas().read_csv(path), str(path.resolve().parent)
    if isinstance(manifest, Mapping):
        lengths = {column: len(values) for column, values in manifest.items()
                   if hasattr(values, "__len__") and not isinstance(values, str)}
        if len(set(lengths.values())) > 1:
            listing = ", ".join(f"{column!r}: {n}" for column, n in lengths.items())
            raise ValueError(f"the manifest's columns must have one entry per sample, "
                             f"got {listing}")
        return _pandas().DataFrame(dict(manifest)), None
    if hasattr(manifest, "iloc") and hasattr(manifest, "columns"):
        return manifest, None
    raise TypeError(
        "manifest must be a CSV path, a DataFrame, a dict of columns or None, got "
        f"{type(manifest).__name__}"
    )


def _column(frame, column, role):
    if frame is None or column not in frame.columns:
        known = [] if frame is None else list(frame.columns)
        raise ValueError(f"the {role} column {column!r} is not in the manifest; its "
                         f"columns are {known}")
    return frame[column]


def _sample_ids(frame, id_column, root, sources):
    if frame is None:
        return _folder_ids(root, [key for _, key in sources.values()])
    if len(frame) == 0:
        raise ValueError("the manifest has no rows")
    if id_column is None:
        return frame.index.to_numpy()
    ids = _column(frame, id_column, "id").to_numpy()
    values, counts = np.unique(ids.astype(str), return_counts=True)
    if (counts > 1).any():
        raise ValueError(f"the id column {id_column!r} repeats ids, for example "
                         f"{str(values[counts > 1][0])!r}; ids must be unique")
    return ids


def _folder_ids(root, names):
    """Every sample id found in the modality folders, sorted."""
    stems = set()
    for name in names:
        stems.update(_folder_files(root, name))
    if not stems:
        raise ValueError(f"no files found in the modality folders {names} under {root}")
    return np.array(sorted(stems), dtype=object)


def _folder_names(root):
    names = sorted(entry.name for entry in os.scandir(root)
                   if entry.is_dir() and not entry.name.startswith("."))
    if not names:
        raise ValueError(f"{root} holds no modality folders (root/<modality>/<id>.<ext>)")
    return names


def _modality_sources(modalities, frame, root, reserved):
    """Modality name -> ("column", col), ("columns", [cols]) or ("folder", folder)."""
    if modalities is None:
        if frame is None:
            return {name: ("folder", name) for name in _folder_names(root)}
        return {str(c): ("column", c) for c in frame.columns if c not in reserved}
    pairs = modalities.items() if isinstance(modalities, dict) else ((m, m) for m in modalities)
    sources = {}
    for name, where in pairs:
        if not isinstance(name, str):
            raise TypeError(f"modality names must be strings, got {name!r}")
        if isinstance(where, (list, tuple)):
            for column in where:
                _column(frame, column, f"modality {name!r}'s")
            sources[name] = ("columns", list(where))
        elif frame is not None and where in frame.columns:
            sources[name] = ("column", where)
        elif root is not None and os.path.isdir(os.path.join(root, where)):
            sources[name] = ("folder", where)
        else:
            columns = [] if frame is None else list(frame.columns)
            raise ValueError(
                f"modality {name!r}: {where!r} is neither a manifest column (columns: "
                f"{columns}) nor a folder under root ({root})"
            )
    if not sources:
        raise ValueError("no modality to load")
    return sources


# -- file paths ----------------------------------------------------------------
def _folder_files(root, folder):
    """Sample id (file stem) -> file name, for the files of ``root/folder``."""
    files = {}
    for entry in os.scandir(os.path.join(root, folder)):
        if entry.name.startswith(".") or not entry.is_file():
            continue
        stem = os.path.splitext(entry.name)[0]
        if stem in files:
            raise ValueError(
                f"folder {os.path.join(root, folder)} holds two files for sample "
                f"{stem!r}: {files[stem]} and {entry.name}; keep one"
            )
        files[stem] = entry.name
    return files


def _paths_and_kind(name, source, frame, ids, root, readers):
    """The file of every sample (None for empty cells and absent files) and the reader kind."""
    where, key = source
    if where == "folder":
        files = _folder_files(root, key)
        entries = [files.get(str(sample_id)) for sample_id in ids]
        if files and all(e is None for e in entries):
            raise ValueError(
                f"modality {name!r}: none of the files in {os.path.join(root, key)} is "
                f"named after a sample id (ids such as {str(_plain(ids[0]))!r}, files such "
                f"as {sorted(files.values())[0]!r}); check the id column"
            )
        entries = [None if e is None else f"{key}/{e}" for e in entries]
    else:
        entries = [_cell(value) for value in frame[key]]

    def check(entry):
        return _checked_path(name, entry, _plain(ids[entries.index(entry)]), root)

    kind = (readers or {}).get(name) or _infer_kind(name, entries, where == "folder", check)
    if kind not in (*READERS, _VALUE):
        raise ValueError(f"readers[{name!r}] is {kind!r}; use one of "
                         f"{[*READERS, _VALUE]}")
    if kind == _VALUE:
        if where == "folder":
            raise ValueError(f"modality {name!r} is a folder of files; it cannot be "
                             "read as values")
        return None, kind
    not_names = [e for e in entries if e is not None and not isinstance(e, str)]
    if not_names:
        raise ValueError(f"modality {name!r} is read as {kind} files, but its column holds "
                         f"{not_names[0]!r}, not a file name")
    paths = [None if entry is None else _checked_path(name, entry, _plain(sample_id), root)
             for entry, sample_id in zip(entries, ids)]
    _check_absent(name, entries, paths, root)
    return [path if path is not None and os.path.isfile(path) else None
            for path in paths], kind


def _check_absent(name, entries, paths, root):
    """Raise when none of a modality's files exists, warn when most are absent."""
    named = [(entry, path) for entry, path in zip(entries, paths) if path is not None]
    absent = [(entry, path) for entry, path in named if not os.path.isfile(path)]
    if not absent:
        return
    folder = root or os.getcwd()
    first = f"the first is {absent[0][0]!r} ({absent[0][1]})"
    if len(absent) == len(named):
        raise ValueError(
            f"modality {name!r}: none of its {len(named)} files exists under {folder}; "
            f"{first}. Check root (by default a CSV manifest's folder)"
        )
    if len(absent) > ABSENT_WARN_SHARE * len(named):
        warnings.warn(
            f"modality {name!r}: {len(absent)} of its {len(named)} files are absent under "
            f"{folder} and load as missing; {first}. Check root", UserWarning, stacklevel=4,
        )


def _cell(value):
    """A manifest cell as a file name, or None when empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip() if isinstance(value, (str, os.PathLike)) else value
    return text if text != "" else None


def _looks_like_path(entry):
    """An entry that looks like a file name: no spaces, and a folder or an extension."""
    return (not any(c.isspace() for c in entry)
            and ("/" in entry or "\\" in entry or _SUFFIX.search(entry) is not None))


def _infer_kind(name, entries, from_folder, check):
    """The reader kind that the file extensions of a column or folder name.

    ``check(entry)`` raises if the entry is not a local path inside root, so
    that an entry such as ``../../etc/passwd`` gets that error first.
    """
    present = [e for e in entries if e is not None]
    if not all(isinstance(e, str) for e in present):
        return _VALUE
    kinds = {kind_of_path(e) for e in present}
    if kinds <= {None} and not from_folder:
        return _VALUE
    if None in kinds:
        unknown = [e for e in present if kind_of_path(e) is None]
        if not from_folder and not all(_looks_like_path(e) for e in unknown):
            # free text beside a few entries that end like file names: values
            return _VALUE
        check(unknown[0])
        raise ValueError(
            f"modality {name!r}: cannot tell how to read {unknown[0]!r}"
            + (f" while other entries are {sorted(kinds - {None})} files" if len(kinds) > 1
               else "")
            + f"; fix the file name, or name the reader with readers={{{name!r}: "
            "'image' | 'audio' | 'text' | 'npy' | 'value'}"
        )
    if len(kinds) > 1:
        raise ValueError(
            f"modality {name!r} mixes {sorted(kinds)} files; one modality holds one "
            "kind of file (split it into several modalities)"
        )
    return kinds.pop()


def _plain(sample_id):
    """A sample id as a Python scalar, for messages and reports."""
    return sample_id.item() if isinstance(sample_id, np.generic) else sample_id


def _inside(path, root):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _checked_path(name, entry, sample_id, root):
    """The absolute path of a manifest entry, or an error naming it.

    The entry must be a local file name, relative to ``root`` and inside it
    once symbolic links are resolved; without ``root`` it may go anywhere.
    """
    where = f"modality {name!r}, sample {sample_id!r}"
    if "\0" in entry:
        raise ValueError(f"{where}: the entry {entry!r} holds a NUL byte; it is not a "
                         "file name")
    if _URL.match(entry):
        raise ValueError(f"{where}: {entry!r} is a URL; skfusion reads local files only: "
                         "download the files and name them relative to root")
    if os.sep == "/" and "\\" in entry:
        raise ValueError(f"{where}: the path {entry!r} holds a backslash; write paths "
                         "with '/' (a Windows path?)")
    if root is None:
        return os.path.abspath(entry)
    if os.path.isabs(entry):
        raise ValueError(
            f"{where}: the absolute path {entry!r} is refused because paths are relative "
            f"to root ({root}); write it relative to root"
        )
    path = os.path.normpath(os.path.join(root, entry))
    if not _inside(path, root):
        raise ValueError(
            f"{where}: the path {entry!r} escapes root ({root}); paths must stay inside root"
        )
    real = os.path.realpath(path)
    if not _inside(real, root):
        raise ValueError(
            f"{where}: the path {entry!r} escapes root ({root}) through a symbolic link "
            f"(it resolves to {real}); paths, and the links on them, must stay inside root"
        )
    return path


def _reader_options(kind, options):
    if kind == "image":
        size = options["image_size"]
        if size is not None and (len(size) != 2 or not all(
                isinstance(s, Integral) and s > 0 for s in size)):
            raise ValueError(f"image_size must be (height, width) in pixels, got {size!r}")
        return {"mode": options["image_mode"], "size": size}
    if kind == "audio":
        return {"sr": options["sr"], "dtype": options["audio_dtype"]}
    return {}


# -- decoding ------------------------------------------------------------------
class _FileLoader:
    """Decode (or, lazily, probe) the files of each modality; keep the report."""

    def __init__(self, *, lazy, on_error, n_jobs, verbose):
        self.lazy = lazy
        self.on_error = on_error
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.files, self.errors, self.sample_rates = {}, [], {}

    def load(self, name, reader, paths, ids):
        present = [row for row, path in enumerate(paths) if path is not None]
        func = partial(record_file, reader) if self.lazy else reader.read
        results = map_files(func, [paths[row] for row in present], n_jobs=self.n_jobs,
                            verbose=self.verbose, desc=name)
        values = [None] * len(paths)
        metas, meta_paths = [], []
        for row, (ok, result) in zip(present, results):
            if not ok:
                self._failed(name, reader.kind, paths, row, ids[row], result)
                continue
            # lazily: what the file is (stamp, digest, header), checked at every decoding
            values[row] = result
            meta = result[2] if self.lazy else result[1]
            metas.append(meta)
            meta_paths.append(paths[row])
        paths = np.array(paths, dtype=object)
        self.files[name] = paths
        has_missing = any(path is None for path in paths)
        layout = reader.layout(name, meta_paths, metas, has_missing)
        if reader.kind == "audio":
            self.sample_rates[name] = reader.sample_rate(metas)
        if self.lazy:
            return LazyFileArray(paths, reader, layout, modality=name,
                                 on_error=self.on_error, n_jobs=self.n_jobs,
                                 records=assemble(values, Layout(None, np.dtype(object))))
        return assemble([None if v is None else v[0] for v in values], layout)

    def _failed(self, name, kind, paths, row, sample_id, message):
        sample_id = _plain(sample_id)
        if self.on_error == "raise":
            raise ValueError(
                f"cannot read the {kind} file {paths[row]} (modality {name!r}, sample "
                f"{sample_id!r}): {message}; fix or remove the file, or pass "
                "on_error='missing' to load it as missing"
            )
        self.errors.append({"modality": name, "id": sample_id, "file": paths[row],
                            "error": message})
        paths[row] = None


def _describe(manifest, folder, data, notes, n_missing, errors):
    source = ("folders" if manifest is None else
              f"manifest {manifest}" if isinstance(manifest, (str, os.PathLike))
              else "a manifest table")
    lines = [
        "Multimodal files",
        "================",
        "",
        f"Loaded by skfusion.datasets.load_multimodal_files from {source}"
        + (f" (files under {folder})." if folder else "."),
        f"{data.n_samples} samples, in manifest order.",
        "",
    ]
    for name in data.modalities:
        lines.append(f"- {name}: {notes[name]}; {n_missing[name]} missing")
    if errors:
        lines.append(f"\n{len(errors)} files could not be decoded and are missing "
                     "(see ``errors``).")
    return "\n".join(lines) + "\n"
