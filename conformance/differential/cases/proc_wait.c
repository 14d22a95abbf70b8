/* proc_wait — fork and every way of waiting: exit codes, signals, stop/continue, WNOHANG,
 * waitid/WNOWAIT, process groups, ECHILD. */
#include "dt.h"

static int exit_42(void) { return 42; }
static int exit_256(void) { exit(256 + 7); }
static int kill_self(void) { kill(getpid(), SIGTERM); pause(); return 0; }
static int segv(void) { *(volatile int *)0 = 1; return 0; }
static int abort_(void) { abort(); }

int main(void)
{
	int st;
	R("wait without children", wait(&st));
	R("waitpid without children", waitpid(-1, &st, WNOHANG));
	WSTATUS("exit(42)", in_child(exit_42));
	WSTATUS("exit(263)", in_child(exit_256));
	WSTATUS("kill self SIGTERM", in_child(kill_self));
	WSTATUS("null write", in_child(segv));
	WSTATUS("abort", in_child(abort_));
	/* raw status words */
	fflush(stdout);
	pid_t c = fork();
	if (c == 0)
		_exit(3);
	waitpid(c, &st, 0);
	printf("raw exit 3: 0x%x\n", st);
	c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	R("WNOHANG on running child", waitpid(c, &st, WNOHANG));
	kill(c, SIGSTOP);
	R("WUNTRACED sees stop", waitpid(c, &st, WUNTRACED) == c);
	printf("raw stopped: 0x%x\n", st);
	WSTATUS("stopped", st);
	R("stop reported once", waitpid(c, &st, WUNTRACED | WNOHANG));
	kill(c, SIGCONT);
	R("WCONTINUED", waitpid(c, &st, WCONTINUED) == c);
	printf("raw continued: 0x%x\n", st);
	WSTATUS("continued", st);
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
	printf("raw SIGKILL: 0x%x\n", st);
	/* waitid */
	fflush(stdout);
	c = fork();
	if (c == 0)
		_exit(9);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	R("waitid WNOWAIT", waitid(P_PID, c, &si, WEXITED | WNOWAIT));
	printf("si: signo %d code %d status %d pid matches %d\n", si.si_signo, si.si_code, si.si_status, si.si_pid == c);
	memset(&si, 0, sizeof si);
	R("waitid again", waitid(P_ALL, 0, &si, WEXITED));
	printf("si: signo %d code %d status %d pid matches %d\n", si.si_signo, si.si_code, si.si_status, si.si_pid == c);
	R("waitid no options", waitid(P_ALL, 0, &si, 0));
	R("waitid bad idtype", waitid(42, 0, &si, WEXITED));
	R("waitpid bad options", waitpid(-1, &st, 0x40000));
	c = fork();
	if (c == 0) {
		kill(getpid(), SIGUSR1);
		_exit(0);
	}
	memset(&si, 0, sizeof si);
	waitid(P_PID, c, &si, WEXITED);
	printf("killed: code %s status %s\n", si.si_code == CLD_KILLED ? "CLD_KILLED" : si.si_code == CLD_DUMPED ? "CLD_DUMPED" : "?",
	       signame(si.si_status));
	memset(&si, 0, sizeof si);
	R("waitid WNOHANG nothing", waitid(P_ALL, 0, &si, WEXITED | WNOHANG));
	printf("si_pid after WNOHANG: %d\n", si.si_pid);
	/* waiting by process group */
	fflush(stdout);
	pid_t a = fork();
	if (a == 0) {
		setpgid(0, 0);
		usleep(50000);
		_exit(1);
	}
	setpgid(a, a);
	pid_t b = fork();
	if (b == 0) {
		_exit(2);
	}
	R("waitpid(-pgid) picks the group member", waitpid(-a, &st, 0) == a);
	WSTATUS("group member", st);
	R("waitpid(0) picks our group", waitpid(0, &st, 0) == b);
	R("waitpid other pid", waitpid(1, &st, 0));
	R("waitpid -1 no more", waitpid(-1, &st, 0));
	/* many children, all reaped, statuses add up */
	int sum = 0;
	fflush(stdout);
	for (int i = 0; i < 20; i++)
		if (fork() == 0)
			_exit(i);
	for (int i = 0; i < 20; i++) {
		wait(&st);
		sum += WEXITSTATUS(st);
	}
	printf("sum of 20 exit codes: %d\n", sum);
	/* a zombie stays until waited for */
	c = fork();
	if (c == 0)
		_exit(5);
	usleep(50000);
	char path[64], state[64] = {0};
	snprintf(path, sizeof path, "/proc/%d/stat", c);
	int fd = open(path, O_RDONLY);
	read(fd, state, sizeof state - 1);
	close(fd);
	char *p = strrchr(state, ')');
	printf("zombie state: %c\n", p ? p[2] : '?');
	R("kill zombie", kill(c, 0));
	waitpid(c, &st, 0);
	R("kill reaped", kill(c, 0));
	return done("proc_wait");
}
