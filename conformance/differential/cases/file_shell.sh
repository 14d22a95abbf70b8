# file_shell — file tools through Alpine's busybox: redirections, cp/mv/ln/rm, stat(1), find.
# normalise: inodes times readdir-order
set -u
echo one >a
echo two >>a
cat a
printf 'no newline' >b
wc -c a b
cp a c && cmp a c && echo "cp same"
mv c d && test ! -e c && echo "mv gone"
ln d e && stat -c '%h %s %F ino=%i' d e
ln -s d sym && readlink sym && stat -L -c '%F' sym && stat -c '%F %s' sym
mkdir -p x/y/z && touch x/y/z/f x/y/g
find x | sort
find x -type f | sed 's/^/dirent: /'
rm -r x && test ! -d x && echo "rm -r gone"
chmod 751 d && stat -c '%a %A' d
umask 077 && touch p && stat -c '%a' p
: >empty && stat -c '%s %b' empty
dd if=/dev/zero of=z bs=1k count=100 2>/dev/null && stat -c '%s' z
truncate -s 5 z 2>/dev/null || : ; stat -c '%s' z
touch -d '2001-02-03 04:05:06' old && stat -c '%Y %y' old
ls -ld old | sed 's/^\([^ ]*\) .*/\1/'
echo data >f1 && exec 3<f1 && rm f1 && cat <&3 && exec 3<&-
(echo abc; echo def) | tee t1 >t2; cmp t1 t2 && cat t1
cat missing 2>&1; echo "cat status $?"
ls -d nothere 2>/dev/null; echo "ls status $?"
mkdir m && mkdir m 2>/dev/null; echo "mkdir again $?"
rmdir m nonexist 2>/dev/null; echo "rmdir status $?"
head -c 3 /dev/zero | od -An -tx1
seq 1 5 | tac | tr '\n' ' '; echo
echo "stderr line" >&2
exit 3
