/*
 * shared_map — issue 4, acceptance check 5: what a process writes through a
 * MAP_SHARED file mapping reaches other processes' read() and, after
 * msync(MS_SYNC), the disk.
 *
 *   shared_map write FILE SEED   map the existing FILE shared, fill it with
 *                                pattern SEED, msync; two other processes
 *                                read it back with read(), one before and
 *                                one after the msync
 *   shared_map check FILE SEED   read FILE with read() and compare
 *
 * The pattern byte at offset i is pattern_byte(i, SEED) below; the QEMU
 * tests compute the same bytes on the host to read the file back from the
 * disk image. FILE's size is left as it is (the tests make it a few pages
 * and a part, so the mapping ends in a partial page); bytes written past
 * the end of the file in that last page must not reach it.
 *
 * Prints "ok NAME" or "FAIL NAME: detail" per check, then
 *   shared_map: N checks, M failed
 * and exits 0 when nothing failed, 1 otherwise (2 on a usage error).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int checks, failures;

__attribute__((format(printf, 3, 4)))
static int check(const char *name, int cond, const char *fmt, ...)
{
	checks++;
	if (cond) {
		printf("ok %s\n", name);
		return 1;
	}
	failures++;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	printf("FAIL %s: %s\n", name, msg);
	return 0;
}

/* A byte that depends on the offset's every bit, so a page written at the
 * wrong place or a stale page shows. */
static uint8_t pattern_byte(uint64_t i, uint32_t seed)
{
	uint32_t x = (uint32_t)i * 0x9E3779B1u + seed;
	x ^= x >> 15;
	x *= 0x85EBCA77u;
	x ^= x >> 13;
	return (uint8_t)x;
}

/* Reads the whole of PATH with read() through a fresh descriptor and
 * compares it with the pattern; "" on a match, else what differs. */
static const char *compare_by_read(const char *path, off_t size, uint32_t seed)
{
	static char why[256];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		snprintf(why, sizeof why, "open: %s", strerror(errno));
		return why;
	}
	char buf[5000]; /* not a page multiple: reads straddle pages */
	off_t at = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0) {
			snprintf(why, sizeof why, "read at %lld: %s", (long long)at, strerror(errno));
			close(fd);
			return why;
		}
		if (n == 0)
			break;
		for (ssize_t k = 0; k < n; k++) {
			if (at + k >= size) {
				snprintf(why, sizeof why, "read() returns bytes past the size %lld", (long long)size);
				close(fd);
				return why;
			}
			uint8_t want = pattern_byte((uint64_t)(at + k), seed);
			if ((uint8_t)buf[k] != want) {
				snprintf(why, sizeof why, "byte %lld is 0x%02x, want 0x%02x",
					 (long long)(at + k), (uint8_t)buf[k], want);
				close(fd);
				return why;
			}
		}
		at += n;
	}
	close(fd);
	if (at != size) {
		snprintf(why, sizeof why, "read %lld bytes, want %lld", (long long)at, (long long)size);
		return why;
	}
	return "";
}

/* compare_by_read() in a child process: another process than the writer. */
static void check_other_process(const char *name, const char *path, off_t size, uint32_t seed)
{
	int pipefd[2];
	if (pipe(pipefd)) {
		check(name, 0, "pipe: %s", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		const char *why = compare_by_read(path, size, seed);
		size_t len = strlen(why);
		_exit(write(pipefd[1], why, len) == (ssize_t)len ? 0 : 1);
	}
	close(pipefd[1]);
	char why[256] = "";
	ssize_t n = pid > 0 ? read(pipefd[0], why, sizeof why - 1) : -1;
	close(pipefd[0]);
	int status = 0;
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (n > 0)
		why[n] = 0;
	check(name, pid > 0 && n == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "%s", pid < 0 ? strerror(errno) : n > 0 ? why : "the reader failed");
}

static int do_write(const char *path, uint32_t seed)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = open(path, O_RDWR);
	if (!check("open", fd >= 0, "%s: %s", path, strerror(errno)))
		return 1;
	struct stat st;
	if (!check("fstat", fstat(fd, &st) == 0, "%s", strerror(errno)))
		return 1;
	off_t size = st.st_size;
	if (!check("size-has-partial-page", size > page && size % page != 0,
		   "size %lld: the test wants several pages and a part", (long long)size))
		return 1;
	size_t len = (size_t)((size + page - 1) / page * page);
	uint8_t *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!check("mmap-shared", map != MAP_FAILED, "%s", strerror(errno)))
		return 1;
	/* The descriptor is not needed for the mapping to stay. */
	close(fd);

	for (off_t i = 0; i < size; i++)
		map[i] = pattern_byte((uint64_t)i, seed);
	/* Past the end of the file, inside the last page: part of the mapping,
	 * never of the file. */
	memset(map + size, 0xA5, len - (size_t)size);

	/* The page cache is shared: read() sees the stores before any msync. */
	check_other_process("read-before-msync", path, size, seed);
	check("msync", msync(map, len, MS_SYNC) == 0, "%s", strerror(errno));
	check_other_process("read-after-msync", path, size, seed);

	struct stat after = {0};
	check("size-unchanged", stat(path, &after) == 0 && after.st_size == size,
	      "size %lld, want %lld", (long long)after.st_size, (long long)size);
	check("munmap", munmap(map, len) == 0, "%s", strerror(errno));
	return 0;
}

static int do_check(const char *path, uint32_t seed)
{
	struct stat st;
	if (!check("stat", stat(path, &st) == 0, "%s: %s", path, strerror(errno)))
		return 1;
	const char *why = compare_by_read(path, st.st_size, seed);
	check("read-back", !*why, "%s", why);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[1], "write") && strcmp(argv[1], "check"))) {
		fprintf(stderr, "usage: shared_map write|check FILE SEED\n");
		return 2;
	}
	/* Lines in order even when the console is not a terminal. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	uint32_t seed = (uint32_t)strtoul(argv[3], NULL, 0);
	if (!strcmp(argv[1], "write"))
		do_write(argv[2], seed);
	else
		do_check(argv[2], seed);
	printf("shared_map: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
