/* pipe_fifo — named pipes: open rules (blocking until the other side, O_NONBLOCK reader succeeds,
 * O_NONBLOCK writer without reader ENXIO), data between processes, O_RDWR open. */
#include "dt.h"

int main(void)
{
	R("mkfifo", mkfifo("ff", 0600));
	R("mkfifo existing", mkfifo("ff", 0600));
	R("open write nonblock, no reader", open("ff", O_WRONLY | O_NONBLOCK));
	int r = open("ff", O_RDONLY | O_NONBLOCK);
	printf("open read nonblock: %s\n", r >= 0 ? "ok" : errname(errno));
	char buf[64];
	R("read with no writer ever", read(r, buf, sizeof buf));
	int w = open("ff", O_WRONLY | O_NONBLOCK);
	printf("open write nonblock with reader: %s\n", w >= 0 ? "ok" : errname(errno));
	R("empty with writer: EAGAIN", read(r, buf, sizeof buf));
	write(w, "hello", 5);
	R("read", read(r, buf, sizeof buf));
	close(w);
	R("EOF after writer closes", read(r, buf, sizeof buf));
	close(r);
	/* blocking opens rendezvous */
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		int fd = open("ff", O_WRONLY);
		write(fd, "from child", 10);
		close(fd);
		_exit(0);
	}
	int fd = open("ff", O_RDONLY);
	memset(buf, 0, sizeof buf);
	int n = 0, k;
	while ((k = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += k;
	printf("got: %s\n", buf);
	waitpid(c, NULL, 0);
	close(fd);
	/* O_RDWR never blocks and keeps both ends */
	int rw = open("ff", O_RDWR);
	printf("O_RDWR: %s\n", rw >= 0 ? "ok" : errname(errno));
	write(rw, "self", 4);
	R("read own write", read(rw, buf, 4));
	struct stat st;
	fstat(rw, &st);
	printf("fifo type %d size %lld\n", S_ISFIFO(st.st_mode), (long long)st.st_size);
	R("lseek fifo", lseek(rw, 0, SEEK_SET));
	R("ftruncate fifo", ftruncate(rw, 0));
	R("mknod fifo", mknod("f2", S_IFIFO | 0644, 0));
	R("unlink fifo", unlink("ff"));
	R("fd still works", write(rw, "x", 1));
	return done("pipe_fifo");
}
