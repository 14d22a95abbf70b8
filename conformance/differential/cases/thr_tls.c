/* thr_tls — thread-local storage: __thread initial values per thread, independent errno,
 * pthread keys with destructors, the FS base (arch_prctl), stack addresses distinct. */
#include "dt.h"
#include <pthread.h>
#define ARCH_SET_GS 0x1001 /* <asm/prctl.h>, which musl does not ship */
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#include <sys/syscall.h>

static __thread int tls_init = 42;
static __thread int tls_zero;
static __thread char tls_buf[64] = "initial";
static pthread_key_t key;
static int destructed;
static void destructor(void *v) { __atomic_add_fetch(&destructed, (int)(long)v, __ATOMIC_SEQ_CST); }

static void *worker(void *a)
{
	long id = (long)a;
	int ok = tls_init == 42 && tls_zero == 0 && strcmp(tls_buf, "initial") == 0;
	tls_init = (int)id;
	tls_zero = (int)id * 2;
	snprintf(tls_buf, sizeof tls_buf, "thread %ld", id);
	errno = (int)id;
	pthread_setspecific(key, (void *)id);
	usleep(20000);
	ok = ok && tls_init == id && tls_zero == id * 2 && errno == id && (long)pthread_getspecific(key) == id;
	unsigned long fs = 0;
	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
	ok = ok && fs == (unsigned long)pthread_self();
	int local;
	return (void *)(long)(ok ? ((unsigned long)&local >> 12) : 0);
}

int main(void)
{
	pthread_key_create(&key, destructor);
	tls_init = 7;
	strcpy(tls_buf, "main");
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	unsigned long pages[4];
	int ok = 0;
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		pages[i] = (unsigned long)r;
		ok += r != NULL;
	}
	printf("threads with correct TLS: %d\n", ok);
	int distinct = 1;
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			distinct &= pages[i] != pages[j];
	printf("stacks distinct: %d\n", distinct);
	printf("main TLS untouched: %d %d %s\n", tls_init, tls_zero, tls_buf);
	printf("destructor sum: %d\n", destructed);
	unsigned long fs = 0;
	R("ARCH_GET_FS", syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
	printf("fs is pthread_self: %d\n", fs == (unsigned long)pthread_self());
	R("ARCH_SET_FS non-canonical", syscall(SYS_arch_prctl, ARCH_SET_FS, 0x8000000000000000UL));
	R("arch_prctl bad code", syscall(SYS_arch_prctl, 0x9999, 0));
	unsigned long gs = 1;
	R("ARCH_SET_GS", syscall(SYS_arch_prctl, ARCH_SET_GS, 0x1234000UL));
	R("ARCH_GET_GS", syscall(SYS_arch_prctl, ARCH_GET_GS, &gs));
	printf("gs: %#lx\n", gs);
	/* TLS survives fork in the child (same layout) */
	tls_zero = 99;
	fflush(stdout);
	pid_t c = fork();
	if (c == 0)
		_exit(tls_zero == 99 && tls_init == 7 ? 0 : 1);
	int st;
	waitpid(c, &st, 0);
	WSTATUS("fork child TLS", st);
	return done("thr_tls");
}
