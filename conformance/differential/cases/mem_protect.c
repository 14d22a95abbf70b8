/* mem_protect — mprotect: a write fault on a read-only page, a handler that makes it writable
 * and returns (the write is retried), splitting a mapping, errors. */
#include "dt.h"
#include <sys/mman.h>

static char *page;
static volatile int faults, code;
static void fix(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	faults++;
	code = si->si_code;
	if ((char *)si->si_addr == page + 10)
		mprotect(page, 4096, PROT_READ | PROT_WRITE);
	else
		_exit(99);
}

static int write_ro_text(void)
{
	/* the program's own code is not writable */
	volatile char *f = (volatile char *)(void *)write_ro_text;
	*f = 0;
	return 0;
}

static int exec_data(void)
{
	static unsigned char ret[] = {0xc3};
	((void (*)(void))(void *)ret)();
	return 0;
}

static int exec_after_mprotect(void)
{
	unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[0] = 0xb8; /* mov eax, 7 ; ret */
	p[1] = 7;
	p[2] = p[3] = p[4] = 0;
	p[5] = 0xc3;
	mprotect(p, 4096, PROT_READ | PROT_EXEC);
	return ((int (*)(void))(void *)p)();
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = fix;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	page = mmap(NULL, 4096 * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	page[10] = 'a';
	R("mprotect read-only", mprotect(page, 4096, PROT_READ));
	page[10] = 'b';
	printf("faults %d code %s value %c\n", faults, code == SEGV_ACCERR ? "SEGV_ACCERR" : "other", page[10]);
	R("mprotect unaligned", mprotect(page + 1, 4096, PROT_READ));
	R("mprotect length 0", mprotect(page, 0, PROT_READ));
	R("mprotect bad prot", mprotect(page, 4096, 0x40));
	R("mprotect unmapped", mprotect((void *)0x10000000000UL, 4096, PROT_READ));
	munmap(page + 2 * 4096, 4096);
	R("mprotect over a hole", mprotect(page, 4 * 4096, PROT_READ));
	printf("first page after partial mprotect is read-only: %d\n", ({
		int fd = open("/proc/self/maps", O_RDONLY);
		static char maps[65536];
		int n = read(fd, maps, sizeof maps - 1);
		maps[n > 0 ? n : 0] = 0;
		close(fd);
		char want[64];
		snprintf(want, sizeof want, "%lx-%lx r--p", (unsigned long)page, (unsigned long)page + 8192);
		strstr(maps, want) != NULL;
	}));
	R("mprotect PROT_NONE", mprotect(page, 4096, PROT_NONE));
	R("mprotect back", mprotect(page, 4096, PROT_READ | PROT_WRITE));
	printf("contents kept through PROT_NONE: %c\n", page[10]);
	R("PROT_GROWSDOWN on non-growsdown", mprotect(page, 4096, PROT_READ | PROT_GROWSDOWN));
	signal(SIGSEGV, SIG_DFL);
	WSTATUS("write own code", in_child(write_ro_text));
	WSTATUS("execute data", in_child(exec_data));
	WSTATUS("execute after mprotect", in_child(exec_after_mprotect));
	/* shared file mapping: PROT_WRITE needs a writable fd even via mprotect */
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	ftruncate(fd, 4096);
	close(fd);
	fd = open("f", O_RDONLY);
	char *s = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	R("mprotect shared map of O_RDONLY fd writable", mprotect(s, 4096, PROT_READ | PROT_WRITE));
	char *pv = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	R("mprotect private map of O_RDONLY fd writable", mprotect(pv, 4096, PROT_READ | PROT_WRITE));
	return done("mem_protect");
}
