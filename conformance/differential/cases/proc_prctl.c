/* proc_prctl — prctl: the process name (PR_SET_NAME/PR_GET_NAME, /proc comm, truncation, reset
 * by exec), dumpable, parent-death signal, no_new_privs, child subreaper; bad options. */
#include "dt.h"
#include <sys/prctl.h>

static void comm(const char *label)
{
	char buf[64] = {0};
	int fd = open("/proc/self/comm", O_RDONLY);
	read(fd, buf, sizeof buf - 1);
	close(fd);
	printf("%s: %s", label, buf);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		comm("comm after exec");
		return 0;
	}
	char name[32] = {0};
	R("PR_GET_NAME", prctl(PR_GET_NAME, name));
	printf("name: %s\n", name);
	comm("comm");
	R("PR_SET_NAME", prctl(PR_SET_NAME, "differential-name-long"));
	prctl(PR_GET_NAME, name);
	printf("name (15 chars max): %s\n", name);
	comm("comm");
	R("write /proc/self/comm", ({ int fd = open("/proc/self/comm", O_WRONLY); long r = write(fd, "viaproc", 7); close(fd); r; }));
	comm("comm");
	R("PR_SET_NAME bad pointer", prctl(PR_SET_NAME, (void *)8));
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		comm("child comm");
		execl("/proc/self/exe", "whatever", "again", (char *)0);
		_exit(1);
	}
	waitpid(c, NULL, 0);
	R("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
	R("PR_SET_DUMPABLE 0", prctl(PR_SET_DUMPABLE, 0));
	R("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
	R("PR_SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2));
	prctl(PR_SET_DUMPABLE, 1);
	R("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	R("PR_SET_NO_NEW_PRIVS", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	R("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	R("PR_SET_NO_NEW_PRIVS 0", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0));
	int sig = -1;
	R("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &sig));
	printf("pdeathsig: %d\n", sig);
	R("PR_SET_PDEATHSIG bad", prctl(PR_SET_PDEATHSIG, 99));
	/* parent-death signal: the grandchild learns its parent died */
	int p[2];
	pipe(p);
	fflush(stdout);
	c = fork();
	if (c == 0) {
		pid_t gc = fork();
		if (gc == 0) {
			prctl(PR_SET_PDEATHSIG, SIGUSR1);
			sigset_t m;
			sigemptyset(&m);
			sigaddset(&m, SIGUSR1);
			sigprocmask(SIG_BLOCK, &m, NULL);
			write(p[1], "r", 1);
			struct timespec t = {5, 0};
			int s = sigtimedwait(&m, NULL, &t);
			char r = s == SIGUSR1 ? 'y' : 'n';
			write(p[1], &r, 1);
			_exit(0);
		}
		char ch;
		read(p[0], &ch, 1);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	char ch = '?';
	read(p[0], &ch, 1);
	printf("pdeathsig delivered: %c\n", ch);
	R("PR_GET_CHILD_SUBREAPER", ({ int v = -1; prctl(PR_GET_CHILD_SUBREAPER, &v) ? -1L : (long)v; }));
	/* a child subreaper adopts its orphaned grandchildren */
	R("PR_SET_CHILD_SUBREAPER", prctl(PR_SET_CHILD_SUBREAPER, 1));
	R("PR_GET_CHILD_SUBREAPER", ({ int v = -1; prctl(PR_GET_CHILD_SUBREAPER, &v) ? -1L : (long)v; }));
	int q[2];
	pipe(q);
	pid_t me = getpid(), grandchild = 0;
	c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			usleep(200000);
			pid_t pp = getppid();
			write(q[1], &pp, sizeof pp);
			_exit(3);
		}
		write(q[1], &g, sizeof g);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	read(q[0], &grandchild, sizeof grandchild);
	pid_t adopted_by = 0;
	read(q[0], &adopted_by, sizeof adopted_by);
	printf("orphan adopted by the subreaper: %d\n", adopted_by == me);
	int gst = 0;
	R("subreaper reaps the grandchild", waitpid(grandchild, &gst, 0) == grandchild);
	WSTATUS("grandchild", gst);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	R("PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK) > 0);
	R("unknown option", prctl(0x7fff0000, 0, 0, 0, 0));
	R("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS));
	return done("proc_prctl");
}
