# Command-line tests for global options, dispatch and help.
. "$(dirname "$0")/lib.sh"
export MANPAGER=cat PAGER=cat MANWIDTH=80

ok "--help lists commands" 0 '^usage: ecoplan \[-hV\] command' "" -- --help
ok "-h is --help" 0 '^  compare ' "" -- -h
ok "--version names version" 0 '^ecoplan [0-9]+\.[0-9]+\.[0-9]+$' "" -- --version
ok "-V prints attributions" 0 'Ember \(2025\)' "" -- -V
ok "-V credits CodeCarbon" 0 'CodeCarbon' "" -- -V
ok "no command is a usage error" 2 "" '^usage: ecoplan' --
ok "unknown command" 2 "" '^ecoplan: frobnicate: unknown command' -- frobnicate
ok "close command suggested" 2 "" "did you mean 'compare'\?" -- comapre
ok "unknown global option" 2 "" '^ecoplan: --frob: unknown option' -- --frob
ok "unknown short option" 2 "" '^ecoplan: -x: unknown option' -- -x
ok "a subcommand runs" 2 "" '^ecoplan: rank: needs two profile sets' -- rank SET
ok "help with no argument" 0 '^usage: ecoplan' "" -- help
ok "help of unknown command" 2 "" 'frob: unknown command' -- help frob
ok "help with two arguments" 2 "" 'help: too many arguments' -- help a b
ok "help shows a manual page" 0 'ECOPLAN' "" -- help compare

# A closed stdout must not be reported as success.
if [ -w /dev/full ]; then
	"$ECOPLAN" --help >/dev/full 2>"$T_DIR/err"
	st=$?
	check "write error detected" [ "$st" -eq 1 ]
	check "write error reported" grep -q '^ecoplan: write error' "$T_DIR/err"
else
	skip "no /dev/full"
fi

# Every command in the table is documented in ecoplan(1).
man=$(dirname "$0")/../../man/ecoplan.1
for c in $("$ECOPLAN" --help | sed -n 's/^  \([a-z]*\) .*/\1/p'); do
	check "ecoplan(1) documents $c" grep -Eq "^\.(It )?Cm $c( |$)" "$man"
done

done_testing
