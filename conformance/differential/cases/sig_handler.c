/* sig_handler — sigaction: siginfo contents, SA_RESETHAND, SA_NODEFER, sa_mask during the
 * handler, old actions, SIG_IGN, invalid requests. */
#include "dt.h"
#include <sys/syscall.h>

static volatile int depth, max_depth, count;
static volatile int last_code, last_pid_ok, last_signo, usr2_blocked_in_handler;
static sigset_t seen_mask;

static void info_handler(int s, siginfo_t *si, void *uc)
{
	(void)uc;
	last_signo = si->si_signo;
	last_code = si->si_code;
	last_pid_ok = si->si_pid == getpid();
	count++;
	(void)s;
}

static volatile int calls;
static void nest_handler(int s)
{
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	if (++calls < 3)
		raise(s);
	depth--;
}

static void mask_handler(int s)
{
	(void)s;
	sigprocmask(SIG_BLOCK, NULL, &seen_mask);
	usr2_blocked_in_handler = sigismember(&seen_mask, SIGUSR2);
}

static const char *code(int c)
{
	switch (c) {
	case SI_USER: return "SI_USER";
	case SI_TKILL: return "SI_TKILL";
	case SI_QUEUE: return "SI_QUEUE";
	case SI_KERNEL: return "SI_KERNEL";
	default: return "other";
	}
}

int main(void)
{
	struct sigaction sa = {0}, old;
	sa.sa_sigaction = info_handler;
	sa.sa_flags = SA_SIGINFO;
	R("sigaction USR1", sigaction(SIGUSR1, &sa, &old));
	printf("old handler default: %d\n", old.sa_handler == SIG_DFL);
	kill(getpid(), SIGUSR1);
	printf("kill: signo %s code %s pid ok %d\n", signame(last_signo), code(last_code), last_pid_ok);
	raise(SIGUSR1);
	printf("raise: signo %s code %s pid ok %d\n", signame(last_signo), code(last_code), last_pid_ok);
	syscall(SYS_tgkill, getpid(), getpid(), SIGUSR1);
	printf("tgkill: code %s\n", code(last_code));
	sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 5});
	printf("sigqueue: code %s\n", code(last_code));
	printf("handler ran %d times\n", count);
	R("sigaction read back", sigaction(SIGUSR1, NULL, &old));
	printf("flags has SA_SIGINFO: %d, SA_RESTORER: %d\n", !!(old.sa_flags & SA_SIGINFO), !!(old.sa_flags & 0x04000000));

	/* SA_RESETHAND: the second signal takes the default action */
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &old);
	printf("after SA_RESETHAND: %s\n", old.sa_handler == SIG_DFL ? "default" : "handler");

	/* the signal is blocked in its own handler unless SA_NODEFER */
	struct sigaction n = {0};
	n.sa_handler = nest_handler;
	sigaction(SIGUSR2, &n, NULL);
	max_depth = calls = 0;
	raise(SIGUSR2);
	printf("nesting without SA_NODEFER: %d\n", max_depth);
	n.sa_flags = SA_NODEFER;
	sigaction(SIGUSR2, &n, NULL);
	max_depth = calls = 0;
	raise(SIGUSR2);
	printf("nesting with SA_NODEFER: %d\n", max_depth);

	/* sa_mask is added while the handler runs and removed after */
	struct sigaction m = {0};
	m.sa_handler = mask_handler;
	sigemptyset(&m.sa_mask);
	sigaddset(&m.sa_mask, SIGUSR2);
	sigaction(SIGHUP, &m, NULL);
	raise(SIGHUP);
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	printf("USR2 blocked in handler: %d, after: %d, HUP in handler: %d\n", usr2_blocked_in_handler,
	       sigismember(&now, SIGUSR2), sigismember(&seen_mask, SIGHUP));

	/* ignored signals vanish, even when pending */
	signal(SIGTERM, SIG_IGN);
	R("raise ignored SIGTERM", raise(SIGTERM));
	sigset_t b;
	sigemptyset(&b);
	sigaddset(&b, SIGTERM);
	sigprocmask(SIG_BLOCK, &b, NULL);
	raise(SIGTERM);
	sigset_t pend;
	sigpending(&pend);
	printf("blocked+ignored pending: %d\n", sigismember(&pend, SIGTERM));
	sigprocmask(SIG_UNBLOCK, &b, NULL);

	/* what may not be changed */
	R("sigaction SIGKILL", sigaction(SIGKILL, &sa, NULL));
	R("sigaction SIGSTOP ignore", sigaction(SIGSTOP, &(struct sigaction){.sa_handler = SIG_IGN}, NULL));
	R("sigaction SIGKILL query", sigaction(SIGKILL, NULL, &old));
	R("sigaction 0", sigaction(0, &sa, NULL));
	R("sigaction 65", sigaction(65, &sa, NULL));
	R("signal 32 (musl-internal range)", syscall(SYS_rt_sigaction, 32, NULL, &old, 8));
	R("sigaction 64", sigaction(64, &sa, NULL));
	/* default-ignored signals do nothing */
	signal(SIGCHLD, SIG_DFL);
	R("raise SIGCHLD default", raise(SIGCHLD));
	R("raise SIGURG default", raise(SIGURG));
	R("raise SIGWINCH default", raise(SIGWINCH));
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		raise(SIGUSR1); /* reset to default above */
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	WSTATUS("default SIGUSR1", st);
	return done("sig_handler");
}
