#!/bin/sh
# demo.sh BIN: the README's first command runs this after building.
# It shows ecoplan on its built-in data: the dataset, then measurement
# mode profiling every model (about a minute and a half on a 2-core
# machine). Each step is echoed before it runs; any failure stops the
# demo with its status.
set -eu
bin=${1:-./ecoplan}
step() {
	printf '\n$ ecoplan %s\n' "$*"
	"$bin" "$@"
}
step datasets synthetic
step profile
step profiles list
