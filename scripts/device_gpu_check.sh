#!/usr/bin/env bash
# The GPU check of issue 6 (benchmarks/bench_gpu_check.py) on a lent GPU machine, in one call.
#
#   bash scripts/device_gpu_check.sh prepare   # HERE: inputs into .device/, wheels into .whl/,
#                                              # size check, prints the exact `run` tool call
#   bash scripts/device_gpu_check.sh run       # THERE (the device tool's command): installs the
#                                              # wheels to /tmp/site, runs the check, copies the
#                                              # results JSON and logs into $OUT
#
# The GPU machine has python3 3.12 with torch (CUDA), numpy, scipy, pandas, joblib, pytest, but
# no skorch, an unknown scikit-learn, no librosa and no raw data. So `prepare` computes the
# log-mel inputs here (.device/av_mnist_logmel.npz) and downloads the pure-Python and cp312
# wheels of what skfusion needs; `run` puts them first on PYTHONPATH with the repository root
# (skfusion is imported from the tree, not installed). Details: benchmarks/gpu/README.md.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

INPUTS=.device/av_mnist_logmel.npz
# what the GPU machine lacks, or may hold in too old a version; the versions of the
# development .venv, where skfusion's tests pass
WHEELS=(scikit-learn==1.9.1 skorch==1.4.0 tabulate==0.10.0 narwhals==2.29.0
        joblib==1.6.0 cloudpickle==3.1.3 threadpoolctl==3.8.0)
# the GPU machine's Python; another value only for a simulation on a Python without torch 3.12
WHEEL_PYTHON=${WHEEL_PYTHON:-3.12}
CARRY_LIMIT_MIB=64
BENCH_TIMEOUT_S=240  # the check itself: about 1 minute on the CPUs here, less there
TESTS_TIMEOUT_S=120

prepare() {
    set -e
    local python=${PYTHON:-.venv/bin/python}
    "$python" benchmarks/gpu/prepare_inputs.py --output "$INPUTS"
    rm -rf .whl && mkdir -p .whl
    "$python" -m pip download -q --no-deps --only-binary=:all: --python-version "$WHEEL_PYTHON" \
        --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        --platform manylinux1_x86_64 -d .whl "${WHEELS[@]}"
    ls -l .whl
    for d in .device .whl; do
        git check-ignore -q "$d" || { echo "ERROR: $d/ must be ignored by git"; exit 1; }
    done
    # what travels: tracked and untracked-not-ignored files, plus the carried folders
    "$python" - "$CARRY_LIMIT_MIB" <<'EOF'
import os, subprocess, sys
files = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"],
                       capture_output=True, check=True).stdout.decode().split("\0")
tree = sum(os.path.getsize(f) for f in files if f and os.path.isfile(f))
carried = {d: sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)
           for d in (".device", ".whl")}
total = tree + sum(carried.values())
mib = lambda n: f"{n / 2**20:.1f} MiB"
print(f"travels: working tree {mib(tree)}, " + ", ".join(f"{d} {mib(n)}" for d, n in
      carried.items()) + f"; total {mib(total)} of {sys.argv[1]} MiB")
if total > 0.75 * int(sys.argv[1]) * 2**20:
    sys.exit("ERROR: too close to the device tool's limit; carry less")
EOF
    cat <<EOF

Ready. On a session lent a GPU (the device tool's status says can_start_another: true), make
ONE call of the device tool's run verb:

  command:   bash scripts/device_gpu_check.sh run
  carry:     [".device", ".whl"]
  timeout_s: 420

It should take 1-3 minutes (plus 1-2 for the machine's start); then call give_back. The
table is at the end of output_tail; gpu_check.log, pytest_neural.log and
neural_gpu_check.json come back under files_at.
EOF
}

run() {
    local out=${OUT:-/tmp/gpu_check_out}
    mkdir -p "$out"
    local python=${PYTHON:-python3}
    local started=$SECONDS
    [ -f "$INPUTS" ] && ls .whl/*.whl >/dev/null 2>&1 || {
        echo "ERROR: $INPUTS or .whl/*.whl missing: run 'prepare' here and carry .device and .whl"
        exit 2
    }
    date -u; uname -m; nproc
    nvidia-smi -L 2>/dev/null || echo "nvidia-smi: none"
    rm -rf /tmp/site
    "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 3
    export PYTHONPATH="/tmp/site:$PWD" PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
    # CPU thread counts to time: 1 and all cores (at most 16); CPU_THREADS overrides.
    # BENCH_ARGS: more arguments, e.g. "--gpu cpu" to dry-run the GPU half without a GPU
    local threads=${CPU_THREADS:-"1 $(($(nproc) < 16 ? $(nproc) : 16))"}
    echo "== bench_gpu_check (CPU at $threads threads, then the GPU) =="
    # shellcheck disable=SC2086
    timeout "$BENCH_TIMEOUT_S" "$python" benchmarks/bench_gpu_check.py --inputs "$INPUTS" \
        --threads $threads ${BENCH_ARGS:-} 2>&1 | tee "$out/gpu_check.log"
    local bench_rc=$?
    # the tree holds an older, CPU-only neural_gpu_check.json: copy only a fresh one
    [ "$bench_rc" -eq 0 ] && cp benchmarks/results/neural_gpu_check.json "$out/"
    echo "== bench_gpu_check exit $bench_rc after $((SECONDS - started))s =="
    echo "== pytest tests/neural (the CUDA tests run here for real) =="
    timeout "$TESTS_TIMEOUT_S" "$python" -m pytest -q -p no:randomly tests/neural \
        > "$out/pytest_neural.log" 2>&1
    local tests_rc=$?
    tail -n 15 "$out/pytest_neural.log"
    echo "== pytest exit $tests_rc; total $((SECONDS - started))s =="
    [ "$bench_rc" -eq 0 ] && [ "$tests_rc" -eq 0 ]
}

case "${1:-}" in
    prepare) prepare ;;
    run) run ;;
    *) echo "usage: bash scripts/device_gpu_check.sh prepare|run" >&2; exit 64 ;;
esac
