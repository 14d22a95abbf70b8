# sig_shell2 — kill(1) by name and number, ignored signals inherited across fork and exec,
# SIGPIPE killing a pipeline's writer, signal numbers as the shell reports them.
kill -l 15; kill -l 9; kill -l TERM
trap '' TERM
sh -c 'kill -TERM $$; echo "TERM ignored in child: survived"'
trap - TERM
sh -c 'kill -TERM $$; echo "not printed"'; echo "default TERM: $?"
sh -c 'kill -9 $$'; echo "kill -9: $?"
sh -c 'kill -s INT $$'; echo "kill -s INT: $?"
sh -c 'kill -QUIT $$'; echo "QUIT: $?"
(yes; echo "yes exited $?" >&2) | head -c 10 >/dev/null
sh -c 'trap "echo got ALRM" ALRM; sleep 1 & wait; (sleep 0.2; kill -ALRM $$) & wait $!; wait'
sh -c 'sleep 10 & p=$!; kill -STOP $p; kill -CONT $p; kill $p; wait $p; echo "stopped, continued, killed: $?"'
trap 'echo "EXIT trap"' EXIT
exit 3
