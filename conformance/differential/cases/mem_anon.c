/* mem_anon — anonymous mappings: zero fill, copy-on-write across fork, MAP_SHARED across fork,
 * MAP_FIXED replacement, munmap holes, faults with si_code MAPERR vs ACCERR, bad arguments. */
#include "dt.h"
#include <setjmp.h>
#include <sys/mman.h>

static sigjmp_buf env;
static volatile int got_code;
static void on_segv(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	got_code = si->si_code;
	siglongjmp(env, 1);
}

static const char *probe(volatile char *p, int write)
{
	got_code = 0;
	if (sigsetjmp(env, 1) == 0) {
		if (write)
			*p = 1;
		else
			(void)*p;
		return "ok";
	}
	return got_code == SEGV_MAPERR ? "SEGV_MAPERR" : got_code == SEGV_ACCERR ? "SEGV_ACCERR" : "SEGV other";
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	const size_t pg = 4096;
	char *p = mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int zero = 1;
	for (size_t i = 0; i < 16 * pg; i++)
		zero &= p[i] == 0;
	printf("zero filled: %d\n", zero);
	printf("page aligned: %d\n", ((unsigned long)p & (pg - 1)) == 0);
	memset(p, 'a', 16 * pg);
	/* copy-on-write */
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		memset(p, 'c', pg);
		_exit(p[0] == 'c' ? 0 : 1);
	}
	int st;
	waitpid(c, &st, 0);
	WSTATUS("child wrote its copy", st);
	printf("parent still sees: %c\n", p[0]);
	/* shared anonymous memory is shared with the child */
	volatile int *shared = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	*shared = 1;
	fflush(stdout);
	c = fork();
	if (c == 0) {
		*shared = 2;
		_exit(0);
	}
	waitpid(c, NULL, 0);
	printf("shared after child write: %d\n", *shared);
	/* MAP_FIXED over the middle replaces it with zeros */
	char *q = mmap(p + 4 * pg, 2 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("MAP_FIXED at requested address: %d\n", q == p + 4 * pg);
	printf("replaced page: %d, neighbour: %c\n", q[0], p[3 * pg]);
	printf("write to PROT_READ: %s\n", probe(q, 1));
	printf("read PROT_READ: %s\n", probe(q, 0));
	/* MAP_FIXED_NOREPLACE on an existing mapping */
	void *r = mmap(p, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	printf("MAP_FIXED_NOREPLACE on mapped: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
	/* munmap a hole */
	R("munmap middle", munmap(p + 8 * pg, pg));
	printf("hole: %s\n", probe(p + 8 * pg, 0));
	printf("after hole: %c\n", p[9 * pg]);
	R("munmap unmapped again", munmap(p + 8 * pg, pg));
	R("munmap length 0", munmap(p, 0));
	R("munmap whole range with hole", munmap(p, 16 * pg));
	printf("after unmap: %s\n", probe(p, 0));
	/* PROT_NONE */
	char *n = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("PROT_NONE read: %s\n", probe(n, 0));
	/* bad arguments */
	r = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("length 0: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
	r = mmap((void *)0x10001000UL + 1, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("unaligned MAP_FIXED: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
	r = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	printf("PRIVATE|SHARED: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
	r = mmap(NULL, (size_t)1 << 48, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	printf("256 TiB: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
	r = mmap(NULL, pg, PROT_READ | 0x100, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("unknown prot bit: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
	/* a hint that is free is honoured */
	r = mmap((void *)0x200000000UL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("free hint honoured: %d\n", r == (void *)0x200000000UL);
	/* MAP_GROWSDOWN / MAP_POPULATE / MAP_LOCKED accepted */
	r = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	printf("MAP_POPULATE: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
	/* mincore on resident and non-resident pages */
	char *m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m[0] = 1;
	m[2 * pg] = 1;
	unsigned char vec[4];
	R("mincore", mincore(m, 4 * pg, vec));
	printf("resident: %d %d %d %d\n", vec[0] & 1, vec[1] & 1, vec[2] & 1, vec[3] & 1);
	R("mincore unaligned", mincore(m + 1, pg, vec));
	R("mincore unmapped", mincore((void *)0x10000000000UL, pg, vec));
	return done("mem_anon");
}
