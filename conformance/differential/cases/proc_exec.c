/* proc_exec — execve: argv/envp, errors (ENOENT, EACCES, ENOEXEC, ENOTDIR), #! scripts,
 * close-on-exec, what survives exec (ignored signals, mask, pending, pid, cwd) and what does not
 * (handlers, alt stack, mappings). */
#include "dt.h"
#include <limits.h>

static void handler(int s) { (void)s; }

static int report(int argc, char **argv, char **envp)
{
	printf("argc %d:", argc);
	for (int i = 1; i < argc; i++)
		printf(" [%s]", argv[i]);
	printf("\nenv:");
	for (char **e = envp; *e; e++)
		printf(" [%s]", strncmp(*e, "OLDPID=", 7) ? *e : "OLDPID=...");
	printf("\n");
	printf("fd 5 open: %d, fd 6 open: %d\n", fcntl(5, F_GETFD) >= 0, fcntl(6, F_GETFD) >= 0);
	struct sigaction sa;
	sigaction(SIGUSR1, NULL, &sa);
	printf("SIGUSR1 handler after exec: %s\n", sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignored" : "handler");
	sigaction(SIGUSR2, NULL, &sa);
	printf("SIGUSR2 after exec: %s\n", sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignored" : "handler");
	sigset_t m, p;
	sigprocmask(SIG_BLOCK, NULL, &m);
	sigpending(&p);
	printf("SIGINT blocked: %d, SIGINT pending: %d\n", sigismember(&m, SIGINT), sigismember(&p, SIGINT));
	stack_t ss;
	sigaltstack(NULL, &ss);
	printf("altstack disabled: %d\n", !!(ss.ss_flags & SS_DISABLE));
	char cwd[PATH_MAX];
	getcwd(cwd, sizeof cwd);
	printf("cwd ends in /sub: %d\n", strlen(cwd) > 4 && strcmp(cwd + strlen(cwd) - 4, "/sub") == 0);
	printf("pid kept: %d\n", getenv("OLDPID") && atoi(getenv("OLDPID")) == getpid());
	return 7;
}

int main(int argc, char **argv, char **envp)
{
	if (argc > 1 && strncmp(argv[1], "report", 6) == 0)
		return report(argc, argv, envp);
	if (getenv("OLDPID")) { /* exec'd with an empty argv */
		printf("argc %d argv0 %s\n", argc, argc ? (argv[0][0] ? "non-empty" : "empty") : "none");
		return 8;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		return 99;
	self[n] = 0;
	char *args[] = {"x", NULL};
	char *env[] = {NULL};
	write_file("data", "just text\n");
	chmod("data", 0755);
	R("exec missing", execve("./missing", args, env));
	R("exec non-executable", (write_file("plain", "x"), execve("./plain", args, env)));
	R("exec directory", (mkdir("dir", 0755), execve("./dir", args, env)));
	R("exec through file", execve("./plain/x", args, env));
	R("exec garbage", execve("./data", args, env));
	R("exec empty file", (write_file("empty", ""), chmod("empty", 0755), execve("./empty", args, env)));
	write_file("badinterp", "#!/no/such/interp\n");
	chmod("badinterp", 0755);
	R("exec missing interpreter", execve("./badinterp", args, env));
	R("exec on noexec-free ro fs, not executable", execve("/payload/cases", args, env));
	/* #! script with an argument: interpreter gets [interp, arg, script, args...] */
	char script[PATH_MAX + 32];
	snprintf(script, sizeof script, "#!%s report one-arg\n", self);
	write_file("script", script);
	chmod("script", 0755);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		char *a[] = {"script-argv0", "A", "B C", NULL};
		char *e[] = {"K=V", "EMPTY=", NULL};
		execve("./script", a, e);
		_exit(100);
	}
	int st;
	waitpid(c, &st, 0);
	WSTATUS("script", st);
	/* direct exec with inherited state */
	fflush(stdout);
	c = fork();
	if (c == 0) {
		int fd = open("data", O_RDONLY);
		dup2(fd, 5);
		dup2(fd, 6);
		fcntl(6, F_SETFD, FD_CLOEXEC);
		signal(SIGUSR1, handler);
		signal(SIGUSR2, SIG_IGN);
		sigset_t m;
		sigemptyset(&m);
		sigaddset(&m, SIGINT);
		sigprocmask(SIG_BLOCK, &m, NULL);
		raise(SIGINT);
		static char stack[65536];
		stack_t ss = {.ss_sp = stack, .ss_size = sizeof stack};
		sigaltstack(&ss, NULL);
		mkdir("sub", 0755);
		chdir("sub");
		char pid[32];
		snprintf(pid, sizeof pid, "OLDPID=%d", getpid());
		char *a[] = {"prog", "report", "", "x y", NULL};
		char *e[] = {pid, NULL};
		execve(self, a, e);
		_exit(100);
	}
	waitpid(c, &st, 0);
	WSTATUS("direct", st);
	/* argv[0] NULL: Linux passes an empty argv */
	fflush(stdout);
	c = fork();
	if (c == 0) {
		char *a[] = {NULL};
		char *e[] = {"OLDPID=0", NULL};
		execve(self, a, e);
		_exit(100);
	}
	waitpid(c, &st, 0);
	WSTATUS("empty argv", st);
	/* E2BIG: one huge argument */
	size_t big = 200 * 1024;
	char *huge = malloc(big + 1);
	memset(huge, 'a', big);
	huge[big] = 0;
	char *ha[] = {"x", huge, NULL};
	R("exec argument longer than MAX_ARG_STRLEN", execve(self, ha, env));
	return done("proc_exec");
}
