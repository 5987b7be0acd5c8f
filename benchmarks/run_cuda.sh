#!/usr/bin/env bash
# Everything skgan checks on a CUDA machine, in parts that fit one call each.
#
#   benchmarks/run_cuda.sh PART [PART ...]    logs go to $OUT (default: ./cuda_logs)
#
# PARTs: graphs (which fits capture their steps in CUDA graphs, one fresh process each,
# then step times with and without graphs), tests (tests/test_cuda.py, then the suite), suite (the whole suite, or the paths
# in $SUITE_PATHS, with the GPU as the default device), images (digits, bf16 autocast on and off), tabular (the 2,800-row credit table
# against CTGAN and TVAE on CUDA; other tables: TABLES=wage,census), signals (waveforms, one channel), core (toy fits and
# step times). The peers (ctgan, sdmetrics and what they need) may come as wheels in
# .whl/ for a machine without a package registry; skgan runs from this checkout.
set -u
OUT=${OUT:-cuda_logs}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python3 - <<'EOF' 2>&1 | tee "$OUT/versions.txt"
import torch, numpy, pandas, sklearn
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, "
      f"{torch.cuda.get_device_name() if torch.cuda.is_available() else 'no GPU'}; "
      f"numpy {numpy.__version__}, pandas {pandas.__version__}, sklearn {sklearn.__version__}")
EOF

run() {  # run NAME SECONDS COMMAND...: one step, its log in $OUT/NAME.txt
    local name=$1 seconds=$2
    shift 2
    echo "=== $name: $*"
    local started=$SECONDS
    timeout "$seconds" "$@" >"$OUT/$name.txt" 2>&1
    echo "=== $name: exit $? after $((SECONDS - started)) s"
    tail -n 25 "$OUT/$name.txt"
}

for part in "$@"; do
    case $part in
    tests)
        run test_cuda 240 python3 -m pytest -p no:cacheprovider -q -rs tests/test_cuda.py \
            tests/test_step_graphs.py
        ;&
    suite)
        # Two OpenMP threads per test worker: 8 workers of 16 threads each stall the
        # gradient-boosting classifiers of the metric tests.
        # -n and --timeout need pytest-xdist and pytest-timeout (not in the test extra):
        # without them the suite runs in one process, with the step's own time limit.
        if python3 -c "import xdist, pytest_timeout" 2>/dev/null; then
            OMP_NUM_THREADS=2 run suite_on_cuda 300 python3 -m pytest -p no:cacheprovider -q \
                -n 8 --timeout 240 ${SUITE_PATHS:-tests}
        else
            echo "=== suite: pytest-xdist or pytest-timeout missing; one process"
            run suite_on_cuda 590 python3 -m pytest -p no:cacheprovider -q ${SUITE_PATHS:-tests}
        fi
        ;;
    images)
        run images_amp 300 python3 benchmarks/bench_images.py --device cuda --amp auto \
            --throughput 200000 --figure "$OUT/digits_cuda.png"
        run images_fp32 150 python3 benchmarks/bench_images.py --device cuda --amp off \
            --estimators gan --throughput 200000
        ;;
    tabular)
        run tabular 480 python3 benchmarks/bench_tabular.py --device cuda \
            --tables "${TABLES:-default}" --methods gan,wgan,ctgan,tvae \
            --json "$OUT/tabular_cuda.json"
        ;;
    signals)
        run signals 300 python3 benchmarks/bench_signals.py --estimators gan,wgan \
            --cases "1 channel"
        ;;
    core)
        run core 300 python3 benchmarks/bench_core.py
        ;;
    graphs)
        run graph_probe 300 python3 benchmarks/cuda_graph_probe.py --jobs 6
        run step_graphs 200 python3 benchmarks/bench_step_graphs.py --epochs 6
        ;;
    *)
        echo "unknown part $part"
        exit 2
        ;;
    esac
done
