/*
 * dt.h — helpers shared by the differential cases (not a case itself).
 *
 * A case prints facts, one per line, that must be the same on Linux and on this kernel:
 *   R("label", expr)   the result of a syscall-like expression: "label: 3" or "label: -1 ENOENT"
 *   F("label", cond)   a yes/no fact: "label: yes" / "label: no"
 *   EXPECT("label", cond) a fact the case relies on; a "no" also counts as a failure, and
 *                      the case exits with the number of failures (done()).
 *   WSTATUS("label", status) a wait status decoded: "exited 3", "killed SIGSEGV", ...
 * done() prints "NAME: N checks, M failed" on stderr and returns the exit status.
 */
#ifndef DT_H
#define DT_H
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int dt_checks, dt_failures;

/* Line-buffered stdout: what a case printed before a crash or a hang is kept. */
__attribute__((constructor)) static void dt_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static __attribute__((unused)) const char *errname(int e)
{
	static const struct { int e; const char *n; } t[] = {
		{EPERM, "EPERM"}, {ENOENT, "ENOENT"}, {ESRCH, "ESRCH"}, {EINTR, "EINTR"}, {EIO, "EIO"},
		{ENXIO, "ENXIO"}, {E2BIG, "E2BIG"}, {ENOEXEC, "ENOEXEC"}, {EBADF, "EBADF"},
		{ECHILD, "ECHILD"}, {EAGAIN, "EAGAIN"}, {ENOMEM, "ENOMEM"}, {EACCES, "EACCES"},
		{EFAULT, "EFAULT"}, {EBUSY, "EBUSY"}, {EEXIST, "EEXIST"}, {EXDEV, "EXDEV"},
		{ENODEV, "ENODEV"}, {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"}, {EINVAL, "EINVAL"},
		{ENFILE, "ENFILE"}, {EMFILE, "EMFILE"}, {ENOTTY, "ENOTTY"}, {ETXTBSY, "ETXTBSY"},
		{EFBIG, "EFBIG"}, {ENOSPC, "ENOSPC"}, {ESPIPE, "ESPIPE"}, {EROFS, "EROFS"},
		{EMLINK, "EMLINK"}, {EPIPE, "EPIPE"}, {EDOM, "EDOM"}, {ERANGE, "ERANGE"},
		{EDEADLK, "EDEADLK"}, {ENAMETOOLONG, "ENAMETOOLONG"}, {ENOLCK, "ENOLCK"},
		{ENOSYS, "ENOSYS"}, {ENOTEMPTY, "ENOTEMPTY"}, {ELOOP, "ELOOP"}, {ENOMSG, "ENOMSG"},
		{EOVERFLOW, "EOVERFLOW"}, {ENOTSOCK, "ENOTSOCK"}, {EOPNOTSUPP, "EOPNOTSUPP"},
		{ETIMEDOUT, "ETIMEDOUT"}, {ESTALE, "ESTALE"}, {ECANCELED, "ECANCELED"},
		{ENODATA, "ENODATA"}, {ERESTART, "ERESTART"}, {ENOTSUP, "ENOTSUP"},
	};
	static char buf[16];
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].e == e)
			return t[i].n;
	snprintf(buf, sizeof buf, "errno%d", e);
	return buf;
}

static __attribute__((unused)) const char *signame(int s)
{
	static const char *const t[] = {
		"0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
		"SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
		"SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
		"SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
	};
	static char buf[32];
	if (s >= 0 && s < (int)(sizeof t / sizeof t[0]))
		return t[s];
	snprintf(buf, sizeof buf, "SIGRTMIN+%d", s - SIGRTMIN);
	return buf;
}

#define R(label, expr)                                                                   \
	do {                                                                             \
		errno = 0;                                                               \
		long dt_r = (long)(expr);                                                \
		if (dt_r == -1)                                                          \
			printf("%s: -1 %s\n", (label), errname(errno));                  \
		else                                                                     \
			printf("%s: %ld\n", (label), dt_r);                              \
	} while (0)

/* Only the error: "label: ok" when expr != -1 (for results that vary, like pids or sizes). */
#define E(label, expr)                                                                   \
	do {                                                                             \
		errno = 0;                                                               \
		long dt_r = (long)(expr);                                                \
		if (dt_r == -1)                                                          \
			printf("%s: -1 %s\n", (label), errname(errno));                  \
		else                                                                     \
			printf("%s: ok\n", (label));                                     \
	} while (0)

#define F(label, cond) printf("%s: %s\n", (label), (cond) ? "yes" : "no")

#define EXPECT(label, cond)                                                              \
	do {                                                                             \
		int dt_c = !!(cond);                                                     \
		dt_checks++;                                                             \
		if (!dt_c)                                                               \
			dt_failures++;                                                   \
		printf("%s: %s\n", (label), dt_c ? "yes" : "no");                        \
	} while (0)

static __attribute__((unused)) void WSTATUS(const char *label, int st)
{
	if (WIFEXITED(st))
		printf("%s: exited %d\n", label, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed %s%s\n", label, signame(WTERMSIG(st)), WCOREDUMP(st) ? " (core)" : "");
	else if (WIFSTOPPED(st))
		printf("%s: stopped %s\n", label, signame(WSTOPSIG(st)));
	else if (WIFCONTINUED(st))
		printf("%s: continued\n", label);
	else
		printf("%s: raw 0x%x\n", label, st);
}

/* Forks, runs fn in the child (its return value is the child's exit status), waits, returns the
 * wait status. stdout is flushed first so buffered lines are not duplicated. */
static __attribute__((unused)) int in_child(int (*fn)(void))
{
	fflush(stdout);
	fflush(stderr);
	pid_t p = fork();
	if (p < 0) {
		perror("fork");
		exit(120);
	}
	if (p == 0) {
		int r = fn();
		fflush(stdout);
		_exit(r);
	}
	int st;
	if (waitpid(p, &st, 0) != p) {
		perror("waitpid");
		exit(121);
	}
	return st;
}

static __attribute__((unused)) int done(const char *name)
{
	fflush(stdout);
	fprintf(stderr, "%s: %d checks, %d failed\n", name, dt_checks, dt_failures);
	return dt_failures > 100 ? 100 : dt_failures;
}

static __attribute__((unused)) void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror(path);
		exit(122);
	}
	close(fd);
}

#endif
