/* sig_restart — a handler interrupting a blocking call: SA_RESTART resumes read/wait4, without it
 * they fail with EINTR; nanosleep, pause, poll and select always return EINTR. */
#include "dt.h"
#include <poll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>

static volatile int hits;
static void on_alarm(int s) { (void)s; hits++; }

static void arm(int restart)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 0}, {0, 100000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

int main(void)
{
	int p[2];
	char buf[8];
	/* read: a writer child sends data 300 ms later */
	for (int restart = 0; restart < 2; restart++) {
		pipe(p);
		fflush(stdout);
		pid_t c = fork();
		if (c == 0) {
			usleep(300000);
			write(p[1], "late", 4);
			_exit(0);
		}
		hits = 0;
		arm(restart);
		errno = 0;
		ssize_t n = read(p[0], buf, sizeof buf);
		printf("read %s SA_RESTART: %zd %s, handler ran %d\n", restart ? "with" : "without", n,
		       n < 0 ? errname(errno) : "", hits);
		waitpid(c, NULL, 0);
		close(p[0]);
		close(p[1]);
	}
	/* wait4 */
	for (int restart = 0; restart < 2; restart++) {
		fflush(stdout);
		pid_t c = fork();
		if (c == 0) {
			usleep(300000);
			_exit(3);
		}
		hits = 0;
		arm(restart);
		int st = 0;
		pid_t r = waitpid(c, &st, 0);
		printf("waitpid %s SA_RESTART: %s, handler ran %d\n", restart ? "with" : "without",
		       r == c ? "child" : errname(errno), hits);
		if (r != c)
			waitpid(c, &st, 0);
	}
	/* calls that are never restarted */
	arm(1);
	struct timespec t = {2, 0}, rem = {0, 0};
	R("nanosleep", nanosleep(&t, &rem));
	printf("remaining between 1 and 2 s: %d\n", rem.tv_sec == 1 || (rem.tv_sec == 0 && rem.tv_nsec > 0) ? rem.tv_sec == 1 : -1);
	arm(1);
	R("pause", pause());
	arm(1);
	pipe(p);
	struct pollfd pf = {p[0], POLLIN, 0};
	R("poll", poll(&pf, 1, 2000));
	arm(1);
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	struct timeval tv = {2, 0};
	R("select", select(p[0] + 1, &rs, NULL, NULL, &tv));
	arm(1);
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigprocmask(SIG_BLOCK, &m, NULL);
	struct timespec two = {2, 0};
	R("sigtimedwait", sigtimedwait(&m, NULL, &two));
	/* a write to a full pipe, interrupted after a partial transfer, returns the partial count */
	arm(0);
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	static char big[8192];
	ssize_t n = write(p[1], big, sizeof big);
	printf("write to full pipe interrupted: %zd %s\n", n, n < 0 ? errname(errno) : "");
	return done("sig_restart");
}
