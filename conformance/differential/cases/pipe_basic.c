/* pipe_basic — pipes: capacity, EAGAIN with O_NONBLOCK, EOF, SIGPIPE and EPIPE, partial reads,
 * PIPE_BUF atomicity with concurrent writers, pipe2 flags, F_GETPIPE_SZ/F_SETPIPE_SZ, FIONREAD. */
#include "dt.h"
#include <limits.h>
#include <sys/ioctl.h>

int main(void)
{
	int p[2];
	char buf[65536 * 2];
	R("pipe", pipe(p));
	struct stat st;
	fstat(p[0], &st);
	printf("S_ISFIFO: %d, size %lld\n", S_ISFIFO(st.st_mode), (long long)st.st_size);
	printf("modes: %o %o\n", fcntl(p[0], F_GETFL) & O_ACCMODE, fcntl(p[1], F_GETFL) & O_ACCMODE);
	R("write to read end", write(p[0], "x", 1));
	R("read from write end", read(p[1], buf, 1));
	R("lseek", lseek(p[0], 0, SEEK_CUR));
	R("pread", pread(p[0], buf, 1, 0));
	R("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
	/* capacity */
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	memset(buf, 'x', sizeof buf);
	long total = 0;
	for (;;) {
		ssize_t n = write(p[1], buf, 1000);
		if (n < 0) {
			printf("filled: %ld bytes, then %s\n", total, errname(errno));
			break;
		}
		total += n;
	}
	int avail;
	ioctl(p[0], FIONREAD, &avail);
	printf("FIONREAD: %d\n", avail);
	R("write 1 more", write(p[1], buf, 1));
	R("read 100", read(p[0], buf, 100));
	R("write PIPE_BUF into 100 free", write(p[1], buf, PIPE_BUF));
	R("write 100 into 100 free", write(p[1], buf, 100));
	R("read 5000", read(p[0], buf, 5000));
	R("write PIPE_BUF into 5000 free", write(p[1], buf, PIPE_BUF));
	R("write 8000 into 904 free (partial)", write(p[1], buf, 8000));
	/* drain, then EOF vs EAGAIN */
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	while (read(p[0], buf, sizeof buf) > 0)
		;
	R("empty pipe O_NONBLOCK", read(p[0], buf, 1));
	write(p[1], "abc", 3);
	R("short read", read(p[0], buf, 100));
	close(p[1]);
	R("EOF", read(p[0], buf, 1));
	close(p[0]);
	/* resize */
	pipe(p);
	R("F_SETPIPE_SZ 4096", fcntl(p[1], F_SETPIPE_SZ, 4096));
	R("F_SETPIPE_SZ 5000 rounds up", fcntl(p[1], F_SETPIPE_SZ, 5000));
	R("F_SETPIPE_SZ 100 rounds up to a page", fcntl(p[1], F_SETPIPE_SZ, 100));
	R("F_SETPIPE_SZ 1M", fcntl(p[1], F_SETPIPE_SZ, 1 << 20));
	R("F_SETPIPE_SZ too big", fcntl(p[1], F_SETPIPE_SZ, 1 << 30));
	write(p[1], buf, 10000);
	R("shrink below contents", fcntl(p[1], F_SETPIPE_SZ, 4096));
	R("F_GETPIPE_SZ on file", fcntl(open("/dev/null", O_RDONLY), F_GETPIPE_SZ));
	close(p[0]);
	close(p[1]);
	/* SIGPIPE and EPIPE */
	pipe(p);
	close(p[0]);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		write(p[1], "x", 1);
		_exit(0);
	}
	int stt;
	waitpid(c, &stt, 0);
	WSTATUS("write without readers", stt);
	signal(SIGPIPE, SIG_IGN);
	R("write without readers, SIGPIPE ignored", write(p[1], "x", 1));
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
	/* pipe2 flags */
	R("pipe2 O_CLOEXEC|O_NONBLOCK", pipe2(p, O_CLOEXEC | O_NONBLOCK));
	printf("cloexec %d nonblock %d\n", fcntl(p[0], F_GETFD), !!(fcntl(p[1], F_GETFL) & O_NONBLOCK));
	R("pipe2 bad flags", pipe2(p, O_APPEND));
	R("pipe2 O_DIRECT", pipe2(p, O_DIRECT));
	/* atomicity: 4 writers of PIPE_BUF records, the reader sees whole records */
	pipe(p);
	fflush(stdout);
	for (int w = 0; w < 4; w++) {
		if (fork() == 0) {
			char rec[PIPE_BUF];
			memset(rec, 'A' + w, sizeof rec);
			for (int i = 0; i < 50; i++)
				write(p[1], rec, sizeof rec);
			_exit(0);
		}
	}
	close(p[1]);
	int records = 0, torn = 0;
	char rec[PIPE_BUF];
	size_t have = 0;
	ssize_t n;
	while ((n = read(p[0], rec + have, sizeof rec - have)) > 0) {
		have += n;
		if (have == sizeof rec) {
			for (size_t i = 1; i < sizeof rec; i++)
				if (rec[i] != rec[0]) {
					torn++;
					break;
				}
			records++;
			have = 0;
		}
	}
	while (wait(NULL) > 0)
		;
	printf("records %d, torn %d\n", records, torn);
	/* data written before the writer exits is all readable */
	pipe(p);
	fflush(stdout);
	if (fork() == 0) {
		for (int i = 0; i < 100; i++)
			write(p[1], buf, 1000);
		_exit(0);
	}
	close(p[1]);
	total = 0;
	while ((n = read(p[0], buf, 3000)) > 0)
		total += n;
	wait(NULL);
	printf("read from exited writer: %ld\n", total);
	return done("pipe_basic");
}
