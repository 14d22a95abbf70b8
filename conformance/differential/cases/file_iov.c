/* file_iov — readv/writev/preadv/pwritev, zero-length and bad iovecs, sendfile, copy_file_range. */
#include "dt.h"
#include <limits.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

int main(void)
{
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	struct iovec w[3] = {{"abc", 3}, {"", 0}, {"defgh", 5}};
	R("writev", writev(fd, w, 3));
	char a[2], b[4], c[10];
	struct iovec r[3] = {{a, 2}, {b, 4}, {c, 10}};
	lseek(fd, 0, SEEK_SET);
	R("readv", readv(fd, r, 3));
	printf("pieces: %.2s %.4s %.2s\n", a, b, c);
	R("preadv at 5", preadv(fd, r, 2, 5));
	printf("pieces: %.2s %.1s\n", a, b);
	R("pwritev at 1", pwritev(fd, w, 1, 1));
	R("writev zero count", writev(fd, w, 0));
	R("writev negative count", writev(fd, w, -1));
	R("writev too many", writev(fd, w, IOV_MAX + 1));
	struct iovec huge[2] = {{"x", 1}, {"y", (size_t)-1}};
	R("writev length overflow", writev(fd, huge, 2));
	/* a bad pointer in the second segment: a short write of the first */
	struct iovec bad[2] = {{"12345", 5}, {(void *)16, 5}};
	lseek(fd, 0, SEEK_SET);
	R("writev bad second segment", writev(fd, bad, 2));
	struct iovec bad1[1] = {{(void *)16, 5}};
	R("writev bad only segment", writev(fd, bad1, 1));
	R("writev bad iov array", writev(fd, (struct iovec *)16, 1));
	lseek(fd, 0, SEEK_SET);
	struct iovec rbad[2] = {{a, 2}, {(void *)16, 4}};
	R("readv bad second segment", readv(fd, rbad, 2));
	R("read into NULL", read(fd, NULL, 4));
	R("read into kernel address", read(fd, (void *)0xffff800000000000UL, 4));
	R("write from kernel address", write(fd, (void *)0xffffffff80000000UL, 4));
	R("read zero into NULL", read(fd, NULL, 0));
	/* sendfile file -> file, with and without an offset */
	int out = open("g", O_RDWR | O_CREAT, 0644);
	off_t off = 2;
	R("sendfile with offset", sendfile(out, fd, &off, 4));
	printf("offset now %lld, in fd offset %lld\n", (long long)off, (long long)lseek(fd, 0, SEEK_CUR));
	lseek(fd, 0, SEEK_SET);
	R("sendfile no offset", sendfile(out, fd, NULL, 100));
	R("in fd offset after", lseek(fd, 0, SEEK_CUR));
	R("sendfile at EOF", sendfile(out, fd, NULL, 100));
	R("sendfile bad fd", sendfile(out, 99, NULL, 1));
	int ro = open("f", O_RDONLY);
	R("sendfile to read-only fd", sendfile(ro, fd, &off, 1));
	char buf[32] = {0};
	R("pread result", pread(out, buf, sizeof buf - 1, 0));
	printf("g: %s\n", buf);
	int p[2];
	pipe(p);
	off = 0;
	R("sendfile file to pipe", sendfile(p[1], fd, &off, 5));
	memset(buf, 0, sizeof buf);
	R("read pipe", read(p[0], buf, sizeof buf));
	printf("pipe: %s\n", buf);
	loff_t i0 = 0, o0 = 0;
	int cf = open("h", O_RDWR | O_CREAT, 0644);
	long n = copy_file_range(fd, &i0, cf, &o0, 6, 0);
	if (n < 0)
		printf("copy_file_range: %s\n", errname(errno));
	else
		printf("copy_file_range: %ld, offsets %lld %lld\n", n, (long long)i0, (long long)o0);
	R("copy_file_range bad flags", copy_file_range(fd, &i0, cf, &o0, 6, 1));
	return done("file_iov");
}
