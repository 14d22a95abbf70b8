/* sig_kill — sending: kill(pid, 0) probes, ESRCH, EINVAL, EPERM across users, process-group
 * signals, sigqueue values, SIGCONT to stopped groups, signals to zombies. */
#include "dt.h"

static int wait_stopped(pid_t c)
{
	int st;
	waitpid(c, &st, WUNTRACED);
	return WIFSTOPPED(st);
}

int main(void)
{
	R("kill self 0", kill(getpid(), 0));
	R("kill nonexistent", kill(999999, 0));
	R("kill bad signal", kill(getpid(), 65));
	R("kill negative signal", kill(getpid(), -1));
	R("kill INT_MIN", kill(-2147483647 - 1, 0));
	/* a group of two children in their own process group */
	fflush(stdout);
	pid_t a = fork();
	if (a == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	setpgid(a, a);
	pid_t b = fork();
	if (b == 0) {
		setpgid(0, a);
		for (;;)
			pause();
	}
	setpgid(b, a);
	usleep(50000);
	R("kill group 0-probe", kill(-a, 0));
	R("stop the group", kill(-a, SIGSTOP));
	printf("both stopped: %d %d\n", wait_stopped(a), wait_stopped(b));
	R("continue the group", killpg(a, SIGCONT));
	R("terminate the group", kill(-a, SIGTERM));
	int st;
	waitpid(a, &st, 0);
	WSTATUS("a", st);
	waitpid(b, &st, 0);
	WSTATUS("b", st);
	R("kill empty group", kill(-a, SIGTERM));
	/* permission: an unprivileged process may not signal root's processes */
	int p[2];
	pipe(p);
	fflush(stdout);
	pid_t u = fork();
	if (u == 0) {
		setuid(1000);
		int r = kill(getppid(), 0);
		int e = errno;
		int r2 = kill(getpid(), 0);
		char out[64];
		int n = snprintf(out, sizeof out, "%d %s %d", r, r ? errname(e) : "", r2);
		write(p[1], out, n);
		_exit(0);
	}
	char buf[64] = {0};
	read(p[0], buf, sizeof buf - 1);
	waitpid(u, NULL, 0);
	printf("unprivileged kill of root / self: %s\n", buf);
	/* a zombie can be signalled (kill returns 0) until reaped */
	fflush(stdout);
	pid_t z = fork();
	if (z == 0)
		_exit(0);
	usleep(50000);
	R("kill zombie", kill(z, SIGKILL));
	waitpid(z, &st, 0);
	WSTATUS("zombie status unchanged by the kill", st);
	/* sigqueue to a child that reads the value with sigwaitinfo */
	fflush(stdout);
	pid_t q = fork();
	if (q == 0) {
		sigset_t m;
		sigemptyset(&m);
		sigaddset(&m, SIGRTMIN + 2);
		sigprocmask(SIG_BLOCK, &m, NULL);
		write(p[1], "r", 1);
		siginfo_t si;
		sigwaitinfo(&m, &si);
		_exit(si.si_value.sival_int == 31337 && si.si_code == SI_QUEUE ? 0 : 1);
	}
	read(p[0], buf, 1);
	R("sigqueue", sigqueue(q, SIGRTMIN + 2, (union sigval){.sival_int = 31337}));
	waitpid(q, &st, 0);
	WSTATUS("sigqueue receiver", st);
	/* SIGCONT to a process that was not stopped is harmless; SIGCONT discards pending stops */
	fflush(stdout);
	pid_t s = fork();
	if (s == 0) {
		sigset_t m;
		sigemptyset(&m);
		sigaddset(&m, SIGTSTP);
		sigprocmask(SIG_BLOCK, &m, NULL);
		write(p[1], "r", 1);
		usleep(200000);
		sigset_t pend;
		sigpending(&pend);
		_exit(sigismember(&pend, SIGTSTP) ? 10 : 20);
	}
	read(p[0], buf, 1);
	kill(s, SIGTSTP);
	kill(s, SIGCONT);
	waitpid(s, &st, 0);
	WSTATUS("pending SIGTSTP after SIGCONT (20 = discarded)", st);
	fflush(stdout);
	s = fork();
	if (s == 0) {
		sigset_t m;
		sigemptyset(&m);
		sigaddset(&m, SIGCONT);
		sigprocmask(SIG_BLOCK, &m, NULL);
		write(p[1], "r", 1);
		usleep(200000);
		sigset_t pend;
		sigpending(&pend);
		_exit(sigismember(&pend, SIGCONT) ? 10 : 20);
	}
	read(p[0], buf, 1);
	kill(s, SIGCONT);
	kill(s, SIGSTOP);
	waitpid(s, &st, WUNTRACED);
	WSTATUS("SIGSTOP", st);
	kill(s, SIGCONT);
	waitpid(s, &st, 0);
	WSTATUS("pending SIGCONT after SIGSTOP (10 = kept)", st);
	return done("sig_kill");
}
