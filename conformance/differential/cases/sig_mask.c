/* sig_mask — blocking and pending: standard signals merge, real-time signals queue in order
 * with their values, sigsuspend, sigtimedwait/sigwaitinfo, SIGKILL/SIGSTOP unblockable. */
#include "dt.h"
#include <time.h>

static int order[32], norder;
static int values[32];

static void rt_handler(int s, siginfo_t *si, void *uc)
{
	(void)uc;
	if (norder < 32) {
		values[norder] = si->si_value.sival_int;
		order[norder++] = s;
	}
}

static void handler(int s)
{
	if (norder < 32)
		order[norder++] = s;
}

static void show_order(const char *label)
{
	printf("%s:", label);
	for (int i = 0; i < norder; i++)
		printf(" %s", signame(order[i]));
	printf("\n");
	norder = 0;
}

int main(void)
{
	sigset_t all, old, pend;
	struct sigaction sa = {0};
	sa.sa_handler = handler;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigfillset(&all);
	R("block all", sigprocmask(SIG_BLOCK, &all, &old));
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("KILL blocked: %d STOP blocked: %d USR1 blocked: %d\n", sigismember(&cur, SIGKILL),
	       sigismember(&cur, SIGSTOP), sigismember(&cur, SIGUSR1));
	raise(SIGUSR1);
	raise(SIGUSR1);
	raise(SIGUSR1);
	raise(SIGHUP);
	raise(SIGUSR2);
	sigpending(&pend);
	printf("pending USR1 %d USR2 %d HUP %d TERM %d\n", sigismember(&pend, SIGUSR1), sigismember(&pend, SIGUSR2),
	       sigismember(&pend, SIGHUP), sigismember(&pend, SIGTERM));
	printf("handled while blocked: %d\n", norder);
	sigprocmask(SIG_SETMASK, &old, NULL);
	show_order("delivered on unblock (lowest first, merged)");

	/* real-time signals queue, lowest number first, FIFO within a number */
	struct sigaction rt = {0};
	rt.sa_sigaction = rt_handler;
	rt.sa_flags = SA_SIGINFO;
	sigaction(SIGRTMIN, &rt, NULL);
	sigaction(SIGRTMIN + 1, &rt, NULL);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (int i = 0; i < 3; i++) {
		sigqueue(getpid(), SIGRTMIN + 1, (union sigval){.sival_int = 10 + i});
		sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 20 + i});
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("rt delivered:");
	for (int i = 0; i < norder; i++)
		printf(" %s/%d", signame(order[i]), values[i]);
	printf("\n");
	norder = 0;

	/* sigsuspend: temporarily replaces the mask, returns EINTR after the handler */
	sigset_t block_usr1;
	sigemptyset(&block_usr1);
	sigaddset(&block_usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block_usr1, NULL);
	raise(SIGUSR1);
	sigset_t empty;
	sigemptyset(&empty);
	R("sigsuspend", sigsuspend(&empty));
	show_order("during sigsuspend");
	sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("mask restored: USR1 blocked %d\n", sigismember(&cur, SIGUSR1));

	/* sigtimedwait takes a pending signal without running the handler */
	raise(SIGUSR1);
	siginfo_t si;
	struct timespec zero = {0, 0};
	R("sigtimedwait pending", sigtimedwait(&block_usr1, &si, &zero));
	printf("si_signo %s, handler runs: %d\n", signame(si.si_signo), norder);
	R("sigtimedwait nothing", sigtimedwait(&block_usr1, &si, &zero));
	struct timespec bad = {0, 2000000000};
	R("sigtimedwait bad timeout", sigtimedwait(&block_usr1, &si, &bad));
	struct timespec short_ = {0, 50000000};
	R("sigtimedwait 50ms", sigtimedwait(&block_usr1, &si, &short_));
	raise(SIGUSR1);
	R("sigwaitinfo", sigwaitinfo(&block_usr1, &si));
	int sig;
	raise(SIGUSR1);
	R("sigwait", sigwait(&block_usr1, &sig));
	printf("sigwait got %s\n", signame(sig));
	/* pending signals are not inherited by a fork child; the mask is */
	raise(SIGUSR1);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		sigset_t p, m;
		sigpending(&p);
		sigprocmask(SIG_BLOCK, NULL, &m);
		printf("child: pending USR1 %d, blocked USR1 %d\n", sigismember(&p, SIGUSR1), sigismember(&m, SIGUSR1));
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	sigprocmask(SIG_UNBLOCK, &block_usr1, NULL);
	show_order("parent after unblock");
	/* SIGKILL through a full mask */
	fflush(stdout);
	c = fork();
	if (c == 0) {
		sigprocmask(SIG_BLOCK, &all, NULL);
		for (;;)
			pause();
	}
	usleep(50000);
	kill(c, SIGTERM);
	usleep(50000);
	R("blocked TERM did not kill", waitpid(c, NULL, WNOHANG));
	kill(c, SIGKILL);
	int st;
	waitpid(c, &st, 0);
	WSTATUS("SIGKILL through full mask", st);
	R("sigprocmask bad how", sigprocmask(7, &all, NULL));
	return done("sig_mask");
}
