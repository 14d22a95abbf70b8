/* sig_chld — SIGCHLD: siginfo for exit/kill/stop/continue, SA_NOCLDSTOP, SA_NOCLDWAIT and
 * SIG_IGN (no zombies: wait gives ECHILD). */
#include "dt.h"

static volatile int n;
static volatile int codes[8], statuses[8], pids_ok[8];
static pid_t expect;

static void on_chld(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	if (n < 8) {
		codes[n] = si->si_code;
		statuses[n] = si->si_status;
		pids_ok[n] = si->si_pid == expect;
		n++;
	}
}

static const char *cld(int c)
{
	switch (c) {
	case CLD_EXITED: return "CLD_EXITED";
	case CLD_KILLED: return "CLD_KILLED";
	case CLD_DUMPED: return "CLD_DUMPED";
	case CLD_STOPPED: return "CLD_STOPPED";
	case CLD_CONTINUED: return "CLD_CONTINUED";
	default: return "?";
	}
}

static void show(const char *label)
{
	printf("%s:", label);
	for (int i = 0; i < n; i++)
		printf(" %s/%d/%s", cld(codes[i]), statuses[i], pids_ok[i] ? "pid-ok" : "pid-wrong");
	printf("\n");
	n = 0;
}

static void settle(void)
{
	for (int i = 0; i < 20; i++)
		usleep(10000);
}

static void run(int flags, const char *label)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
	sigaction(SIGCHLD, &sa, NULL);
	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		pause();
		_exit(0);
	}
	expect = c;
	sigprocmask(SIG_SETMASK, &old, NULL);
	usleep(50000);
	kill(c, SIGSTOP);
	settle();
	kill(c, SIGCONT);
	settle();
	kill(c, SIGTERM);
	settle();
	int st;
	pid_t r = waitpid(c, &st, 0);
	printf("%s: wait %s\n", label, r == c ? "reaped" : errname(errno));
	show(label);
}

int main(void)
{
	run(0, "plain");
	run(SA_NOCLDSTOP, "SA_NOCLDSTOP");
	run(SA_NOCLDWAIT, "SA_NOCLDWAIT");
	/* exit status in si_status */
	struct sigaction sa = {0};
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGCHLD, &sa, NULL);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL); /* so the handler sees `expect` set */
	fflush(stdout);
	pid_t c = fork();
	if (c == 0)
		_exit(77);
	expect = c;
	sigprocmask(SIG_UNBLOCK, &chld, NULL);
	settle();
	waitpid(c, NULL, 0);
	show("exit 77");
	/* SIGCHLD ignored: children are reaped automatically */
	signal(SIGCHLD, SIG_IGN);
	fflush(stdout);
	for (int i = 0; i < 3; i++)
		if (fork() == 0)
			_exit(i);
	settle();
	int st;
	R("wait with SIGCHLD ignored", wait(&st));
	/* default SIGCHLD: zombies wait */
	signal(SIGCHLD, SIG_DFL);
	fflush(stdout);
	c = fork();
	if (c == 0)
		_exit(1);
	settle();
	R("wait with SIGCHLD default", wait(&st) == c);
	/* SIGCHLD to a blocked, waiting parent via sigwaitinfo */
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGCHLD);
	sigprocmask(SIG_BLOCK, &m, NULL);
	fflush(stdout);
	c = fork();
	if (c == 0)
		_exit(12);
	siginfo_t si;
	R("sigwaitinfo SIGCHLD", sigwaitinfo(&m, &si));
	printf("code %s status %d pid ok %d\n", cld(si.si_code), si.si_status, si.si_pid == c);
	waitpid(c, NULL, 0);
	return done("sig_chld");
}
