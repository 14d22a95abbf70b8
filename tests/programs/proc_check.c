/*
 * proc_check — issue 3, acceptance check 4: processes, signals and threads,
 * checked through real syscalls.
 *
 *   scripts/run -- /test/proc_check
 *
 * Prints one line per check, "ok NAME" or "FAIL NAME: detail" ("skip NAME:
 * why" for a sub-check the kernel cannot support yet), then
 *   proc_check: N checks, M failed
 * and exits 0 when nothing failed, 1 otherwise. On Linux every check passes.
 *
 * It works as init and as an ordinary process. As PID 1 it forks a worker
 * that runs the checks and itself only reaps children, orphans included,
 * until none are left (an init that stopped reaping would leave the orphan
 * check's grandchild a zombie forever). Each group of checks runs in a child
 * of the worker with a deadline, so a kernel that never wakes a sleeper costs
 * one FAIL line, not the whole run; the tally lives in a shared page so that
 * checks a killed group already reported still count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
/* <linux/futex.h>, which musl does not ship */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

struct tally {
	atomic_int checks, failures;
};
static struct tally *tally;

__attribute__((format(printf, 3, 4)))
static int check(const char *name, int cond, const char *fmt, ...)
{
	atomic_fetch_add(&tally->checks, 1);
	if (cond) {
		printf("ok %s\n", name);
		return 1;
	}
	atomic_fetch_add(&tally->failures, 1);
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	printf("FAIL %s: %s\n", name, msg);
	return 0;
}

static void skip(const char *name, const char *why)
{
	printf("skip %s: %s\n", name, why);
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Waits for PID up to TIMEOUT_MS; kills it when the time is up. Returns its
 * wait status, or -1 when it had to be killed (or could not be waited for). */
static int wait_deadline(pid_t pid, long timeout_ms)
{
	long long deadline = now_ns() + timeout_ms * 1000000LL;
	int status;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_ns() > deadline)
			break;
		sleep_ms(5);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return -1;
}

static void describe_status(char *buf, size_t n, int status)
{
	if (status == -1)
		snprintf(buf, n, "did not finish in time (killed)");
	else if (WIFEXITED(status))
		snprintf(buf, n, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, n, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, n, "wait status %#x", status);
}

/* Runs FN in a child with a deadline; a group that dies or hangs is a FAIL. */
static void group(const char *name, void (*fn)(void), long timeout_ms)
{
	pid_t pid = fork();
	if (pid < 0) {
		check(name, 0, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		fn();
		_exit(0);
	}
	int status = wait_deadline(pid, timeout_ms);
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	char how[64];
	describe_status(how, sizeof how, status);
	char label[64];
	snprintf(label, sizeof label, "%s-group", name);
	check(label, 0, "the group's process %s", how);
}

/* ---- fork, wait, getppid --------------------------------------------------- */

static void check_fork_basics(void)
{
	int up[2], down[2];
	if (pipe(up) < 0 || pipe(down) < 0) {
		check("pipe", 0, "%s", strerror(errno));
		return;
	}
	pid_t me = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		pid_t pp = getppid();
		char c;
		close(down[1]);
		write(up[1], &pp, sizeof pp);
		/* Blocks until the parent closes its end of down. */
		read(down[0], &c, 1);
		_exit(7);
	}
	check("fork", pid > 0, "fork() = %d (%s)", pid, strerror(errno));
	if (pid < 0)
		return;
	close(up[1]);
	close(down[0]);
	pid_t seen = 0;
	ssize_t n = read(up[0], &seen, sizeof seen);
	check("getppid-in-child", n == sizeof seen && seen == me, "child saw getppid() = %d, parent is %d",
	      seen, me);

	int status = 0;
	pid_t r = waitpid(pid, &status, WNOHANG);
	check("waitpid-wnohang-running", r == 0, "waitpid(WNOHANG) on a running child = %d", r);

	close(down[1]);
	r = waitpid(pid, &status, 0);
	check("waitpid-exit-status", r == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7,
	      "waitpid = %d, status %#x (want exit 7)", r, status);
	r = waitpid(-1, &status, WNOHANG);
	check("waitpid-no-children", r == -1 && errno == ECHILD, "waitpid(-1) = %d, errno %d", r, errno);
	close(up[0]);
}

/* ---- copy-on-write ---------------------------------------------------------- */

static char cow_data[PAGE] __attribute__((aligned(PAGE)));

static int all_bytes(const volatile char *b, size_t n, char v)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != v)
			return 0;
	return 1;
}

/* Three kinds of private memory: .bss, an anonymous mapping, the stack. Parent
 * and child each write their own letter after the fork and must never see the
 * other's. The child's exit code has one bit per thing that went wrong. */
static void check_cow(void)
{
	volatile char stack_buf[PAGE];
	char *anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!check("cow-mmap", anon != MAP_FAILED, "mmap: %s", strerror(errno)))
		return;
	volatile char *areas[] = {cow_data, anon, stack_buf};
	const int nareas = 3;
	for (int i = 0; i < nareas; i++)
		memset((char *)areas[i], 'P', PAGE);

	int to_parent[2], to_child[2];
	if (pipe(to_parent) < 0 || pipe(to_child) < 0) {
		check("cow-pipe", 0, "%s", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		int bad = 0;
		char c = 0;
		for (int i = 0; i < nareas; i++) {
			if (!all_bytes(areas[i], PAGE, 'P'))
				bad |= 1; /* the parent's pre-fork data is missing */
			memset((char *)areas[i], 'C', PAGE);
			if (!all_bytes(areas[i], PAGE, 'C'))
				bad |= 2; /* our own write did not stick */
		}
		write(to_parent[1], "w", 1);
		/* The parent now writes 'Q' over its copies. */
		read(to_child[0], &c, 1);
		for (int i = 0; i < nareas; i++)
			if (!all_bytes(areas[i], PAGE, 'C'))
				bad |= 4; /* the parent's write leaked into us */
		_exit(bad);
	}
	if (!check("cow-fork", pid > 0, "fork: %s", strerror(errno)))
		return;
	char c = 0;
	read(to_parent[0], &c, 1);
	int parent_ok = 1;
	for (int i = 0; i < nareas; i++) {
		parent_ok &= all_bytes(areas[i], PAGE, 'P');
		memset((char *)areas[i], 'Q', PAGE);
	}
	write(to_child[1], "q", 1);
	int status = wait_deadline(pid, 10000);
	check("cow-parent-isolated", parent_ok, "the child's writes showed up in the parent");
	for (int i = 0; i < nareas; i++)
		parent_ok &= all_bytes(areas[i], PAGE, 'Q');
	check("cow-parent-writes", parent_ok, "the parent's own writes did not stick");
	char how[64];
	describe_status(how, sizeof how, status);
	check("cow-child-isolated", status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "child %s (bits: 1 pre-fork data missing, 2 own write lost, 4 parent's write seen)", how);
	munmap(anon, PAGE);
}

/* ---- fork/exit/wait does not leak memory ----------------------------------- */

static long long free_ram(void)
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		return -1;
	return (long long)si.freeram * si.mem_unit;
}

/* The kernel heap's size in bytes: the "Slab:" line of /proc/meminfo, where
 * Linux accounts kmalloc and the other object caches (our kernel reports its
 * heap there). -1 when there is no such line. */
static long long kernel_heap(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	char line[128];
	long long kb = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Slab: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

static int fork_exit_wait(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0)
			return i;
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
			return i;
	}
	return n;
}

/* Linux's free-page count moves by itself: per-CPU page lists and per-CPU
 * counter deltas are folded back a little later, and the caches behind Slab:
 * grow and shrink a slab at a time. Sampled after a warm-up, each time as the
 * best of four samples a quarter second apart, 1000 forks on Linux 6.18 (TCG,
 * 128 MiB to 2 GiB) moved free RAM by -36..+2472 KiB and Slab: by -24..+8 KiB
 * (single raw samples: -1448..+1956 and -104..+112). The slack still catches
 * a leak of half a KiB of RAM or 128 bytes of kernel heap per fork. */
#define FREE_RAM_SLACK (512LL << 10)
#define HEAP_SLACK (128LL << 10)

/* The best of four samples of SAMPLE, a quarter second apart; -1 if one fails. */
static long long settled(long long (*sample)(void), int best_is_max)
{
	long long best = -1;
	for (int i = 0; i < 4; i++) {
		sleep_ms(250);
		long long v = sample();
		if (v < 0)
			return -1;
		if (best < 0 || (best_is_max ? v > best : v < best))
			best = v;
	}
	return best;
}

static void check_fork_leak(void)
{
	int mounted = 0;
	if (access("/proc/meminfo", R_OK) != 0 && mount("proc", "/proc", "proc", 0, NULL) == 0)
		mounted = 1;

	/* Warm-up: let caches and lazily built kernel structures settle. */
	int done = fork_exit_wait(200);
	if (!check("fork-warmup", done == 200, "fork+exit+wait #%d failed: %s", done, strerror(errno)))
		goto out;
	long long ram0 = settled(free_ram, 1), heap0 = settled(kernel_heap, 0);
	done = fork_exit_wait(1000);
	check("fork-exit-wait-1000", done == 1000, "fork+exit+wait #%d failed: %s", done, strerror(errno));
	long long ram1 = settled(free_ram, 1), heap1 = settled(kernel_heap, 0);

	if (ram0 < 0 || ram1 < 0)
		check("fork-1000-free-ram", 0, "sysinfo failed");
	else
		check("fork-1000-free-ram", ram1 >= ram0 - FREE_RAM_SLACK,
		      "free RAM went from %lld to %lld KiB (%+lld KiB; slack %lld KiB)", ram0 >> 10,
		      ram1 >> 10, (ram1 - ram0) / 1024, FREE_RAM_SLACK >> 10);
	if (heap0 < 0 || heap1 < 0)
		skip("fork-1000-kernel-heap", "no Slab: line in /proc/meminfo");
	else
		check("fork-1000-kernel-heap", heap1 <= heap0 + HEAP_SLACK,
		      "kernel heap went from %lld to %lld KiB (%+lld KiB; slack %lld KiB)", heap0 >> 10,
		      heap1 >> 10, (heap1 - heap0) / 1024, HEAP_SLACK >> 10);
out:
	if (mounted)
		umount2("/proc", 0);
}

/* ---- SIGSEGV ----------------------------------------------------------------- */

static void check_sigsegv(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		/* Through a volatile pointer so the compiler cannot turn the store into a trap. */
		volatile int *volatile np = NULL;
		*np = 1;
		_exit(0);
	}
	if (!check("sigsegv-fork", pid > 0, "fork: %s", strerror(errno)))
		return;
	int status = wait_deadline(pid, 10000);
	char how[64];
	describe_status(how, sizeof how, status);
	check("sigsegv-null-write", status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	      "child %s, want killed by signal %d", how, SIGSEGV);
}

/* ---- setitimer / SIGALRM ------------------------------------------------------ */

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static int set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = {0};
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

/* Sleeps in slices until *flag reaches want or TIMEOUT_MS passes. */
static void wait_flag(volatile sig_atomic_t *flag, int want, long timeout_ms)
{
	long long deadline = now_ns() + timeout_ms * 1000000LL;
	while (*flag < want && now_ns() < deadline)
		sleep_ms(2);
}

static void check_itimer(void)
{
	if (!check("sigaction-sigalrm", set_handler(SIGALRM, on_alarm, 0) == 0, "%s", strerror(errno)))
		return;
	struct itimerval it = {{0, 0}, {0, 50000}}, cur;
	long long t0 = now_ns();
	int r = setitimer(ITIMER_REAL, &it, NULL);
	check("setitimer", r == 0, "setitimer: %s", strerror(errno));
	r = getitimer(ITIMER_REAL, &cur);
	long rem_us = cur.it_value.tv_sec * 1000000L + cur.it_value.tv_usec;
	check("getitimer-armed", r == 0 && rem_us > 0 && rem_us <= 50000,
	      "getitimer = %d, %ld us left of 50000", r, rem_us);
	wait_flag(&alarms, 1, 5000);
	long long ms = (now_ns() - t0) / 1000000;
	check("setitimer-sigalrm", alarms == 1, "%d SIGALRMs after %lld ms, want 1", (int)alarms, ms);
	check("setitimer-not-early", ms >= 49, "SIGALRM after %lld ms, armed for 50", ms);
	r = getitimer(ITIMER_REAL, &cur);
	check("getitimer-disarmed", r == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0,
	      "%ld.%06ld s left after expiry", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);

	/* A periodic timer keeps firing until disarmed. */
	alarms = 0;
	struct itimerval periodic = {{0, 10000}, {0, 10000}}, off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &periodic, NULL);
	wait_flag(&alarms, 3, 5000);
	setitimer(ITIMER_REAL, &off, NULL);
	check("setitimer-periodic", alarms >= 3, "%d SIGALRMs from a 10 ms periodic timer", (int)alarms);
}

/* ---- sigaltstack on stack overflow -------------------------------------------- */

#define ALT_SIZE (64 * 1024)
static char *alt_base;
static int report_fd;

static void on_overflow(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	char here;
	stack_t cur;
	char code = 0;
	if (sig != SIGSEGV || si->si_signo != SIGSEGV)
		code |= 1;
	if (&here < alt_base || &here >= alt_base + ALT_SIZE)
		code |= 2; /* not running on the alternate stack */
	if (sigaltstack(NULL, &cur) != 0 || !(cur.ss_flags & SS_ONSTACK))
		code |= 4;
	write(report_fd, &code, 1);
	_exit(0);
}

/* Never reached; volatile so the compiler cannot tell the recursion is endless. */
static volatile int stop_depth = -1;

__attribute__((noinline)) static int recurse(int depth)
{
	volatile char pad[512];
	if (depth == stop_depth)
		return 0;
	pad[0] = (char)depth;
	/* Not a tail call: the sum needs the frame after the call returns. */
	return recurse(depth + 1) + pad[0];
}

static void check_sigaltstack(void)
{
	int p[2];
	if (pipe(p) < 0) {
		check("sigaltstack-pipe", 0, "%s", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		/* A small stack limit makes the overflow come quickly. */
		struct rlimit rl = {1 << 20, 1 << 20};
		setrlimit(RLIMIT_STACK, &rl);
		alt_base = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		stack_t ss = {.ss_sp = alt_base, .ss_size = ALT_SIZE, .ss_flags = 0};
		if (alt_base == MAP_FAILED || sigaltstack(&ss, NULL) != 0)
			_exit(10);
		struct sigaction sa = {0};
		sa.sa_sigaction = on_overflow;
		sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSEGV, &sa, NULL) != 0)
			_exit(11);
		_exit(recurse(0) == 0 ? 12 : 13);
	}
	close(p[1]);
	if (!check("sigaltstack-fork", pid > 0, "fork: %s", strerror(errno)))
		return;
	char code = -1;
	ssize_t n = read(p[0], &code, 1);
	close(p[0]);
	int status = wait_deadline(pid, 20000);
	char how[64];
	describe_status(how, sizeof how, status);
	check("sigaltstack-overflow", n == 1 && code == 0 && status != -1 && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0,
	      "handler report %d (bits: 1 wrong signal, 2 not on the alternate stack, 4 SS_ONSTACK "
	      "unset; -1 none), child %s (10/11: setup failed)", n == 1 ? code : -1, how);
}

/* ---- SA_RESTART versus EINTR --------------------------------------------------- */

static pid_t writer_pid;
static volatile sig_atomic_t restart_alarms, go;

static void on_alarm_wake_writer(int sig)
{
	(void)sig;
	restart_alarms++;
	kill(writer_pid, SIGUSR1);
}

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void check_restart(void)
{
	char buf[16];
	struct itimerval in_100ms = {{0, 0}, {0, 100000}};

	/* Without SA_RESTART the blocked read fails with EINTR. */
	int p[2];
	if (pipe(p) < 0) {
		check("restart-pipe", 0, "%s", strerror(errno));
		return;
	}
	alarms = 0;
	set_handler(SIGALRM, on_alarm, 0);
	setitimer(ITIMER_REAL, &in_100ms, NULL);
	errno = 0;
	ssize_t n = read(p[0], buf, sizeof buf);
	int err = errno;
	check("read-eintr", n == -1 && err == EINTR && alarms == 1,
	      "read = %zd, errno %d (%s), %d SIGALRMs; want -1, EINTR after one", n, err, strerror(err),
	      (int)alarms);
	close(p[0]);
	close(p[1]);

	/* With SA_RESTART the read goes on and returns what a child writes after
	 * the handler ran (the handler itself tells the child to write). */
	if (pipe(p) < 0)
		return;
	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	writer_pid = fork();
	if (writer_pid == 0) {
		close(p[0]);
		set_handler(SIGUSR1, on_usr1, 0);
		sigprocmask(SIG_SETMASK, &old, NULL);
		wait_flag(&go, 1, 10000);
		if (go)
			write(p[1], "data", 4);
		_exit(0);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (!check("restart-fork", writer_pid > 0, "fork: %s", strerror(errno)))
		return;
	close(p[1]);
	restart_alarms = 0;
	set_handler(SIGALRM, on_alarm_wake_writer, SA_RESTART);
	setitimer(ITIMER_REAL, &in_100ms, NULL);
	memset(buf, 0, sizeof buf);
	errno = 0;
	n = read(p[0], buf, sizeof buf);
	err = errno;
	check("read-sa-restart", n == 4 && memcmp(buf, "data", 4) == 0 && restart_alarms == 1,
	      "read = %zd (\"%.*s\"), errno %d (%s), %d SIGALRMs; want 4 (\"data\") after one", n,
	      n > 0 ? (int)n : 0, buf, err, strerror(err), (int)restart_alarms);
	close(p[0]);
	wait_deadline(writer_pid, 10000);
}

/* ---- threads and futexes -------------------------------------------------------- */

#define NTHREADS 8
#define ITERATIONS 100000

static long futex(atomic_int *uaddr, int op, int val, const struct timespec *timeout)
{
	return syscall(SYS_futex, uaddr, op, val, timeout, NULL, 0);
}

/* Drepper's mutex ("Futexes Are Tricky", mutex 2): 0 free, 1 locked,
 * 2 locked with waiters. Shared (not PRIVATE) futex operations on purpose:
 * musl's pthread mutexes below use the private ones. */
static atomic_int fmutex;

static void fmutex_lock(void)
{
	int c = 0;
	if (atomic_compare_exchange_strong(&fmutex, &c, 1))
		return;
	if (c != 2)
		c = atomic_exchange(&fmutex, 2);
	while (c != 0) {
		futex(&fmutex, FUTEX_WAIT, 2, NULL);
		c = atomic_exchange(&fmutex, 2);
	}
}

static void fmutex_unlock(void)
{
	if (atomic_fetch_sub(&fmutex, 1) != 1) {
		atomic_store(&fmutex, 0);
		futex(&fmutex, FUTEX_WAKE, 1, NULL);
	}
}

/* Plain (non-atomic) on purpose: only the mutex keeps the increments whole. */
static volatile long counter;
static pthread_mutex_t pmutex = PTHREAD_MUTEX_INITIALIZER;
static pid_t thread_tid[NTHREADS], thread_pid[NTHREADS];

static void *futex_worker(void *arg)
{
	long i = (long)arg;
	thread_pid[i] = getpid();
	thread_tid[i] = gettid();
	for (int n = 0; n < ITERATIONS; n++) {
		fmutex_lock();
		counter = counter + 1;
		fmutex_unlock();
	}
	return (void *)(i + 100);
}

static void *pmutex_worker(void *arg)
{
	for (int n = 0; n < ITERATIONS; n++) {
		pthread_mutex_lock(&pmutex);
		counter = counter + 1;
		pthread_mutex_unlock(&pmutex);
	}
	return arg;
}

/* Starts NTHREADS of FN, joins them, checks each one's return value. */
static void run_counter(const char *name, void *(*fn)(void *))
{
	pthread_t t[NTHREADS];
	int started = 0, joined = 0, err = 0;
	counter = 0;
	for (long i = 0; i < NTHREADS; i++) {
		err = pthread_create(&t[i], NULL, fn, (void *)i);
		if (err)
			break;
		started++;
	}
	char label[64];
	snprintf(label, sizeof label, "%s-create", name);
	check(label, started == NTHREADS, "pthread_create #%d: %s", started, strerror(err));
	for (int i = 0; i < started; i++) {
		void *ret = NULL;
		int r = pthread_join(t[i], &ret);
		long want = fn == futex_worker ? i + 100 : i;
		if (r == 0 && (long)ret == want)
			joined++;
	}
	snprintf(label, sizeof label, "%s-join", name);
	check(label, joined == started, "%d of %d pthread_joins returned the thread's value", joined,
	      started);
	snprintf(label, sizeof label, "%s-count", name);
	check(label, counter == (long)started * ITERATIONS, "counter %ld, want %ld", counter,
	      (long)started * ITERATIONS);
}

static volatile int raw_thread_ran;

static int raw_thread(void *arg)
{
	/* Runs on the parent's TLS: must not touch errno or anything else of libc. */
	*(volatile int *)arg = 1;
	return 0;
}

/* clone() as pthread_create does it, minus the TLS: the kernel stores the tid
 * at ctid when the thread starts, clears it when the thread exits and wakes
 * futex waiters on it; pthread_join is built on exactly that. */
static void check_clear_child_tid(void)
{
	size_t size = 64 * 1024;
	char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!check("clone-stack", stack != MAP_FAILED, "mmap: %s", strerror(errno)))
		return;
	static pid_t ptid;
	static atomic_int ctid = -1;
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
		    CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
	int tid = clone(raw_thread, stack + size, flags, (void *)&raw_thread_ran, &ptid, NULL, &ctid);
	if (!check("clone-thread", tid > 0, "clone: %s", strerror(errno)))
		return;
	long long deadline = now_ns() + 10000000000LL;
	int v;
	while ((v = atomic_load(&ctid)) != 0 && now_ns() < deadline) {
		struct timespec ts = {0, 100000000};
		futex(&ctid, FUTEX_WAIT, v, &ts);
	}
	check("clone-parent-settid", ptid == tid, "ptid %d, clone returned %d", ptid, tid);
	check("clone-child-cleartid", v == 0 && raw_thread_ran,
	      "ctid still %d (thread ran: %d) 10 s after clone", v, raw_thread_ran);
	if (v == 0)
		munmap(stack, size);
}

static void check_threads(void)
{
	run_counter("futex-mutex", futex_worker);
	int same_pid = 1, distinct = 1;
	for (int i = 0; i < NTHREADS; i++) {
		same_pid &= thread_pid[i] == getpid();
		distinct &= thread_tid[i] != getpid();
		for (int j = 0; j < i; j++)
			distinct &= thread_tid[i] != thread_tid[j];
	}
	check("thread-getpid", same_pid, "a thread's getpid() differs from the process's");
	check("thread-gettid", distinct, "thread ids are not distinct from each other and the pid");
	run_counter("pthread-mutex", pmutex_worker);
	check_clear_child_tid();
}

/* ---- orphans are reparented to init --------------------------------------------- */

static void check_orphan(void)
{
	int p[2];
	if (pipe(p) < 0) {
		check("orphan-pipe", 0, "%s", strerror(errno));
		return;
	}
	pid_t middle = fork();
	if (middle == 0) {
		int ready[2];
		if (pipe(ready) < 0)
			_exit(2);
		pid_t grandchild = fork();
		if (grandchild == 0) {
			/* Exit of the middle process and reparenting are not one step
			 * seen from here: wait for the parent to change. */
			pid_t parent = getppid(), pp = parent;
			write(p[1], &parent, sizeof parent);
			close(ready[1]);
			long long deadline = now_ns() + 10000000000LL;
			while ((pp = getppid()) == parent && now_ns() < deadline)
				sleep_ms(1);
			write(p[1], &pp, sizeof pp);
			_exit(0);
		}
		/* Exit only once the grandchild has seen us as its parent. */
		close(ready[1]);
		char c;
		read(ready[0], &c, 1);
		_exit(grandchild > 0 ? 0 : 1);
	}
	close(p[1]);
	if (!check("orphan-fork", middle > 0, "fork: %s", strerror(errno)))
		return;
	int status = wait_deadline(middle, 10000);
	pid_t before = 0, after = 0;
	ssize_t n1 = read(p[0], &before, sizeof before);
	ssize_t n2 = read(p[0], &after, sizeof after);
	close(p[0]);
	check("orphan-middle-exit", status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "middle process status %#x", status);
	check("orphan-parent-was-middle", n1 == sizeof before && before == middle,
	      "grandchild first saw getppid() = %d, middle is %d", before, middle);
	check("orphan-reparented-to-init", n2 == sizeof after && after == 1,
	      "grandchild's getppid() became %d after its parent exited, want 1", after);
}

/* ---- main -------------------------------------------------------------------- */

static int run_checks(void)
{
	group("fork-basics", check_fork_basics, 20000);
	group("cow", check_cow, 20000);
	group("fork-leak", check_fork_leak, 300000);
	group("sigsegv", check_sigsegv, 20000);
	group("itimer", check_itimer, 30000);
	group("sigaltstack", check_sigaltstack, 30000);
	group("restart", check_restart, 30000);
	group("threads", check_threads, 300000);
	group("orphan", check_orphan, 30000);
	int checks = atomic_load(&tally->checks), failed = atomic_load(&tally->failures);
	printf("proc_check: %d checks, %d failed\n", checks, failed);
	return failed ? 1 : 0;
}

/* As PID 1: reap everything until no child is left, then exit with the
 * worker's status. */
static int init_main(void)
{
	pid_t worker = fork();
	if (worker < 0) {
		printf("FAIL fork: %s\nproc_check: 1 checks, 1 failed\n", strerror(errno));
		return 1;
	}
	if (worker == 0)
		_exit(run_checks());
	int status, worker_status = -1;
	for (;;) {
		pid_t r = wait(&status);
		if (r == worker)
			worker_status = status;
		if (r < 0 && errno != EINTR)
			break;
	}
	if (worker_status != -1 && WIFEXITED(worker_status))
		return WEXITSTATUS(worker_status);
	char how[64];
	describe_status(how, sizeof how, worker_status);
	printf("proc_check: the worker %s\n", how);
	return 1;
}

int main(void)
{
	/* Unbuffered: nothing buffered may be duplicated by fork. */
	setvbuf(stdout, NULL, _IONBF, 0);
	tally = mmap(NULL, sizeof *tally, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tally == MAP_FAILED) {
		printf("FAIL shared-tally: mmap: %s\nproc_check: 1 checks, 1 failed\n", strerror(errno));
		return 1;
	}
	return getpid() == 1 ? init_main() : run_checks();
}
