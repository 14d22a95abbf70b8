/* proc_ids — sessions and process groups: setsid, setpgid rules, getsid/getpgid, orphans
 * reparented to init, credentials (setuid family, saved ids). */
// normalise: pids
#include "dt.h"
#include <grp.h>

static int new_session(void)
{
	pid_t me = getpid();
	R("setsid in child", setsid() == me);
	F("sid == pid", getsid(0) == me);
	F("pgrp == pid", getpgrp() == me);
	R("setsid again (leader)", setsid());
	R("setpgid leader to other group", setpgid(0, getppid()));
	return 0;
}

static int cred_child(void)
{
	uid_t r, e, s;
	R("setresuid 1000 2000 3000", setresuid(1000, 2000, 3000));
	getresuid(&r, &e, &s);
	printf("res: %u %u %u\n", r, e, s);
	R("seteuid to saved", seteuid(3000));
	R("seteuid to real", seteuid(1000));
	R("seteuid to other", seteuid(4000));
	R("setuid(0) unprivileged", setuid(0));
	R("setreuid swap", setreuid(1000, 3000));
	getresuid(&r, &e, &s);
	printf("res: %u %u %u\n", r, e, s);
	R("setgid unprivileged", setgid(0));
	R("setgroups unprivileged", setgroups(0, NULL));
	return 0;
}

int main(void)
{
	pid_t me = getpid();
	printf("pid=%d ppid=%d pgrp=%d sid=%d\n", me, getppid(), getpgrp(), getsid(0));
	R("getpgid(0) == getpgrp", getpgid(0) == getpgrp());
	R("getpgid bad pid", getpgid(99999));
	R("getsid bad pid", getsid(99999));
	R("getsid(1)", getsid(1));
	R("getpgid(1)", getpgid(1));
	WSTATUS("session child", in_child(new_session));
	/* setpgid: a child may be moved before it execs, not after, and not across sessions */
	fflush(stdout);
	int p[2];
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		char ch;
		read(p[0], &ch, 1);
		_exit(0);
	}
	R("setpgid child into own group", setpgid(c, c));
	R("getpgid child", getpgid(c) == c);
	R("setpgid child back", setpgid(c, getpgrp()));
	R("setpgid to nonexistent group", setpgid(c, 99999));
	R("setpgid negative", setpgid(c, -1));
	R("setpgid not our child", setpgid(1, 1));
	write(p[1], "x", 1);
	waitpid(c, NULL, 0);
	fflush(stdout);
	c = fork();
	if (c == 0) {
		setsid();
		char ch;
		read(p[0], &ch, 1);
		_exit(0);
	}
	usleep(100000);
	R("setpgid child in other session", setpgid(c, c));
	write(p[1], "x", 1);
	waitpid(c, NULL, 0);
	fflush(stdout);
	c = fork();
	if (c == 0) {
		execl("/bin/sleep", "sleep", "1", (char *)0);
		_exit(1);
	}
	usleep(300000);
	R("setpgid after exec", setpgid(c, c));
	waitpid(c, NULL, 0);
	/* an orphan is reparented to init */
	int q[2];
	pipe(q);
	fflush(stdout);
	c = fork();
	if (c == 0) {
		pid_t gc = fork();
		if (gc == 0) {
			usleep(200000);
			pid_t pp = getppid();
			write(q[1], &pp, sizeof pp);
			_exit(0);
		}
		pid_t pp = getppid();
		write(q[1], &pp, sizeof pp);
		_exit(0);
	}
	pid_t first, second;
	read(q[0], &first, sizeof first);
	waitpid(c, NULL, 0);
	read(q[0], &second, sizeof second);
	F("child's parent is us", first == me);
	printf("orphan's parent: ppid=%d\n", second);
	/* credentials */
	printf("uid %d euid %d gid %d egid %d\n", getuid(), geteuid(), getgid(), getegid());
	gid_t groups[64];
	int n = getgroups(64, groups);
	printf("groups: %d\n", n);
	R("getgroups too small", n > 0 ? getgroups(n - 1 > 0 ? n - 1 : 1, groups) : -2);
	WSTATUS("credentials child", in_child(cred_child));
	R("getppid is stable", getppid() == getppid());
	return done("proc_ids");
}
