# pipe_shell — pipelines through busybox: data integrity through several stages, large
# transfers, exit statuses with and without pipefail, here-documents, fifos from the shell.
seq 1 20000 | sort -rn | sort -n | md5sum
head -c 1000000 /dev/zero | tr '\0' 'a' | wc -c
dd if=/dev/zero bs=4096 count=256 2>/dev/null | cat | cat | cat | wc -c
printf 'b\na\nc\n' | sort | tr '\n' ','; echo
false | true; echo "status of last: $?"
true | false; echo "status of last: $?"
set -o pipefail; false | true; echo "pipefail: $?"; set +o pipefail
cat <<END | wc -l
one
two
three
END
mkfifo f
(echo through-fifo >f &)
cat f
seq 1 5 >f & while read -r l; do printf '%s;' "$l"; done <f; echo; wait
exec 4>&1
out=$( { echo to-stdout; echo to-fd4 >&4; } )
echo "captured: $out"
yes abc | head -n 3
echo "done" | { read -r x; echo "read: $x"; }
seq 1 100000 | tail -n 1
