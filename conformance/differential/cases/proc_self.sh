# proc_self — what /proc says about the shell and its children: fds, cwd, exe, status fields.
# normalise: pids
cd /tmp && mkdir -p procself && cd procself
exec 5>out
ls -l /proc/self/fd/5 | sed 's/.*-> //'
readlink /proc/self/cwd
readlink /proc/$$/cwd
readlink /proc/self/exe
sh -c 'readlink /proc/$$/exe'
grep -E '^(Name|State|Umask|Uid|Gid|Threads|SigBlk|SigIgn):' /proc/self/status
sh -c 'echo "pid=$$ ppid=$PPID"; grep -E "^(Pid|PPid):" /proc/$$/status'
cut -d' ' -f2,3 /proc/self/stat
tr '\0' ' ' </proc/self/cmdline; echo
echo "hello" | cat /proc/self/fd/0
test -e /proc/self/fd/9; echo "fd 9 exists: $?"
ls /proc/self/ | grep -cE '^(fd|cwd|exe|status|stat|maps|cmdline|environ|comm)$'
cat /proc/self/comm
env -i A=1 B=two /bin/cat /proc/self/environ | tr '\0' '\n'
exec 5>&-
cd / && rm -r /tmp/procself
