/* mem_remap — mremap: growing in place or moving with contents, shrinking, MREMAP_FIXED,
 * failures; brk: growth, zero fill, shrink and regrow. */
#include "dt.h"
#include <sys/mman.h>
#include <sys/syscall.h>

int main(void)
{
	const size_t pg = 4096;
	char *a = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (size_t i = 0; i < 4 * pg; i++)
		a[i] = (char)(i % 251);
	/* block growth in place with a neighbour */
	munmap(a + 2 * pg, 2 * pg);
	char *wall = mmap(a + 2 * pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("wall placed: %d\n", wall == a + 2 * pg);
	void *r = mremap(a, 2 * pg, 8 * pg, 0);
	printf("grow blocked without MAYMOVE: %s\n", r == MAP_FAILED ? errname(errno) : "ok");
	char *b = mremap(a, 2 * pg, 8 * pg, MREMAP_MAYMOVE);
	printf("moved: %d\n", b != MAP_FAILED && b != a);
	int same = 1;
	for (size_t i = 0; i < 2 * pg; i++)
		same &= b[i] == (char)(i % 251);
	printf("contents moved: %d, new part zero: %d\n", same, b[5 * pg] == 0);
	printf("old address unmapped: %d\n", msync(a, pg, MS_ASYNC) == -1 && errno == ENOMEM);
	char *c = mremap(b, 8 * pg, 2 * pg, 0);
	printf("shrink in place: %d\n", c == b);
	printf("tail unmapped: %d\n", msync(b + 4 * pg, pg, MS_ASYNC) == -1 && errno == ENOMEM);
	char *d = mremap(c, 2 * pg, 3 * pg, 0);
	printf("regrow in place: %d\n", d == c);
	char *target = mmap(NULL, 4 * pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *e = mremap(d, 3 * pg, 3 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	printf("MREMAP_FIXED: %d, contents %d\n", e == target, e[1] == 1);
	r = mremap(e, pg, pg, MREMAP_FIXED, target + 8 * pg);
	printf("FIXED without MAYMOVE: %s\n", r == MAP_FAILED ? errname(errno) : "ok");
	r = mremap(e + 1, pg, pg, 0);
	printf("unaligned: %s\n", r == MAP_FAILED ? errname(errno) : "ok");
	r = mremap(e, pg, 0, MREMAP_MAYMOVE);
	printf("new size 0: %s\n", r == MAP_FAILED ? errname(errno) : "ok");
	r = mremap((void *)0x10000000000UL, pg, 2 * pg, MREMAP_MAYMOVE);
	printf("unmapped source: %s\n", r == MAP_FAILED ? errname(errno) : "ok");
	r = mremap(e, pg, 2 * pg, 0x80);
	printf("bad flags: %s\n", r == MAP_FAILED ? errname(errno) : "ok");
	r = mremap(e, 3 * pg, 3 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, e + pg);
	printf("overlapping FIXED: %s\n", r == MAP_FAILED ? errname(errno) : "ok");
	/* a shared mapping keeps sharing after a move */
	int *s = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(100000);
		s[0] = 77;
		_exit(0);
	}
	int *s2 = mremap(s, pg, 4 * pg, MREMAP_MAYMOVE);
	waitpid(pid, NULL, 0);
	printf("shared after mremap sees child: %d\n", s2[0]);

	/* brk */
	char *cur = (char *)syscall(SYS_brk, 0);
	char *up = (char *)syscall(SYS_brk, cur + 3 * pg + 5);
	printf("brk grew to request: %d\n", up == cur + 3 * pg + 5);
	int zero = 1;
	for (char *q = cur; q < up; q++)
		zero &= *q == 0;
	printf("new brk memory zero: %d\n", zero);
	memset(cur, 'x', 3 * pg);
	char *down = (char *)syscall(SYS_brk, cur + pg);
	printf("shrank: %d\n", down == cur + pg);
	syscall(SYS_brk, cur + 3 * pg);
	printf("regrown page zero: %d, kept page: %c\n", cur[2 * pg] == 0, cur[0]);
	char *low = (char *)syscall(SYS_brk, cur - (64 << 20));
	printf("brk far below start refused: %d\n", low == cur + 3 * pg);
	char *huge = (char *)syscall(SYS_brk, cur + ((size_t)1 << 46));
	printf("brk 64 TiB refused: %d\n", huge == cur + 3 * pg);
	void *sb = sbrk(0);
	printf("sbrk(0) is current break: %d\n", sb == cur + 3 * pg);
	return done("mem_remap");
}
