# time_shell — time facts from the shell: date formats, sleep durations, file times, uptime.
# normalise: times
date -u -d @0 '+%Y-%m-%d %H:%M:%S'
date -u -d @1234567890
s=$(date +%s); sleep 1; e=$(date +%s); d=$((e - s)); [ $d -ge 1 ] && [ $d -le 3 ] && echo "slept 1 s"
touch -d '@1000000000' f && stat -c '%Y' f
touch -m -d '@2000000000' f && stat -c '%Y %X' f
date -d @1700000000 -u '+%A %j %U'
up=$(cut -d' ' -f1 /proc/uptime); case $up in *.*) echo "uptime has decimals";; esac
idle=$(cut -d' ' -f2 /proc/uptime); [ -n "$idle" ] && echo "uptime has idle field"
echo "time=$(date +%s)"
date
ls -l f | sed 's/^[^ ]* *[0-9]* [^ ]* *[^ ]* *[0-9]* //'
