/* file_rename — rename(2)/renameat2(2) rules for files and directories. */
#include "dt.h"
#include <sys/syscall.h>

static long renameat2_(const char *a, const char *b, unsigned flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

static void show(const char *path)
{
	char buf[32] = {0};
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("  %s: %s\n", path, errname(errno));
		return;
	}
	read(fd, buf, sizeof buf - 1);
	close(fd);
	printf("  %s: %s\n", path, buf);
}

int main(void)
{
	write_file("a", "A");
	write_file("b", "B");
	R("rename file over file", rename("a", "b"));
	show("a");
	show("b");
	R("rename missing source", rename("a", "c"));
	link("b", "b2");
	R("rename hard link onto itself", rename("b", "b2"));
	show("b");
	show("b2");
	mkdir("d1", 0755);
	mkdir("d2", 0755);
	mkdir("full", 0755);
	write_file("full/x", "x");
	R("rename dir over empty dir", rename("d1", "d2"));
	R("rename dir over non-empty dir", rename("d2", "full"));
	R("rename dir over file", rename("d2", "b"));
	R("rename file over dir", rename("b", "d2"));
	R("rename dir into itself", rename("d2", "d2/sub"));
	mkdir("d2/sub", 0755);
	R("rename dir into own subdir", rename("d2", "d2/sub/x"));
	R("rename to missing dir", rename("b", "nodir/b"));
	R("rename through a file", rename("b", "b2/x"));
	R("rename dot", rename("d2/.", "d3"));
	R("rename onto dotdot", rename("d2/sub", "d2/.."));
	R("rename file with trailing slash", rename("b/", "c"));
	R("rename dir with trailing slash", rename("d2/", "d3/"));
	R("rename into dir", rename("b", "d3/b"));
	show("d3/b");
	R("noreplace onto existing", renameat2_("b2", "d3/b", 1 /* RENAME_NOREPLACE */));
	R("noreplace onto new", renameat2_("b2", "b3", 1));
	write_file("e1", "E1");
	write_file("e2", "E2");
	R("exchange", renameat2_("e1", "e2", 2 /* RENAME_EXCHANGE */));
	show("e1");
	show("e2");
	R("exchange with missing", renameat2_("e1", "nope", 2));
	R("exchange|noreplace", renameat2_("e1", "e2", 3));
	R("bad flags", renameat2_("e1", "e2", 0x100));
	R("across mounts", rename("e1", "/dev/shm/e1"));
	R("on read-only mount", rename("/payload/runcase", "/payload/x"));
	/* an open fd survives its name being renamed over */
	write_file("old", "OLD");
	write_file("new", "NEW");
	int fd = open("new", O_RDONLY);
	rename("old", "new");
	char buf[8] = {0};
	read(fd, buf, 7);
	printf("fd to replaced file reads: %s\n", buf);
	struct stat st;
	fstat(fd, &st);
	printf("replaced file nlink: %lu\n", (unsigned long)st.st_nlink);
	show("new");
	return done("file_rename");
}
