/* time_clocks — clocks as facts: monotonicity, agreement between REALTIME/time/gettimeofday,
 * resolutions, CPU-time clocks, sleeps lasting at least what was asked, absolute sleeps, errors. */
#include "dt.h"
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

static double now(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
	struct timespec prev, t;
	clock_gettime(CLOCK_MONOTONIC, &prev);
	int backwards = 0;
	for (int i = 0; i < 100000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec < prev.tv_sec || (t.tv_sec == prev.tv_sec && t.tv_nsec < prev.tv_nsec))
			backwards++;
		prev = t;
	}
	printf("monotonic went backwards: %d times\n", backwards);
	printf("nsec in range: %d\n", t.tv_nsec >= 0 && t.tv_nsec < 1000000000);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	time_t secs = time(NULL);
	double rt = now(CLOCK_REALTIME);
	printf("time() vs gettimeofday within 1 s: %d\n", labs(secs - tv.tv_sec) <= 1);
	printf("REALTIME vs time() within 1 s: %d\n", rt - secs > -1 && rt - secs < 2);
	printf("REALTIME after 2020: %d\n", secs > 1577836800);
	clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
			      CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME};
	const char *names[] = {"REALTIME", "MONOTONIC", "PROCESS_CPUTIME", "THREAD_CPUTIME", "MONOTONIC_RAW",
			       "REALTIME_COARSE", "MONOTONIC_COARSE", "BOOTTIME"};
	for (int i = 0; i < 8; i++) {
		struct timespec res = {-1, -1};
		int r = clock_getres(clocks[i], &res);
		int g = clock_gettime(clocks[i], &t);
		printf("%s: getres %d gettime %d res<=10ms %d\n", names[i], r, g,
		       r == 0 && res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000);
	}
	struct timespec res;
	clock_getres(CLOCK_MONOTONIC, &res);
	printf("MONOTONIC resolution 1ns: %d\n", res.tv_nsec == 1);
	printf("BOOTTIME >= MONOTONIC: %d\n", now(CLOCK_BOOTTIME) >= now(CLOCK_MONOTONIC) - 0.001);
	R("gettime bad clock", clock_gettime(42, &t));
	R("getres bad clock", clock_getres(42, &t));
	R("getres NULL", clock_getres(CLOCK_MONOTONIC, NULL));
	R("settime MONOTONIC", clock_settime(CLOCK_MONOTONIC, &t));
	/* CPU time grows with work, not with sleep */
	double c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < 30000000; i++)
		x += i;
	double c1 = now(CLOCK_PROCESS_CPUTIME_ID);
	usleep(200000);
	double c2 = now(CLOCK_PROCESS_CPUTIME_ID);
	printf("busy loop used CPU: %d\n", c1 - c0 > 0.005);
	printf("sleep used little CPU: %d\n", c2 - c1 < 0.1);
	struct tms tm;
	clock_t ticks = times(&tm);
	printf("times() ok: %d, utime+stime > 0: %d\n", ticks != (clock_t)-1, tm.tms_utime + tm.tms_stime > 0);
	printf("sysconf CLK_TCK: %ld\n", sysconf(_SC_CLK_TCK));
	/* sleeps */
	double m0 = now(CLOCK_MONOTONIC);
	struct timespec d = {0, 150000000};
	R("nanosleep 150ms", nanosleep(&d, NULL));
	double m1 = now(CLOCK_MONOTONIC);
	printf("slept at least 150ms: %d, less than 2 s: %d\n", m1 - m0 >= 0.15, m1 - m0 < 2);
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 100000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	int e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
	double m2 = now(CLOCK_MONOTONIC);
	printf("absolute sleep: %d, reached target: %d\n", e, m2 >= abs.tv_sec + abs.tv_nsec / 1e9);
	struct timespec past = {1, 0};
	double m3 = now(CLOCK_MONOTONIC);
	e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL);
	printf("absolute sleep in the past: %d, immediate: %d\n", e, now(CLOCK_MONOTONIC) - m3 < 0.05);
	struct timespec bad = {0, 1000000000};
	R("nanosleep nsec 1e9", nanosleep(&bad, NULL));
	struct timespec neg = {-1, 0};
	R("nanosleep negative", nanosleep(&neg, NULL));
	printf("clock_nanosleep bad clock: %s\n", errname(clock_nanosleep(42, 0, &d, NULL)));
	printf("clock_nanosleep CPUTIME: %s\n", errname(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &d, NULL)));
	struct timespec zero = {0, 0};
	R("nanosleep 0", nanosleep(&zero, NULL));
	/* the CPU clock of another process */
	clockid_t cid;
	printf("clock_getcpuclockid self: %d\n", clock_getcpuclockid(0, &cid));
	R("cpu clock of self works", clock_gettime(cid, &t));
	return done("time_clocks");
}
