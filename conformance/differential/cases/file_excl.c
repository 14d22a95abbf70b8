/* file_excl — open(2) flag rules: O_CREAT|O_EXCL, O_TRUNC, O_DIRECTORY, directories, trailing
 * slashes, O_PATH, O_TMPFILE, name length. */
#include "dt.h"
#include <limits.h>

int main(void)
{
	char name[300];
	R("O_EXCL new", open("f", O_CREAT | O_EXCL | O_WRONLY, 0600) >= 0);
	R("O_EXCL existing", open("f", O_CREAT | O_EXCL | O_WRONLY, 0600));
	symlink("missing", "dangle");
	R("O_EXCL on dangling symlink", open("dangle", O_CREAT | O_EXCL | O_WRONLY, 0600));
	R("O_CREAT through dangling symlink", open("dangle", O_CREAT | O_WRONLY, 0600) >= 0);
	struct stat st;
	R("target created", stat("missing", &st));
	mkdir("d", 0755);
	R("O_CREAT on dir", open("d", O_CREAT | O_WRONLY, 0600));
	R("O_CREAT|O_RDONLY on dir", open("d", O_CREAT | O_RDONLY, 0600));
	R("O_WRONLY on dir", open("d", O_WRONLY));
	R("O_RDWR on dir", open("d", O_RDWR));
	R("O_RDONLY on dir", open("d", O_RDONLY) >= 0);
	R("O_DIRECTORY on file", open("f", O_RDONLY | O_DIRECTORY));
	R("O_DIRECTORY|O_CREAT", open("new", O_RDONLY | O_DIRECTORY | O_CREAT, 0600));
	R("file with trailing slash", open("f/", O_RDONLY));
	R("create with trailing slash", open("g/", O_CREAT | O_WRONLY, 0600));
	R("path through file", open("f/x", O_RDONLY));
	R("missing component", open("nope/x", O_RDONLY));
	R("empty path", open("", O_RDONLY));
	memset(name, 'n', 255);
	name[255] = 0;
	R("name of 255", open(name, O_CREAT | O_WRONLY, 0600) >= 0);
	name[255] = 'n';
	name[256] = 0;
	R("name of 256", open(name, O_CREAT | O_WRONLY, 0600));
	static char longpath[PATH_MAX + 10];
	for (int i = 0; i < PATH_MAX + 5; i += 2)
		longpath[i] = '.', longpath[i + 1] = '/';
	longpath[PATH_MAX + 5] = 0;
	R("path longer than PATH_MAX", open(longpath, O_RDONLY));
	/* O_TRUNC */
	write_file("t", "0123456789");
	int fd = open("t", O_RDONLY | O_TRUNC);
	fstat(fd, &st);
	printf("O_RDONLY|O_TRUNC size: %lld\n", (long long)st.st_size);
	close(fd);
	/* O_PATH: fstat works, read does not */
	write_file("t", "0123456789");
	fd = open("t", O_PATH);
	R("fstat O_PATH", fstat(fd, &st));
	R("read O_PATH", read(fd, name, 1));
	R("fchmod O_PATH", fchmod(fd, 0600));
	close(fd);
	/* O_TMPFILE on tmpfs */
	fd = open(".", O_TMPFILE | O_RDWR, 0600);
	if (fd >= 0) {
		R("tmpfile write", write(fd, "tmp", 3));
		fstat(fd, &st);
		printf("tmpfile nlink: %lu\n", (unsigned long)st.st_nlink);
	} else {
		printf("O_TMPFILE: %s\n", errname(errno));
	}
	R("O_TMPFILE without write", open(".", O_TMPFILE | O_RDONLY, 0600));
	/* access modes and flags reported back */
	fd = open("t", O_RDWR | O_APPEND | O_NONBLOCK | O_CLOEXEC);
	int fl = fcntl(fd, F_GETFL);
	printf("F_GETFL: accmode %d append %d nonblock %d\n", fl & O_ACCMODE, !!(fl & O_APPEND), !!(fl & O_NONBLOCK));
	printf("F_GETFD: %d\n", fcntl(fd, F_GETFD));
	R("open 3 as accmode", open("t", 3));
	R("open on read-only fs for write", open("/payload/runcase", O_WRONLY));
	R("create on read-only fs", open("/payload/new", O_CREAT | O_WRONLY, 0600));
	R("open read-only fs for read", open("/payload/runcase", O_RDONLY) >= 0);
	R("creat mode kept", (creat("m", 04777) >= 0 && stat("m", &st) == 0) ? (long)(st.st_mode & 07777) : -1);
	return done("file_excl");
}
