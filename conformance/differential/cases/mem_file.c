/* mem_file — file mappings: MAP_PRIVATE copies, MAP_SHARED writes reach the file and read/write
 * reach the mapping, offsets, EOF and SIGBUS, truncation under a mapping, access-mode rules. */
#include "dt.h"
#include <setjmp.h>
#include <sys/mman.h>

static sigjmp_buf env;
static volatile int got;
static void on_sig(int s) { got = s; siglongjmp(env, 1); }

static const char *probe(volatile char *p)
{
	got = 0;
	if (sigsetjmp(env, 1) == 0) {
		(void)*p;
		return "ok";
	}
	return signame(got);
}

int main(void)
{
	signal(SIGSEGV, on_sig);
	signal(SIGBUS, on_sig);
	const size_t pg = 4096;
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	char buf[3 * 4096];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = 'A' + (char)(i / pg);
	write(fd, buf, 2 * pg + 100);
	char *priv = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *shr = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("mapped: %d %d\n", priv != MAP_FAILED, shr != MAP_FAILED);
	printf("contents: %c %c %c\n", priv[0], priv[pg], priv[2 * pg]);
	printf("tail of last page zero: %d\n", priv[2 * pg + 100] == 0 && priv[3 * pg - 1] == 0);
	priv[0] = 'p';
	char c;
	pread(fd, &c, 1, 0);
	printf("private write visible in file: %d, in shared map: %d\n", c == 'p', shr[0] == 'p');
	shr[1] = 's';
	pread(fd, &c, 1, 1);
	printf("shared write visible in file: %d\n", c == 's');
	printf("shared write visible in untouched private page: %d\n", priv[1] == 's');
	pwrite(fd, "w", 1, pg);
	printf("write() visible in shared map: %d, in private map: %d\n", shr[pg] == 'w', priv[pg] == 'w');
	R("msync", msync(shr, pg, MS_SYNC));
	R("msync unaligned", msync(shr + 1, pg, MS_SYNC));
	R("msync bad flags", msync(shr, pg, MS_SYNC | MS_ASYNC));
	/* offset mapping */
	char *off = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, pg);
	printf("offset map: %c\n", off[0]);
	void *r = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 100);
	printf("unaligned offset: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
	/* beyond EOF: SIGBUS on whole pages past the end */
	char *big = mmap(NULL, 8 * pg, PROT_READ, MAP_SHARED, fd, 0);
	printf("page 2 (partial): %s, page 3: %s, page 7: %s\n", probe(big + 2 * pg), probe(big + 3 * pg), probe(big + 7 * pg));
	/* truncation under a mapping */
	ftruncate(fd, pg);
	printf("after shrink: page 0 %s, page 1 %s\n", probe(shr), probe(shr + pg));
	printf("private page already copied: %s\n", probe(priv));
	ftruncate(fd, 3 * pg);
	printf("after regrow: page 1 %s, zero %d\n", probe(shr + pg), shr[pg] == 0);
	/* access-mode rules */
	int ro = open("f", O_RDONLY);
	r = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
	printf("shared writable on O_RDONLY: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
	r = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	printf("private writable on O_RDONLY: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
	int wo = open("f", O_WRONLY);
	r = mmap(NULL, pg, PROT_READ, MAP_SHARED, wo, 0);
	printf("read map on O_WRONLY: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
	r = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, ro, 0);
	char *keep = r;
	close(ro);
	printf("mapping survives close: %c\n", keep[0]);
	unlink("f");
	printf("mapping survives unlink: %c\n", keep[0]);
	mkdir("d", 0755);
	int dfd = open("d", O_RDONLY);
	r = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, dfd, 0);
	printf("map a directory: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
	int p[2];
	pipe(p);
	r = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, p[0], 0);
	printf("map a pipe: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
	int z = open("/dev/zero", O_RDWR);
	char *zp = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, z, 0);
	printf("map /dev/zero shared: %s\n", zp == MAP_FAILED ? errname(errno) : "mapped");
	if (zp != MAP_FAILED) {
		zp[0] = 5;
		fflush(stdout);
		if (fork() == 0) {
			zp[0] = 6;
			_exit(0);
		}
		wait(NULL);
		printf("/dev/zero shared across fork: %d\n", zp[0]);
	}
	/* a read-only file from the payload mapped executable */
	int ex = open("/payload/runcase", O_RDONLY);
	char *x = mmap(NULL, pg, PROT_READ | PROT_EXEC, MAP_PRIVATE, ex, 0);
	printf("payload script: %.9s\n", x == MAP_FAILED ? errname(errno) : x);
	return done("mem_file");
}
