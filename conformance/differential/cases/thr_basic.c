/* thr_basic — pthreads: create/join/detach, return values, pthread_exit, thread ids, exit from a
 * thread ends the process, exec from a thread, many threads, /proc Threads count. */
// timeout: 120
#include "dt.h"
#include <pthread.h>
#include <sys/syscall.h>

static void *ret_arg(void *a) { return a; }
static void *use_exit(void *a) { pthread_exit((char *)a + 1); }
static pid_t tids[8];
static void *get_ids(void *a)
{
	long i = (long)a;
	tids[i] = (pid_t)syscall(SYS_gettid);
	return (void *)(long)(getpid() == (pid_t)(long)tids[7]);
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static void *add(void *a)
{
	(void)a;
	for (int i = 0; i < 10000; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void *exit_process(void *a)
{
	(void)a;
	usleep(50000);
	exit(42);
}

static void *exec_it(void *a)
{
	(void)a;
	execl("/bin/sh", "sh", "-c", "echo exec from thread; exit 5", (char *)0);
	return NULL;
}

static int threads_line(void)
{
	char buf[4096] = {0};
	int fd = open("/proc/self/status", O_RDONLY);
	read(fd, buf, sizeof buf - 1);
	close(fd);
	char *t = strstr(buf, "Threads:");
	return t ? atoi(t + 8) : -1;
}

static void *sleeper(void *a)
{
	(void)a;
	pause();
	return NULL;
}

static int child_exit(void)
{
	pthread_t t[3];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, sleeper, NULL);
	pthread_create(&t[2], NULL, exit_process, NULL);
	pause();
	return 0;
}

static int child_exec(void)
{
	pthread_t t, s;
	pthread_create(&s, NULL, sleeper, NULL);
	pthread_create(&t, NULL, exec_it, NULL);
	pause();
	return 0;
}

static int main_exits_thread(void)
{
	/* the main thread calls pthread_exit: the process lives until the last thread ends */
	pthread_t t;
	pthread_create(&t, NULL, exit_process, NULL);
	pthread_exit(NULL);
}

int main(void)
{
	pthread_t t;
	void *r;
	R("create", pthread_create(&t, NULL, ret_arg, (void *)1234));
	R("join", pthread_join(t, &r));
	printf("returned %ld\n", (long)r);
	pthread_create(&t, NULL, use_exit, (void *)99);
	pthread_join(t, &r);
	printf("pthread_exit value %ld\n", (long)r);
	tids[7] = getpid();
	pthread_t ts[4];
	for (long i = 0; i < 4; i++)
		pthread_create(&ts[i], NULL, get_ids, (void *)i);
	int same_pid = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(ts[i], &r);
		same_pid += (long)r;
	}
	printf("threads sharing the pid: %d\n", same_pid);
	int distinct = 1;
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			if (i != j && tids[i] == tids[j])
				distinct = 0;
	for (int i = 0; i < 4; i++)
		if (tids[i] == getpid())
			distinct = 0;
	printf("tids distinct and not the pid: %d\n", distinct);
	printf("main tid == pid: %d\n", syscall(SYS_gettid) == getpid());
	pthread_t many[16];
	for (int i = 0; i < 16; i++)
		pthread_create(&many[i], NULL, add, NULL);
	for (int i = 0; i < 16; i++)
		pthread_join(many[i], NULL);
	printf("counter: %ld\n", counter);
	printf("Threads before: %d\n", threads_line());
	pthread_t s1, s2;
	pthread_create(&s1, NULL, sleeper, NULL);
	pthread_create(&s2, NULL, sleeper, NULL);
	usleep(20000);
	printf("Threads with two sleepers: %d\n", threads_line());
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	R("create detached", pthread_create(&t, &at, ret_arg, NULL));
	pthread_attr_setstacksize(&at, 1 << 20);
	R("create with 1M stack", pthread_create(&t, &at, ret_arg, NULL));
	usleep(20000);
	WSTATUS("exit() in a thread", in_child(child_exit));
	WSTATUS("exec from a thread", in_child(child_exec));
	WSTATUS("main thread pthread_exit", in_child(main_exits_thread));
	/* lots of short-lived threads */
	int ok = 0;
	for (int i = 0; i < 200; i++) {
		if (pthread_create(&t, NULL, ret_arg, (void *)(long)i) == 0 && pthread_join(t, &r) == 0 && (long)r == i)
			ok++;
	}
	printf("200 create/join: %d ok\n", ok);
	return done("thr_basic");
}
