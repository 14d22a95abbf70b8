# shell_check.sh — issue 3, acceptance check 2: a busybox sh script whose
# output must be byte-identical under our kernel and under Linux.
#
#   sh shell_check.sh SCRATCH_DIR 2>&1 | cat
#
# The QEMU tests run it in the guest (it is /test/shell_check.sh there) and on
# the host with the very busybox binary of the initramfs, then compare. So the
# script prints nothing that legitimately differs between two machines: no
# pids, times, inode numbers, owners, directory sizes, limits it did not set
# itself, or paths outside SCRATCH_DIR; find output is sorted (readdir order
# differs between file systems); every background job reports through a file
# or its exit status, never by racing the others to stdout. Run it with
# stdout and stderr on one pipe, as above, so their interleaving is fixed too.
# It exits 0; a step that misbehaves shows up as a difference in the output.
#
# Deliberately old or odd forms (backticks, echo in $(...), ranges in tr,
# fds above 9, which ash allows and dash does not) are what is under test:
# shellcheck shell=dash disable=SC2006,SC2116,SC2018,SC2019,SC3023

# Same environment on every machine: UTC (the host has /etc/localtime, the
# guest does not), byte-wise collation and a known umask.
export TZ=UTC0 LC_ALL=C
umask 022
scratch=${1:?usage: shell_check.sh SCRATCH_DIR}
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch" || exit 99
trap 'echo "== exit trap"' EXIT

section() { echo "== $*"; }

section pipelines
# Five stages and more, with enough data to fill the pipes many times over.
seq 1 30000 | sed 's/$/ x/' | grep -E '^[0-9]*7[0-9]* x$' | cut -d' ' -f1 | awk '{ s += $1 } END { print NR, s }'
seq 1 5000 | awk '{ print $1 % 13 }' | sort -n | uniq -c | sort -k1,1nr -k2,2n | head -n 4
seq 1 100000 | tr 0-9 a-j | grep -c j
false | true; echo "status of false|true: $?"
true | false; echo "status of true|false: $?"
set -o pipefail
false | true; echo "pipefail status: $?"
set +o pipefail
# The reader leaves early: seq (a subshell's child) dies of SIGPIPE, 128+13.
{ seq 1 1000000; echo "seq status $?" >&2; } | head -n 2

section command substitution
upper=$(echo hello | tr a-z A-Z)
echo "upper=$upper"
echo "count=$(seq 1 100 | wc -l)"
echo "nested=$(echo "$(echo inner) outer")"
echo "backticks=`echo tick`"
lines=$(printf 'a\nb\n\n\n')
echo "trailing newlines stripped: [$lines]"
echo "bigger than a pipe: $(seq 1 30000 | tr -d '\n' | wc -c)"
echo "arithmetic: $(( $(seq 1 10 | wc -l) * 7 ))"

section here-documents
name=world
cat <<EOT
hello $name $((6 * 7))
  kept indentation
EOT
cat <<'EOT'
literal $name $((1 + 1))
EOT
cat <<-EOT
		tabs stripped
	EOT
while read -r num word; do echo "$word-$num"; done <<EOT
1 one
2 two
3 three
EOT
# A here-document larger than a pipe buffer.
cat <<EOT | wc -c
$(seq 1 20000)
EOT

section background jobs
for i in 3 1 2; do
    (sleep "0.$i"; echo "job $i done" >"job.$i") &
done
wait
cat job.1 job.2 job.3
(exit 5) &
pid=$!
wait "$pid"
echo "wait status: $?"
# Whether ash reports a killed background job ("Terminated") depends on
# when it reaps it, on Linux too; the status is what counts.
sleep 100 &
pid=$!
kill -TERM "$pid"
wait "$pid" 2>/dev/null
echo "sleep killed by TERM: $?"
sleep 100 &
pid=$!
kill -KILL "$pid"
wait "$pid" 2>/dev/null
echo "sleep killed by KILL: $?"
(sleep 0.2; exit 7) &
pid=$!
(exit 9) &
wait
wait "$pid"
echo "status of an already reaped job: $?"

section traps
trap 'echo "USR1 trapped"' USR1
kill -USR1 $$
echo "after USR1"
trap 'echo "HUP trapped"' HUP
trap
trap - USR1 HUP
(trap 'echo "subshell exit trap"' EXIT; echo "in subshell")
(
    trap 'echo "TERM trapped"; exit 3' TERM
    : >ready
    while :; do sleep 0.05; done
) &
pid=$!
while [ ! -e ready ]; do sleep 0.05; done
kill -TERM "$pid"
wait "$pid"
echo "trapped job exit status: $?"
# An ignored signal stays ignored in children; a default one kills them.
(trap '' TERM; sh -c 'kill -TERM $$; echo "ignored TERM survived"')
sh -c 'kill -TERM $$; echo "not reached"'
echo "default TERM: $?"

section ulimit
(
    ulimit -n 16
    echo "nofile: $(ulimit -n)"
    exec 15</dev/null && echo "fd 15 opened"
    (exec 16</dev/null) 2>/dev/null || echo "fd 16 refused"
    (exec 20</dev/null) 2>/dev/null || echo "fd 20 refused"
)
(ulimit -n 64; ulimit -n 32; echo "lowered: $(ulimit -n)")

section files
echo one >f
echo two >>f
cat f
echo "lines: $(wc -l <f)"
mv f g
[ -e f ] || echo "f renamed away"
cat g
cp g h
cmp g h && echo "copy identical"
rm g
[ -e g ] || echo "g removed"
: >empty
[ -s empty ] || echo "empty has size 0"
printf 'x%.0s' $(seq 1 5000) >big
echo "big: $(wc -c <big) bytes"
truncate -s 100 big
echo "truncated: $(wc -c <big) bytes"
dd if=/dev/zero of=zeros bs=1024 count=64 2>/dev/null
echo "zeros: $(wc -c <zeros) bytes, $(tr -d '\0' <zeros | wc -c) non-zero"
mkdir -p a/b/c
rmdir a/b/c
[ -d a/b ] && [ ! -e a/b/c ] && echo "rmdir ok"
mkdir a/b 2>/dev/null || echo "mkdir of an existing dir refused"
chmod 600 h
echo "mode of h: $(stat -c %A h)"
mv h a/b/h
echo "moved: $(cat a/b/h)"

section symlinks
echo target-data >target
ln -s target link
ln -s link link2
echo "readlink: $(readlink link)"
echo "through two links: $(cat link2)"
ln -s nowhere dangling
[ -L dangling ] && [ ! -e dangling ] && echo "dangling link"
ln -s a/b dirlink
echo "through a dir link: $(cat dirlink/h)"
ln -s loop1 loop2
ln -s loop2 loop1
cat loop1 2>/dev/null || echo "symlink loop refused"
ln target hard
echo "links to target: $(stat -c %h target)"
[ "$(stat -c %i target)" = "$(stat -c %i hard)" ] && echo "hard link shares the inode"
[ "$(stat -c %i target)" != "$(stat -c %i link)" ] && echo "symlink has its own inode"
echo "type: $(stat -c %F link)"
rm link
[ -L link2 ] && [ ! -e link2 ] && echo "link2 now dangles"

section cp -a
mkdir -p src/sub
echo alpha >src/a
echo beta >src/sub/b
ln -s a src/la
chmod 640 src/a
chmod 750 src/sub
# Directory last: creating src/sub/b changed its times.
touch -d '2001-02-03 04:05:06' src/a src/sub/b src/sub
cp -a src dst
find dst | sort
for p in a sub sub/b; do
    echo "$p: $(stat -c '%A %Y' "dst/$p")"
done
echo "la: $(stat -c %A dst/la)"
echo "la -> $(readlink dst/la)"
cmp src/sub/b dst/sub/b && echo "contents copied"

section find and xargs
for n in 1 2 3 4; do echo "file $n" >"t$n.txt"; done
mkdir -p deep/er
echo deep >deep/er/t5.txt
find . -name 't*.txt' -type f | sort
find . -type l | sort
find . -type d -name 'd*' | sort
find . -type f -size +4k | sort
find . -name 't*.txt' | sort | xargs cat
find . -name 't*.txt' | sort | xargs -n 2 echo
echo a b c d e | xargs -n 2
find . -name 't*.txt' -print0 | sort -z | xargs -0 wc -c
find . -name 't[12].txt' -exec cat {} \; | sort
touch -d '2000-01-01 00:00:00' old
find . -name 't*.txt' -newer old | wc -l
find . -name 't*.txt' ! -newer old | wc -l

section text tools
cat >words <<'EOT'
The quick brown fox jumps over the lazy dog.
The dog sleeps; the fox runs 42 km in 3 hours.
Pack my box with five dozen liquor jugs: 12 boxes, 7 jugs.
EOT
tr -cs 'A-Za-z' '\n' <words | tr A-Z a-z | sort | uniq -c | sort -k1,1nr -k2 | head -n 5
grep -E -c 'fox|dog' words
grep -E -o '[0-9]+' words | sort -n | tr '\n' ' '
echo
grep -E -n '^(The|Pack) [a-z]+ (brown|my)' words
sed -n '2,3p' words
sed -e 's/the/THE/g' -e 's/^/> /' words
sed '/dog/d' words
awk '{ words += NF; chars += length($0) } END { print NR, words, chars }' words
awk -F'[;:]' 'NF > 1 { print NF ": " $2 }' words
printf 'b,2,x\na,10,y\nc,1,z\na,2,w\n' >table
sort -t, -k2,2n -k1,1 table
sort -t, -k1,1 -u table
cut -d, -f1,3 table
cut -c 1-9 words
cut -d, -f1 table | sort | uniq -d
cut -d, -f1 table | sort | uniq -u
wc words
wc -lwc table
tr -d aeiou <words | head -n 1
echo 'hello world' | tr '[:lower:]' '[:upper:]'
printf 'abc\000\001\177\200\377\n' | od -A d -t x1 -c
od -A x -t d2 -N 8 table
printf 'line\n' | od -b

section cleanup
cd / && rm -rf "$scratch"
[ -e "$scratch" ] || echo "scratch removed"
