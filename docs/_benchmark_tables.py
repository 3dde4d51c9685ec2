"""Render ``benchmarks/results/*.json`` and their PNG figures as reStructuredText.

Every benchmark script writes ``benchmarks/results/<name>.json`` (the machine,
library versions and date under ``"machine"``, then its own results) and may
write ``<name>*.png`` figures. The benchmark page shows whatever results are
committed, so it cannot fall behind them: lists of flat records become tables,
mappings of scalars become field lists, and a mapping that holds a ``rows``
list becomes its scalars plus a table.
"""

import json
import shutil
from pathlib import Path

TITLES = {
    "features": "Per-modality features and augmentation",
    "early_fusion": "Early fusion",
    "early_fusion_default": "Early fusion: the default block scaling against plain "
                            "concatenation",
    "overhead": "What the fusion machinery costs",
    "late_fusion": "Late fusion",
    "neural": "Neural fusion",
    "inspection": "Inspection: importance and robustness",
    "scale": "Scale: parallel fitting and bounded memory",
    "files": "Loading files",
    "real_world": "Real-world text + table: clothing reviews against AutoGluon and "
                  "pytorch-widedeep",
    "neural_gpu_check": "Neural fusion: CPU against GPU",
    "raw_audio": "Neural fusion on raw audio: log-mel front-end against an MFCC step",
    "masked_norm_av_mnist": "Neural fusion: batch norm over present rows (AV-MNIST)",
    "masked_norm_av_digits": "Neural fusion: batch norm over present rows (AV-Digits)",
    "masked_norm_av_digits_missing70": "Neural fusion: batch norm over present rows "
                                       "(AV-Digits, 70% missing)",
}
ORDER = list(TITLES)


def render(results_dir, figures_dir, figures_link):
    """Return the rst for every results file, copying figures to ``figures_dir``.

    Parameters
    ----------
    results_dir : Path
        ``benchmarks/results``.
    figures_dir : Path
        Where the PNG figures are copied (inside the Sphinx source tree).
    figures_link : str
        ``figures_dir`` as the including page refers to it.

    Returns
    -------
    text : str
    """
    results_dir = Path(results_dir)
    paths = sorted(results_dir.glob("*.json"),
                   key=lambda p: (ORDER.index(p.stem) if p.stem in ORDER else len(ORDER),
                                  p.stem))
    if not paths:
        return "No benchmark results are committed yet.\n"
    figures_dir = Path(figures_dir)
    figures_dir.mkdir(parents=True, exist_ok=True)
    return "\n".join(_section(path, _figures(path, paths), figures_dir, figures_link)
                     for path in paths)


def _figures(path, paths):
    """The PNGs named after this results file (and not after a longer-named one)."""
    stems = sorted((p.stem for p in paths), key=len, reverse=True)
    return [figure for figure in sorted(path.parent.glob("*.png"))
            if next((s for s in stems if figure.stem.startswith(s)), None) == path.stem]


def _script(path):
    """The benchmark script that writes this results file."""
    scripts = path.parent.parent
    default = scripts / f"bench_{path.stem}.py"
    if default.is_file():
        return default.name
    for script in sorted(scripts.glob("bench_*.py")):
        if f'"{path.stem}"' in script.read_text():
            return script.name
    return default.name


def _section(path, figures, figures_dir, figures_link):
    payload = json.loads(path.read_text())
    machine = payload.pop("machine", {})
    title = TITLES.get(path.stem, path.stem.replace("_", " ").capitalize())
    lines = [title, "-" * len(title), "",
             f"Regenerate: ``python benchmarks/{_script(path)}`` "
             f"(writes ``benchmarks/results/{path.name}``).", ""]
    if machine:
        lines += [f"Measured {_machine(machine)}.", ""]
    for key, value in payload.items():
        lines += _value(key, value)
    for figure in figures:
        shutil.copy2(figure, figures_dir / figure.name)
        lines += [f".. figure:: {figures_link}/{figure.name}", "   :width: 90%", "",
                  f"   ``{figure.name}``", ""]
    return "\n".join(lines)


def _machine(machine):
    parts = [machine.get("date", "?")[:16].replace("T", " ") + " UTC",
             f"{machine.get('cpu_count', '?')} CPUs ({machine.get('processor', '?')})",
             f"Python {machine.get('python', '?')}"]
    parts += [f"{name} {machine[name]}" for name in
              ("numpy", "scikit-learn", "torch", "skorch", "librosa", "skimage")
              if name in machine]
    return ", ".join(parts)


def _value(key, value):
    label = key.replace("_", " ")
    if _is_records(value):
        return [f"**{_escape(label)}**", ""] + _table(value) + [""]
    if isinstance(value, dict) and _is_records(value.get("rows")):
        scalars = {k: v for k, v in value.items() if k != "rows"}
        return (_fields(label, scalars) if scalars else [f"**{_escape(label)}**", ""]) \
            + _table(value["rows"]) + [""]
    if _is_matrix(value):
        return [f"**{_escape(label)}**", ""] + _table(
            [{label: row, **{c: _summary(v) for c, v in cells.items()}}
             for row, cells in value.items()]) + [""]
    if isinstance(value, dict):
        lines = _fields(label, value) if any(_is_short(v) for v in value.values()) else []
        for inner, nested in value.items():
            if isinstance(nested, (dict, list)) and not _is_short(nested):
                lines += _value(f"{key} {inner}", nested)
        return lines
    if _is_short(value):
        return [f":{_escape(label)}: {_escape(_cell(value))}", ""]
    return []  # raw data (per-fold arrays, curves): in the JSON file, not on the page


def _summary(value):
    """A cell: a scalar, a few scalars, or a ``mean_std`` / ``values`` record."""
    if isinstance(value, dict):
        if "mean_std" in value and len(value["mean_std"]) == 2:
            mean, std = value["mean_std"]
            return f"{mean:.3f} ± {std:.3f}"
        if "values" in value and _is_short(value["values"]):
            return value["values"]
        return ""
    return value if _is_short(value) else ""


def _is_matrix(value):
    """A mapping of mappings whose cells all summarise to something: a 2-D table."""
    return (isinstance(value, dict) and bool(value)
            and all(isinstance(v, dict) and v for v in value.values())
            and all(_summary(c) != "" for v in value.values() for c in v.values()))


def _is_scalar(value):
    return value is None or isinstance(value, (str, int, float, bool))


def _is_short(value):
    """A scalar, or a few scalars (per-rotation scores), worth a cell of their own."""
    return _is_scalar(value) or (isinstance(value, list) and len(value) <= 6
                                 and all(map(_is_scalar, value)))


def _is_records(value):
    return (isinstance(value, list) and bool(value)
            and all(isinstance(r, dict) for r in value))


def _flat(record):
    """One level of nesting becomes ``outer.inner`` columns; long lists are left out."""
    out = {}
    for key, value in record.items():
        if key == "mean_std":
            continue  # raw (mean, std); the record states it formatted
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items() if _is_short(v)})
        elif _is_short(value):
            out[key] = value
    return out


def _fields(label, mapping):
    lines = [f"**{_escape(label)}**", ""]
    lines += [f":{_escape(str(k))}: {_escape(_cell(v))}" for k, v in mapping.items()
              if _is_short(v)]
    return lines + [""]


def _table(records):
    records = [_flat(record) for record in records]
    columns = []
    for record in records:
        columns += [c for c in record if c not in columns]
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in [dict(zip(columns, columns))] + records:
        cells = [_escape(_cell(row.get(c, ""))) or " " for c in columns]
        lines.append(f"   * - {cells[0]}")
        lines += [f"     - {cell}" for cell in cells[1:]]
    return lines


def _cell(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    return "" if value is None else str(value)


def _escape(text):
    for char in "\\*`|_":
        text = text.replace(char, "\\" + char)
    return text
