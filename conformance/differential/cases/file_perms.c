/* file_perms — permission checks as an unprivileged user (uid/gid 1000 after setuid), umask,
 * the sticky bit, setgid directories, access(2), chown rules. */
#include "dt.h"
#include <grp.h>

static int as_user(void)
{
	/* drop to 1000:1000, no supplementary groups */
	if (setgroups(0, NULL) || setgid(1000) || setuid(1000)) {
		printf("drop: %s\n", errname(errno));
		return 1;
	}
	printf("ids: %d %d %d %d\n", getuid(), geteuid(), getgid(), getegid());
	R("read 0600 root file", open("root600", O_RDONLY));
	R("read 0644 root file", open("root644", O_RDONLY) >= 0);
	R("write 0644 root file", open("root644", O_WRONLY));
	R("access R_OK 0600", access("root600", R_OK));
	R("access F_OK 0600", access("root600", F_OK));
	R("access W_OK 0644", access("root644", W_OK));
	R("access X_OK 0755 dir", access("open", X_OK));
	R("lookup in 0700 dir", open("closed/x", O_RDONLY));
	R("stat in 0700 dir", access("closed/x", F_OK));
	R("lookup in 0711 dir", open("exec-only/x", O_RDONLY) >= 0);
	R("list 0711 dir", open("exec-only", O_RDONLY));
	R("create in 0755 root dir", open("open/new", O_CREAT | O_WRONLY, 0644));
	R("create in 1777 dir", open("sticky/mine", O_CREAT | O_WRONLY, 0644) >= 0);
	R("unlink root file in sticky dir", unlink("sticky/root"));
	R("rename root file in sticky dir", rename("sticky/root", "sticky/r2"));
	R("unlink own file in sticky dir", unlink("sticky/mine"));
	R("chmod root file", chmod("root644", 0666));
	R("chown own file to root", (open("sticky/own", O_CREAT | O_WRONLY, 0644), chown("sticky/own", 0, 0)));
	R("chown own file to same", chown("sticky/own", 1000, 1000));
	R("chgrp to other group", chown("sticky/own", -1, 0));
	R("chmod own file", chmod("sticky/own", 0600));
	R("utimes on root file (now)", utimensat(AT_FDCWD, "root666", NULL, 0));
	R("utimes on root file (explicit)", utimensat(AT_FDCWD, "root644", (struct timespec[2]){{0, 0}, {0, 0}}, 0));
	R("exec 0644 file", execl("./root644", "x", (char *)0));
	R("setuid back to 0", setuid(0));
	R("kill init", kill(1, 0));
	R("mknod", mknod("sticky/node", S_IFCHR | 0600, 0x0103));
	R("mkdir in sticky", mkdir("sticky/dir", 0777));
	struct stat st;
	stat("sticky/dir", &st);
	printf("new dir owner %u:%u mode %o\n", st.st_uid, st.st_gid, st.st_mode & 07777);
	return 0;
}

int main(void)
{
	printf("umask was %03o\n", umask(027));
	int fd = open("u", O_CREAT | O_WRONLY, 0666);
	struct stat st;
	fstat(fd, &st);
	printf("0666 & ~027: %o\n", st.st_mode & 07777);
	mkdir("ud", 0777);
	stat("ud", &st);
	printf("dir 0777 & ~027: %o\n", st.st_mode & 07777);
	R("umask returns previous", umask(0));
	R("fchmod", fchmod(fd, 07755));
	fstat(fd, &st);
	printf("mode with suid/sgid/sticky: %o\n", st.st_mode & 07777);
	close(fd);
	write_file("root600", "x");
	chmod("root600", 0600);
	write_file("root644", "x");
	chmod("root644", 0644);
	write_file("root666", "x");
	chmod("root666", 0666);
	mkdir("closed", 0700);
	write_file("closed/x", "x");
	mkdir("exec-only", 0711);
	write_file("exec-only/x", "x");
	chmod("exec-only/x", 0644);
	mkdir("open", 0755);
	mkdir("sticky", 01777);
	write_file("sticky/root", "x");
	chmod(".", 0755);
	/* setgid directory: new entries inherit the group; subdirectories the bit */
	mkdir("sg", 0755);
	chown("sg", 0, 1234);
	chmod("sg", 02775);
	write_file("sg/f", "x");
	mkdir("sg/d", 0755);
	stat("sg/f", &st);
	printf("file in setgid dir: gid %u mode %o\n", st.st_gid, st.st_mode & 07777);
	stat("sg/d", &st);
	printf("dir in setgid dir: gid %u mode %o\n", st.st_gid, st.st_mode & 07777);
	/* chown clears setuid/setgid of an executable */
	write_file("suid", "x");
	chmod("suid", 06755);
	chown("suid", 1000, 1000);
	stat("suid", &st);
	printf("after chown: %u:%u mode %o\n", st.st_uid, st.st_gid, st.st_mode & 07777);
	/* root: access ignores permissions except X_OK needs some x bit */
	R("root access W_OK on 0600", access("root600", W_OK));
	R("root access X_OK on 0644", access("root644", X_OK));
	R("root access X_OK on dir 0700", access("closed", X_OK));
	R("access bad mode", access("root644", 0x10));
	WSTATUS("unprivileged child", in_child(as_user));
	R("root unlinks in sticky", unlink("sticky/root"));
	return done("file_perms");
}
