"""AV-Digits: scikit-learn's 8x8 digit images paired with synthesized spoken digits."""

from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..data import ModalityDict

__all__ = ["load_av_digits"]

DATA_FILE = Path(__file__).parent / "data" / "av_digits.npz"
SAMPLE_RATE = 8000
MU = 255

DESCR = """\
AV-Digits (the embedded default data set)
=========================================

1,797 pairs of a handwritten digit image and a spoken digit with the same
label, shipped inside skfusion (1.7 MB), for examples, tests and quick
benchmarks that must run offline.

- ``image``: scikit-learn's 8x8 digit images (``sklearn.datasets.load_digits``,
  float values 0-16), from the UCI "Optical Recognition of Handwritten Digits"
  data set (Alpaydin and Kaynak, 1998; CC BY 4.0).
- ``audio``: mono 8 kHz int16 waveforms (about 0.2-0.8 s) of the words
  "zero" ... "nine", synthesized by skfusion's script
  ``python maint_tools/generate_av_digits.py`` with espeak-ng 1.51
  (55 English accent+variant voices, e.g. ``espeak-ng/en-gb-scotland+f2``)
  and flite 2.2 (voices kal, kal16, awb, rms, slt): 60 voices x 10 digits,
  one take each. Every take has its own seeded speaking rate, pitch,
  intonation, tape speed (moving pitch and formants together) and loudness;
  silence is trimmed and clips are stored as 8-bit mu-law, decoded to int16.
  The clips are program output of espeak-ng (GPL-3.0) and flite (BSD-like
  licence); they are generated data, not part of either program.
- ``target``: the digit; ``groups``: the voice of each sample's clip, so that
  ``GroupKFold(...).split(X, y, groups)`` holds out unseen voices.
- ``clip``: the index of each sample's clip. There are 600 clips for 1,797
  images, so every clip is heard with about three images of its digit (always
  within one voice). Split by ``groups``: a split that ignores them puts the
  same clip on both sides and makes audio look far easier than it is.

Difficulty (MFCC mean and std -> SVC; 8x8 pixels -> SVC; GroupKFold(5) over
voices): audio alone 0.89 accuracy, images alone 0.98. Held-out voices range
from 0.2 (flite/slt) to 1.0; flite's slt, rms, kal and awb, unlike the
espeak-ng voices, are among the hardest. A random split that ignores the
voices makes audio 0.99 accurate.

Pairing: within each digit, the clips are shuffled with a fixed seed (0) and
dealt out round-robin to that digit's images in scikit-learn's order; the
pairing is stored in the data file, so every load returns the same data.
"""


def load_av_digits(*, return_X_y=False):
    """Load AV-Digits: 1,797 (8x8 digit image, spoken digit) pairs, offline.

    The images are scikit-learn's digits; the audio is synthesized speech
    (espeak-ng and flite, 60 voices) shipped with skfusion. Read more in
    ``DESCR``.

    =================   ===================================
    Classes                                              10
    Samples total                                      1797
    Modalities          image (8, 8) float, audio (ragged)
    Voices (groups)                                      60
    Sample rate                                    8000 Hz
    =================   ===================================

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : ModalityDict
            ``image`` of shape (1797, 8, 8), float64 values 0-16, and
            ``audio``, an object array of 1-D int16 waveforms at 8 kHz.
        target : ndarray of shape (1797,)
            The digit of each sample.
        groups : ndarray of shape (1797,), dtype=object
            The voice of each sample's clip (e.g. ``"flite/slt"``).
        clip : ndarray of shape (1797,)
            The index of each sample's clip (clips are reused across images
            of the same digit and voice).
        sample_rate : int
            8000.
        voices : ndarray of str
            The 60 voice names.
        target_names : ndarray of shape (10,)
            The digits 0-9.
        DESCR : str
            Description: sources, licences, generation and pairing.

    (data, target) : tuple if ``return_X_y`` is True
        The ModalityDict and the digits, without the Bunch.

    See Also
    --------
    fetch_av_mnist : Real MNIST digits paired with real recordings (downloaded).
    make_multimodal_classification : Synthetic multimodal data.

    Examples
    --------
    >>> from skfusion.datasets import load_av_digits
    >>> av = load_av_digits()
    >>> av.data["image"].shape, av.data["audio"][0].dtype
    ((1797, 8, 8), dtype('int16'))
    >>> len(set(av.groups)), av.sample_rate
    (60, 8000)
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    with np.load(DATA_FILE) as stored:
        clips = _decode_clips(stored["audio_mu_law"], stored["offsets"])
        pairing = stored["pairing"].astype(np.intp)
        clip_digit, clip_voice = stored["clip_digit"], stored["clip_voice"]
        voices = stored["voices"]
    if not np.array_equal(clip_digit[pairing], digits.target):
        raise ValueError(
            f"{DATA_FILE} does not match scikit-learn's digits (their order changed?): "
            "regenerate it with `python maint_tools/generate_av_digits.py`"
        )
    audio = np.empty(len(pairing), dtype=object)
    for sample, clip in enumerate(pairing):
        audio[sample] = clips[clip].copy()
    data = ModalityDict(image=digits.images, audio=audio)
    if return_X_y:
        return data, digits.target
    return Bunch(
        data=data, target=digits.target, groups=voices[clip_voice[pairing]].astype(object),
        clip=pairing, sample_rate=SAMPLE_RATE, voices=voices, target_names=np.arange(10),
        DESCR=DESCR,
    )


def mu_law_decode(codes):
    """Decode 8-bit mu-law codes (as the generation script writes them) to int16.

    Parameters
    ----------
    codes : ndarray of uint8

    Returns
    -------
    wave : ndarray of int16, same shape

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.datasets._av_digits import mu_law_decode
    >>> mu_law_decode(np.array([0, 127, 255], dtype=np.uint8)).tolist()
    [-32767, -3, 32767]
    """
    compressed = np.arange(MU + 1) / MU * 2 - 1
    table = np.sign(compressed) * np.expm1(np.abs(compressed) * np.log1p(MU)) / MU
    return np.round(table * 32767).astype(np.int16)[codes]


def _decode_clips(codes, offsets):
    waves = mu_law_decode(codes)
    return [waves[start:stop] for start, stop in zip(offsets[:-1], offsets[1:])]
