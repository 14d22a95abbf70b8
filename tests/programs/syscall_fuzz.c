/*
 * syscall_fuzz — issue 3, acceptance check 6: a million random system calls
 * must not bring the kernel down.
 *
 *   syscall_fuzz [SEED [CALLS]]     (defaults: a random seed, 1000000 calls)
 *
 * The calls run in a forked child. Call #i is drawn from a generator seeded
 * with (SEED, i) alone, so a log line naming a call is enough to replay the
 * run up to it (what earlier calls left behind aside, e.g. timing):
 *   syscall_fuzz SEED I+1  ...makes calls 0..I, the last being call #I.
 * Numbers are 0..460; arguments are biased towards small integers (fds,
 * flags, lengths), addresses inside a buffer the child maps (with NUL-ended
 * relative file names in it, and pointers back into it so that iovecs and the
 * like point somewhere real), and wild pointers (NULL and just above, the
 * guard page after the buffer, kernel-half and non-canonical addresses).
 *
 * The parent reports; the child makes the calls and records its progress in
 * a shared page. When the child dies (a call killed it, or it hung: see the
 * watchdog) the parent logs which call it was in and starts a new child at
 * the next call, until every call has been made. The record lies far from
 * the buffer, but a call can still overwrite it (a wild pointer); the parent
 * then goes on from the last progress it saw, making some calls twice. A
 * fresh child also replaces the old one every EPOCH calls, so state the
 * calls pile up (fds, mappings, limits, seccomp filters, files) stays
 * bounded. Output:
 *   syscall_fuzz: seed 0x... calls N
 *   syscall_fuzz: child died in call #I (nr NR, args ...)   (any number,
 *   syscall_fuzz:   it killed by signal ...                  likewise "hung")
 *   syscall_fuzz: N of N calls made in S s: ... (summary)
 * and exit status 0 once all N calls were made.
 *
 * The child works in /tmp/syscall_fuzz (emptied between children and
 * removed at the end), with stdin, stdout and stderr on /dev/null: the
 * console the parent reports on is shared state it must not reach.
 *
 * Blocking calls are not excluded: a 2 ms interval timer (ITIMER_REAL, a
 * SIGALRM handler without SA_RESTART) interrupts whatever call the child is
 * blocked in, so a read from an empty pipe, a poll without timeout or a
 * futex wait returns EINTR within milliseconds. That only holds while the
 * calls leave the timer alone, hence the restrictions marked "alarm" below.
 * The watchdog covers the rest: a child that makes no progress for
 * WATCHDOG_MS is killed and the call it was in is reported as hung.
 *
 * Excluded calls (drawing one draws again) and argument restrictions:
 *   process creation    clone, fork, vfork, clone3; execve, execveat (a new
 *                       program would stop the fuzzing)
 *   exiting             exit, exit_group; rt_sigreturn (restores a frame
 *                       of random bytes: resumes at a garbage address);
 *                       uprobe, uretprobe (SIGILL unless called from a
 *                       uprobe trampoline)
 *   signal sending      kill, tkill, tgkill, rt_sigqueueinfo,
 *                       rt_tgsigqueueinfo, pidfd_send_signal; timer_create
 *                       (a timer delivering any signal, SIGKILL included);
 *                       ptrace (attaching stops another process, e.g. the
 *                       parent); fcntl F_SETOWN/F_SETOWN_EX and ioctl
 *                       FIOSETOWN/SIOCSPGRP become harmless queries (SIGIO
 *                       to another process, e.g. init, would kill it)
 *   memory unmapping    munmap, mremap, shmdt; mmap loses MAP_FIXED and
 *                       shmat SHM_REMAP (both replace existing mappings);
 *                       madvise MADV_REMOVE becomes MADV_NORMAL (it frees
 *                       shared memory under a mapping, e.g. the progress
 *                       record: ranges like [0, 2^45) cover it)
 *   alarm               pause, rt_sigsuspend (block until a signal, so each
 *                       would cost a timer period for nothing); alarm,
 *                       setitimer (would re-arm the interrupt timer);
 *                       rt_sigaction on SIGALRM acts on SIGUSR2 instead;
 *                       SIGALRM is unblocked again after rt_sigprocmask and
 *                       cleared from the masks ppoll, pselect6,
 *                       epoll_pwait(2), io_pgetevents and io_uring_enter
 *                       install while they wait
 *   the machine         reboot, kexec_load, kexec_file_load, init_module,
 *                       finit_module, delete_module, swapon, swapoff,
 *                       mount, umount2, pivot_root, open_tree, move_mount,
 *                       fsopen, fsconfig, fsmount, fspick, mount_setattr
 *                       (the rest of the test needs its root file system
 *                       and mounts as they are); settimeofday,
 *                       clock_settime, adjtimex, clock_adjtime (the clock
 *                       is shared); syslog (could silence the console,
 *                       where the harness reads init's exit status);
 *                       vhangup (hangs up the terminal); acct (would keep
 *                       writing a record for every later process);
 *                       fanotify_init (permission events make every open
 *                       in the system wait for the fuzzer);
 *                       process_vm_writev (writes another process's
 *                       memory); pidfd_getfd (copies another process's
 *                       fd, e.g. init's console, whose open file flags
 *                       the fuzzer could then change for everyone);
 *                       prlimit64 only on the caller itself;
 *                       mknod/mknodat make FIFOs instead of device nodes
 *                       (a random char device may be the serial console
 *                       or /dev/mem)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NR_MAX 460
#define DEFAULT_CALLS 1000000ULL
#define EPOCH 50000ULL
#define WATCHDOG_MS 5000
#define SCRATCH "/tmp/syscall_fuzz"
#define PAGE 4096UL
#define BUF_PAGES 8UL
#define BUF_SIZE (BUF_PAGES * PAGE)
/* The last buffer page holds the file names; the rest random bytes. */
#define NAMES_OFF (BUF_SIZE - PAGE)
#define NAME_SLOT 32
/* Buffer contents are rewritten every REFILL calls (calls write into it). */
#define REFILL 256ULL
/* Where the buffer and the parent's progress record go: apart, and away from
 * everything else (program, heap, stack, other mappings), so that a call
 * running past the end of the buffer meets unmapped memory. */
#define BUF_HINT 0x200000000000UL
#define PROGRESS_HINT 0x100000000000UL

/* ---- the calls ----------------------------------------------------------------- */

enum { EXCLUDED = 1 };
static unsigned char rules[NR_MAX + 1];

static const int excluded_nrs[] = {
	56, 57, 58, 435, 59, 322,            /* clone fork vfork clone3 execve execveat */
	60, 231, 15, 335, 336,               /* exit exit_group rt_sigreturn uretprobe uprobe */
	62, 200, 234, 129, 297, 424, 222,    /* kill tkill tgkill rt_(tg)sigqueueinfo pidfd_send_signal timer_create */
	101,                                 /* ptrace */
	11, 25, 67,                          /* munmap mremap shmdt */
	34, 130, 37, 38,                     /* pause rt_sigsuspend alarm setitimer */
	169, 246, 320, 175, 313, 176,        /* reboot kexec_load kexec_file_load init/finit/delete_module */
	167, 168, 165, 166, 155,             /* swapon swapoff mount umount2 pivot_root */
	428, 429, 430, 431, 432, 433, 442,   /* open_tree move_mount fsopen fsconfig fsmount fspick mount_setattr */
	164, 227, 159, 305,                  /* settimeofday clock_settime adjtimex clock_adjtime */
	103, 153, 163, 300, 311, 438,        /* syslog vhangup acct fanotify_init process_vm_writev pidfd_getfd */
};

#define SIGALRM_BIT (1UL << (SIGALRM - 1))

static unsigned char *buf;

static int in_buf(uint64_t p, size_t len)
{
	uint64_t b = (uint64_t)buf;
	return p >= b && p - b <= BUF_SIZE - len;
}

/* Clears SIGALRM from a sigset the call would install while it waits. */
static void unblock_alarm_in(uint64_t set)
{
	if (in_buf(set, 8))
		*(uint64_t *)set &= ~SIGALRM_BIT;
}

/* Rewrites the arguments the header's restrictions are about. */
static void restrict_args(int nr, uint64_t *a)
{
	switch (nr) {
	case 9: /* mmap */
		a[3] &= ~(uint64_t)MAP_FIXED;
		break;
	case 28: /* madvise */
		if ((uint32_t)a[2] == MADV_REMOVE)
			a[2] = MADV_NORMAL;
		break;
	case 30: /* shmat */
		a[2] &= ~(uint64_t)SHM_REMAP;
		break;
	case 13: /* rt_sigaction */
		if ((uint32_t)a[0] == SIGALRM) /* the kernel reads an int */
			a[0] = SIGUSR2;
		break;
	case 72: /* fcntl */
		if ((uint32_t)a[1] == F_SETOWN || (uint32_t)a[1] == F_SETOWN_EX)
			a[1] = F_GETOWN;
		break;
	case 16: /* ioctl: FIOSETOWN, SIOCSPGRP */
		if ((uint32_t)a[1] == 0x8901 || (uint32_t)a[1] == 0x8902)
			a[1] = 0x8903; /* FIOGETOWN */
		break;
	case 271: /* ppoll(fds, n, timeout, sigmask, size) */
	case 281: /* epoll_pwait(epfd, events, n, timeout, sigmask, size) */
	case 441: /* epoll_pwait2 */
		unblock_alarm_in(nr == 271 ? a[3] : a[4]);
		break;
	case 426: /* io_uring_enter(fd, to_submit, min_complete, flags, sig, size) */
		unblock_alarm_in(a[4]);
		break;
	case 270: /* pselect6: a[5] -> { sigset *, size } */
	case 333: /* io_pgetevents: a[5] -> { sigset *, size } */
		if (in_buf(a[5], 16))
			unblock_alarm_in(*(uint64_t *)a[5]);
		break;
	case 302: /* prlimit64 */
		a[0] = 0;
		break;
	case 133: /* mknod(path, mode, dev) */
	case 259: /* mknodat(dirfd, path, mode, dev) */
	{
		uint64_t *mode = &a[nr == 133 ? 1 : 2];
		unsigned type = *mode & S_IFMT;
		if (type == S_IFCHR || type == S_IFBLK)
			*mode = (*mode & ~(uint64_t)S_IFMT) | S_IFIFO;
		break;
	}
	}
}

/* ---- randomness ------------------------------------------------------------------ */

static uint64_t rng;

static uint64_t next64(void)
{
	/* splitmix64 */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return next64() % n;
}

static void seed_for(uint64_t seed, uint64_t index, uint64_t stream)
{
	rng = seed ^ (index * 0xd1342543de82ef95ULL) ^ (stream << 63);
	next64();
}

static const char *const names[] = {
	"f0", "f1", "f2", "d0", "d0/f0", "d0/d1", "d0/d1/f1", "l0", "l1", "p0", ".", "d1", "f3", "s0",
};
#define NNAMES (sizeof names / sizeof names[0])

static void refill(uint64_t seed, uint64_t block)
{
	seed_for(seed, block, 1);
	for (size_t off = 0; off < NAMES_OFF; off += 8) {
		uint64_t v;
		switch (below(8)) {
		case 0:
		case 1:
			v = (uint64_t)buf + below(BUF_SIZE); /* a pointer back into the buffer */
			break;
		case 2:
			v = below(4096);
			break;
		case 3:
			v = 0;
			break;
		default:
			v = next64();
		}
		memcpy(buf + off, &v, 8);
	}
	memset(buf + NAMES_OFF, 0, PAGE);
	for (size_t i = 0; i < NNAMES; i++)
		strcpy((char *)buf + NAMES_OFF + i * NAME_SLOT, names[i]);
}

static uint64_t gen_arg(void)
{
	static const uint64_t special[] = {
		-1ULL, -2ULL, -100ULL /* AT_FDCWD */, 0x7fffffff, 0x80000000, 0xffffffff, 4096, 4095,
		65536, 1ULL << 31, 1ULL << 32, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
	};
	switch (below(16)) {
	case 0:
	case 1:
	case 2:
		return below(8);
	case 3:
	case 4:
		return below(65);
	case 5:
		return below(4097);
	case 6:
		return special[below(sizeof special / sizeof special[0])];
	case 7:
	case 8:
	case 9:
		return (uint64_t)buf + (below(2) ? below(BUF_SIZE) : below(BUF_SIZE / 8) * 8);
	case 10:
		return (uint64_t)buf + BUF_SIZE - 1 - below(64); /* runs into the guard page */
	case 11:
		return (uint64_t)buf + NAMES_OFF + below(NNAMES) * NAME_SLOT;
	case 12:
		switch (below(5)) {
		case 0:
			return below(PAGE * 16); /* NULL and the page above */
		case 1:
			return (uint64_t)buf + BUF_SIZE + below(PAGE); /* the guard page */
		case 2:
			return 0xffff800000000000ULL | next64(); /* kernel half */
		case 3:
			return 0x0000800000000000ULL | (next64() & 0x00007fffffffffffULL); /* non-canonical */
		default:
			return next64();
		}
	case 13:
		return (uint32_t)next64();
	default:
		return next64();
	}
}

static int draw_call(uint64_t *args)
{
	int nr;
	do
		nr = (int)below(NR_MAX + 1);
	while (rules[nr] & EXCLUDED);
	for (int i = 0; i < 6; i++)
		args[i] = gen_arg();
	return nr;
}

static long raw_syscall(long n, const uint64_t *a)
{
	register long r10 __asm__("r10") = (long)a[3];
	register long r8 __asm__("r8") = (long)a[4];
	register long r9 __asm__("r9") = (long)a[5];
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* ---- the child --------------------------------------------------------------- */

/* Shared with the parent. in_call is the call the child is in, or -1. */
struct progress {
	volatile uint64_t done;   /* calls made by this child so far, as an index */
	volatile int64_t in_call; /* index of the call in progress, or -1 */
	volatile int nr;          /* its number */
	volatile uint64_t args[6];
	volatile uint64_t ok, failed, enosys, efault, eintr;
};
static struct progress *progress;

static void on_alarm(int sig)
{
	(void)sig;
}

static void set_signal(int sig, void (*fn)(int))
{
	struct sigaction sa = {0};
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* Raw calls from here on: the fuzzed calls may have broken the thread
 * pointer (arch_prctl), and libc wrappers store errno through it. */
static void unblock_alarm(void)
{
	uint64_t set = SIGALRM_BIT;
	uint64_t a[6] = {SIG_UNBLOCK, (uint64_t)&set, 0, 8, 0, 0};
	raw_syscall(14, a);
}

static void restore_buffer(void)
{
	uint64_t a[6] = {(uint64_t)buf, BUF_SIZE, PROT_READ | PROT_WRITE, 0, 0, 0};
	raw_syscall(10, a);
}

static void limit(int resource, rlim_t v)
{
	struct rlimit rl = {v, v};
	setrlimit(resource, &rl);
}

static void child(uint64_t seed, uint64_t from, uint64_t to)
{
	int null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(120);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	if (chdir(SCRATCH) != 0)
		_exit(121);
	/* Bounds on what the calls can pile up (they may raise them: they run
	 * as root; the epoch restart bounds that too). */
	limit(RLIMIT_AS, 256UL << 20);
	limit(RLIMIT_FSIZE, 16UL << 20);
	limit(RLIMIT_NOFILE, 256);
	limit(RLIMIT_CORE, 0);

	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			set_signal(sig, SIG_DFL);
	/* Errors instead of deaths for writing to a closed pipe or past RLIMIT_FSIZE. */
	set_signal(SIGPIPE, SIG_IGN);
	set_signal(SIGXFSZ, SIG_IGN);
	set_signal(SIGALRM, on_alarm);

	/* The buffer and a guard page after it. */
	buf = mmap((void *)BUF_HINT, BUF_SIZE + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (buf == MAP_FAILED || mprotect(buf + BUF_SIZE, PAGE, PROT_NONE) != 0)
		_exit(122);
	struct itimerval every_2ms = {{0, 2000}, {0, 2000}};
	if (setitimer(ITIMER_REAL, &every_2ms, NULL) != 0)
		_exit(123);

	uint64_t args[6];
	for (uint64_t i = from; i < to; i++) {
		if (i == from || i % REFILL == 0) {
			/* The calls may have taken the buffer away (mprotect,
			 * madvise, pkey_mprotect): give it back first. */
			restore_buffer();
			refill(seed, i / REFILL);
		}
		seed_for(seed, i, 0);
		int nr = draw_call(args);
		restrict_args(nr, args);
		progress->nr = nr;
		for (int k = 0; k < 6; k++)
			progress->args[k] = args[k];
		progress->in_call = (int64_t)i;
		long r = raw_syscall(nr, args);
		progress->in_call = -1;
		progress->done = i + 1;
		if (r >= 0 || r < -4095)
			progress->ok++;
		else {
			progress->failed++;
			progress->enosys += r == -ENOSYS;
			progress->efault += r == -EFAULT;
			progress->eintr += r == -EINTR;
		}
		if (nr == 14) /* rt_sigprocmask: see "alarm" in the header */
			unblock_alarm();
	}
	_exit(0);
}

/* ---- the parent -------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void clear_scratch(void)
{
	nftw(SCRATCH, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void describe(char *out, size_t n, int status)
{
	if (WIFEXITED(status))
		snprintf(out, n, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, n, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(out, n, "wait status %#x", status);
}

struct totals {
	uint64_t ok, failed, enosys, efault, eintr;
	unsigned deaths, hangs, damaged;
};

/* The child's record, if it looks like one a child working on [from, to)
 * wrote: calls may scribble on it despite its distance from the buffer. */
static int plausible(uint64_t from, uint64_t to)
{
	uint64_t done = progress->done;
	int64_t in_call = progress->in_call;
	return done >= from && done <= to &&
	       (in_call == -1 || (in_call >= 0 && (uint64_t)in_call == done && done < to)) &&
	       progress->ok + progress->failed <= done - from;
}

/* Runs one child over calls [from, to); returns where the next one starts. */
static uint64_t run_child(uint64_t seed, uint64_t from, uint64_t to, struct totals *t)
{
	clear_scratch();
	mkdir(SCRATCH, 0755);
	memset((void *)progress, 0, sizeof *progress);
	progress->done = from;
	progress->in_call = -1;
	pid_t pid = fork();
	if (pid < 0) {
		printf("syscall_fuzz: fork: %s\n", strerror(errno));
		exit(2);
	}
	if (pid == 0)
		child(seed, from, to);

	/* The last progress seen that looked right, in case the record is
	 * overwritten later. */
	uint64_t last_good = from;
	long long last_change = now_ms();
	int status, hung = 0;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			printf("syscall_fuzz: waitpid: %s\n", strerror(errno));
			exit(2);
		}
		struct timespec tick = {0, 20000000};
		nanosleep(&tick, NULL);
		uint64_t d = progress->done;
		if (plausible(from, to) && d > last_good) {
			last_good = d;
			last_change = now_ms();
		} else if (now_ms() - last_change > WATCHDOG_MS && !hung) {
			hung = 1;
			kill(pid, SIGKILL);
		}
	}

	if (!plausible(from, to)) {
		/* Calls from last_good on may be made twice; none is skipped. */
		printf("syscall_fuzz: the child's progress record was overwritten; going on after "
		       "call #%lld\n", (long long)last_good - 1);
		t->damaged++;
		return last_good;
	}
	t->ok += progress->ok;
	t->failed += progress->failed;
	t->enosys += progress->enosys;
	t->efault += progress->efault;
	t->eintr += progress->eintr;
	uint64_t done = progress->done;
	int64_t in_call = progress->in_call;
	if (!hung && WIFEXITED(status) && WEXITSTATUS(status) == 0 && done == to)
		return to;

	char how[96];
	describe(how, sizeof how, status);
	if (in_call >= 0) {
		printf("syscall_fuzz: child %s in call #%lld (nr %d, args %#llx %#llx %#llx %#llx %#llx "
		       "%#llx)%s\n",
		       hung ? "hung" : "died", (long long)in_call, progress->nr,
		       (unsigned long long)progress->args[0], (unsigned long long)progress->args[1],
		       (unsigned long long)progress->args[2], (unsigned long long)progress->args[3],
		       (unsigned long long)progress->args[4], (unsigned long long)progress->args[5],
		       hung ? "; killed" : "");
		if (!hung)
			printf("syscall_fuzz:   it %s\n", how);
		/* That call was made; go on after it. */
		done = (uint64_t)in_call + 1;
	} else {
		printf("syscall_fuzz: child %s between calls, after call #%lld: %s\n", hung ? "hung" : "died",
		       (long long)done - 1, how);
	}
	if (hung)
		t->hangs++;
	else
		t->deaths++;
	return done;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	uint64_t seed, calls = DEFAULT_CALLS;
	if (argc > 1)
		seed = strtoull(argv[1], NULL, 0);
	else if (getrandom(&seed, sizeof seed, 0) != sizeof seed)
		seed = (uint64_t)time(NULL);
	if (argc > 2)
		calls = strtoull(argv[2], NULL, 0);
	for (size_t i = 0; i < sizeof excluded_nrs / sizeof excluded_nrs[0]; i++)
		rules[excluded_nrs[i]] |= EXCLUDED;

	/* Far from where the child maps its buffer, so that no call running over
	 * the buffer's end (after making its guard page accessible) reaches it. */
	progress = mmap((void *)PROGRESS_HINT, sizeof *progress, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (progress == MAP_FAILED) {
		printf("syscall_fuzz: mmap: %s\n", strerror(errno));
		return 2;
	}
	printf("syscall_fuzz: seed %#llx calls %llu\n", (unsigned long long)seed, (unsigned long long)calls);

	long long t0 = now_ms();
	uint64_t next = 0;
	struct totals t = {0};
	unsigned stuck = 0;
	while (next < calls) {
		uint64_t to = next + EPOCH - next % EPOCH;
		if (to > calls)
			to = calls;
		uint64_t start = next;
		next = run_child(seed, next, to, &t);
		/* A child that cannot make even one call would loop forever. */
		stuck = next == start ? stuck + 1 : 0;
		if (stuck >= 3) {
			printf("syscall_fuzz: three children in a row made no call; giving up at #%llu\n",
			       (unsigned long long)next);
			return 1;
		}
		if (next % 100000 == 0 && next != start)
			printf("syscall_fuzz: %llu calls made (%lld s)\n", (unsigned long long)next,
			       (now_ms() - t0) / 1000);
	}
	clear_scratch();
	printf("syscall_fuzz: %llu of %llu calls made in %lld s: %llu returned (%llu succeeded, "
	       "%llu failed: %llu ENOSYS, %llu EFAULT, %llu EINTR), %u ended the child, %u hung, "
	       "%u overwrote the progress record\n",
	       (unsigned long long)next, (unsigned long long)calls, (now_ms() - t0) / 1000,
	       (unsigned long long)(t.ok + t.failed), (unsigned long long)t.ok, (unsigned long long)t.failed,
	       (unsigned long long)t.enosys, (unsigned long long)t.efault, (unsigned long long)t.eintr,
	       t.deaths, t.hangs, t.damaged);
	return next == calls ? 0 : 1;
}
