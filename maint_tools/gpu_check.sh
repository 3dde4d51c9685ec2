#!/usr/bin/env bash
# The GPU check of FusionNet (benchmarks/bench_gpu_check.py) and the CUDA tests, on a
# machine with an NVIDIA GPU. See maint_tools/README.md.
#
#   bash maint_tools/gpu_check.sh prepare   # where the AV-MNIST data and librosa are:
#                                           # writes .gpu_check/av_mnist_logmel.npz
#   bash maint_tools/gpu_check.sh run       # on the CUDA machine, in a clone with
#                                           # .gpu_check/ copied in
#
# PYTHON is the interpreter (default .venv/bin/python, then python3); it needs skfusion's
# neural extra with a CUDA build of torch. OUT (default gpu_check_out/) receives the logs.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
INPUTS=.gpu_check/av_mnist_logmel.npz
PYTHON=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}

prepare() {
    set -e
    "$PYTHON" maint_tools/gpu_check_inputs.py --output "$INPUTS"
    echo "inputs ready: copy $INPUTS to the CUDA machine, then run: bash $0 run"
}

run() {
    local out=${OUT:-gpu_check_out}
    mkdir -p "$out"
    [ -f "$INPUTS" ] || { echo "ERROR: $INPUTS missing: run 'prepare' first"; exit 2; }
    nvidia-smi -L 2>/dev/null || echo "nvidia-smi: no GPU found"
    export PYTHONUNBUFFERED=1
    # CPU thread counts to time: 1 and all cores (at most 16); CPU_THREADS overrides
    local threads=${CPU_THREADS:-"1 $(($(nproc) < 16 ? $(nproc) : 16))"}
    echo "== bench_gpu_check (CPU at $threads threads, then the GPU) =="
    # shellcheck disable=SC2086
    "$PYTHON" benchmarks/bench_gpu_check.py --inputs "$INPUTS" --threads $threads \
        ${BENCH_ARGS:-} 2>&1 | tee "$out/gpu_check.log"
    local bench_rc=${PIPESTATUS[0]}
    echo "== pytest tests/neural (the CUDA tests run for real on a GPU) =="
    "$PYTHON" -m pytest -q -p no:randomly tests/neural 2>&1 | tee "$out/pytest_neural.log" \
        | tail -n 15
    local tests_rc=${PIPESTATUS[0]}
    echo "results: benchmarks/results/neural_gpu_check.json; logs in $out/"
    [ "$bench_rc" -eq 0 ] && [ "$tests_rc" -eq 0 ]
}

case "${1:-}" in
    prepare) prepare ;;
    run) run ;;
    *) echo "usage: bash maint_tools/gpu_check.sh prepare|run" >&2; exit 64 ;;
esac
