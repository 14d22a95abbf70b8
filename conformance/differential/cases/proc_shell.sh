# proc_shell — exit statuses and job handling as the shell sees them: signals as 128+n,
# command not found, not executable, subshells, background jobs, traps, pipefail.
sh -c 'exit 7'; echo "exit 7: $?"
sh -c 'exit 300'; echo "exit 300: $?"
sh -c 'kill -TERM $$'; echo "SIGTERM: $?"
sh -c 'kill -KILL $$'; echo "SIGKILL: $?"
sh -c 'kill -SEGV $$'; echo "SIGSEGV: $?"
no-such-command 2>/dev/null; echo "not found: $?"
printf 'x' >notexec; ./notexec 2>/dev/null; echo "not executable: $?"
(exit 4); echo "subshell: $?"
sleep 5 & pid=$!
kill $pid; wait $pid; echo "killed job: $?"
sh -c 'sleep 0.1; exit 9' & wait $!; echo "waited job: $?"
true & false & wait; echo "wait all: $?"
sh -c 'trap "echo got USR1" USR1; kill -USR1 $$; echo after'
sh -c 'trap "echo exiting" EXIT; exit 2'; echo "trap exit: $?"
(trap '' INT; sh -c 'kill -INT $$; echo "ignored INT survives exec"')
set -o pipefail 2>/dev/null && { false | true; echo "pipefail: $?"; }
set +o pipefail 2>/dev/null
yes | head -n 2
sh -c 'yes | (read x; echo "read $x")'
echo $(echo nested $(echo twice))
x=0; while [ $x -lt 3 ]; do x=$((x + 1)); done; echo "loop $x"
sh -c 'ulimit -n 20; ulimit -n'
sh -c 'ulimit -s'
sh -c 'umask'
nice -n 5 sh -c 'cut -d" " -f19 /proc/$$/stat'
timeout 1 sleep 5; echo "timeout: $?"
sh -c 'exec 2>&-; ls /nonexistent'; echo "no stderr: $?"
echo "to stderr" >&2
exit 5
