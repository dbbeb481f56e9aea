/*
 * Test fixture of the net-rx tests: a TCP or UDP receiver on 127.0.0.1 (tcp, udp) or ::1 (tcp6,
 * udp6) that reads in one of three ways between reads, so the queue delay and its cause are known:
 *   net_receiver tcp|udp|tcp6|udp6 sleep|at-once|busy PAUSE_MS
 * "sleep" sleeps PAUSE_MS between reads (off the CPU), "busy" spins PAUSE_MS in
 * net_rx_test_busy_wait (on the CPU), "at-once" reads again at once (blocking).
 * It prints "port=<n>" once it listens (TCP) or is bound (UDP), then serves one sender. One read
 * takes up to 64 KiB: all a TCP sender of 1 KiB a millisecond queues in a pause, one UDP datagram.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The on-CPU hotspot the tests look for. */
__attribute__((noinline)) void net_rx_test_busy_wait(int ms)
{
	double until = now_ms() + ms;
	volatile unsigned long spins = 0;

	while (now_ms() < until)
		spins++;
}

static void pause_between_reads(const char *mode, int ms)
{
	if (strcmp(mode, "sleep") == 0) {
		struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

		nanosleep(&ts, NULL);
	} else if (strcmp(mode, "busy") == 0) {
		net_rx_test_busy_wait(ms);
	}
}

int main(int argc, char **argv)
{
	static char buffer[1 << 16];
	struct sockaddr_in v4 = {.sin_family = AF_INET};
	struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	struct sockaddr *address;
	socklen_t length;
	int tcp, ipv6, fd, data;

	if (argc != 4) {
		fprintf(stderr, "usage: %s tcp|udp|tcp6|udp6 sleep|at-once|busy PAUSE_MS\n", argv[0]);
		return 2;
	}
	tcp = strncmp(argv[1], "tcp", 3) == 0;
	ipv6 = argv[1][3] == '6';
	v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	address = ipv6 ? (struct sockaddr *)&v6 : (struct sockaddr *)&v4;
	length = ipv6 ? sizeof(v6) : sizeof(v4);
	fd = socket(ipv6 ? AF_INET6 : AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, address, length) != 0 || getsockname(fd, address, &length) != 0 ||
	    (tcp && listen(fd, 1) != 0)) {
		perror("socket");
		return 1;
	}
	printf("port=%d\n", ntohs(ipv6 ? v6.sin6_port : v4.sin_port));
	fflush(stdout);
	data = tcp ? accept(fd, NULL, NULL) : fd;
	if (data < 0) {
		perror("accept");
		return 1;
	}
	for (;;) {
		ssize_t got = recv(data, buffer, sizeof(buffer), 0);

		if (got == 0)
			return 0;
		if (got < 0 && errno != EINTR)
			return 1;
		pause_between_reads(argv[2], atoi(argv[3]));
	}
}
