/* file_truncate — truncate/ftruncate growing and shrinking, and their errors; RLIMIT_FSIZE. */
#include "dt.h"
#include <sys/resource.h>

int main(void)
{
	char buf[32];
	struct stat st;
	write_file("f", "abcdefghij");
	R("truncate shrink", truncate("f", 4));
	stat("f", &st);
	printf("size: %lld\n", (long long)st.st_size);
	R("truncate grow", truncate("f", 8));
	int fd = open("f", O_RDWR);
	memset(buf, 'z', sizeof buf);
	R("read grown", read(fd, buf, sizeof buf));
	for (int i = 0; i < 8; i++)
		putchar(buf[i] ? buf[i] : '.');
	putchar('\n');
	R("ftruncate 2", ftruncate(fd, 2));
	R("offset stays", lseek(fd, 0, SEEK_CUR));
	R("read past new end", read(fd, buf, sizeof buf));
	R("write at old offset", write(fd, "Q", 1));
	fstat(fd, &st);
	printf("size after write past end: %lld\n", (long long)st.st_size);
	R("ftruncate negative", ftruncate(fd, -1));
	R("truncate negative", truncate("f", -1));
	close(fd);
	fd = open("f", O_RDONLY);
	R("ftruncate on O_RDONLY", ftruncate(fd, 0));
	close(fd);
	mkdir("d", 0755);
	R("truncate dir", truncate("d", 0));
	fd = open("d", O_RDONLY);
	R("ftruncate dir fd", ftruncate(fd, 0));
	R("truncate missing", truncate("missing", 0));
	R("truncate empty path", truncate("", 0));
	R("ftruncate bad fd", ftruncate(99, 0));
	int p[2];
	pipe(p);
	R("ftruncate pipe", ftruncate(p[1], 0));
	R("truncate on read-only fs", truncate("/payload/runcase", 0));
	R("truncate /dev/null", truncate("/dev/null", 0));
	/* RLIMIT_FSIZE: SIGXFSZ when not ignored, EFBIG when ignored, partial write up to the limit.
	 * stdout is a file too: nothing is printed while the limit is low. */
	fflush(stdout);
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit rl = {100, RLIM_INFINITY}, unlimited = {RLIM_INFINITY, RLIM_INFINITY};
	setrlimit(RLIMIT_FSIZE, &rl);
	fd = open("big", O_WRONLY | O_CREAT, 0644);
	char chunk[150];
	memset(chunk, 'x', sizeof chunk);
	long r1 = write(fd, chunk, sizeof chunk);
	int e1 = errno;
	long r2 = write(fd, chunk, 1);
	int e2 = errno;
	long r3 = ftruncate(fd, 200);
	int e3 = errno;
	long r4 = ftruncate(fd, 50);
	long r5 = pwrite(fd, chunk, 10, 95);
	setrlimit(RLIMIT_FSIZE, &unlimited);
	printf("write crossing RLIMIT_FSIZE: %ld %s\n", r1, r1 < 0 ? errname(e1) : "");
	printf("write at RLIMIT_FSIZE: %ld %s\n", r2, r2 < 0 ? errname(e2) : "");
	printf("ftruncate beyond RLIMIT_FSIZE: %ld %s\n", r3, r3 < 0 ? errname(e3) : "");
	printf("ftruncate within RLIMIT_FSIZE: %ld\n", r4);
	printf("pwrite crossing RLIMIT_FSIZE: %ld\n", r5);
	signal(SIGXFSZ, SIG_DFL);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		setrlimit(RLIMIT_FSIZE, &rl);
		lseek(fd, 100, SEEK_SET);
		write(fd, chunk, 1);
		_exit(0);
	}
	int ws;
	waitpid(c, &ws, 0);
	WSTATUS("write past RLIMIT_FSIZE with SIGXFSZ default", ws);
	return done("file_truncate");
}
