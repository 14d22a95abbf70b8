/* sig_default — what kills a process and with what: hardware faults with their si_code and
 * si_addr, default actions of every standard signal, stop/continue. */
#include "dt.h"
#include <sys/mman.h>
#include <sys/syscall.h>

static volatile void *fault_addr;
static volatile int fault_code, fault_sig;

static int null_write(void) { *(volatile int *)0 = 1; return 0; }
static int div_zero(void) { volatile int z = 0; return 1 / z; }
static int ud2(void) { __asm__ volatile("ud2"); return 0; }
static int int3(void) { __asm__ volatile("int3"); return 0; }
static int hlt(void) { __asm__ volatile("hlt"); return 0; }
static int bus(void)
{
	int fd = open("short", O_RDWR | O_CREAT, 0644);
	char *p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	return p[4096];
}

static void catcher(int s, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = s;
	fault_code = si->si_code;
	fault_addr = si->si_addr;
	printf("caught %s code %d addr %s\n", signame(s), si->si_code,
	       si->si_addr == 0 ? "0" : (unsigned long)si->si_addr == 0xdead000 ? "0xdead000" : "other");
	fflush(stdout);
	_exit(50 + s);
}

static int caught_segv(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = catcher;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	*(volatile int *)0xdead000 = 1;
	return 0;
}

static int caught_fpe(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = catcher;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGFPE, &sa, NULL);
	volatile int z = 0;
	return 5 / z;
}

static int caught_ill(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = catcher;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGILL, &sa, NULL);
	__asm__ volatile("ud2");
	return 0;
}

static int caught_trap(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = catcher;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGTRAP, &sa, NULL);
	__asm__ volatile("int3");
	return 0;
}

static int blocked_segv(void)
{
	/* a synchronous fault with the signal blocked still kills */
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGSEGV);
	sigprocmask(SIG_BLOCK, &m, NULL);
	signal(SIGSEGV, SIG_IGN);
	*(volatile int *)0 = 1;
	return 0;
}

static int sig;
static int raise_it(void)
{
	raise(sig);
	return 0;
}

int main(void)
{
	(void)fault_addr;
	(void)fault_code;
	(void)fault_sig;
	WSTATUS("null write", in_child(null_write));
	WSTATUS("divide by zero", in_child(div_zero));
	WSTATUS("ud2", in_child(ud2));
	WSTATUS("int3", in_child(int3));
	WSTATUS("hlt in user mode", in_child(hlt));
	WSTATUS("read past end of mapped file", in_child(bus));
	WSTATUS("caught segv", in_child(caught_segv));
	WSTATUS("caught fpe", in_child(caught_fpe));
	WSTATUS("caught ill", in_child(caught_ill));
	WSTATUS("caught trap", in_child(caught_trap));
	WSTATUS("blocked+ignored segv", in_child(blocked_segv));
	for (sig = 1; sig < 32; sig++) {
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			continue;
		char label[64];
		snprintf(label, sizeof label, "raise %s", signame(sig));
		WSTATUS(label, in_child(raise_it));
	}
	/* stop signals stop; SIGCONT resumes; the stop is visible to the parent */
	int stops[] = {SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU};
	for (int i = 0; i < 4; i++) {
		fflush(stdout);
		pid_t c = fork();
		if (c == 0) {
			raise(stops[i]);
			_exit(33);
		}
		int st;
		waitpid(c, &st, WUNTRACED);
		char label[64];
		snprintf(label, sizeof label, "raise %s", signame(stops[i]));
		WSTATUS(label, st);
		kill(c, SIGCONT);
		waitpid(c, &st, 0);
		WSTATUS("after SIGCONT", st);
	}
	return done("sig_default");
}
