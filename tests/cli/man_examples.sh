# Runs every ".Dl $ ecoplan ..." line in the manual pages' EXAMPLES
# sections (as jq's tests do), so that documented examples keep working.
. "$(dirname "$0")/lib.sh"
export MANPAGER=cat PAGER=cat MANWIDTH=80
export ECOPLAN_HOME="$T_DIR/home"

mandir=$(dirname "$0")/../../man
for page in "$mandir"/*.[1-9]; do
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh /s/^\.Dl \$ ecoplan //p' "$page" |
	    sed 's/\\-/-/g; s/\\(em/--/g' >"$T_DIR/examples"
	while IFS= read -r line; do
		# Word splitting is the point: an example is a command line.
		# shellcheck disable=SC2086
		set -f
		ok "$(basename "$page"): ecoplan $line" 0 - - -- $line
		set +f
	done <"$T_DIR/examples"
done

done_testing
