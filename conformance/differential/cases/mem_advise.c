/* mem_advise — madvise: DONTNEED drops private anonymous pages (zero after), private file pages
 * (back to the file), keeps shared; advice errors; msync/mlock basics. */
#include "dt.h"
#include <sys/mman.h>

int main(void)
{
	const size_t pg = 4096;
	char *a = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(a, 'a', 4 * pg);
	R("DONTNEED private anon", madvise(a + pg, 2 * pg, MADV_DONTNEED));
	printf("after: %d %d %d %c\n", a[0], a[pg], a[2 * pg], a[3 * pg]);
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	char buf[2 * 4096];
	memset(buf, 'F', sizeof buf);
	write(fd, buf, sizeof buf);
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	p[0] = 'p';
	R("DONTNEED private file", madvise(p, pg, MADV_DONTNEED));
	printf("private file page back to file: %c\n", p[0]);
	char *s = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	s[0] = 's';
	R("DONTNEED shared file", madvise(s, pg, MADV_DONTNEED));
	printf("shared file page kept: %c\n", s[0]);
	char *sa = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	sa[0] = 'q';
	R("DONTNEED shared anon", madvise(sa, pg, MADV_DONTNEED));
	printf("shared anon kept: %c\n", sa[0]);
	R("WILLNEED", madvise(p, pg, MADV_WILLNEED));
	R("SEQUENTIAL", madvise(p, pg, MADV_SEQUENTIAL));
	R("RANDOM", madvise(p, pg, MADV_RANDOM));
	R("NORMAL", madvise(p, pg, MADV_NORMAL));
	R("unaligned", madvise(p + 1, pg, MADV_NORMAL));
	R("unknown advice", madvise(p, pg, 12345));
	R("unmapped", madvise((void *)0x10000000000UL, pg, MADV_NORMAL));
	R("length 0", madvise(p, 0, MADV_DONTNEED));
	R("FREE on file mapping", madvise(p, pg, MADV_FREE));
	R("FREE on anon", madvise(a, pg, MADV_FREE));
	R("mlock", mlock(a, pg));
	R("munlock", munlock(a, pg));
	R("mlock unmapped", mlock((void *)0x10000000000UL, pg));
	R("mlockall bad flags", mlockall(0));
	R("msync anon", msync(a, pg, MS_SYNC));
	R("msync MS_INVALIDATE", msync(s, pg, MS_INVALIDATE));
	return done("mem_advise");
}
