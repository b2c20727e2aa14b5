#!/usr/bin/env bash
# prepare_class.sh -- what a tutor runs before the class, in the folder the students will use.
#
#   bash macros/prepare_class.sh [CLASS_DIR] [EVENTS]
#
#   1. registers the Jupyter kernels (Python "kcdc-hep" and, with ROOT, "ROOT C++") in this environment,
#   2. writes the samples (kcdc-hep generate; KCDC_HEP_DEFAULT_SCALE or EVENTS make them smaller),
#   3. copies events.root, the notebooks and the macro into CLASS_DIR,
#   4. runs the C++ example (compiled) and its Python twin on events.root and compares them bin for bin.
# It stops at the first failure; the last line says whether the class folder is ready.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
CLASS_DIR="${1:-kcdc-class}"
EVENTS="${2:-}"

mkdir -p "$CLASS_DIR/notebooks" "$CLASS_DIR/macros" "$CLASS_DIR/samples"
CLASS_DIR="$(cd "$CLASS_DIR" && pwd)"

echo "== 1. Jupyter kernels"
kcdc-hep kernels install --sys-prefix

echo "== 2. samples"
if [ -n "$EVENTS" ]; then
  kcdc-hep generate --out "$CLASS_DIR/samples" --events "$EVENTS" --overwrite
elif [ -n "${KCDC_HEP_DEFAULT_SCALE:-}" ]; then
  kcdc-hep generate --out "$CLASS_DIR/samples" --scale "$KCDC_HEP_DEFAULT_SCALE" --overwrite
else
  kcdc-hep generate --out "$CLASS_DIR/samples" --overwrite
fi
# the KCDC-like zip holds events.root, as the real SmallDataSample_withDataArrays_ROOT.zip
ZIP="$CLASS_DIR/samples/SmallDataSample_withDataArrays_ROOT.zip"
if [ ! -f "$ZIP" ]; then
  echo "prepare_class: kcdc-hep generate wrote no $ZIP" >&2
  exit 1
fi

echo "== 3. class folder $CLASS_DIR"
cp "$REPO"/notebooks/*.ipynb "$CLASS_DIR/notebooks/"
cp "$REPO/macros/KCDC_analyze_example.C" "$CLASS_DIR/macros/"
python -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract('events.root', sys.argv[2])" \
  "$ZIP" "$CLASS_DIR/notebooks"

echo "== 4. C++ example and Python twin"
cd "$CLASS_DIR/notebooks"
if command -v root > /dev/null; then
  root -b -q -l "../macros/KCDC_analyze_example.C+(\"events.root\", \"cpp_output.root\")"
  kcdc-hep run events.root --output python_output.root --overwrite
  kcdc-hep compare cpp_output.root python_output.root
  rm -f cpp_output.root python_output.root
else
  echo "ROOT is not installed: only the Python twin runs (pip install 'kcdc_hep[root]' for the C++ notebook)"
  kcdc-hep run events.root --output python_output.root --overwrite
  rm -f python_output.root
fi
echo "prepare_class: ready -- open $CLASS_DIR/notebooks in Jupyter"
