"""Generate ``skfusion/datasets/data/av_digits.npz``: the spoken digits of ``load_av_digits``.

A maintenance tool, not part of the package. Run from the project root (needs
Debian's ``espeak-ng`` and ``flite``)::

    python maint_tools/generate_av_digits.py

Every clip is one English digit word ("zero" ... "nine") spoken by a
text-to-speech voice: espeak-ng's English accents combined with its voice
variants (``en-us+m3``, ``en-gb-scotland+f2``, ...) and flite's voices
(kal, kal16, awb, rms, slt). Each take draws its speaking rate, pitch,
intonation (the word ends in ".", "!" or "?"), a tape-speed factor (resampling
that moves pitch, formants and duration together, as a longer or shorter
vocal tract would) and a loudness from a seeded random generator. Clips are
resampled to 8 kHz, silence is trimmed, and they are stored as 8-bit mu-law
(decoded to int16 by the loader) to keep the file near 1 MB.

Each of scikit-learn's 1,797 digit images is then paired with a clip of its
own digit: the clips of a digit are shuffled (seed ``SEED``) and dealt out to
that digit's images in scikit-learn's order, round-robin, so every clip is
used by about the same number of images, and all images that share a clip
share its voice (its group). The pairing is stored in the file.

The output of espeak-ng (GPL-3.0) and flite (BSD-like) is program output,
not a copy of either program; the generated clips carry no licence of theirs.
"""

import subprocess
import sys
import tempfile
import time
from math import gcd
from pathlib import Path

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

SEED = 0
SAMPLE_RATE = 8000
MU = 255
WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ESPEAK_ACCENTS = (
    "en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp",
    "en-gb-x-gbcwmd", "en-029", "en-us-nyc",
)
ESPEAK_VARIANTS = (
    "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
    "klatt", "klatt2", "klatt4", "croak", "grandpa", "linda", "steph", "david",
)
# flite voices and the mean pitch (Hz) that a take scales (rms ignores it)
FLITE_VOICES = {"kal": 105.0, "kal16": 105.0, "awb": 110.0, "rms": 100.0, "slt": 170.0}
N_ESPEAK_VOICES = 55
TAKES_PER_WORD = 1
OUTPUT = Path(__file__).resolve().parent.parent / "skfusion" / "datasets" / "data" / "av_digits.npz"


def choose_voices(rng):
    """Voice names: all flite voices and ``N_ESPEAK_VOICES`` accent+variant pairs."""
    pairs = [f"{accent}+{variant}" for accent in ESPEAK_ACCENTS for variant in ESPEAK_VARIANTS]
    chosen = rng.choice(len(pairs), size=N_ESPEAK_VOICES, replace=False)
    espeak = [f"espeak-ng/{pairs[i]}" for i in sorted(chosen)]
    return espeak + [f"flite/{voice}" for voice in FLITE_VOICES]


def draw_take(rng):
    """The random settings of one take."""
    return {
        "rate": rng.uniform(0.75, 1.35),  # speaking rate, relative to the default
        "pitch": rng.uniform(0.7, 1.4),  # pitch, relative to the default
        "ending": rng.choice([".", "!", "?"]),
        "tape_speed": rng.uniform(0.9, 1.12),
        "peak_db": rng.uniform(-14.0, -1.0),
    }


def synthesize(voice, word, take, folder):
    """Speak ``word`` with ``voice``; return (float waveform, sample rate)."""
    engine, name = voice.split("/")
    path = Path(folder) / "clip.wav"
    text = word + take["ending"]
    if engine == "espeak-ng":
        command = ["espeak-ng", "-v", name, "-s", str(round(175 * take["rate"])),
                   "-p", str(round(min(99, 50 * take["pitch"]))), "-w", str(path), text]
    else:
        command = ["flite", "-voice", name, "--setf", f"duration_stretch={1 / take['rate']:.3f}",
                   "--setf", f"int_f0_target_mean={FLITE_VOICES[name] * take['pitch']:.1f}",
                   "-t", text, "-o", str(path)]
    subprocess.run(command, check=True, capture_output=True)
    rate, wave = wavfile.read(path)
    return wave.astype(np.float64) / 32768.0, rate


def to_sample_rate(wave, rate, tape_speed):
    """Resample to ``SAMPLE_RATE``, played ``tape_speed`` times faster."""
    source = round(rate * tape_speed)
    divisor = gcd(source, SAMPLE_RATE)
    return resample_poly(wave, SAMPLE_RATE // divisor, source // divisor)


def trim_silence(wave, threshold_db=-40.0, pad_s=0.02):
    """Cut leading and trailing 10 ms frames quieter than ``threshold_db`` below the peak."""
    frame = SAMPLE_RATE // 100
    n_frames = len(wave) // frame
    energy = (wave[: n_frames * frame].reshape(n_frames, frame) ** 2).mean(axis=1)
    loud = np.flatnonzero(energy > energy.max() * 10 ** (threshold_db / 10))
    pad = round(pad_s * SAMPLE_RATE)
    start = max(0, loud[0] * frame - pad)
    stop = min(len(wave), (loud[-1] + 1) * frame + pad)
    return wave[start:stop]


def mu_law_encode(wave):
    """Float waveform in [-1, 1] -> uint8 mu-law codes (inverse of the loader's table)."""
    wave = np.clip(wave, -1.0, 1.0)
    compressed = np.sign(wave) * np.log1p(MU * np.abs(wave)) / np.log1p(MU)
    return np.round((compressed + 1) / 2 * MU).astype(np.uint8)


def make_clip(voice, word, take, folder):
    """One take of ``word`` by ``voice`` as 8 kHz mu-law codes, silence trimmed."""
    wave, rate = synthesize(voice, word, take, folder)
    wave = trim_silence(to_sample_rate(wave, rate, take["tape_speed"]))
    return mu_law_encode(wave * 10 ** (take["peak_db"] / 20) / np.abs(wave).max())


def make_clips(voices, rng):
    """Synthesize every (voice, word, take); return clips and their labels."""
    clips, clip_digit, clip_voice = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for v, voice in enumerate(voices):
            for digit, word in enumerate(WORDS):
                for _ in range(TAKES_PER_WORD):
                    clips.append(make_clip(voice, word, draw_take(rng), folder))
                    clip_digit.append(digit)
                    clip_voice.append(v)
    return clips, np.array(clip_digit, dtype=np.int8), np.array(clip_voice, dtype=np.int16)


def pair_images(target, clip_digit, rng):
    """For each image, the index of a clip of the same digit (round-robin over shuffled clips)."""
    pairing = np.empty(len(target), dtype=np.int16)
    for digit in np.unique(target):
        images = np.flatnonzero(target == digit)
        clips = rng.permutation(np.flatnonzero(clip_digit == digit))
        pairing[images] = clips[np.arange(len(images)) % len(clips)]
    return pairing


def main(output=OUTPUT):
    from sklearn.datasets import load_digits

    start = time.perf_counter()
    rng = np.random.RandomState(SEED)
    voices = choose_voices(rng)
    clips, clip_digit, clip_voice = make_clips(voices, rng)
    pairing = pair_images(load_digits().target, clip_digit, rng)
    offsets = np.concatenate([[0], np.cumsum([len(c) for c in clips])]).astype(np.int32)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        output, audio_mu_law=np.concatenate(clips), offsets=offsets, clip_digit=clip_digit,
        clip_voice=clip_voice, voices=np.array(voices), pairing=pairing,
    )
    seconds = offsets[-1] / SAMPLE_RATE
    print(f"{len(clips)} clips from {len(voices)} voices, {seconds:.0f} s of audio, "
          f"{Path(output).stat().st_size / 1e6:.2f} MB, {time.perf_counter() - start:.0f} s "
          f"-> {output}")


if __name__ == "__main__":
    main(*sys.argv[1:])
