/* thr_sync — condition variables, barriers, rwlocks, semaphores, timed waits, robust and
 * error-checking mutexes: all built on futexes. */
#include "dt.h"
#include <pthread.h>
#include <semaphore.h>
#include <time.h>

#define N 1000
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t nonempty = PTHREAD_COND_INITIALIZER, nonfull = PTHREAD_COND_INITIALIZER;
static int queue[4], head, tail, len;
static long consumed_sum;

static void *producer(void *a)
{
	(void)a;
	for (int i = 1; i <= N; i++) {
		pthread_mutex_lock(&mu);
		while (len == 4)
			pthread_cond_wait(&nonfull, &mu);
		queue[tail] = i;
		tail = (tail + 1) % 4;
		len++;
		pthread_cond_signal(&nonempty);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void *consumer(void *a)
{
	(void)a;
	for (int i = 0; i < N / 2; i++) {
		pthread_mutex_lock(&mu);
		while (len == 0)
			pthread_cond_wait(&nonempty, &mu);
		consumed_sum += queue[head];
		head = (head + 1) % 4;
		len--;
		pthread_cond_signal(&nonfull);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static pthread_barrier_t bar;
static int serial_count;
static void *at_barrier(void *a)
{
	(void)a;
	for (int round = 0; round < 10; round++)
		if (pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_add_fetch(&serial_count, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static sem_t sem;
static int sem_got;
static void *sem_waiter(void *a)
{
	(void)a;
	sem_wait(&sem);
	__atomic_add_fetch(&sem_got, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static pthread_mutex_t robust;
static void *die_holding(void *a)
{
	(void)a;
	pthread_mutex_lock(&robust);
	return NULL; /* exits with the robust mutex held */
}

int main(void)
{
	pthread_t p, c1, c2;
	pthread_create(&c1, NULL, consumer, NULL);
	pthread_create(&c2, NULL, consumer, NULL);
	pthread_create(&p, NULL, producer, NULL);
	pthread_join(p, NULL);
	pthread_join(c1, NULL);
	pthread_join(c2, NULL);
	printf("consumed sum: %ld (expected %d)\n", consumed_sum, N * (N + 1) / 2);

	pthread_barrier_init(&bar, NULL, 4);
	pthread_t b[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&b[i], NULL, at_barrier, NULL);
	at_barrier(NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(b[i], NULL);
	printf("barrier serial threads: %d\n", serial_count);

	R("rdlock", pthread_rwlock_rdlock(&rw));
	R("second rdlock", pthread_rwlock_tryrdlock(&rw));
	R("trywrlock while read-held", pthread_rwlock_trywrlock(&rw));
	pthread_rwlock_unlock(&rw);
	pthread_rwlock_unlock(&rw);
	R("trywrlock free", pthread_rwlock_trywrlock(&rw));
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 50000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	R("timedrdlock while write-held", pthread_rwlock_timedrdlock(&rw, &ts));
	pthread_rwlock_unlock(&rw);

	sem_init(&sem, 0, 0);
	pthread_t w[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&w[i], NULL, sem_waiter, NULL);
	usleep(50000);
	printf("before post: %d\n", sem_got);
	sem_post(&sem);
	sem_post(&sem);
	usleep(50000);
	printf("after 2 posts: %d\n", sem_got);
	sem_post(&sem);
	for (int i = 0; i < 3; i++)
		pthread_join(w[i], NULL);
	int v;
	sem_getvalue(&sem, &v);
	printf("after 3 posts: %d, value %d\n", sem_got, v);
	R("sem_trywait empty", sem_trywait(&sem));
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 50000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	R("sem_timedwait", sem_timedwait(&sem, &ts));

	pthread_mutex_lock(&mu);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 0;
	ts.tv_nsec += 80000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	int e = pthread_cond_timedwait(&nonempty, &mu, &ts);
	printf("cond_timedwait: %s\n", e == ETIMEDOUT ? "ETIMEDOUT" : e ? errname(e) : "0");
	pthread_mutex_unlock(&mu);

	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_t ec;
	pthread_mutex_init(&ec, &ma);
	pthread_mutex_lock(&ec);
	e = pthread_mutex_lock(&ec);
	printf("errorcheck relock: %s\n", errname(e));
	pthread_mutex_unlock(&ec);
	e = pthread_mutex_unlock(&ec);
	printf("errorcheck unlock unowned: %s\n", errname(e));
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_t rec;
	pthread_mutex_init(&rec, &ma);
	printf("recursive: %d %d %d\n", pthread_mutex_lock(&rec), pthread_mutex_lock(&rec), pthread_mutex_trylock(&rec));
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_NORMAL);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &ma);
	pthread_t d;
	pthread_create(&d, NULL, die_holding, NULL);
	pthread_join(d, NULL);
	e = pthread_mutex_lock(&robust);
	printf("robust after owner died: %s\n", e == EOWNERDEAD ? "EOWNERDEAD" : e ? errname(e) : "0");
	if (e == EOWNERDEAD)
		R("consistent", pthread_mutex_consistent(&robust));
	return done("thr_sync");
}
