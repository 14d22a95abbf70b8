/* thr_signal — signals and threads: per-thread masks, pthread_kill reaching the right thread,
 * process-directed signals going to a thread that does not block them, sigwait in a dedicated
 * thread, a fatal signal killing every thread. */
#include "dt.h"
#include <pthread.h>
#include <sys/syscall.h>

static volatile pid_t handled_by;
static void on_usr1(int s) { (void)s; handled_by = (pid_t)syscall(SYS_gettid); }

static pid_t worker_tid;
static volatile int stop;
static void *worker(void *a)
{
	(void)a;
	worker_tid = (pid_t)syscall(SYS_gettid);
	while (!stop)
		usleep(1000);
	return NULL;
}

static void *unblocked_worker(void *a)
{
	(void)a;
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &m, NULL);
	worker_tid = (pid_t)syscall(SYS_gettid);
	while (!stop)
		usleep(1000);
	return NULL;
}

static void *sigwaiter(void *a)
{
	sigset_t *m = a;
	int s = 0;
	sigwait(m, &s);
	return (void *)(long)s;
}

static void *crasher(void *a)
{
	(void)a;
	usleep(50000);
	*(volatile int *)0 = 0;
	return NULL;
}

static void *sleeper(void *a)
{
	(void)a;
	for (;;)
		pause();
	return NULL;
}

static int crash_child(void)
{
	pthread_t t[3];
	pthread_create(&t[0], NULL, sleeper, NULL);
	pthread_create(&t[1], NULL, sleeper, NULL);
	pthread_create(&t[2], NULL, crasher, NULL);
	for (;;)
		pause();
	return 0;
}

int main(void)
{
	signal(SIGUSR1, on_usr1);
	pthread_t t;
	stop = 0;
	pthread_create(&t, NULL, worker, NULL);
	usleep(20000);
	R("pthread_kill worker", pthread_kill(t, SIGUSR1));
	usleep(50000);
	printf("handled by worker: %d\n", handled_by == worker_tid);
	handled_by = 0;
	raise(SIGUSR1);
	printf("raise handled by main: %d\n", handled_by == getpid());
	stop = 1;
	pthread_join(t, NULL);
	/* block in main, unblocked in a worker: a process-directed signal goes to the worker */
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &m, NULL);
	stop = 0;
	handled_by = 0;
	pthread_create(&t, NULL, unblocked_worker, NULL);
	usleep(20000);
	kill(getpid(), SIGUSR1);
	usleep(100000);
	printf("process signal handled by the unblocked thread: %d\n", handled_by == worker_tid);
	stop = 1;
	pthread_join(t, NULL);
	/* a thread-directed signal to a thread blocking it stays pending for that thread only */
	R("tgkill main (blocked)", syscall(SYS_tgkill, getpid(), getpid(), SIGUSR1));
	sigset_t pend;
	sigpending(&pend);
	printf("pending in main: %d\n", sigismember(&pend, SIGUSR1));
	handled_by = 0;
	pthread_sigmask(SIG_UNBLOCK, &m, NULL);
	printf("delivered on unblock to main: %d\n", handled_by == getpid());
	/* sigwait in a dedicated thread, everyone else blocking */
	pthread_sigmask(SIG_BLOCK, &m, NULL);
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &usr2, NULL);
	pthread_create(&t, NULL, sigwaiter, &usr2);
	usleep(20000);
	kill(getpid(), SIGUSR2);
	void *r;
	pthread_join(t, &r);
	printf("sigwait thread got %s\n", signame((int)(long)r));
	R("tgkill wrong tgid", syscall(SYS_tgkill, 1, getpid(), SIGUSR1));
	R("tkill bad tid", syscall(SYS_tkill, 999999, SIGUSR1));
	R("tgkill sig 0", syscall(SYS_tgkill, getpid(), getpid(), 0));
	WSTATUS("segfault in one of 4 threads", in_child(crash_child));
	return done("thr_signal");
}
