/* time_timers — interval timers and POSIX timers as facts: periodic SIGALRM counts, getitimer
 * remaining values, ITIMER_VIRTUAL/PROF on CPU use, timer_create with SIGEV_SIGNAL/NONE, overruns,
 * alarm(2) return values. */
#include "dt.h"
#include <sys/time.h>
#include <time.h>

static volatile int alrm, vtalrm, prof, rt, rt_val, rt_code;
static void h(int s, siginfo_t *si, void *uc)
{
	(void)uc;
	if (s == SIGALRM)
		alrm++;
	else if (s == SIGVTALRM)
		vtalrm++;
	else if (s == SIGPROF)
		prof++;
	else {
		rt++;
		rt_val = si->si_value.sival_int;
		rt_code = si->si_code;
	}
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGVTALRM, &sa, NULL);
	sigaction(SIGPROF, &sa, NULL);
	sigaction(SIGRTMIN, &sa, NULL);
	/* alarm */
	R("alarm first", alarm(5));
	R("alarm replace returns remaining", alarm(3));
	R("alarm cancel returns remaining", alarm(0));
	/* ITIMER_REAL periodic: 50 ms for ~0.5 s */
	struct itimerval it = {{0, 50000}, {0, 50000}}, cur;
	R("setitimer REAL", setitimer(ITIMER_REAL, &it, NULL));
	getitimer(ITIMER_REAL, &cur);
	printf("interval kept: %ld, value <= 50ms: %d\n", cur.it_interval.tv_usec, cur.it_value.tv_sec == 0 && cur.it_value.tv_usec <= 50000);
	double t0 = now();
	while (now() - t0 < 0.55)
		pause();
	struct itimerval off = {{0, 0}, {0, 0}}, old;
	setitimer(ITIMER_REAL, &off, &old);
	printf("periodic SIGALRM fired repeatedly: %d\n", alrm >= 2);
	printf("old value returned on disarm: %d\n", old.it_interval.tv_usec == 50000);
	getitimer(ITIMER_REAL, &cur);
	printf("disarmed: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
	/* usec rounding: values are kept to the microsecond */
	struct itimerval odd = {{0, 0}, {1, 1}};
	setitimer(ITIMER_REAL, &odd, NULL);
	getitimer(ITIMER_REAL, &cur);
	printf("1.000001 s armed, remaining > 0.9 s: %d\n", cur.it_value.tv_sec == 1 || cur.it_value.tv_usec > 900000);
	setitimer(ITIMER_REAL, &off, NULL);
	struct itimerval bad = {{0, 0}, {0, 1000000}};
	R("setitimer usec 1e6", setitimer(ITIMER_REAL, &bad, NULL));
	R("setitimer bad which", setitimer(7, &it, NULL));
	/* virtual and profiling timers tick with CPU use */
	struct itimerval v = {{0, 10000}, {0, 10000}};
	setitimer(ITIMER_VIRTUAL, &v, NULL);
	setitimer(ITIMER_PROF, &v, NULL);
	t0 = now();
	volatile unsigned long x = 0;
	while (vtalrm < 3 && now() - t0 < 10)
		x++;
	setitimer(ITIMER_VIRTUAL, &off, NULL);
	setitimer(ITIMER_PROF, &off, NULL);
	printf("SIGVTALRM fired on CPU use: %d, SIGPROF too: %d\n", vtalrm >= 3, prof >= 1);
	/* POSIX timers */
	timer_t tid;
	struct sigevent ev = {0};
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGRTMIN;
	ev.sigev_value.sival_int = 4242;
	R("timer_create", timer_create(CLOCK_MONOTONIC, &ev, &tid));
	struct itimerspec its = {{0, 0}, {0, 50000000}}, got;
	R("timer_settime", timer_settime(tid, 0, &its, NULL));
	timer_gettime(tid, &got);
	printf("gettime remaining <= 50ms: %d\n", got.it_value.tv_sec == 0 && got.it_value.tv_nsec <= 50000000 && got.it_value.tv_nsec > 0);
	t0 = now();
	while (rt == 0 && now() - t0 < 5)
		pause();
	printf("timer signal: count %d value %d code %s\n", rt, rt_val, rt_code == SI_TIMER ? "SI_TIMER" : "other");
	timer_gettime(tid, &got);
	printf("one-shot disarmed after firing: %d\n", got.it_value.tv_sec == 0 && got.it_value.tv_nsec == 0);
	/* overruns: block the signal while a 10 ms periodic timer runs 200 ms */
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &m, NULL);
	struct itimerspec per = {{0, 10000000}, {0, 10000000}};
	timer_settime(tid, 0, &per, NULL);
	usleep(200000);
	siginfo_t si;
	sigwaitinfo(&m, &si);
	printf("one queued signal for many expiries, overrun >= 5: %d (si_overrun %d)\n",
	       si.si_overrun >= 5 || timer_getoverrun(tid) >= 5, si.si_overrun >= 5);
	timer_settime(tid, 0, &(struct itimerspec){{0, 0}, {0, 0}}, NULL);
	struct timespec z = {0, 0};
	printf("nothing left queued: %d\n", sigtimedwait(&m, &si, &z) == -1 && errno == EAGAIN);
	R("timer_delete", timer_delete(tid));
	R("timer_delete again", timer_delete(tid));
	/* SIGEV_NONE: no signal, but gettime counts down */
	timer_t none;
	struct sigevent en = {0};
	en.sigev_notify = SIGEV_NONE;
	R("timer_create SIGEV_NONE", timer_create(CLOCK_REALTIME, &en, &none));
	struct itimerspec one = {{0, 0}, {1, 0}};
	timer_settime(none, 0, &one, NULL);
	usleep(100000);
	timer_gettime(none, &got);
	printf("SIGEV_NONE counts down: %d\n", got.it_value.tv_sec == 0 && got.it_value.tv_nsec < 950000000 && got.it_value.tv_nsec > 0);
	timer_t bad_t;
	R("timer_create bad clock", timer_create(42, &ev, &bad_t));
	ev.sigev_signo = 99;
	R("timer_create bad signal", timer_create(CLOCK_MONOTONIC, &ev, &bad_t));
	struct itimerspec badts = {{0, 0}, {0, 1000000000}};
	R("timer_settime bad nsec", timer_settime(none, 0, &badts, NULL));
	/* absolute timer in the past fires at once */
	ev.sigev_signo = SIGRTMIN;
	timer_create(CLOCK_MONOTONIC, &ev, &tid);
	rt = 0;
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	struct itimerspec pastabs = {{0, 0}, {0, 1}};
	timer_settime(tid, TIMER_ABSTIME, &pastabs, NULL);
	usleep(20000);
	printf("absolute timer in the past fired: %d\n", rt);
	return done("time_timers");
}
