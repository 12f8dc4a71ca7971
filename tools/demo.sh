#!/bin/sh
# demo.sh BIN: the README's first command runs this after building.
# It shows what ecoplan can do today on its built-in data; each step is
# echoed before it runs, and any failure stops the demo with its status.
set -eu
bin=${1:-./ecoplan}
step() {
	printf '\n$ ecoplan %s\n' "$*"
	"$bin" "$@"
}
step --version
step datasets
step datasets synthetic
