/* file_locks — fcntl record locks between processes (conflicts, F_GETLK, splitting, release on
 * close, F_SETLKW waiting), OFD locks and flock. */
// normalise: pids
#include "dt.h"
#include <sys/file.h>

static int fd;

static void on_alarm(int s) { (void)s; }

static int lk(int cmd, short type, off_t start, off_t len)
{
	struct flock f = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	return fcntl(fd, cmd, &f);
}

static void getlk(const char *label, short type, off_t start, off_t len)
{
	struct flock f = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	if (fcntl(fd, F_GETLK, &f) < 0) {
		printf("%s: -1 %s\n", label, errname(errno));
		return;
	}
	if (f.l_type == F_UNLCK)
		printf("%s: unlocked\n", label);
	else
		printf("%s: %s start %lld len %lld pid=%d\n", label, f.l_type == F_WRLCK ? "write" : "read",
		       (long long)f.l_start, (long long)f.l_len, f.l_pid);
}

static int child_probe(void)
{
	getlk("child getlk [0,10) write", F_WRLCK, 0, 10);
	getlk("child getlk [10,20) read", F_RDLCK, 10, 10);
	getlk("child getlk [20,30) read", F_RDLCK, 20, 10);
	getlk("child getlk [100,inf) write", F_WRLCK, 100, 0);
	R("child setlk write [0,5)", lk(F_SETLK, F_WRLCK, 0, 5));
	R("child setlk read [12,14)", lk(F_SETLK, F_RDLCK, 12, 2));
	R("child setlk write [25,26)", lk(F_SETLK, F_WRLCK, 25, 1));
	return 0;
}

static int child_after_unlock(void)
{
	getlk("child getlk after split", F_WRLCK, 0, 40);
	getlk("child getlk [3,4)", F_WRLCK, 3, 1);
	getlk("child getlk [5,10)", F_WRLCK, 5, 5);
	return 0;
}

int main(void)
{
	printf("parent pid=%d\n", getpid());
	fd = open("f", O_RDWR | O_CREAT, 0644);
	write(fd, "0123456789012345678901234567890123456789", 40);
	R("setlk write [0,10)", lk(F_SETLK, F_WRLCK, 0, 10));
	R("setlk read [10,20)", lk(F_SETLK, F_RDLCK, 10, 10));
	getlk("own getlk sees no conflict", F_WRLCK, 0, 20);
	WSTATUS("probe child", in_child(child_probe));
	/* unlocking the middle splits the write lock in two */
	R("unlock [3,6)", lk(F_SETLK, F_UNLCK, 3, 3));
	WSTATUS("split child", in_child(child_after_unlock));
	R("bad type", lk(F_SETLK, 42, 0, 1));
	R("negative start", lk(F_SETLK, F_WRLCK, -5, 1));
	R("negative len", lk(F_SETLK, F_WRLCK, 5, -5));
	/* a read lock on a write-only fd is EBADF */
	int wo = open("f", O_WRONLY);
	struct flock f = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
	R("read lock on O_WRONLY", fcntl(wo, F_SETLK, &f));
	/* closing any fd of the file drops the process's locks */
	close(wo);
	WSTATUS("after close child", in_child(child_after_unlock));
	/* F_SETLKW waits for the holder */
	R("relock write [0,10)", lk(F_SETLK, F_WRLCK, 0, 10));
	fflush(stdout);
	int p[2];
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		write(p[1], "r", 1);
		int r = lk(F_SETLKW, F_WRLCK, 0, 1);
		printf("child setlkw: %d\n", r);
		char tag = 'k';
		write(p[1], &tag, 1);
		_exit(0);
	}
	close(p[1]);
	char ch;
	read(p[0], &ch, 1);
	usleep(100000);
	R("child still waiting (poll pipe)", ({ struct timeval tv = {0, 0}; fd_set s; FD_ZERO(&s); FD_SET(p[0], &s); select(p[0] + 1, &s, 0, 0, &tv); }));
	fflush(stdout);
	lk(F_SETLK, F_UNLCK, 0, 0);
	read(p[0], &ch, 1);
	printf("child got lock after unlock: %c\n", ch);
	int ws;
	waitpid(c, &ws, 0);
	/* deadlock detection: we hold [0,1), the child holds [1,2) and waits for [0,1); we ask for [1,2) */
	R("lock [0,1)", lk(F_SETLK, F_WRLCK, 0, 1));
	fflush(stdout);
	int q[2];
	pipe(q);
	c = fork();
	if (c == 0) {
		lk(F_SETLK, F_WRLCK, 1, 1);
		write(q[1], "r", 1);
		int r = lk(F_SETLKW, F_WRLCK, 0, 1);
		_exit(r == 0 ? 0 : 1);
	}
	read(q[0], &ch, 1);
	usleep(100000);
	/* without deadlock detection this would wait forever: an alarm breaks it with EINTR */
	struct sigaction sa = {0};
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(3);
	R("setlkw that would deadlock", lk(F_SETLKW, F_WRLCK, 1, 1));
	alarm(0);
	lk(F_SETLK, F_UNLCK, 0, 0);
	waitpid(c, &ws, 0);
	WSTATUS("deadlock child", ws);
	/* OFD locks conflict between two open file descriptions of one process */
	int a = open("f", O_RDWR), b = open("f", O_RDWR);
	struct flock o = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
	R("ofd lock a", fcntl(a, F_OFD_SETLK, &o));
	R("ofd lock b conflicts", fcntl(b, F_OFD_SETLK, &o));
	o.l_pid = 5;
	R("ofd lock with l_pid set", fcntl(b, F_OFD_SETLK, &o));
	o.l_pid = 0;
	R("ofd getlk b", fcntl(b, F_OFD_GETLK, &o));
	printf("ofd getlk: type %s pid %d\n", o.l_type == F_WRLCK ? "write" : "other", o.l_pid);
	close(a);
	o.l_type = F_WRLCK;
	R("ofd lock b after close a", fcntl(b, F_OFD_SETLK, &o));
	close(b);
	/* flock */
	a = open("f", O_RDONLY);
	b = open("f", O_RDONLY);
	R("flock ex a", flock(a, LOCK_EX | LOCK_NB));
	R("flock sh b", flock(b, LOCK_SH | LOCK_NB));
	R("flock a to sh", flock(a, LOCK_SH | LOCK_NB));
	R("flock sh b now", flock(b, LOCK_SH | LOCK_NB));
	R("flock ex b", flock(b, LOCK_EX | LOCK_NB));
	R("flock bad op", flock(b, 0));
	R("unlock a", flock(a, LOCK_UN));
	R("flock ex b now", flock(b, LOCK_EX | LOCK_NB));
	int dupb = dup(b);
	close(b);
	R("lock kept by dup", flock(a, LOCK_SH | LOCK_NB));
	close(dupb);
	R("released with last fd", flock(a, LOCK_SH | LOCK_NB));
	return done("file_locks");
}
