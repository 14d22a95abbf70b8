/* proc_clone — vfork and raw clone: the parent waits for the vfork child, shared memory under
 * CLONE_VM, CLONE_FILES sharing descriptors, exit_signal choices, CLONE_PARENT_SETTID. */
#define _GNU_SOURCE
#include "dt.h"
#include <sched.h>
#include <sys/syscall.h>

static int shared_var;
static int vm_child(void *a)
{
	(void)a;
	shared_var = 99;
	return 5;
}

static int files_child(void *a)
{
	(void)a;
	close(3);
	return open("/dev/null", O_RDONLY) == 3 ? 0 : 1;
}

static char stack1[65536], stack2[65536], stack3[65536];

int main(void)
{
	int v = 1;
	fflush(stdout);
	pid_t c = vfork();
	if (c == 0) {
		v = 2; /* shares memory: the parent sees it */
		_exit(3);
	}
	int st;
	waitpid(c, &st, 0);
	printf("vfork: parent sees child's write: %d\n", v == 2);
	WSTATUS("vfork child", st);
	c = vfork();
	if (c == 0) {
		execl("/bin/sh", "sh", "-c", "exit 4", (char *)0);
		_exit(127);
	}
	waitpid(c, &st, 0);
	WSTATUS("vfork+exec", st);
	/* clone with CLONE_VM and SIGCHLD */
	c = clone(vm_child, stack1 + sizeof stack1, CLONE_VM | SIGCHLD, NULL);
	waitpid(c, &st, 0);
	printf("CLONE_VM write seen: %d\n", shared_var == 99);
	WSTATUS("CLONE_VM child", st);
	/* exit_signal 0: only __WALL/__WCLONE waits see it */
	c = clone(vm_child, stack2 + sizeof stack2, CLONE_VM, NULL);
	usleep(100000);
	R("plain waitpid on non-SIGCHLD child", waitpid(c, &st, WNOHANG));
	R("__WCLONE waitpid", waitpid(c, &st, __WCLONE) == c);
	WSTATUS("clone child", st);
	/* CLONE_FILES: the child's close/open changes our table */
	int fd = open("/dev/zero", O_RDONLY);
	printf("fd: %d\n", fd);
	c = clone(files_child, stack3 + sizeof stack3, CLONE_FILES | SIGCHLD, NULL);
	waitpid(c, &st, 0);
	WSTATUS("CLONE_FILES child", st);
	char ch = 'x';
	R("fd 3 now /dev/null (reads EOF)", read(3, &ch, 1));
	/* CLONE_PARENT_SETTID */
	pid_t ptid = 0;
	c = clone(vm_child, stack1 + sizeof stack1, CLONE_VM | CLONE_PARENT_SETTID | SIGCHLD, NULL, &ptid);
	waitpid(c, &st, 0);
	printf("parent tid written: %d\n", ptid == c);
	/* bad flag combinations */
	R("CLONE_SIGHAND without CLONE_VM", syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0));
	R("CLONE_THREAD without CLONE_SIGHAND", syscall(SYS_clone, CLONE_THREAD | CLONE_VM | SIGCHLD, 0, 0, 0, 0));
	return done("proc_clone");
}
