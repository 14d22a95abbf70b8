/* thr_futex — the raw futex syscall: EAGAIN on a changed value, timeouts, wake counts, bitsets,
 * requeue, private vs shared across fork, CLONE_CHILD_CLEARTID (what pthread_join sleeps on). */
#include "dt.h"
/* <linux/futex.h> is not in musl's headers */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffff
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

static long futex(uint32_t *u, int op, uint32_t val, const struct timespec *t, uint32_t *u2, uint32_t v3)
{
	return syscall(SYS_futex, u, op, val, t, u2, v3);
}

static uint32_t word, word2;
static int woken, arriving;

static void *waiter(void *a)
{
	uint32_t *w = a;
	__atomic_add_fetch(&arriving, 1, __ATOMIC_SEQ_CST);
	if (futex(w, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0) == 0)
		__atomic_add_fetch(&woken, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *bit_waiter(void *a)
{
	uint32_t bits = (uint32_t)(uintptr_t)a;
	__atomic_add_fetch(&arriving, 1, __ATOMIC_SEQ_CST);
	if (futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, bits) == 0)
		__atomic_add_fetch(&woken, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Waits until `n` waiters have reached their futex call (and a little more for them to sleep). */
static void settle_for(int n)
{
	while (__atomic_load_n(&arriving, __ATOMIC_SEQ_CST) < n)
		usleep(10000);
	usleep(100000);
	arriving = 0;
}

static void settle(void) { usleep(100000); }

/* Releases any waiter of `w` still to arrive (it sees the changed value) or still waiting. */
static void release(uint32_t *w)
{
	__atomic_store_n(w, 1, __ATOMIC_SEQ_CST);
	futex(w, FUTEX_WAKE_PRIVATE, 1000, NULL, NULL, 0);
}

int main(void)
{
	struct timespec t = {0, 50000000};
	word = 1;
	R("wait on changed value", futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
	word = 0;
	R("wait times out", futex(&word, FUTEX_WAIT_PRIVATE, 0, &t, NULL, 0));
	R("wake nobody", futex(&word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
	R("unaligned", futex((uint32_t *)((char *)&word + 1), FUTEX_WAIT_PRIVATE, 0, &t, NULL, 0));
	R("bad address", futex((uint32_t *)8, FUTEX_WAIT_PRIVATE, 0, &t, NULL, 0));
	R("bad op", futex(&word, 99, 0, NULL, NULL, 0));
	struct timespec bad = {0, 1000000000};
	R("bad timeout", futex(&word, FUTEX_WAIT_PRIVATE, 0, &bad, NULL, 0));
	R("bitset 0", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &t, NULL, 0));
	/* wake counts */
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, waiter, &word);
	settle_for(4);
	R("wake 1 of 4", futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	settle();
	printf("woken: %d\n", woken);
	R("wake all", futex(&word, FUTEX_WAKE_PRIVATE, 100, NULL, NULL, 0));
	release(&word);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	word = 0;
	printf("woken: %d\n", woken);
	/* bitsets: only matching waiters wake */
	woken = 0;
	pthread_create(&th[0], NULL, bit_waiter, (void *)(uintptr_t)1);
	pthread_create(&th[1], NULL, bit_waiter, (void *)(uintptr_t)2);
	settle_for(2);
	R("wake bitset 2", futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 10, NULL, NULL, 2));
	R("wake bitset 1", futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 10, NULL, NULL, 1));
	release(&word);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	word = 0;
	/* requeue: wake 1, move the rest to word2 */
	woken = 0;
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, waiter, &word);
	settle_for(3);
	R("cmp_requeue wrong value", futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)10, &word2, 5));
	R("cmp_requeue", futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)10, &word2, 0));
	settle();
	printf("woken after requeue: %d\n", woken);
	R("wake on old word", futex(&word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
	R("wake on new word", futex(&word2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
	release(&word);
	release(&word2);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	word = word2 = 0;
	/* shared futex across fork on a MAP_SHARED word */
	uint32_t *sw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		struct timespec five = {5, 0};
		long r = futex(sw, FUTEX_WAIT, 0, &five, NULL, 0);
		_exit(r == 0 && *sw == 1 ? 0 : 1);
	}
	settle();
	*sw = 1;
	R("shared wake", futex(sw, FUTEX_WAKE, 1, NULL, NULL, 0));
	int st;
	waitpid(c, &st, 0);
	WSTATUS("shared waiter", st);
	/* a private wake does not reach a shared waiter in another process */
	*sw = 0;
	fflush(stdout);
	c = fork();
	if (c == 0) {
		struct timespec half = {0, 300000000};
		long r = futex(sw, FUTEX_WAIT, 0, &half, NULL, 0);
		_exit(r == -1 && errno == ETIMEDOUT ? 0 : 1);
	}
	settle();
	R("private wake across processes", futex(sw, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	waitpid(c, &st, 0);
	WSTATUS("shared waiter not woken by private wake", st);
	/* CLONE_CHILD_CLEARTID: the tid word is cleared and woken when a thread exits */
	pthread_t j;
	pthread_create(&j, NULL, waiter, &word2);
	settle_for(1);
	R("wake one", futex(&word2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	release(&word2);
	R("join after wake", pthread_join(j, NULL));
	/* FUTEX_WAIT with an absolute CLOCK_REALTIME bitset timeout */
	struct timespec abs;
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec += 50000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	word = 0;
	R("bitset absolute realtime timeout", futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY));
	R("CLOCK_REALTIME with plain WAIT", futex(&word, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &t, NULL, 0));
	return done("thr_futex");
}
