/* sig_altstack — sigaltstack: the handler runs on the alternate stack (SA_ONSTACK), SS_ONSTACK
 * reported inside, EPERM changing it while on it, catching a stack overflow, size checks; the
 * ucontext a handler gets (modifying the return registers). */
#include "dt.h"
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <ucontext.h>

static char alt[65536];
static volatile int on_alt, flags_inside, change_err, overflow_caught;

static void h(int s)
{
	(void)s;
	int local;
	on_alt = (char *)&local >= alt && (char *)&local < alt + sizeof alt;
	stack_t cur;
	sigaltstack(NULL, &cur);
	flags_inside = cur.ss_flags;
	stack_t n = {.ss_sp = alt, .ss_size = sizeof alt};
	change_err = sigaltstack(&n, NULL) == 0 ? 0 : errno;
}

static void on_overflow(int s)
{
	(void)s;
	int local;
	_exit((char *)&local >= alt && (char *)&local < alt + sizeof alt ? 42 : 43);
}

static int recurse(int n)
{
	volatile char pad[1024];
	pad[0] = (char)n;
	if (n > 16384) /* 16 MiB: far past the 1 MiB limit */
		return 7;
	return recurse(n + 1) + pad[0];
}

static int overflow_child(void)
{
	struct rlimit rl = {1 << 20, 1 << 20};
	setrlimit(RLIMIT_STACK, &rl);
	stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
	sigaltstack(&ss, NULL);
	struct sigaction sa = {0};
	sa.sa_handler = on_overflow;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	return recurse(0);
}

static volatile long skipped;
static void skip_ud2(int s, siginfo_t *si, void *ctx)
{
	(void)s;
	(void)si;
	ucontext_t *uc = ctx;
	uc->uc_mcontext.gregs[REG_RIP] += 2; /* skip the ud2 */
	uc->uc_mcontext.gregs[REG_RAX] = 1234;
	skipped++;
}

int main(void)
{
	stack_t ss = {0}, old;
	R("query", sigaltstack(NULL, &old));
	printf("initially disabled: %d\n", old.ss_flags == SS_DISABLE);
	ss.ss_sp = alt;
	ss.ss_size = 1024;
	R("too small", sigaltstack(&ss, NULL));
	ss.ss_size = sizeof alt;
	ss.ss_flags = 0x1234;
	R("bad flags", sigaltstack(&ss, NULL));
	ss.ss_flags = 0;
	R("install", sigaltstack(&ss, NULL));
	sigaltstack(NULL, &old);
	printf("installed: flags %d size %zu same sp %d\n", old.ss_flags, old.ss_size, old.ss_sp == alt);
	struct sigaction sa = {0};
	sa.sa_handler = h;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("handler on alt stack: %d, flags inside %d (SS_ONSTACK=%d), change inside: %s\n", on_alt, flags_inside,
	       SS_ONSTACK, change_err ? errname(change_err) : "ok");
	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("without SA_ONSTACK on alt stack: %d\n", on_alt);
	ss.ss_flags = SS_DISABLE;
	R("disable", sigaltstack(&ss, NULL));
	sigaltstack(NULL, &old);
	printf("disabled: %d\n", old.ss_flags == SS_DISABLE);
	WSTATUS("stack overflow caught on alt stack (42)", in_child(overflow_child));
	/* a handler changing the interrupted context */
	struct sigaction ill = {0};
	ill.sa_sigaction = skip_ud2;
	ill.sa_flags = SA_SIGINFO;
	sigaction(SIGILL, &ill, NULL);
	long rax;
	__asm__ volatile("xor %%eax, %%eax\n\tud2\n\tmov %%rax, %0" : "=r"(rax) : : "rax");
	printf("resumed after ud2: %ld, rax from handler %ld\n", skipped, rax);
	return done("sig_altstack");
}
