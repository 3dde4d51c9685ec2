"""The text embedder declares its string input (scikit-learn's estimator checks
for every feature extractor run in tests/test_common.py)."""

from skfusion.features import SentenceEmbeddingFeatures


def test_text_embedder_declares_string_input():
    tags = SentenceEmbeddingFeatures().__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array
