#!/bin/sh
# demo.sh BIN: the README's first command runs this after building.
# It shows ecoplan on its built-in data: the dataset, measurement mode
# profiling every model on this machine, and planning mode comparing two
# of the fresh profiles at 50 requests a second, with a plot. Each step
# is echoed before it runs; any failure stops the demo with its status.
set -eu
bin=${1:-./ecoplan}
step() {
	printf '\n$ ecoplan %s\n' "$*"
	"$bin" "$@"
}
step datasets synthetic
step profile
step profiles list
step compare ngcf fism --qps 50 --plot demo-compare.svg
echo "
The plot is in demo-compare.svg."
