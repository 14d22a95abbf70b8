/* file_dirs — directories: getdents entries, ., .., getcwd, fchdir, a removed cwd. */
// normalise: readdir-order inodes
#include "dt.h"
#include <dirent.h>
#include <limits.h>
#include <sys/syscall.h>

static void list(const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		printf("opendir %s: %s\n", path, errname(errno));
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)))
		printf("dirent: %s %s\n", e->d_name, e->d_type == DT_DIR ? "dir" : e->d_type == DT_REG ? "reg" :
		       e->d_type == DT_LNK ? "lnk" : e->d_type == DT_FIFO ? "fifo" : "other");
	closedir(d);
	printf("end of %s\n", path);
}

int main(void)
{
	char cwd[PATH_MAX], buf[PATH_MAX];
	R("mkdir", mkdir("top", 0755));
	R("mkdir existing", mkdir("top", 0755));
	R("mkdir missing parent", mkdir("no/such", 0755));
	R("mkdir under file", (write_file("file", "x"), mkdir("file/sub", 0755)));
	R("mkdir trailing slash", mkdir("top2/", 0755));
	for (int i = 0; i < 20; i++) {
		snprintf(buf, sizeof buf, "top/f%02d", i);
		write_file(buf, "x");
	}
	mkdir("top/sub", 0755);
	symlink("f00", "top/link");
	mkfifo("top/fifo", 0644);
	list("top");
	list("top/sub");
	list("file");
	/* deleting entries during a scan: the survivors are still all seen */
	DIR *d = opendir("top");
	int seen = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		seen++;
		if (seen == 3)
			for (int i = 10; i < 20; i++) {
				snprintf(buf, sizeof buf, "top/f%02d", i);
				unlink(buf);
			}
	}
	closedir(d);
	list("top");
	/* getdents64 on a file and with a tiny buffer */
	int fd = open("file", O_RDONLY);
	R("getdents64 on file", syscall(SYS_getdents64, fd, buf, sizeof buf));
	close(fd);
	fd = open("top", O_RDONLY | O_DIRECTORY);
	R("getdents64 buffer too small", syscall(SYS_getdents64, fd, buf, 8));
	R("read on dir", read(fd, buf, sizeof buf));
	close(fd);
	/* getcwd, chdir, fchdir */
	getcwd(cwd, sizeof cwd);
	R("chdir", chdir("top/sub"));
	getcwd(buf, sizeof buf);
	F("getcwd follows", strlen(buf) == strlen(cwd) + 8 && strcmp(buf + strlen(cwd), "/top/sub") == 0);
	R("chdir ..", chdir(".."));
	getcwd(buf, sizeof buf);
	F("back in top", strcmp(buf + strlen(cwd), "/top") == 0);
	R("chdir file", chdir("f00"));
	R("chdir missing", chdir("zzz"));
	fd = open("sub", O_RDONLY);
	R("fchdir", fchdir(fd));
	getcwd(buf, sizeof buf);
	F("fchdir moved", strcmp(buf + strlen(cwd), "/top/sub") == 0);
	R("fchdir on file", fchdir(0));
	R("getcwd size 1", syscall(SYS_getcwd, buf, 1));
	R("rmdir cwd from inside", rmdir("../sub"));
	R("getcwd of removed dir", getcwd(buf, sizeof buf) ? 0 : -1);
	R("create in removed cwd", open("x", O_CREAT | O_WRONLY, 0644));
	R("stat . in removed cwd", (long)({ struct stat st; stat(".", &st) ? -1 : (long)st.st_nlink; }));
	R("chdir .. from removed", chdir(".."));
	getcwd(buf, sizeof buf);
	F("back in top again", strcmp(buf + strlen(cwd), "/top") == 0);
	struct stat a, b;
	stat(".", &a);
	stat("..", &b);
	printf("top ino=%lu parent ino=%lu\n", (unsigned long)a.st_ino, (unsigned long)b.st_ino);
	stat("/", &a);
	stat("/..", &b);
	F("/.. is /", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	return done("file_dirs");
}
