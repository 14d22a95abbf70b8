/* file_stat — stat fields that follow from the operations done: type, mode, links, size,
 * blocks, owner, timestamps moving (or not) with each call. */
#include "dt.h"
#include <sys/sysmacros.h>
#include <time.h>

static int ts_after(struct timespec a, struct timespec b) /* a > b */
{
	return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

static int ts_eq(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static void pause_a_bit(void)
{
	struct timespec t = {0, 20 * 1000 * 1000};
	nanosleep(&t, NULL);
}

int main(void)
{
	struct stat a, b;
	umask(022);
	write_file("f", "12345");
	stat("f", &a);
	printf("mode: %o\n", a.st_mode);
	printf("nlink: %lu size: %lld blksize: %ld blocks: %lld\n", (unsigned long)a.st_nlink,
	       (long long)a.st_size, (long)a.st_blksize, (long long)a.st_blocks);
	printf("uid: %u gid: %u rdev: %u:%u\n", a.st_uid, a.st_gid, major(a.st_rdev), minor(a.st_rdev));
	EXPECT("mtime == ctime at creation", ts_eq(a.st_mtim, a.st_ctim));
	EXPECT("times are recent", labs(a.st_mtim.tv_sec - time(NULL)) < 5);

	pause_a_bit();
	int fd = open("f", O_WRONLY | O_APPEND);
	write(fd, "6", 1);
	fstat(fd, &b);
	EXPECT("write moves mtime", ts_after(b.st_mtim, a.st_mtim));
	EXPECT("write moves ctime", ts_after(b.st_ctim, a.st_ctim));
	close(fd);

	a = b;
	pause_a_bit();
	chmod("f", 0600);
	stat("f", &b);
	EXPECT("chmod keeps mtime", ts_eq(b.st_mtim, a.st_mtim));
	EXPECT("chmod moves ctime", ts_after(b.st_ctim, a.st_ctim));
	printf("mode after chmod: %o\n", b.st_mode);

	a = b;
	pause_a_bit();
	link("f", "g");
	stat("f", &b);
	printf("nlink after link: %lu\n", (unsigned long)b.st_nlink);
	EXPECT("link moves ctime", ts_after(b.st_ctim, a.st_ctim));
	struct stat g;
	stat("g", &g);
	EXPECT("link shares inode", g.st_ino == b.st_ino && g.st_dev == b.st_dev);

	/* utimensat: explicit times, UTIME_OMIT, UTIME_NOW */
	struct timespec ts[2] = {{1000000000, 123456789}, {1500000000, 987654321}};
	R("utimensat", utimensat(AT_FDCWD, "f", ts, 0));
	stat("f", &b);
	printf("atime: %lld.%09ld mtime: %lld.%09ld\n", (long long)b.st_atim.tv_sec, b.st_atim.tv_nsec,
	       (long long)b.st_mtim.tv_sec, b.st_mtim.tv_nsec);
	struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	R("utimensat omit/now", utimensat(AT_FDCWD, "f", omit, 0));
	stat("f", &b);
	printf("atime kept: %lld.%09ld\n", (long long)b.st_atim.tv_sec, b.st_atim.tv_nsec);
	EXPECT("mtime now", labs(b.st_mtim.tv_sec - time(NULL)) < 5);
	struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
	R("utimensat bad nsec", utimensat(AT_FDCWD, "f", bad, 0));

	/* directories: size and link count on tmpfs */
	mkdir("d", 0755);
	stat("d", &a);
	printf("dir mode: %o nlink: %lu\n", a.st_mode, (unsigned long)a.st_nlink);
	mkdir("d/sub1", 0700);
	mkdir("d/sub2", 0700);
	stat("d", &b);
	printf("dir nlink with 2 subdirs: %lu\n", (unsigned long)b.st_nlink);
	rmdir("d/sub1");
	stat("d", &b);
	printf("dir nlink after rmdir: %lu\n", (unsigned long)b.st_nlink);

	/* symlink: lstat vs stat */
	symlink("f", "s");
	lstat("s", &a);
	stat("s", &b);
	printf("symlink lstat mode: %o size: %lld\n", a.st_mode, (long long)a.st_size);
	printf("symlink stat mode: %o size: %lld\n", b.st_mode, (long long)b.st_size);

	/* fstatat flags */
	R("fstatat AT_SYMLINK_NOFOLLOW", fstatat(AT_FDCWD, "s", &a, AT_SYMLINK_NOFOLLOW));
	R("fstatat bad flag", fstatat(AT_FDCWD, "s", &a, 0x40000000));
	R("fstatat empty path no flag", fstatat(AT_FDCWD, "", &a, 0));
	fd = open("f", O_RDONLY);
	R("fstatat AT_EMPTY_PATH", fstatat(fd, "", &a, AT_EMPTY_PATH));
	printf("AT_EMPTY_PATH size: %lld\n", (long long)a.st_size);

	/* device nodes and fifos */
	stat("/dev/null", &a);
	printf("/dev/null: mode %o rdev %u:%u\n", a.st_mode, major(a.st_rdev), minor(a.st_rdev));
	stat("/dev/zero", &a);
	printf("/dev/zero: mode %o rdev %u:%u\n", a.st_mode, major(a.st_rdev), minor(a.st_rdev));
	R("mkfifo", mkfifo("p", 0640));
	stat("p", &a);
	printf("fifo mode: %o size %lld\n", a.st_mode, (long long)a.st_size);

	/* sparse file: size vs blocks */
	fd = open("sparse", O_RDWR | O_CREAT, 0644);
	ftruncate(fd, 1 << 20);
	fstat(fd, &a);
	printf("sparse size: %lld blocks: %lld\n", (long long)a.st_size, (long long)a.st_blocks);
	pwrite(fd, "x", 1, 8192);
	fstat(fd, &a);
	printf("one page written, blocks: %lld\n", (long long)a.st_blocks);
	return done("file_stat");
}
