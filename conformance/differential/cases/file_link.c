/* file_link — link, unlink, symlink, readlink, rmdir; symlink resolution and its errors. */
#include "dt.h"

int main(void)
{
	char buf[256];
	write_file("f", "data");
	R("link", link("f", "h"));
	R("link existing", link("f", "h"));
	R("link missing", link("nope", "x"));
	mkdir("d", 0755);
	R("link dir", link("d", "d2"));
	R("unlink dir", unlink("d"));
	R("rmdir file", rmdir("f"));
	R("symlink", symlink("f", "s"));
	R("symlink existing", symlink("f", "s"));
	R("symlink dangling", symlink("missing", "dangle"));
	R("readlink", readlink("s", buf, sizeof buf));
	R("readlink short buffer", readlink("s", buf, 0));
	R("readlink truncates", readlink("dangle", buf, 3));
	printf("truncated: %.3s\n", buf);
	R("readlink not a link", readlink("f", buf, sizeof buf));
	R("open dangling", open("dangle", O_RDONLY));
	R("open dangling O_CREAT", open("dangle", O_WRONLY | O_CREAT, 0644));
	struct stat st;
	R("dangling target now exists", stat("missing", &st));
	symlink("loop1", "loop2");
	symlink("loop2", "loop1");
	R("open loop", open("loop1", O_RDONLY));
	R("stat loop", stat("loop1", &st));
	R("lstat loop", lstat("loop1", &st));
	R("open O_NOFOLLOW on link", open("s", O_RDONLY | O_NOFOLLOW));
	R("open O_NOFOLLOW|O_PATH", open("s", O_RDONLY | O_NOFOLLOW | O_PATH) >= 0);
	symlink("d", "sd");
	R("symlink to dir + slash", open("sd/", O_RDONLY | O_DIRECTORY) >= 0);
	R("unlink symlink with slash", unlink("sd/"));
	R("rmdir symlink", rmdir("sd"));
	R("unlink symlink", unlink("sd"));
	/* a chain of 40 links resolves; Linux stops at 40 nested */
	char prev[16] = "f", name[16];
	for (int i = 0; i < 41; i++) {
		snprintf(name, sizeof name, "c%d", i);
		symlink(prev, name);
		strcpy(prev, name);
	}
	R("chain of 40", open("c39", O_RDONLY) >= 0);
	R("chain of 41", open("c40", O_RDONLY));
	/* unlink keeps the open file */
	int fd = open("f", O_RDONLY);
	R("unlink f", unlink("f"));
	R("unlink h", unlink("h"));
	fstat(fd, &st);
	printf("nlink after unlinks: %lu\n", (unsigned long)st.st_nlink);
	memset(buf, 0, sizeof buf);
	R("read unlinked", read(fd, buf, sizeof buf));
	printf("data: %s\n", buf);
	R("unlink again", unlink("f"));
	R("rmdir .", rmdir("d/."));
	R("rmdir ..", rmdir("d/.."));
	mkdir("d/e", 0755);
	R("rmdir non-empty", rmdir("d"));
	R("rmdir child", rmdir("d/e"));
	R("rmdir", rmdir("d"));
	R("rmdir again", rmdir("d"));
	R("unlinkat AT_REMOVEDIR on file", unlinkat(AT_FDCWD, "s", AT_REMOVEDIR));
	R("unlinkat bad flag", unlinkat(AT_FDCWD, "s", 1));
	R("symlink empty target", symlink("", "empty"));
	R("linkat AT_SYMLINK_FOLLOW", linkat(AT_FDCWD, "c0", AT_FDCWD, "l2", AT_SYMLINK_FOLLOW));
	R("linkat link to symlink", linkat(AT_FDCWD, "dangle", AT_FDCWD, "l3", 0));
	lstat("l3", &st);
	F("l3 is a symlink", S_ISLNK(st.st_mode));
	return done("file_link");
}
