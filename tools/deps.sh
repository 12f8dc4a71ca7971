#!/bin/sh
# deps.sh PACKAGE...: installs the Debian packages among PACKAGE that are
# missing, with apt-get as root or through sudo otherwise. When neither
# is possible it prints the exact command to run and fails.
set -u
missing=
for p in "$@"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || st=
	case $st in
	*"install ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
echo "deps: installing$missing" >&2
if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: apt-get not found; install these packages by hand:$missing" >&2
	exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
	sudo=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo"
else
	echo "deps: not root and no password-less sudo; run as root:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine's package lists may be empty or stale: refresh first.
$sudo apt-get update -qq || {
	echo "deps: apt-get update failed; run: apt-get update && $cmd" >&2
	exit 1
}
$sudo $cmd || {
	echo "deps: install failed; run: $cmd" >&2
	exit 1
}
