/* mem_protect_range — mprotect over several VMAs: it works VMA by VMA, so a hole (ENOMEM) or a
 * mapping that may not get the protection (EACCES) stops it with the earlier VMAs changed;
 * PROT_GROWSDOWN, argument order, and pieces that agree again becoming one mapping. Each region
 * sits between PROT_NONE pages or holes so that no neighbour can merge into the lines checked. */
#include "dt.h"
#include <sys/mman.h>

#define PG 4096UL

/* Is "START-END PERMS" a line of /proc/self/maps? */
static int mapped_as(char *start, unsigned long pages, const char *perms)
{
	static char maps[1 << 16];
	int fd = open("/proc/self/maps", O_RDONLY);
	int n = read(fd, maps, sizeof maps - 1);
	close(fd);
	maps[n > 0 ? n : 0] = 0;
	char want[80];
	snprintf(want, sizeof want, "%lx-%lx %s", (unsigned long)start, (unsigned long)start + pages * PG, perms);
	return strstr(maps, want) != NULL;
}

static char *reserve(unsigned long pages)
{
	return mmap(NULL, pages * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int main(void)
{
	/* a hole past the range: the pages before it change, then ENOMEM */
	char *r = reserve(6);
	munmap(r + 5 * PG, PG);
	R("mprotect up to a hole", mprotect(r + PG, 8 * PG, PROT_READ));
	printf("pages before the hole changed: %d\n", mapped_as(r + PG, 4, "r--p"));
	R("mprotect past the top of user space", mprotect(r + PG, 1UL << 47, PROT_READ | PROT_WRITE));
	printf("pages before the top changed: %d\n", mapped_as(r + PG, 4, "rw-p"));
	R("mprotect length wraps", mprotect(r + PG, -2 * PG, PROT_READ));
	R("mprotect starting in a hole", mprotect(r + 5 * PG, PG, PROT_READ));

	/* a shared read-only file mapping after an anonymous one: EACCES after the first changed */
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	ftruncate(fd, PG);
	close(fd);
	fd = open("f", O_RDONLY);
	char *b = reserve(4);
	mmap(b + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	mmap(b + 2 * PG, PG, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	R("mprotect anonymous then read-only shared file writable", mprotect(b + PG, 2 * PG, PROT_READ | PROT_WRITE));
	printf("anonymous page changed: %d, file page unchanged: %d\n", mapped_as(b + PG, 1, "rw-p"),
	       mapped_as(b + 2 * PG, 1, "r--s"));
	R("mprotect read-only shared file executable", mprotect(b + 2 * PG, PG, PROT_READ | PROT_EXEC));

	/* pieces of one mapping that agree again are one mapping again */
	char *m = reserve(5);
	mmap(m + PG, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	m[PG] = m[2 * PG] = m[3 * PG] = 1;
	R("mprotect middle page read-only", mprotect(m + 2 * PG, PG, PROT_READ));
	printf("split in three: %d %d %d\n", mapped_as(m + PG, 1, "rw-p"), mapped_as(m + 2 * PG, 1, "r--p"),
	       mapped_as(m + 3 * PG, 1, "rw-p"));
	R("mprotect middle page back", mprotect(m + 2 * PG, PG, PROT_READ | PROT_WRITE));
	printf("one mapping again: %d\n", mapped_as(m + PG, 3, "rw-p"));
	m[2 * PG] = 2;
	printf("contents kept: %d %d %d\n", m[PG], m[2 * PG], m[3 * PG]);

	/* PROT_GROWSDOWN extends the range down to the start of a grows-down mapping */
	char *g = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	R("PROT_GROWSDOWN on a grows-down mapping", mprotect(g + PG, PG, PROT_READ | PROT_GROWSDOWN));
	printf("changed from its start: %d, rest unchanged: %d\n", mapped_as(g, 2, "r--p"), mapped_as(g + 2 * PG, 1, "rw-p"));
	R("PROT_GROWSUP", mprotect(g, PG, PROT_READ | PROT_GROWSUP));
	R("PROT_GROWSDOWN|PROT_GROWSUP", mprotect(g, PG, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP));
	R("bad prot with length 0", mprotect(g, 0, 0x40));
	R("unaligned with length 0", mprotect(g + 1, 0, PROT_READ));
	return done("mem_protect_range");
}
