/* proc_rlimit — the default resource limits of a process started from init, setrlimit/prlimit
 * rules, inheritance across fork, and enforcement (NOFILE, AS, STACK via a deep recursion). */
#include "dt.h"
#include <sys/mman.h>
#include <sys/resource.h>

static const struct { int r; const char *n; } lims[] = {
	{RLIMIT_CPU, "cpu"}, {RLIMIT_FSIZE, "fsize"}, {RLIMIT_DATA, "data"}, {RLIMIT_STACK, "stack"},
	{RLIMIT_CORE, "core"}, {RLIMIT_NOFILE, "nofile"}, {RLIMIT_AS, "as"},
	{RLIMIT_MEMLOCK, "memlock"}, {RLIMIT_LOCKS, "locks"}, {RLIMIT_MSGQUEUE, "msgqueue"},
	{RLIMIT_NICE, "nice"}, {RLIMIT_RTPRIO, "rtprio"}, {RLIMIT_RTTIME, "rttime"},
};

static void show(rlim_t v)
{
	if (v == RLIM_INFINITY)
		printf("unlimited");
	else
		printf("%llu", (unsigned long long)v);
}

static int as_child(void)
{
	struct rlimit rl = {64 << 20, 64 << 20};
	R("setrlimit AS 64M", setrlimit(RLIMIT_AS, &rl));
	void *p = mmap(NULL, 128 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mmap 128M under 64M AS: %s\n", p == MAP_FAILED ? errname(errno) : "ok");
	void *q = malloc(100 << 20);
	printf("malloc 100M: %s\n", q ? "ok" : "null");
	return 0;
}

static int nofile_child(void)
{
	struct rlimit rl = {5, 5};
	setrlimit(RLIMIT_NOFILE, &rl);
	R("open with nofile 5", open("/dev/null", O_RDONLY));
	R("open again", open("/dev/null", O_RDONLY));
	R("open past limit", open("/dev/null", O_RDONLY));
	int p[2];
	R("pipe past limit", pipe(p));
	return 0;
}

static int depth(int n)
{
	volatile char pad[4096];
	pad[0] = (char)n;
	return n == 0 ? pad[0] : depth(n - 1) + pad[0];
}

static int stack_child(void)
{
	struct rlimit rl = {256 << 10, 256 << 10};
	setrlimit(RLIMIT_STACK, &rl);
	printf("recursing\n");
	fflush(stdout);
	return depth(1000) & 1;
}

int main(void)
{
	for (size_t i = 0; i < sizeof lims / sizeof lims[0]; i++) {
		struct rlimit rl;
		getrlimit(lims[i].r, &rl);
		printf("%s: ", lims[i].n);
		show(rl.rlim_cur);
		printf(" / ");
		show(rl.rlim_max);
		printf("\n");
	}
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	struct rlimit bad = {rl.rlim_max + 1, rl.rlim_max};
	R("soft above hard", setrlimit(RLIMIT_NOFILE, &bad));
	struct rlimit nofile = {1 << 30, 1 << 30};
	R("nofile above nr_open", setrlimit(RLIMIT_NOFILE, &nofile));
	struct rlimit low = {100, 200};
	R("lower nofile", setrlimit(RLIMIT_NOFILE, &low));
	struct rlimit old;
	R("prlimit read", prlimit(0, RLIMIT_NOFILE, NULL, &old));
	printf("prlimit: %llu %llu\n", (unsigned long long)old.rlim_cur, (unsigned long long)old.rlim_max);
	struct rlimit raise_ = {300, 300};
	R("raise hard as root", setrlimit(RLIMIT_NOFILE, &raise_));
	R("prlimit other nonexistent", prlimit(99999, RLIMIT_NOFILE, NULL, &old));
	R("getrlimit bad resource", getrlimit(42, &old));
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		getrlimit(RLIMIT_NOFILE, &old);
		printf("child inherits: %llu %llu\n", (unsigned long long)old.rlim_cur, (unsigned long long)old.rlim_max);
		setuid(1000);
		struct rlimit up = {400, 400};
		R("unprivileged raise hard", setrlimit(RLIMIT_NOFILE, &up));
		struct rlimit down = {10, 100};
		R("unprivileged lower", setrlimit(RLIMIT_NOFILE, &down));
		struct rlimit back = {10, 300};
		R("unprivileged raise back", setrlimit(RLIMIT_NOFILE, &back));
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	WSTATUS("nofile child", in_child(nofile_child));
	WSTATUS("address-space child", in_child(as_child));
	WSTATUS("small stack child", in_child(stack_child));
	struct rlimit cpu = {1, 2};
	fflush(stdout);
	c = fork();
	if (c == 0) {
		setrlimit(RLIMIT_CPU, &cpu);
		for (;;)
			;
	}
	int st, waited = 0;
	while (waitpid(c, &st, WNOHANG) == 0 && waited < 200) {
		usleep(50000);
		waited++;
	}
	if (waited == 200) { /* not stopped after 10 s: no enforcement */
		kill(c, SIGKILL);
		waitpid(c, &st, 0);
	}
	WSTATUS("RLIMIT_CPU 1s busy loop", st);
	return done("proc_rlimit");
}
