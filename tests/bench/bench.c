/*
 * bench — the in-guest half of scripts/bench: one static program, one mode
 * per workload. Each mode times its workload with CLOCK_MONOTONIC and prints
 * one line
 *
 *   RESULT <name> <value> <unit>
 *
 * (several for modes that measure more than one thing), or
 *
 *   FAIL <name>: <what went wrong>
 *
 * and exits 1. The host side (scripts/bench.py) runs the same modes on this
 * kernel and on Linux and compares the figures; nothing here knows which
 * kernel it runs on, and nothing asserts a timing.
 *
 *   bench getppid [N]            ns per getppid()                  (N calls)
 *   bench fork_exit [N]          us per fork + _exit + waitpid     (N rounds)
 *   bench fork_exec [N]          us per fork + execve(static) + waitpid;
 *                                the child execs this program in mode "nop"
 *   bench pipe_pingpong [N]      us per round trip of one byte between two
 *                                processes over two pipes          (N trips)
 *   bench pipe_throughput [MiB]  MiB/s through one pipe, 64 KiB writes
 *   bench page_faults [MiB]      anonymous write faults per second (first
 *                                touch of every page of a fresh mapping)
 *   bench tmpfs_rw DIR [MiB]     MiB/s writing then reading one file of MiB
 *                                MiB in DIR (64 KiB I/O), two RESULT lines
 *   bench create_delete DIR [N]  ms to create (open O_CREAT, write 100 bytes,
 *                                close) then unlink N files in DIR
 *   bench spawn N PROG [ARG...]  ms for N sequential fork + execv(PROG) +
 *                                waitpid, stdout and stderr to /dev/null;
 *                                the result is named after PROG's basename
 *                                unless BENCH_NAME is set
 *   bench nop                    exits 0 at once (the exec target)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *mode;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void result(const char *name, double value, const char *unit)
{
	printf("RESULT %s %.6g %s\n", name, value, unit);
	fflush(stdout);
}

__attribute__((noreturn, format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	printf("FAIL %s: %s (errno %d: %s)\n", mode, msg, errno, strerror(errno));
	fflush(stdout);
	exit(1);
}

static long arg(char **argv, int i, int argc, long dflt)
{
	return i < argc ? atol(argv[i]) : dflt;
}

static void wait_ok(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("child ended with status 0x%x", status);
}

static int bench_getppid(long n)
{
	double t0 = now();
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	result("getppid", (now() - t0) / n * 1e9, "ns");
	return 0;
}

static int bench_fork_exit(long n)
{
	double t0 = now();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0)
			_exit(0);
		wait_ok(pid);
	}
	result("fork_exit", (now() - t0) / n * 1e6, "us");
	return 0;
}

static int bench_fork_exec(long n, const char *self)
{
	double t0 = now();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			execl(self, self, "nop", (char *)0);
			_exit(127);
		}
		wait_ok(pid);
	}
	result("fork_exec", (now() - t0) / n * 1e6, "us");
	return 0;
}

static int bench_pipe_pingpong(long n)
{
	int ab[2], ba[2];
	char c = 'x';
	if (pipe(ab) || pipe(ba))
		fail("pipe");
	pid_t pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		close(ab[1]);
		close(ba[0]);
		for (;;) {
			if (read(ab[0], &c, 1) != 1)
				_exit(0);
			if (write(ba[1], &c, 1) != 1)
				_exit(1);
		}
	}
	close(ab[0]);
	close(ba[1]);
	/* One untimed trip so both sides are running. */
	if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
		fail("warm-up trip");
	double t0 = now();
	for (long i = 0; i < n; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			fail("trip %ld", i);
	double t = now() - t0;
	close(ab[1]);
	wait_ok(pid);
	result("pipe_pingpong", t / n * 1e6, "us");
	return 0;
}

#define CHUNK (64 * 1024)

static int bench_pipe_throughput(long mib)
{
	int p[2];
	if (pipe(p))
		fail("pipe");
	long total = mib << 20;
	pid_t pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		static char buf[CHUNK];
		memset(buf, 'p', sizeof buf);
		close(p[0]);
		for (long done = 0; done < total;) {
			ssize_t w = write(p[1], buf, CHUNK);
			if (w <= 0)
				_exit(1);
			done += w;
		}
		_exit(0);
	}
	close(p[1]);
	static char buf[CHUNK];
	long got = 0;
	double t0 = now();
	for (;;) {
		ssize_t r = read(p[0], buf, sizeof buf);
		if (r < 0)
			fail("read");
		if (r == 0)
			break;
		got += r;
	}
	double t = now() - t0;
	wait_ok(pid);
	if (got != total)
		fail("read %ld bytes, expected %ld", got, total);
	result("pipe_throughput", mib / t, "MiB/s");
	return 0;
}

static int bench_page_faults(long mib)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)mib << 20;
	long pages = len / page;
	double t0 = now();
	char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap %zu bytes", len);
	for (long i = 0; i < pages; i++)
		p[i * page] = 1;
	double t = now() - t0;
	munmap(p, len);
	result("page_faults", pages / t, "faults/s");
	return 0;
}

static int bench_tmpfs_rw(const char *dir, long mib)
{
	char path[4096];
	static char buf[CHUNK];
	snprintf(path, sizeof path, "%s/bench-rw.%d", dir, (int)getpid());
	memset(buf, 'w', sizeof buf);
	long total = mib << 20;

	double t0 = now();
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		fail("open %s", path);
	for (long done = 0; done < total; done += CHUNK)
		if (write(fd, buf, CHUNK) != CHUNK)
			fail("write at %ld", done);
	if (close(fd))
		fail("close");
	double tw = now() - t0;

	t0 = now();
	fd = open(path, O_RDONLY);
	if (fd < 0)
		fail("reopen %s", path);
	long got = 0;
	for (;;) {
		ssize_t r = read(fd, buf, CHUNK);
		if (r < 0)
			fail("read at %ld", got);
		if (r == 0)
			break;
		got += r;
	}
	close(fd);
	double tr = now() - t0;
	unlink(path);
	if (got != total)
		fail("read back %ld bytes, expected %ld", got, total);
	result("tmpfs_write", mib / tw, "MiB/s");
	result("tmpfs_read", mib / tr, "MiB/s");
	return 0;
}

static int bench_create_delete(const char *dir, long n)
{
	char path[4200], base[4096];
	char data[100];
	memset(data, 'f', sizeof data);
	snprintf(base, sizeof base, "%s/bench-files.%d", dir, (int)getpid());
	if (mkdir(base, 0755))
		fail("mkdir %s", base);
	double t0 = now();
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/f%ld", base, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			fail("create %s", path);
		if (write(fd, data, sizeof data) != sizeof data)
			fail("write %s", path);
		if (close(fd))
			fail("close %s", path);
	}
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/f%ld", base, i);
		if (unlink(path))
			fail("unlink %s", path);
	}
	double t = now() - t0;
	if (rmdir(base))
		fail("rmdir %s", base);
	result("create_delete", t * 1e3, "ms");
	return 0;
}

static int bench_spawn(long n, char **prog)
{
	const char *name = getenv("BENCH_NAME");
	if (!name) {
		name = strrchr(prog[0], '/');
		name = name ? name + 1 : prog[0];
	}
	double t0 = now();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			int fd = open("/dev/null", O_RDWR);
			if (fd < 0)
				_exit(126);
			dup2(fd, 1);
			dup2(fd, 2);
			execv(prog[0], prog);
			_exit(127);
		}
		wait_ok(pid);
	}
	result(name, (now() - t0) * 1e3, "ms");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench MODE [ARG...]\n");
		return 2;
	}
	mode = argv[1];
	if (!strcmp(mode, "nop"))
		return 0;
	if (!strcmp(mode, "getppid"))
		return bench_getppid(arg(argv, 2, argc, 1000000));
	if (!strcmp(mode, "fork_exit"))
		return bench_fork_exit(arg(argv, 2, argc, 1000));
	if (!strcmp(mode, "fork_exec"))
		return bench_fork_exec(arg(argv, 2, argc, 500), argv[0]);
	if (!strcmp(mode, "pipe_pingpong"))
		return bench_pipe_pingpong(arg(argv, 2, argc, 100000));
	if (!strcmp(mode, "pipe_throughput"))
		return bench_pipe_throughput(arg(argv, 2, argc, 128));
	if (!strcmp(mode, "page_faults"))
		return bench_page_faults(arg(argv, 2, argc, 64));
	if (!strcmp(mode, "tmpfs_rw") && argc >= 3)
		return bench_tmpfs_rw(argv[2], arg(argv, 3, argc, 64));
	if (!strcmp(mode, "create_delete") && argc >= 3)
		return bench_create_delete(argv[2], arg(argv, 3, argc, 1000));
	if (!strcmp(mode, "spawn") && argc >= 4)
		return bench_spawn(atol(argv[2]), argv + 3);
	fprintf(stderr, "bench: unknown mode or missing argument: %s\n", mode);
	return 2;
}
