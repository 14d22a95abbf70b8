/* file_dup — dup/dup2/dup3/F_DUPFD, descriptor flags vs status flags, lowest free fd, EMFILE. */
#include "dt.h"
#include <sys/resource.h>

int main(void)
{
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	R("first fd", fd);
	R("dup", dup(fd));
	R("dup2 to 10", dup2(fd, 10));
	R("dup2 same fd", dup2(fd, fd));
	R("dup2 bad old", dup2(77, 11));
	R("dup2 same bad fd", dup2(77, 77));
	R("dup3 same fd", dup3(fd, fd, 0));
	R("dup3 bad flags", dup3(fd, 12, O_APPEND));
	R("dup3 cloexec", dup3(fd, 12, O_CLOEXEC));
	R("F_GETFD 12", fcntl(12, F_GETFD));
	R("F_GETFD 10", fcntl(10, F_GETFD));
	R("F_DUPFD from 20", fcntl(fd, F_DUPFD, 20));
	R("F_DUPFD from 20 again", fcntl(fd, F_DUPFD, 20));
	R("F_DUPFD_CLOEXEC", fcntl(fd, F_DUPFD_CLOEXEC, 5));
	R("F_GETFD", fcntl(5, F_GETFD));
	R("F_DUPFD negative", fcntl(fd, F_DUPFD, -1));
	R("F_DUPFD huge", fcntl(fd, F_DUPFD, 1 << 20));
	R("close 4", close(4));
	R("lowest free", dup(fd));
	R("close closed", close(30));
	R("close negative", close(-1));
	/* status flags are shared by dups, fd flags are not */
	R("F_SETFL append on 10", fcntl(10, F_SETFL, O_APPEND | O_NONBLOCK));
	int fl = fcntl(fd, F_GETFL);
	printf("original sees append %d nonblock %d\n", !!(fl & O_APPEND), !!(fl & O_NONBLOCK));
	R("F_SETFL ignores access mode", fcntl(fd, F_SETFL, O_RDONLY));
	printf("accmode still %d\n", fcntl(fd, F_GETFL) & O_ACCMODE);
	R("F_SETFD on 10", fcntl(10, F_SETFD, FD_CLOEXEC));
	R("F_GETFD original", fcntl(fd, F_GETFD));
	R("fcntl bad cmd", fcntl(fd, 9999));
	R("fcntl bad fd", fcntl(99, F_GETFD));
	/* shared offset */
	write(fd, "abcdef", 6);
	R("offset via dup", lseek(10, 0, SEEK_CUR));
	lseek(10, 2, SEEK_SET);
	R("offset via original", lseek(fd, 0, SEEK_CUR));
	/* closing one dup leaves the file open */
	close(fd);
	char buf[4] = {0};
	R("read via dup after close", read(10, buf, 3));
	printf("data: %s\n", buf);
	/* EMFILE */
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = 32;
	setrlimit(RLIMIT_NOFILE, &rl);
	int last = -1, n = 0;
	for (;;) {
		int d = dup(10);
		if (d < 0) {
			printf("dup until failure: %s after %d, last fd %d\n", errname(errno), n, last);
			break;
		}
		last = d;
		n++;
	}
	R("dup2 beyond limit", dup2(10, 40));
	R("F_DUPFD at limit", fcntl(10, F_DUPFD, 32));
	R("open at limit", open("f", O_RDONLY));
	return done("file_dup");
}
