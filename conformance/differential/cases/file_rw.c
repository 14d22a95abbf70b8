/* file_rw — open/read/write/lseek/pread/pwrite and O_APPEND on tmpfs: offsets, holes, EOF. */
#include "dt.h"

int main(void)
{
	char buf[64];
	int fd = open("f", O_RDWR | O_CREAT | O_EXCL, 0644);
	EXPECT("open creates", fd >= 0);
	R("write 5", write(fd, "hello", 5));
	R("offset after write", lseek(fd, 0, SEEK_CUR));
	R("read at EOF", read(fd, buf, sizeof buf));
	R("seek set 1", lseek(fd, 1, SEEK_SET));
	memset(buf, 0, sizeof buf);
	R("read 3", read(fd, buf, 3));
	printf("data: %s\n", buf);
	R("seek cur -2", lseek(fd, -2, SEEK_CUR));
	R("seek end +10 (hole)", lseek(fd, 10, SEEK_END));
	R("write past EOF", write(fd, "X", 1));
	struct stat st;
	fstat(fd, &st);
	printf("size: %lld\n", (long long)st.st_size);
	R("pread whole", pread(fd, buf, sizeof buf, 0));
	int zeros = 0;
	for (int i = 5; i < 15; i++)
		zeros += buf[i] == 0;
	EXPECT("hole reads as zeros", zeros == 10 && buf[15] == 'X');
	R("offset unchanged by pread", lseek(fd, 0, SEEK_CUR));
	R("pwrite at 2", pwrite(fd, "ZZ", 2, 2));
	R("offset unchanged by pwrite", lseek(fd, 0, SEEK_CUR));
	R("pread 5", pread(fd, buf, 5, 0));
	printf("data: %.5s\n", buf);
	R("seek negative", lseek(fd, -100, SEEK_SET));
	R("seek bad whence", lseek(fd, 0, 42));
	R("pread negative offset", pread(fd, buf, 1, -1));
	R("read zero bytes", read(fd, buf, 0));
	R("seek data", lseek(fd, 0, SEEK_DATA));
	R("seek hole past end", lseek(fd, 100, SEEK_HOLE));
	close(fd);

	/* O_APPEND: every write goes to the end, whatever the offset; pwrite too (Linux). */
	fd = open("f", O_WRONLY | O_APPEND);
	R("append seek 0", lseek(fd, 0, SEEK_SET));
	R("append write", write(fd, "ab", 2));
	R("append offset", lseek(fd, 0, SEEK_CUR));
	R("append pwrite at 0", pwrite(fd, "cd", 2, 0));
	fstat(fd, &st);
	printf("size after appends: %lld\n", (long long)st.st_size);
	close(fd);
	fd = open("f", O_RDONLY);
	memset(buf, 0, sizeof buf);
	R("read all", read(fd, buf, sizeof buf));
	for (int i = 0; i < 20; i++)
		putchar(buf[i] ? buf[i] : '.');
	putchar('\n');
	R("write on O_RDONLY", write(fd, "x", 1));
	close(fd);
	fd = open("f", O_WRONLY);
	R("read on O_WRONLY", read(fd, buf, 1));
	close(fd);

	/* O_TRUNC empties; two fds have independent offsets; a dup shares one. */
	fd = open("f", O_RDWR | O_TRUNC);
	fstat(fd, &st);
	printf("size after O_TRUNC: %lld\n", (long long)st.st_size);
	write(fd, "0123456789", 10);
	int fd2 = open("f", O_RDONLY), fd3 = dup(fd2);
	R("fd2 read", read(fd2, buf, 4));
	R("dup shares offset", lseek(fd3, 0, SEEK_CUR));
	R("first fd offset", lseek(fd, 0, SEEK_CUR));
	/* A large write and read in one call. */
	static char big[300000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 7);
	lseek(fd, 0, SEEK_SET);
	R("big write", write(fd, big, sizeof big));
	static char back[300000];
	R("big pread", pread(fd2, back, sizeof back, 0));
	EXPECT("big data round-trips", memcmp(big, back, sizeof big) == 0);
	return done("file_rw");
}
