/* errno_misc — the error each syscall gives for bad fds, bad pointers, bad arguments and wrong
 * file types (EBADF, EFAULT, EINVAL, ENOTDIR, EISDIR, ESPIPE, ENOTTY, EXDEV, ENOTSOCK ...). */
#include "dt.h"
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>

static void *volatile bad_ptr = (void *)8;
#define BAD bad_ptr

int main(void)
{
	struct stat st;
	char buf[64];
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	write(fd, "x", 1);
	mkdir("d", 0755);
	int dfd = open("d", O_RDONLY);
	/* EBADF */
	R("read -1", read(-1, buf, 1));
	R("write 100", write(100, buf, 1));
	R("fstat 100", fstat(100, &st));
	R("lseek 100", lseek(100, 0, SEEK_SET));
	R("openat bad dirfd", openat(100, "x", O_RDONLY));
	R("openat bad dirfd absolute", openat(100, "/", O_RDONLY) >= 0);
	R("openat file as dirfd", openat(fd, "x", O_RDONLY));
	R("fsync 100", fsync(100));
	R("fchdir 100", fchdir(100));
	R("mmap bad fd", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 100, 0));
	/* EFAULT */
	R("open bad path", open(BAD, O_RDONLY));
	R("stat bad path", syscall(SYS_stat, BAD, &st));
	R("stat bad buf", syscall(SYS_stat, "f", BAD));
	R("fstat bad buf", syscall(SYS_fstat, fd, BAD));
	R("read bad buf", (lseek(fd, 0, SEEK_SET), read(fd, BAD, 1)));
	R("write bad buf", write(fd, BAD, 1));
	R("pipe bad array", pipe(BAD));
	R("uname bad", uname(BAD));
	R("gettimeofday bad", syscall(SYS_gettimeofday, BAD, NULL));
	R("clock_gettime bad", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD));
	R("getrlimit bad", syscall(SYS_getrlimit, RLIMIT_NOFILE, BAD));
	R("sigaction bad", syscall(SYS_rt_sigaction, SIGUSR1, BAD, NULL, 8));
	R("sigprocmask bad", syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD, NULL, 8));
	R("poll bad", poll(BAD, 1, 0));
	R("getcwd bad", syscall(SYS_getcwd, BAD, 100));
	R("readlink bad buf", (symlink("f", "s"), readlink("s", BAD, 10)));
	R("wait4 bad status", (fork() == 0 ? _exit(0), 0 : syscall(SYS_wait4, -1, BAD, 0, NULL)));
	R("wait4 reaps after EFAULT", wait(NULL));
	R("nanosleep bad", syscall(SYS_nanosleep, BAD, NULL));
	R("execve bad path", syscall(SYS_execve, BAD, NULL, NULL));
	R("chdir bad", chdir(BAD));
	/* EINVAL */
	R("sigprocmask bad how", sigprocmask(99, &(sigset_t){0}, NULL));
	R("rt_sigprocmask bad size", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, NULL, 4));
	R("open bad flags on tmpfile", open(".", O_TMPFILE | O_RDONLY));
	R("mmap zero length", (long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	R("mmap no type", (long)mmap(NULL, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0));
	R("munmap unaligned", munmap((void *)0x10001, 4096));
	R("kill bad signal", kill(getpid(), 99));
	R("clock_gettime bad clock", syscall(SYS_clock_gettime, 99, buf));
	R("setrlimit bad resource", setrlimit(99, &(struct rlimit){1, 1}));
	R("lseek dir SEEK_END", lseek(dfd, 0, SEEK_END));
	R("poll too many", poll(NULL, 1 << 20, 0));
	/* wrong kind of file */
	R("ioctl TCGETS on file", ioctl(fd, TCGETS, buf));
	R("ioctl TIOCGWINSZ on file", ioctl(fd, TIOCGWINSZ, buf));
	R("ioctl FIONREAD on file", (ioctl(fd, FIONREAD, buf)));
	R("isatty /dev/null", isatty(open("/dev/null", O_RDONLY)));
	R("getsockname on file", getsockname(fd, (void *)buf, &(socklen_t){16}));
	R("write to dir fd", write(dfd, "x", 1));
	R("fsync dir", fsync(dfd));
	R("link across mounts", link("f", "/dev/shm/f"));
	R("symlink over dir", symlink("f", "d"));
	R("mkdir over symlink", mkdir("s", 0755));
	R("read /proc dir", read(open("/proc", O_RDONLY), buf, 10));
	R("write /proc/self/stat", open("/proc/self/stat", O_WRONLY));
	R("write /dev/full", write(open("/dev/full", O_WRONLY), "x", 1));
	R("read /dev/full", read(open("/dev/full", O_RDONLY), buf, 4));
	R("read /dev/zero", read(open("/dev/zero", O_RDONLY), buf, 4));
	R("write /dev/null", write(open("/dev/null", O_WRONLY), buf, 40));
	R("read /dev/null", read(open("/dev/null", O_RDONLY), buf, 40));
	R("unknown syscall", syscall(1000));
	return done("errno_misc");
}
