"""The gallery's order: the learning path of the user guide, not the alphabet."""

LEARNING_PATH = [
    "plot_multimodal_x.py",
    "plot_features_augmentation.py",
    "plot_early_fusion.py",
    "plot_late_fusion.py",
    "plot_neural_fusion.py",
    "plot_auto_fusion.py",
    "plot_missing_modality.py",
    "plot_load_files.py",
    "plot_scaling.py",
]


class LearningPathOrder:
    """Sort key for sphinx-gallery's ``within_subsection_order``; new examples go last."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        if filename in LEARNING_PATH:
            return (LEARNING_PATH.index(filename), filename)
        return (len(LEARNING_PATH), filename)
