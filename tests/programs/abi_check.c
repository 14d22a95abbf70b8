/*
 * abi_check — acceptance test for the kernel's first milestone: process
 * start-up state and a handful of syscalls, checked through real syscalls.
 *
 * Run it as init (there is no fork yet: init's shell execs it), with
 * ABI_TEST=1 on the kernel command line and exactly these arguments:
 *   scripts/run -- /test/abi_check alpha "beta gamma"
 * It prints one line per check, "ok NAME" or "FAIL NAME: detail", then
 *   abi_check: N checks, M failed
 * and finally writes to a read-only page, which must kill it with SIGSEGV
 * (wait status 139 as seen by the harness). On Linux every check passes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#define ARCH_GET_FS 0x1003 /* <asm/prctl.h>, which musl does not ship */
#define PAGE 4096UL

static const char *const expected_args[] = {"alpha", "beta gamma"};
#define EXPECTED_ARGC (1 + (int)(sizeof expected_args / sizeof expected_args[0]))

/* Provided by the linker: the ELF header of this very program, as mapped. */
extern const Elf64_Ehdr __ehdr_start;
extern void _start(void);

static int checks, failures;

/* check(NAME, COND, FMT, ...): FMT explains a failure; it is ignored on success. */
__attribute__((format(printf, 3, 4)))
static int check(const char *name, int cond, const char *fmt, ...)
{
	checks++;
	if (cond) {
		printf("ok %s\n", name);
		return 1;
	}
	failures++;
	printf("FAIL %s: ", name);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return 0;
}

static int all_bytes(const void *p, size_t n, unsigned char v)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != v)
			return 0;
	return 1;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* ---- argv / envp ---------------------------------------------------------- */

static void check_args(int argc, char **argv)
{
	int same = argc == EXPECTED_ARGC && argv[argc] == NULL;
	for (int i = 1; same && i < argc; i++)
		same = strcmp(argv[i], expected_args[i - 1]) == 0;
	char got[256] = "";
	size_t used = 0;
	for (int i = 0; !same && i < argc && used < sizeof got; i++)
		used += snprintf(got + used, sizeof got - used, " \"%s\"", argv[i]);
	check("argv", same, "expected argc %d [\"%s\", \"%s\"], got argc %d:%s", EXPECTED_ARGC,
	      expected_args[0], expected_args[1], argc, got);
}

static int has_env(char **envp, const char *entry)
{
	for (char **e = envp; *e; e++)
		if (strcmp(*e, entry) == 0)
			return 1;
	return 0;
}

static void check_env(char **envp)
{
	/* Linux's init gets HOME=/ TERM=linux; unknown name=value words of the
	 * kernel command line are appended (the harness passes ABI_TEST=1). */
	static const char *const want[] = {"HOME=/", "TERM=linux", "ABI_TEST=1"};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		char name[32];
		snprintf(name, sizeof name, "envp-%.*s", (int)strcspn(want[i], "="), want[i]);
		check(name, has_env(envp, want[i]), "%s missing from envp", want[i]);
	}
}

/* ---- auxv ----------------------------------------------------------------- */

#define AUXV_MAX 128
static const unsigned long *auxv;

/* Looks TYPE up in the raw vector the kernel built (getauxval cannot tell an
 * absent AT_SECURE from a zero one). */
static int aux(unsigned long type, unsigned long *val)
{
	for (int i = 0; i < AUXV_MAX && auxv[2 * i] != AT_NULL; i++) {
		if (auxv[2 * i] == type) {
			*val = auxv[2 * i + 1];
			return 1;
		}
	}
	return 0;
}

static void check_aux_eq(const char *name, unsigned long type, unsigned long want)
{
	unsigned long v = 0;
	int present = aux(type, &v);
	if (present)
		check(name, v == want, "got %#lx, want %#lx", v, want);
	else
		check(name, 0, "missing (want %#lx)", want);
}

static void check_auxv(char **envp, const char *argv0)
{
	char **e = envp;
	while (*e)
		e++;
	auxv = (const unsigned long *)(e + 1);

	int n = 0, dup = 0;
	while (n < AUXV_MAX && auxv[2 * n] != AT_NULL) {
		for (int j = 0; j < n; j++)
			dup |= auxv[2 * j] == auxv[2 * n];
		n++;
	}
	if (!check("auxv-terminated", n < AUXV_MAX, "no AT_NULL in the first %d entries", AUXV_MAX))
		return;
	check("auxv-unique", !dup, "some type appears twice");

	unsigned long v = 0;
	check_aux_eq("auxv-pagesz", AT_PAGESZ, 4096);
	check("getauxval-pagesz", getauxval(AT_PAGESZ) == 4096, "libc sees %lu", getauxval(AT_PAGESZ));

	/* Program headers: compare with the headers of the image we run from. */
	const Elf64_Ehdr *eh = &__ehdr_start;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)eh + eh->e_phoff);
	unsigned long bias = 0;
	int have_bias = 0;
	unsigned long phdr_vaddr = 0;
	int have_pt_phdr = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0 && !have_bias) {
			bias = (unsigned long)eh - ph[i].p_vaddr;
			have_bias = 1;
		}
		if (ph[i].p_type == PT_PHDR) {
			phdr_vaddr = ph[i].p_vaddr;
			have_pt_phdr = 1;
		}
	}
	unsigned long want_phdr = have_pt_phdr ? bias + phdr_vaddr : (unsigned long)ph;
	check("elf-type", (eh->e_type == ET_EXEC && bias == 0) ||
	      (eh->e_type == ET_DYN && bias != 0 && bias % PAGE == 0),
	      "e_type %u, load bias %#lx", eh->e_type, bias);
	check_aux_eq("auxv-phdr", AT_PHDR, want_phdr);
	check_aux_eq("auxv-phent", AT_PHENT, sizeof(Elf64_Phdr));
	check_aux_eq("auxv-phnum", AT_PHNUM, eh->e_phnum);
	check_aux_eq("auxv-entry", AT_ENTRY, (unsigned long)&_start);
	check("auxv-entry-header", (unsigned long)&_start == bias + eh->e_entry,
	      "_start %p, e_entry + bias %#lx", (void *)&_start, bias + eh->e_entry);
	check_aux_eq("auxv-base", AT_BASE, 0); /* no interpreter */

	if (aux(AT_RANDOM, &v) && v) {
		const unsigned char *r = (const unsigned char *)v;
		check("auxv-random", !all_bytes(r, 16, 0), "16 bytes at %#lx are all zero", v);
	} else {
		check("auxv-random", 0, "missing or NULL");
	}

	if (aux(AT_EXECFN, &v) && v) {
		const char *fn = (const char *)v;
		/* The path given to execve: argv[0] when that is a path, as from a shell. */
		int same = strchr(argv0, '/') ? strcmp(fn, argv0) == 0
			: strcmp(base_name(fn), argv0) == 0;
		check("auxv-execfn", same, "\"%s\" for argv[0] \"%s\"", fn, argv0);
	} else {
		check("auxv-execfn", 0, "missing or NULL");
	}

	if (aux(AT_PLATFORM, &v) && v)
		check("auxv-platform", strcmp((const char *)v, "x86_64") == 0, "\"%s\"", (const char *)v);
	else
		check("auxv-platform", 0, "missing or NULL");

	check_aux_eq("auxv-uid", AT_UID, 0);
	check_aux_eq("auxv-euid", AT_EUID, 0);
	check_aux_eq("auxv-gid", AT_GID, 0);
	check_aux_eq("auxv-egid", AT_EGID, 0);
	check_aux_eq("auxv-secure", AT_SECURE, 0);
	check_aux_eq("auxv-clktck", AT_CLKTCK, 100);
	check_aux_eq("auxv-flags", AT_FLAGS, 0);
	check("auxv-hwcap", aux(AT_HWCAP, &v) && v != 0, "missing or zero");
	int present = aux(AT_MINSIGSTKSZ, &v);
	check("auxv-minsigstksz", present && v >= 1024,
	      present ? "%lu is below 1024" : "missing", v);
}

/* ---- TLS ------------------------------------------------------------------ */

static __thread int tls_data = 0x1234; /* .tdata: copied from the image */
static __thread long tls_bss;           /* .tbss: must start zeroed */

static void check_tls(void)
{
	volatile int *data = &tls_data;
	volatile long *bss = &tls_bss;
	check("tls-init", *data == 0x1234 && *bss == 0, "tdata %#x, tbss %ld", *data, *bss);
	*data += 1;
	*bss = -7;
	check("tls-write", tls_data == 0x1235 && tls_bss == -7, "read back %#x, %ld", tls_data, tls_bss);

	unsigned long fs = 0, self;
	long r = syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
	/* x86-64 TLS ABI: the word at %fs:0 is the thread pointer itself. */
	__asm__ volatile("mov %%fs:0, %0" : "=r"(self));
	check("arch_prctl-get-fs", r == 0 && fs == self && fs != 0,
	      "returned %ld, fs base %#lx, %%fs:0 %#lx", r, fs, self);
	/* Variant II: the static TLS block lies just below the thread pointer. */
	unsigned long addr = (unsigned long)&tls_data;
	check("tls-below-tp", addr < fs && fs - addr < PAGE, "&tls_data %#lx, tp %#lx", addr, fs);
}

/* ---- memory --------------------------------------------------------------- */

static void check_brk(void)
{
	const unsigned long size = 1UL << 20;
	unsigned long cur = syscall(SYS_brk, 0);
	check("brk-query", cur != 0 && cur % PAGE == 0, "brk(0) = %#lx", cur);

	unsigned long r = syscall(SYS_brk, cur + size);
	if (!check("brk-grow", r == cur + size, "brk(%#lx) = %#lx", cur + size, r))
		return;
	unsigned char *heap = (unsigned char *)cur;
	memset(heap, 0xa5, size);
	check("brk-write", all_bytes(heap, size, 0xa5), "pattern not read back");

	r = syscall(SYS_brk, cur);
	check("brk-shrink", r == cur, "brk(%#lx) = %#lx", cur, r);
	r = syscall(SYS_brk, cur + size);
	check("brk-regrow-zeroed", r == cur + size && all_bytes(heap, size, 0),
	      "brk = %#lx, memory %s", r, r == cur + size ? "not zeroed" : "unmapped");
	/* Below the start of the heap Linux refuses and reports the current break. */
	r = syscall(SYS_brk, 1);
	check("brk-below-start", r == cur + size, "brk(1) = %#lx, want %#lx", r, cur + size);
	syscall(SYS_brk, cur);
}

static void check_mmap(void)
{
	const size_t len = 64UL << 20;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!check("mmap-64m", p != MAP_FAILED && (uintptr_t)p % PAGE == 0, "%p errno %d", (void *)p, errno))
		return;
	int zero = 1, same = 1;
	for (size_t off = 0; off < len; off += PAGE) {
		uint64_t *w = (uint64_t *)(p + off);
		zero &= w[0] == 0 && w[PAGE / 8 - 1] == 0;
		w[0] = off ^ 0x5a5a5a5a5a5a5a5aULL;
		w[PAGE / 8 - 1] = ~off;
	}
	for (size_t off = 0; off < len; off += PAGE) {
		uint64_t *w = (uint64_t *)(p + off);
		same &= w[0] == (off ^ 0x5a5a5a5a5a5a5a5aULL) && w[PAGE / 8 - 1] == ~off;
	}
	check("mmap-zeroed", zero, "fresh anonymous pages not zero");
	check("mmap-touch-all", same, "pattern not read back");
	errno = 0;
	int r = munmap(p + 1, PAGE);
	check("munmap-unaligned", r == -1 && errno == EINVAL, "returned %d errno %d", r, errno);
	r = munmap(p, len);
	check("munmap", r == 0, "errno %d", errno);
	errno = 0;
	void *q = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("mmap-zero-length", q == MAP_FAILED && errno == EINVAL, "%p errno %d", q, errno);
}

/* ---- syscalls ------------------------------------------------------------- */

static void check_enosys(void)
{
	/* 1000: past the table; 400: in the unassigned 337..423 gap (335 and 336
	 * are uretprobe/uprobe since 6.11/6.16 and raise SIGILL when called
	 * directly); 184: tuxcall, never implemented. */
	static const long nrs[] = {1000, 400, 184};
	for (size_t i = 0; i < sizeof nrs / sizeof nrs[0]; i++) {
		char name[32];
		snprintf(name, sizeof name, "enosys-%ld", nrs[i]);
		errno = 0;
		long r = syscall(nrs[i]);
		check(name, r == -1 && errno == ENOSYS, "returned %ld errno %d", r, errno);
	}
}

static void check_getrandom(void)
{
	unsigned char a[32], b[32];
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	ssize_t ra = getrandom(a, sizeof a, 0), rb = getrandom(b, sizeof b, 0);
	check("getrandom", ra == 32 && rb == 32 && memcmp(a, b, 32) != 0 && !all_bytes(a, 32, 0),
	      "returned %zd, %zd (or equal / zero output)", ra, rb);
	ssize_t r = getrandom(a, sizeof a, GRND_NONBLOCK);
	check("getrandom-nonblock", r == 32, "returned %zd errno %d", r, errno);
	errno = 0;
	r = syscall(SYS_getrandom, a, sizeof a, 0x100);
	check("getrandom-bad-flag", r == -1 && errno == EINVAL, "returned %zd errno %d", r, errno);
	errno = 0;
	r = getrandom(a, sizeof a, GRND_RANDOM | GRND_INSECURE);
	check("getrandom-random-insecure", r == -1 && errno == EINVAL, "returned %zd errno %d", r, errno);
}

static void check_uname(void)
{
	struct utsname u;
	memset(&u, 0, sizeof u);
	int r = uname(&u);
	check("uname", r == 0 && strcmp(u.sysname, "Linux") == 0 && strcmp(u.machine, "x86_64") == 0
	      && u.release[0] != '\0',
	      "returned %d: sysname \"%s\" machine \"%s\" release \"%s\"", r, u.sysname, u.machine,
	      u.release);
}

static void check_chardev(const char *name, int fd, unsigned maj, unsigned min)
{
	struct stat st;
	memset(&st, 0, sizeof st);
	int r = fstat(fd, &st);
	check(name, r == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == maj && minor(st.st_rdev) == min,
	      "returned %d, mode %#o, rdev %u:%u", r, (unsigned)st.st_mode,
	      major(st.st_rdev), minor(st.st_rdev));
}

static void check_devices(void)
{
	errno = 0;
	ssize_t w = write(1, (void *)1, 10);
	check("write-efault", w == -1 && errno == EFAULT, "returned %zd errno %d", w, errno);

	int z = open("/dev/zero", O_RDONLY);
	if (check("open-dev-zero", z >= 0, "errno %d", errno)) {
		static unsigned char buf[8192];
		memset(buf, 0xff, sizeof buf);
		ssize_t r = read(z, buf, sizeof buf);
		check("read-dev-zero", r == sizeof buf && all_bytes(buf, sizeof buf, 0),
		      "returned %zd", r);
		errno = 0;
		r = read(z, (void *)1, 10);
		check("read-efault", r == -1 && errno == EFAULT, "returned %zd errno %d", r, errno);
		check_chardev("fstat-dev-zero", z, 1, 5);
		close(z);
	}

	int n = open("/dev/null", O_RDWR);
	if (check("open-dev-null", n >= 0, "errno %d", errno)) {
		char buf[100];
		memset(buf, 'x', sizeof buf);
		ssize_t r = read(n, buf, sizeof buf);
		check("read-dev-null-eof", r == 0, "returned %zd", r);
		r = write(n, buf, sizeof buf);
		check("write-dev-null", r == sizeof buf, "returned %zd", r);
		check_chardev("fstat-dev-null", n, 1, 3);
		close(n);
	}

	errno = 0;
	int e = open("/nonexistent/file", O_RDONLY);
	check("open-enoent", e == -1 && errno == ENOENT, "returned %d errno %d", e, errno);
}

static void check_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (!check("open-self", fd >= 0, "open(\"%s\") errno %d", path, errno))
		return;
	struct stat st;
	memset(&st, 0, sizeof st);
	int r = fstat(fd, &st);
	check("fstat-self", r == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0755 &&
	      st.st_size > (off_t)sizeof(Elf64_Ehdr) && st.st_nlink == 1 && st.st_uid == 0 &&
	      st.st_gid == 0,
	      "returned %d: mode %#o size %lld nlink %lu uid %u gid %u", r, (unsigned)st.st_mode,
	      (long long)st.st_size, (unsigned long)st.st_nlink, st.st_uid, st.st_gid);

	static unsigned char buf[16384];
	unsigned char head[sizeof(Elf64_Ehdr)];
	long long total = 0;
	ssize_t got;
	while ((got = read(fd, buf, sizeof buf)) > 0) {
		if (total == 0 && got >= (ssize_t)sizeof head)
			memcpy(head, buf, sizeof head);
		total += got;
	}
	check("read-self", got == 0 && total == (long long)st.st_size &&
	      memcmp(head, &__ehdr_start, sizeof head) == 0,
	      "read %lld bytes (last %zd), st_size %lld, or ELF header differs from memory",
	      total, got, (long long)st.st_size);
	off_t end = lseek(fd, 0, SEEK_END);
	check("lseek-end", end == st.st_size, "returned %lld", (long long)end);
	close(fd);

	errno = 0;
	fd = open(path, O_RDONLY | O_DIRECTORY);
	check("open-enotdir", fd == -1 && errno == ENOTDIR, "returned %d errno %d", fd, errno);
}

struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static void check_getdents(const char *self)
{
	int fd = open("/test", O_RDONLY | O_DIRECTORY);
	if (!check("open-dir", fd >= 0, "open(\"/test\") errno %d", errno))
		return;
	_Alignas(8) static char buf[4096];
	int dot = 0, dotdot = 0, abi = 0, me = 0, bad = 0;
	long r;
	while ((r = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < r;) {
			const struct dirent64_raw *d = (const void *)(buf + off);
			size_t hdr = offsetof(struct dirent64_raw, d_name);
			if (r - off < (long)hdr || d->d_reclen <= hdr || d->d_reclen > r - off ||
			    d->d_reclen % 8 != 0 || !memchr(d->d_name, 0, d->d_reclen - hdr)) {
				bad = 1;
				break;
			}
			dot |= strcmp(d->d_name, ".") == 0 && d->d_type == DT_DIR;
			dotdot |= strcmp(d->d_name, "..") == 0 && d->d_type == DT_DIR;
			abi |= strcmp(d->d_name, "abi_check") == 0 && d->d_type == DT_REG;
			me |= strcmp(d->d_name, self) == 0 && d->d_type == DT_REG;
			off += d->d_reclen;
		}
		if (bad)
			break;
	}
	check("getdents64", r == 0 && !bad && dot && dotdot && abi && me,
	      "last return %ld errno %d; malformed %d, found . %d .. %d abi_check %d %s %d",
	      r, errno, bad, dot, dotdot, abi, self, me);

	/* A buffer too small for the first entry is EINVAL, not 0 (end of directory). */
	lseek(fd, 0, SEEK_SET);
	errno = 0;
	r = syscall(SYS_getdents64, fd, buf, 8);
	check("getdents64-small-buffer", r == -1 && errno == EINVAL, "returned %ld errno %d", r, errno);
	close(fd);
}

/* Returns a page that is mapped read-only, after checking it still reads. */
static volatile int *check_mprotect(void)
{
	int *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!check("mprotect-map", p != MAP_FAILED, "mmap errno %d", errno))
		return NULL;
	p[0] = 42;
	int r = mprotect(p, PAGE, PROT_READ);
	check("mprotect-read-only", r == 0 && *(volatile int *)p == 42,
	      "returned %d errno %d, value %d", r, errno, *(volatile int *)p);
	return p;
}

int main(int argc, char **argv, char **envp)
{
	const char *path = argc > 0 && argv[0] ? argv[0] : "";
	/* Line-buffered whatever stdout is, so a crash loses at most one line;
	 * this also keeps musl from probing the console with TIOCGWINSZ. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	check_args(argc, argv);
	check_env(envp);
	check_auxv(envp, path);
	check_tls();
	check_brk();
	check_mmap();
	check_devices();
	check_enosys();
	check_getrandom();
	check_uname();
	check_file(path);
	check_getdents(base_name(path));
	volatile int *ro = check_mprotect();

	printf("abi_check: %d checks, %d failed\n", checks, failures);
	if (ro) {
		printf("abi_check: writing to a read-only page; SIGSEGV expected\n");
		fflush(stdout);
		*ro = 1;
		printf("FAIL mprotect-fault: the write to a PROT_READ page succeeded\n");
	}
	fflush(stdout);
	return 1;
}
