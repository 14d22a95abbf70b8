/* pipe_poll — readiness: poll/ppoll/select/pselect on pipes (POLLIN, POLLOUT, POLLHUP, POLLERR,
 * POLLNVAL), timeouts, a signal during ppoll with a mask, blocking reads woken by a writer. */
#include "dt.h"
#include <poll.h>
#include <sys/select.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void show(const char *label, int r, short re)
{
	printf("%s: %d [%s%s%s%s%s]\n", label, r, re & POLLIN ? " IN" : "", re & POLLOUT ? " OUT" : "",
	       re & POLLHUP ? " HUP" : "", re & POLLERR ? " ERR" : "", re & POLLNVAL ? " NVAL" : "");
}

static volatile int got;
static void on_usr1(int s) { (void)s; got++; }

int main(void)
{
	int p[2];
	pipe(p);
	struct pollfd f[2] = {{p[0], POLLIN | POLLOUT, 0}, {p[1], POLLIN | POLLOUT, 0}};
	int r = poll(f, 2, 0);
	show("empty read end", r, f[0].revents);
	show("empty write end", r, f[1].revents);
	write(p[1], "x", 1);
	r = poll(f, 2, 0);
	show("data read end", r, f[0].revents);
	close(p[1]);
	f[1].fd = -1;
	r = poll(f, 2, 0);
	show("writer closed, data left", r, f[0].revents);
	char c;
	read(p[0], &c, 1);
	r = poll(f, 2, 0);
	show("writer closed, empty", r, f[0].revents);
	show("negative fd ignored", r, f[1].revents);
	close(p[0]);
	pipe(p);
	close(p[0]);
	struct pollfd w = {p[1], POLLOUT, 0};
	r = poll(&w, 1, 0);
	show("reader closed", r, w.revents);
	close(p[1]);
	struct pollfd bad = {p[1], POLLIN, 0};
	r = poll(&bad, 1, 0);
	show("closed fd", r, bad.revents);
	struct pollfd none = {0, 0, 0};
	int nul = open("/dev/null", O_RDWR);
	none.fd = nul;
	r = poll(&none, 1, 0);
	show("no events requested on /dev/null", r, none.revents);
	none.events = POLLIN | POLLOUT;
	r = poll(&none, 1, 0);
	show("/dev/null", r, none.revents);
	int reg = open("f", O_RDWR | O_CREAT, 0644);
	struct pollfd rf = {reg, POLLIN | POLLOUT, 0};
	r = poll(&rf, 1, 0);
	show("regular file", r, rf.revents);
	/* timeouts */
	pipe(p);
	struct pollfd in = {p[0], POLLIN, 0};
	double t0 = now();
	r = poll(&in, 1, 100);
	double dt = now() - t0;
	printf("poll 100ms timeout: %d, waited >= 100ms %d, < 2 s %d\n", r, dt >= 0.1, dt < 2);
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	struct timeval tv = {0, 100000};
	t0 = now();
	r = select(p[0] + 1, &rs, NULL, NULL, &tv);
	dt = now() - t0;
	printf("select 100ms timeout: %d, waited >= 100ms %d, timeval left %ld.%06ld, set cleared %d\n", r, dt >= 0.1,
	       (long)tv.tv_sec, (long)tv.tv_usec, !FD_ISSET(p[0], &rs));
	fd_set ws;
	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_SET(p[0], &rs);
	FD_SET(p[1], &ws);
	FD_SET(p[1], &rs);
	struct timeval zero = {0, 0};
	r = select(p[1] + 1, &rs, &ws, NULL, &zero);
	printf("select: %d read %d/%d write %d\n", r, FD_ISSET(p[0], &rs), FD_ISSET(p[1], &rs), FD_ISSET(p[1], &ws));
	FD_ZERO(&rs);
	FD_SET(60, &rs);
	R("select closed fd", select(61, &rs, NULL, NULL, &zero));
	R("select negative nfds", select(-1, NULL, NULL, NULL, &zero));
	struct timeval badtv = {0, -1};
	R("select bad timeval", select(1, NULL, NULL, NULL, &badtv));
	/* a writer wakes a blocked poll and a blocked read */
	fflush(stdout);
	pid_t kid = fork();
	if (kid == 0) {
		usleep(100000);
		write(p[1], "y", 1);
		usleep(100000);
		write(p[1], "z", 1);
		_exit(0);
	}
	r = poll(&in, 1, 5000);
	show("woken by writer", r, in.revents);
	read(p[0], &c, 1);
	r = read(p[0], &c, 1);
	printf("blocking read woken: %d %c\n", r, c);
	waitpid(kid, NULL, 0);
	/* ppoll: the signal is blocked except during the call */
	signal(SIGUSR1, on_usr1);
	sigset_t m, empty;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigprocmask(SIG_BLOCK, &m, NULL);
	raise(SIGUSR1);
	printf("handled while blocked: %d\n", got);
	sigemptyset(&empty);
	struct timespec ts = {2, 0};
	r = ppoll(&in, 1, &ts, &empty);
	printf("ppoll interrupted: %d %s, handled %d\n", r, r < 0 ? errname(errno) : "", got);
	raise(SIGUSR1);
	r = pselect(p[0] + 1, &(fd_set){0}, NULL, NULL, &ts, &empty);
	printf("pselect interrupted: %d %s, handled %d\n", r, r < 0 ? errname(errno) : "", got);
	sigset_t now_mask;
	sigprocmask(SIG_BLOCK, NULL, &now_mask);
	printf("mask restored: %d\n", sigismember(&now_mask, SIGUSR1));
	R("poll bad pointer", poll((void *)8, 1, 0));
	R("poll nfds 0 with timeout", poll(NULL, 0, 50));
	return done("pipe_poll");
}
