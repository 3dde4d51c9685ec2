"""The one place the displays import matplotlib."""


def get_axes(ax):
    """Return ``(ax, figure)``, creating a figure when ``ax`` is None."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plotting needs matplotlib: pip install skfusion[plot]"
        ) from exc
    if ax is None:
        _, ax = plt.subplots()
    return ax, ax.figure
