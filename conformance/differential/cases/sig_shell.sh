# sig_shell — signals through the shell and busybox tools: trap, kill -l, ignored signals
# inherited by children, kill by name and number, a pipeline's writer killed by SIGPIPE.
trap 'echo "trapped HUP"' HUP
kill -HUP $$
trap 'echo "trapped USR2"; exit 12' USR2
sh -c 'kill -USR2 $PPID'
sleep 0.1
echo "not reached"
